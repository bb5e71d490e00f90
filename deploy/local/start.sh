#!/usr/bin/env bash
# Starts the whole platform locally on the embedded defaults: Kafka, the schema registry, the ingest
# API, the processor and the sink (DuckDB warehouse + local Parquet lake). Prints where to look and a
# development token. Ctrl-C stops the apps gracefully (they flush and commit), then the broker.
#   --cluster   run on the secured 3-node cluster (deploy/local/kafka-cluster.sh start --secure):
#               SASL_SSL, each app as its own SCRAM user with its ACLs, replication 3, min ISR 2
set -uo pipefail
CLUSTER=0
for arg in "$@"; do
  case "$arg" in
    --cluster) CLUSTER=1 ;;
    *) echo "unknown option '$arg' (start.sh [--cluster])"; exit 2 ;;
  esac
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
RUN="$ROOT/.data/run"
mkdir -p "$RUN"

[ -d node_modules ] || { echo "Installing dependencies..."; npm ci --no-audit --no-fund || exit 1; }

# A development signing secret, generated once and kept under .data (git-ignored), unless one is given.
if [ -z "${JWT_SECRET:-}" ]; then
  [ -f "$RUN/dev-jwt-secret" ] || node -e "process.stdout.write(require('crypto').randomBytes(32).toString('hex'))" >"$RUN/dev-jwt-secret"
  JWT_SECRET="$(cat "$RUN/dev-jwt-secret")"
fi
export JWT_SECRET
# The registry authenticates every caller: users generated once under .data/run (see registry.sh);
# the apps present the `platform` user, a developer the `developer` user or the token printed below.
if [ -z "${REGISTRY_USERS:-}${REGISTRY_USERS_FILE:-}${REGISTRY_AUTH:-}" ]; then
  bash deploy/local/registry.sh credentials || exit 1
  export REGISTRY_USERS_FILE="$RUN/registry-users"
  if [ -z "${SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO:-}${SCHEMA_REGISTRY_BEARER_TOKEN:-}${SCHEMA_REGISTRY_BEARER_TOKEN_FILE:-}" ]; then
    export SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE="${SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE:-$RUN/registry-platform.userinfo}"
  fi
fi
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
export SCHEMA_REGISTRY_URL="${SCHEMA_REGISTRY_URL:-http://127.0.0.1:8081}"
export DATA_DIR="${DATA_DIR:-$ROOT/.data}"
export WAREHOUSE="${WAREHOUSE:-duckdb}"
export THROTTLE_LIMIT="${THROTTLE_LIMIT:-100000}"
export LOG_LEVEL="${LOG_LEVEL:-info}"

started_kafka=0
started_cluster=0
exit_code=0
pids=()
stop_all() {
  trap - INT TERM EXIT
  # Output may go to a pipe whose reader died with the same Ctrl-C: finish stopping regardless.
  trap '' PIPE
  echo
  echo "Stopping the platform..."
  # Reverse start order: the front door first, so nothing new arrives while the rest drains.
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  [ $started_kafka = 1 ] && bash deploy/local/kafka.sh stop
  [ $started_cluster = 1 ] && bash deploy/local/kafka-cluster.sh stop
  echo "Stopped. Data is kept in $DATA_DIR"
  exit $exit_code
}
trap stop_all INT TERM EXIT

if [ $CLUSTER = 1 ]; then
  if ! bash deploy/local/kafka-cluster.sh status >/dev/null 2>&1; then
    bash deploy/local/kafka-cluster.sh start --secure || exit 1
    started_cluster=1
  fi
elif ! bash deploy/local/kafka.sh status >/dev/null 2>&1; then
  bash deploy/local/kafka.sh start || exit 1
  started_kafka=1
fi

# On the cluster each app connects as its own user: the KAFKA_* settings kafka-cluster.sh prints.
kafka_env() {
  [ $CLUSTER = 1 ] && bash deploy/local/kafka-cluster.sh env "$1" | sed 's/^export //'
  return 0
}

start_app() {
  local name="$1" entry="$2" ready_url="$3" user
  case "$name" in schema-registry) user=registry ;; ingest-api) user=ingest ;; *) user="$name" ;; esac
  # shellcheck disable=SC2046
  env $(kafka_env "$user") node -r ./scripts/register.js "$entry" >"$RUN/$name.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local deadline=$((SECONDS + 90))
  until curl -fsS -o /dev/null "$ready_url" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "$name exited during start; last lines of $RUN/$name.log:"; tail -20 "$RUN/$name.log"; exit_code=1; stop_all; fi
    if [ $SECONDS -ge $deadline ]; then echo "$name did not become ready within 90s; see $RUN/$name.log"; exit_code=1; stop_all; fi
    sleep 0.5
  done
  echo "  $name ready (pid $pid, log $RUN/$name.log)"
}

echo "Starting the platform..."
PORT=8081 start_app schema-registry apps/schema-registry/src/main.ts "http://127.0.0.1:8081/health/ready"
PROCESSOR_OPS_PORT=9101 start_app processor apps/processor/src/main.ts "http://127.0.0.1:9101/health/live"
SINK_OPS_PORT=9102 start_app sink apps/sink/src/main.ts "http://127.0.0.1:9102/health/live"
CONSOLE_STAGES="${CONSOLE_STAGES:-processor=http://127.0.0.1:9101,sink=http://127.0.0.1:9102}" PORT=3000 start_app ingest-api apps/ingest-api/src/main.ts "http://127.0.0.1:3000/api/v1/health/live"

if [ $CLUSTER = 1 ]; then
  KAFKA_INFO="$(bash deploy/local/kafka-cluster.sh env admin | sed -n 's/^export KAFKA_BROKERS=//p') (SASL_SSL; a user's settings: npm run -s kafka:cluster -- env admin)"
else
  KAFKA_INFO="$KAFKA_BROKERS"
fi
TOKEN="$(node -r ./scripts/register.js apps/ingest-api/src/cli/dev-token.ts --sub local-dev --scope 'events:* admin:* registry:admin' --ttl 24h 2>/dev/null)"
cat <<INFO

The platform is running:
  Ingest API        http://127.0.0.1:3000/api/v1/events/{topic}   (OpenAPI docs: http://127.0.0.1:3000/docs)
  Live stream       ws://127.0.0.1:3000/api/v1/stream/{topic}?access_token=\$TOKEN
  Console           http://127.0.0.1:3000/console   (sign in with the development token below)
  Schema registry   http://127.0.0.1:8081/subjects
  Metrics           :3000/metrics  :8081/metrics  :9101/metrics (processor)  :9102/metrics (sink)
  Kafka             $KAFKA_INFO
  Warehouse         $DATA_DIR/warehouse.duckdb   (query: npm run query -- "SELECT * FROM analytics.aggregated_events LIMIT 10")
  Lake              $DATA_DIR/lake
  Logs              $RUN/*.log

Development token (scopes events:* admin:* registry:admin, valid 24h; the registry accepts it too):
  export TOKEN=$TOKEN

Schema registry credentials (admin; HTTP basic, as Confluent tooling expects):
  export SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=\$(cat $RUN/registry-developer.userinfo)
  curl -u "\$SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO" http://127.0.0.1:8081/subjects

Send demo traffic in another terminal:  npm run demo
Press Ctrl-C to stop everything.
INFO

wait -n "${pids[@]}"
echo "An app exited unexpectedly; see the logs in $RUN."
exit_code=1
stop_all
