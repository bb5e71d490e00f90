#!/usr/bin/env bash
# The schema registry as a background service for tests and CI: start | stop | status | credentials.
# Environment: SCHEMA_REGISTRY_PORT (8081), KAFKA_BROKERS (127.0.0.1:9092), SCHEMAS_TOPIC (_schemas).
#
# The registry authenticates every caller. Unless REGISTRY_USERS / REGISTRY_USERS_FILE / REGISTRY_AUTH
# are given, `credentials` (run by `start`) generates two users once, kept under .data/run (git-ignored,
# mode 600): `platform` (write: what the apps use) and `developer` (admin: for people and tests).
#   .data/run/registry-users               REGISTRY_USERS_FILE for the registry
#   .data/run/registry-platform.userinfo   SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO_FILE for the apps
#   .data/run/registry-developer.userinfo  user:password for curl -u, scripts/test.sh, Confluent tooling
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${SCHEMA_REGISTRY_PORT:-8081}"
RUN="$ROOT/.data/run"
PIDFILE="$RUN/registry.pid"
LOG="$RUN/registry.log"

# Health needs no credentials; it answers once the schemas log is loaded.
answers() { curl -fsS -o /dev/null "http://127.0.0.1:$PORT/health/ready" 2>/dev/null; }
alive() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

credentials() {
  mkdir -p "$RUN"
  [ -f "$RUN/registry-users" ] && [ -f "$RUN/registry-platform.userinfo" ] && [ -f "$RUN/registry-developer.userinfo" ] && return 0
  (
    umask 077
    local platform developer
    platform="$(node -e "process.stdout.write(require('crypto').randomBytes(18).toString('base64url'))")"
    developer="$(node -e "process.stdout.write(require('crypto').randomBytes(18).toString('base64url'))")"
    printf 'platform:write:%s\ndeveloper:admin:%s\n' "$platform" "$developer" >"$RUN/registry-users"
    printf 'platform:%s\n' "$platform" >"$RUN/registry-platform.userinfo"
    printf 'developer:%s\n' "$developer" >"$RUN/registry-developer.userinfo"
  )
}

case "${1:-}" in
  start)
    mkdir -p "$RUN"
    if answers; then echo "registry.sh: registry already answering on 127.0.0.1:$PORT"; exit 0; fi
    cd "$ROOT"
    if [ -z "${REGISTRY_USERS:-}${REGISTRY_USERS_FILE:-}${REGISTRY_AUTH:-}" ]; then
      credentials
      export REGISTRY_USERS_FILE="$RUN/registry-users"
    fi
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
  credentials) credentials ;;
  *) echo "usage: registry.sh start|stop|status|credentials" >&2; exit 2 ;;
esac
