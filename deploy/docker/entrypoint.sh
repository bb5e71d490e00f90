#!/bin/sh
# Starts one app of the platform image by name from the compiled output (npm run build); anything else
# runs as a plain command. `healthcheck` probes the readiness path of the app this container runs.
set -eu
cd "${PLATFORM_HOME:-/app}"
app="${1:-ingest-api}"
case "$app" in
  ingest-api|schema-registry|processor|sink)
    exec node --enable-source-maps "dist/apps/$app/src/main.js"
    ;;
  dlq|query)
    shift
    exec node --enable-source-maps "dist/scripts/$app.js" "$@"
    ;;
  dev-token)
    shift
    exec node --enable-source-maps dist/apps/ingest-api/src/cli/dev-token.js "$@"
    ;;
  healthcheck)
    # The app is a word of PID 1's command line (tini, or the container runtime's init, runs this script).
    for word in $(tr '\0' ' ' </proc/1/cmdline); do
      case "$word" in
        ingest-api) exec curl -fsS -o /dev/null "http://127.0.0.1:${PORT:-3000}/api/v1/health/ready" ;;
        schema-registry) exec curl -fsS -o /dev/null "http://127.0.0.1:${PORT:-8081}/health/ready" ;;
        processor) exec curl -fsS -o /dev/null "http://127.0.0.1:${PROCESSOR_OPS_PORT:-9101}/health/ready" ;;
        sink) exec curl -fsS -o /dev/null "http://127.0.0.1:${SINK_OPS_PORT:-9102}/health/ready" ;;
      esac
    done
    exit 0
    ;;
  *)
    exec "$@"
    ;;
esac
