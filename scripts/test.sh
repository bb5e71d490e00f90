#!/usr/bin/env bash
# The full test suite on this machine: installs dependencies if missing, starts the real Kafka broker
# (the default version of deploy/local/kafka.sh) and the schema registry if they are not already running,
# and a second broker of another Kafka version (KAFKA_COMPAT_VERSION, 3.9.1; empty skips it) on
# KAFKA_COMPAT_PORT (9192) that the Kafka-layer end-to-end tests run against once more (the third jest
# project); stops what it started, runs every jest project, and ends with one line:
# "N passed, N failed[, N skipped]". Extra arguments go to jest (e.g. `npm test -- libs/windowing`).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p reports

[ -d node_modules ] || npm ci --no-audit --no-fund || { echo "npm ci failed"; exit 1; }
bash scripts/ensure-promtool.sh || true

COMPAT_VERSION="${KAFKA_COMPAT_VERSION-3.9.1}"
COMPAT_PORT="${KAFKA_COMPAT_PORT:-9192}"
# deploy/local/kafka.sh for the compatibility broker: its version, ports and data directory.
compat_kafka() {
  KAFKA_VERSION="$COMPAT_VERSION" KAFKA_PORT="$COMPAT_PORT" KAFKA_CONTROLLER_PORT="$((COMPAT_PORT + 1))" \
    KAFKA_DATA_DIR="$ROOT/.data/kafka-$COMPAT_VERSION" bash deploy/local/kafka.sh "$@"
}

started_kafka=0
started_compat=0
started_registry=0
cleanup() {
  [ $started_registry = 1 ] && bash deploy/local/registry.sh stop >/dev/null 2>&1
  [ $started_kafka = 1 ] && bash deploy/local/kafka.sh stop >/dev/null 2>&1
  [ $started_compat = 1 ] && compat_kafka stop >/dev/null 2>&1
  return 0
}
trap cleanup EXIT

# Fetch one version at a time (Maven's local repository is shared), then start both brokers at once.
bash deploy/local/kafka.sh fetch || { echo "could not fetch the Kafka jars"; exit 1; }
[ -z "$COMPAT_VERSION" ] || compat_kafka fetch || { echo "could not fetch the Kafka $COMPAT_VERSION jars"; exit 1; }
compat_pid=""
if [ -n "$COMPAT_VERSION" ] && ! compat_kafka status >/dev/null 2>&1; then
  started_compat=1
  compat_kafka start &
  compat_pid=$!
fi
if ! bash deploy/local/kafka.sh status >/dev/null 2>&1; then
  started_kafka=1
  bash deploy/local/kafka.sh start || { echo "could not start Kafka"; exit 1; }
fi
if [ -n "$compat_pid" ]; then
  wait "$compat_pid" || { echo "could not start Kafka $COMPAT_VERSION (the compatibility broker)"; exit 1; }
fi
if [ -n "$COMPAT_VERSION" ]; then
  export KAFKA_COMPAT_BROKERS="127.0.0.1:$COMPAT_PORT" KAFKA_COMPAT_VERSION="$COMPAT_VERSION"
fi
if ! bash deploy/local/registry.sh status >/dev/null 2>&1; then
  bash deploy/local/registry.sh start || { echo "could not start the schema registry"; exit 1; }
  started_registry=1
fi

export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
export SCHEMA_REGISTRY_URL="${SCHEMA_REGISTRY_URL:-http://127.0.0.1:8081}"
export LOG_LEVEL="${LOG_LEVEL:-warn}"
# The registry authenticates: tests present the developer credentials registry.sh generated (an
# in-process test registry is given the same), unless credentials are already in the environment.
if [ -z "${SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO:-}${SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE:-}${SCHEMA_REGISTRY_BEARER_TOKEN:-}${SCHEMA_REGISTRY_BEARER_TOKEN_FILE:-}" ] &&
  [ -f .data/run/registry-developer.userinfo ]; then
  SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO="$(cat .data/run/registry-developer.userinfo)"
  export SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO
fi

# --forceExit: a test that points an app at an unreachable broker leaves kafkajs reconnecting in the
# background for a while after the app closed; the run must end when the tests end.
npx jest --ci --forceExit --json --outputFile=reports/jest.json "$@"
status=$?
node scripts/jest-summary.js reports/jest.json || status=1
exit $status
