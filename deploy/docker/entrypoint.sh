#!/bin/sh
# Starts one app of the platform image by name; anything else runs as a plain command.
set -eu
cd /app
app="${1:-ingest-api}"
case "$app" in
  ingest-api|schema-registry|processor|sink)
    exec node -r ./scripts/register.js "apps/$app/src/main.ts"
    ;;
  dlq|query)
    shift
    exec node -r ./scripts/register.js "scripts/$app.ts" "$@"
    ;;
  dev-token)
    shift
    exec node -r ./scripts/register.js apps/ingest-api/src/cli/dev-token.ts "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
