#!/usr/bin/env bash
# The schema registry as a background service for tests and CI: start | stop | status.
# Environment: SCHEMA_REGISTRY_PORT (8081), KAFKA_BROKERS (127.0.0.1:9092), SCHEMAS_TOPIC (_schemas).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${SCHEMA_REGISTRY_PORT:-8081}"
RUN="$ROOT/.data/run"
PIDFILE="$RUN/registry.pid"
LOG="$RUN/registry.log"

answers() { curl -fsS -o /dev/null "http://127.0.0.1:$PORT/subjects" 2>/dev/null; }
alive() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

case "${1:-}" in
  start)
    mkdir -p "$RUN"
    if answers; then echo "registry.sh: registry already answering on 127.0.0.1:$PORT"; exit 0; fi
    cd "$ROOT"
    PORT="$PORT" nohup node -r ./scripts/register.js apps/schema-registry/src/main.ts >"$LOG" 2>&1 &
    echo $! >"$PIDFILE"
    deadline=$((SECONDS + 60))
    until answers; do
      alive || { tail -30 "$LOG" >&2; echo "registry.sh: registry exited during start; log: $LOG" >&2; exit 1; }
      [ $SECONDS -lt $deadline ] || { tail -30 "$LOG" >&2; echo "registry.sh: registry did not answer within 60s" >&2; exit 1; }
      sleep 0.5
    done
    echo "registry.sh: registry ready on http://127.0.0.1:$PORT (pid $(cat "$PIDFILE"))" ;;
  stop)
    if alive; then
      pid="$(cat "$PIDFILE")"; kill -TERM "$pid"
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"; echo "registry.sh: registry stopped" ;;
  status) answers && echo "registry.sh: registry answering on 127.0.0.1:$PORT" ;;
  *) echo "usage: registry.sh start|stop|status" >&2; exit 2 ;;
esac
