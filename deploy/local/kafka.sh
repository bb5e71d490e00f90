#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft) for development, tests and CI.
#   kafka.sh fetch            download the broker and tool jars from Maven Central (cached)
#   kafka.sh start            format storage if needed, start the broker, wait until it serves
#   kafka.sh stop             stop the broker cleanly (SIGTERM, then wait)
#   kafka.sh status           exit 0 when the broker answers
#   kafka.sh reset            stop and delete the broker's data
#   kafka.sh tool NAME ARGS   run a Kafka CLI tool: topics, console-consumer, console-producer,
#                             consumer-groups, producer-perf-test, consumer-perf-test
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HOME_DIR (.cache/kafka),
#              KAFKA_DATA_DIR (.data/kafka), KAFKA_HEAP (1g).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
CACHE="${KAFKA_HOME_DIR:-$ROOT/.cache/kafka}"
DATA="${KAFKA_DATA_DIR:-$ROOT/.data/kafka}"
HEAP="${KAFKA_HEAP:-1g}"
LIB="$CACHE/lib"
PIDFILE="$DATA/broker.pid"
LOG="$DATA/broker.log"
PROPS="$DATA/server.properties"

die() { echo "kafka.sh: $*" >&2; exit 1; }

require_java() {
  command -v java >/dev/null 2>&1 || die "Java 17 is required to run Kafka and was not found on PATH. Install a JDK 17 (e.g. apt-get install openjdk-17-jre-headless) and retry."
}

fetch() {
  if [ -f "$LIB/.complete" ]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is required to fetch the Kafka jars from Maven Central and was not found on PATH."
  mkdir -p "$LIB"
  echo "kafka.sh: fetching Apache Kafka jars into $LIB" >&2
  mvn -q -B -f "$ROOT/deploy/local/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$LIB" -DincludeScope=runtime >&2
  touch "$LIB/.complete"
}

java_cp() { echo "$LIB/*"; }

run_class() {
  local cls="$1"; shift
  java -Xmx512m -cp "$(java_cp)" -Dlog4j.configuration="file:$ROOT/deploy/local/log4j-tools.properties" "$cls" "$@"
}

write_props() {
  mkdir -p "$DATA/logs"
  cat > "$PROPS" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${CONTROLLER_PORT}
listeners=PLAINTEXT://127.0.0.1:${PORT},CONTROLLER://127.0.0.1:${CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://127.0.0.1:${PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${DATA}/logs
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=12
min.insync.replicas=1
default.replication.factor=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.segment.bytes=268435456
message.max.bytes=10485760
replica.fetch.max.bytes=10485760
transaction.max.timeout.ms=900000
delete.topic.enable=true
PROPS
}

alive() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

serving() {
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || return 1
  run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$PORT" --list >/dev/null 2>&1
}

start() {
  require_java
  fetch
  if alive && serving; then echo "kafka.sh: broker already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"; return 0; fi
  if alive; then die "a broker process (pid $(cat "$PIDFILE")) exists but does not answer on $PORT; run 'kafka.sh stop' first"; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then die "port $PORT is taken by another process; set KAFKA_PORT or stop it"; fi
  write_props
  if [ ! -f "$DATA/logs/meta.properties" ]; then
    local cluster_id
    cluster_id="$(run_class kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    run_class kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" --ignore-formatted >/dev/null
  fi
  nohup java -Xms256m -Xmx"$HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$ROOT/deploy/local/log4j-broker.properties" \
    -Dkafka.logs.dir="$DATA" -cp "$(java_cp)" kafka.Kafka "$PROPS" >"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
  local deadline=$((SECONDS + 90))
  until serving; do
    if ! alive; then tail -40 "$LOG" >&2; die "broker exited during start; log: $LOG"; fi
    [ $SECONDS -lt $deadline ] || { tail -40 "$LOG" >&2; die "broker did not answer on $PORT within 90s; log: $LOG"; }
    sleep 1
  done
  echo "kafka.sh: broker ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), data $DATA)"
}

stop() {
  if ! alive; then rm -f "$PIDFILE"; echo "kafka.sh: broker not running"; return 0; fi
  local pid; pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then echo "kafka.sh: broker did not stop in 60s, killing" >&2; kill -KILL "$pid" || true; break; fi
    sleep 0.5
  done
  rm -f "$PIDFILE"
  echo "kafka.sh: broker stopped"
}

tool() {
  require_java; fetch
  local name="${1:-}"; shift || true
  case "$name" in
    topics) run_class org.apache.kafka.tools.TopicCommand "$@" ;;
    console-consumer) run_class org.apache.kafka.tools.consumer.ConsoleConsumer "$@" ;;
    console-producer) run_class kafka.tools.ConsoleProducer "$@" ;;
    consumer-groups) run_class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@" ;;
    producer-perf-test) run_class org.apache.kafka.tools.ProducerPerformance "$@" ;;
    consumer-perf-test) run_class org.apache.kafka.tools.ConsumerPerformance "$@" ;;
    *) die "unknown tool '$name' (topics, console-consumer, console-producer, consumer-groups, producer-perf-test, consumer-perf-test)" ;;
  esac
}

case "${1:-}" in
  fetch) require_java; fetch ;;
  start) start ;;
  stop) stop ;;
  status) serving && echo "kafka.sh: broker serving on 127.0.0.1:$PORT" ;;
  reset) stop; rm -rf "$DATA"; echo "kafka.sh: data removed" ;;
  tool) shift; tool "$@" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
