#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft) for development, tests and CI, in the version KAFKA_VERSION selects.
#   kafka.sh fetch            download the broker and tool jars of the version from Maven Central (cached)
#   kafka.sh start            format storage if needed, start the broker, wait until it serves
#   kafka.sh stop             stop the broker cleanly (SIGTERM, then wait)
#   kafka.sh status           exit 0 when the broker answers
#   kafka.sh reset            stop and delete the broker's data
#   kafka.sh tool NAME ARGS   run a Kafka CLI tool: topics, console-consumer, console-producer,
#                             consumer-groups, producer-perf-test, consumer-perf-test, get-offsets,
#                             storage, configs, acls, metadata-quorum
#   kafka.sh version          print the selected broker version
#   kafka.sh libdir           fetch if needed, print the directory holding the version's jars
#   kafka.sh classpath        fetch if needed, print the java classpath of the version
#   kafka.sh log-opts KIND    print the JVM logging option for KIND broker or tools (log4j2 on 4.x)
# Environment: KAFKA_VERSION (4.4.0; 3.9.x works too), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
#              KAFKA_HOME_DIR (.cache/kafka, jars in <dir>/<version>/lib), KAFKA_DATA_DIR (.data/kafka),
#              KAFKA_HEAP (1g).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="${KAFKA_VERSION:-4.4.0}"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
CACHE="${KAFKA_HOME_DIR:-$ROOT/.cache/kafka}"
DATA="${KAFKA_DATA_DIR:-$ROOT/.data/kafka}"
HEAP="${KAFKA_HEAP:-1g}"
LIB="$CACHE/$VERSION/lib"
PIDFILE="$DATA/broker.pid"
LOG="$DATA/broker.log"
PROPS="$DATA/server.properties"
# The version that last ran on this data directory (a newer version's metadata cannot be read by an older one).
DATA_VERSION_FILE="$DATA/kafka.version"

die() { echo "kafka.sh: $*" >&2; exit 1; }

[[ "$VERSION" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || die "KAFKA_VERSION must be a released Apache Kafka version such as 4.4.0 or 3.9.1 (got '$VERSION')"
MAJOR="${BASH_REMATCH[1]}"
MINOR="${BASH_REMATCH[2]}"
if [ "$MAJOR" -lt 3 ] || { [ "$MAJOR" -eq 3 ] && [ "$MINOR" -lt 9 ]; }; then
  die "KAFKA_VERSION=$VERSION is older than 3.9, the oldest version this script runs (its KRaft setup and tool classes); use 3.9.x or 4.x"
fi
# Kafka 4 logs through log4j2, Kafka 3 through log4j 1 (reload4j).
if [ "$MAJOR" -ge 4 ]; then LOGGING=log4j2; else LOGGING=reload4j; fi

require_java() {
  command -v java >/dev/null 2>&1 || die "Java 17 is required to run Kafka and was not found on PATH. Install a JDK 17 (e.g. apt-get install openjdk-17-jre-headless) and retry."
}

# Lists the classes of the version's Kafka jars once, so tools can be looked up where this version keeps them.
index_classes() {
  local jar
  for jar in "$1"/kafka*.jar; do
    if command -v unzip >/dev/null 2>&1; then unzip -Z1 "$jar"; else (cd "$1" && jar tf "$jar"); fi
  done | sed -n 's/\.class$//p' | tr / . >"$1/.classes"
}

fetch() {
  if [ -f "$LIB/.complete" ]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is required to fetch the Kafka jars from Maven Central and was not found on PATH."
  local tmp="$LIB.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  echo "kafka.sh: fetching Apache Kafka $VERSION jars into $LIB" >&2
  if ! mvn -q -B -f "$ROOT/deploy/local/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$VERSION" -Dkafka.logging="$LOGGING" -DoutputDirectory="$tmp" -DincludeScope=runtime >&2; then
    rm -rf "$tmp"; rmdir "$CACHE/$VERSION" 2>/dev/null || true
    die "could not fetch Apache Kafka $VERSION from Maven Central (is KAFKA_VERSION a released version?)"
  fi
  index_classes "$tmp"
  touch "$tmp/.complete"
  # Another fetch of the same version may have finished meanwhile: keep the first complete one.
  if [ -f "$LIB/.complete" ]; then rm -rf "$tmp"; else rm -rf "$LIB"; mv "$tmp" "$LIB"; fi
}

java_cp() { echo "$LIB/*"; }

# The JVM option that points the version's logging library at our configuration (quiet: warnings and up).
log_opts() {
  local kind="$1"
  case "$kind" in broker | tools) ;; *) die "log-opts takes broker or tools (got '$kind')" ;; esac
  if [ "$LOGGING" = log4j2 ]; then
    echo "-Dlog4j2.configurationFile=$ROOT/deploy/local/log4j2-$kind.properties"
  else
    echo "-Dlog4j.configuration=file:$ROOT/deploy/local/log4j-$kind.properties"
  fi
}

