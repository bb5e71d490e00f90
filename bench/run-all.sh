#!/usr/bin/env bash
# Runs every benchmark against a running broker (started here if needed) and composes docs/BENCHMARKS.md.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/benchmarks
started=0
if ! bash deploy/local/kafka.sh status >/dev/null 2>&1; then bash deploy/local/kafka.sh start || exit 1; started=1; fi
reg_started=0
if ! bash deploy/local/registry.sh status >/dev/null 2>&1; then bash deploy/local/registry.sh start || exit 1; reg_started=1; fi
if [ -z "${SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO:-}${SCHEMA_REGISTRY_BEARER_TOKEN:-}" ] && [ -f .data/run/registry-developer.userinfo ]; then
  SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO="$(cat .data/run/registry-developer.userinfo)"
  export SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO
fi
status=0
for name in ingest processor sink websocket serving end-to-end; do
  if [ -f "bench/$name.ts" ]; then
    echo "== bench: $name"
    LOG_LEVEL=warn node -r ./scripts/register.js "bench/$name.ts" || { echo "bench $name failed"; status=1; }
  fi
done
node -r ./scripts/register.js bench/report.ts
[ $reg_started = 1 ] && bash deploy/local/registry.sh stop
[ $started = 1 ] && bash deploy/local/kafka.sh stop
exit $status