# The first of the given class names that this version's jars contain (tools moved between 3.x and 4.x).
find_class() {
  local cls
  [ -f "$LIB/.classes" ] || index_classes "$LIB"
  for cls in "$@"; do
    if grep -qxF "$cls" "$LIB/.classes"; then echo "$cls"; return 0; fi
  done
  die "Apache Kafka $VERSION has none of the classes $* (unknown tool for this version)"
}

run_class() {
  local cls="$1"; shift
  java -Xmx512m -cp "$(java_cp)" "$(log_opts tools)" "$cls" "$@"
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

# Refuses to start an older version on data a newer one wrote (its metadata version is unknown to it).
check_data_version() {
  [ -f "$DATA_VERSION_FILE" ] || return 0
  local previous; previous="$(cat "$DATA_VERSION_FILE")"
  if [ "$previous" != "$VERSION" ] && [ "$(printf '%s\n%s\n' "$previous" "$VERSION" | sort -V | tail -1)" = "$previous" ]; then
    die "the data in $DATA was written by Kafka $previous, which Kafka $VERSION cannot read; run 'kafka.sh reset' (deletes it) or set KAFKA_DATA_DIR to another directory"
  fi
}

start() {
  require_java
  fetch
  if alive && serving; then echo "kafka.sh: broker already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"; return 0; fi
  if alive; then die "a broker process (pid $(cat "$PIDFILE")) exists but does not answer on $PORT; run 'kafka.sh stop' first"; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then die "port $PORT is taken by another process; set KAFKA_PORT or stop it"; fi
  check_data_version
  write_props
  local storage; storage="$(find_class kafka.tools.StorageTool org.apache.kafka.tools.StorageTool)"
  if [ ! -f "$DATA/logs/meta.properties" ]; then
    local cluster_id
    cluster_id="$(run_class "$storage" random-uuid 2>/dev/null | tail -1)"
    run_class "$storage" format -t "$cluster_id" -c "$PROPS" --ignore-formatted >/dev/null
  fi
  echo "$VERSION" >"$DATA_VERSION_FILE"
  nohup java -Xms256m -Xmx"$HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
    "$(log_opts broker)" -Dkafka.logs.dir="$DATA" -cp "$(java_cp)" kafka.Kafka "$PROPS" >"$LOG" 2>&1 &
  echo $! >"$PIDFILE"
  local deadline=$((SECONDS + 90))
  until serving; do
    if ! alive; then tail -40 "$LOG" >&2; die "broker exited during start; log: $LOG"; fi
    [ $SECONDS -lt $deadline ] || { tail -40 "$LOG" >&2; die "broker did not answer on $PORT within 90s; log: $LOG"; }
    sleep 1
  done
  echo "kafka.sh: Kafka $VERSION broker ready on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), data $DATA)"
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
  local cls
  case "$name" in
    topics) cls="$(find_class org.apache.kafka.tools.TopicCommand)" ;;
    console-consumer) cls="$(find_class org.apache.kafka.tools.consumer.ConsoleConsumer)" ;;
    console-producer) cls="$(find_class org.apache.kafka.tools.ConsoleProducer kafka.tools.ConsoleProducer)" ;;
    consumer-groups) cls="$(find_class org.apache.kafka.tools.consumer.group.ConsumerGroupCommand)" ;;
    producer-perf-test) cls="$(find_class org.apache.kafka.tools.ProducerPerformance)" ;;
    consumer-perf-test) cls="$(find_class org.apache.kafka.tools.ConsumerPerformance)" ;;
    get-offsets) cls="$(find_class org.apache.kafka.tools.GetOffsetShell)" ;;
    storage) cls="$(find_class kafka.tools.StorageTool org.apache.kafka.tools.StorageTool)" ;;
    configs) cls="$(find_class org.apache.kafka.tools.ConfigCommand kafka.admin.ConfigCommand)" ;;
    acls) cls="$(find_class org.apache.kafka.tools.AclCommand kafka.admin.AclCommand)" ;;
    metadata-quorum) cls="$(find_class org.apache.kafka.tools.MetadataQuorumCommand)" ;;
    *) die "unknown tool '$name' (topics, console-consumer, console-producer, consumer-groups, producer-perf-test, consumer-perf-test, get-offsets, storage, configs, acls, metadata-quorum)" ;;
  esac
  run_class "$cls" "$@"
}

case "${1:-}" in
  fetch) require_java; fetch ;;
  start) start ;;
  stop) stop ;;
  status) require_java; fetch; serving && echo "kafka.sh: broker serving on 127.0.0.1:$PORT" ;;
  reset) stop; rm -rf "$DATA"; echo "kafka.sh: data removed" ;;
  tool) shift; tool "$@" ;;
  version) echo "$VERSION" ;;
  libdir) require_java; fetch; echo "$LIB" ;;
  classpath) require_java; fetch; java_cp ;;
  log-opts) log_opts "${2:-}" ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
