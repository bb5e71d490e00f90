#!/usr/bin/env bash
# A production-shaped Apache Kafka cluster on loopback: 3 KRaft nodes (broker + controller each),
# replication 3 and min.insync.replicas 2 for every topic, internal ones included.
#   kafka-cluster.sh start [--secure]   format (first time) and start the 3 nodes, wait until they serve
#   kafka-cluster.sh stop               stop every node cleanly
#   kafka-cluster.sh status             exit 0 when every node is up
#   kafka-cluster.sh reset              stop and delete the cluster's data (certificates and users too)
#   kafka-cluster.sh env [USER]         print the KAFKA_* variables a client needs (USER: admin, ingest,
#                                       registry, processor, sink, guest; default admin)
#   kafka-cluster.sh kill N             kill -9 node N (1-3), as a crash would
#   kafka-cluster.sh stop-node N        stop node N cleanly (a rolling restart's step)
#   kafka-cluster.sh start-node N       start node N again after a kill or stop
#   kafka-cluster.sh leader TOPIC [P]   the node that leads most partitions of TOPIC (or its partition P)
# --secure: clients connect with SASL_SSL and SCRAM-SHA-512, one user per app (random passwords in
# files); brokers and controllers talk over mutual TLS; a throwaway CA and node certificate are made
# with openssl; StandardAuthorizer with allow.everyone.if.no.acl.found=false and least-privilege ACLs
# per app (deploy/local/cluster-acls.ts). "guest" is a user with no ACL at all.
# Environment: KAFKA_CLUSTER_PORT (29092: client ports 29092-29094, replication 29095-29097,
#              controllers 29098-29100), KAFKA_CLUSTER_DIR (.data/kafka-cluster),
#              KAFKA_CLUSTER_HEAP (320m per node), KAFKA_VERSION and KAFKA_HOME_DIR (as kafka.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BASE="${KAFKA_CLUSTER_PORT:-29092}"
DATA="${KAFKA_CLUSTER_DIR:-$ROOT/.data/kafka-cluster}"
HEAP="${KAFKA_CLUSTER_HEAP:-320m}"
KAFKA_SH="$ROOT/deploy/local/kafka.sh"
LIB=""  # the selected version's jars (kafka.sh libdir), set by ensure_jars
CERTS="$DATA/certs"
SECRETS="$DATA/secrets"
NODES=(1 2 3)
USERS=(admin ingest registry processor sink guest)

die() { echo "kafka-cluster.sh: $*" >&2; exit 1; }

client_port() { echo $((BASE + $1 - 1)); }
internal_port() { echo $((BASE + 2 + $1)); }
controller_port() { echo $((BASE + 5 + $1)); }
node_dir() { echo "$DATA/node$1"; }
pidfile() { echo "$(node_dir "$1")/node.pid"; }
secure() { [ -f "$DATA/secure" ]; }

brokers() {
  local out=() n
  for n in "${NODES[@]}"; do out+=("127.0.0.1:$(client_port "$n")"); done
  (IFS=,; echo "${out[*]}")
}

# Logging and jars follow the version kafka.sh selects (KAFKA_VERSION): log4j2 for 4.x, reload4j for 3.x.
log_config() { bash "$KAFKA_SH" log-opts broker; }

run_class() {
  local cls="$1"; shift
  [ -n "$LIB" ] || ensure_jars
  # shellcheck disable=SC2046
  java -Xmx256m -cp "$LIB/*" $(bash "$KAFKA_SH" log-opts tools) "$cls" "$@"
}

ensure_jars() {
  command -v java >/dev/null 2>&1 || die "Java 17 is required to run Kafka and was not found on PATH."
  LIB="$(bash "$KAFKA_SH" libdir | tail -1)"
  [ -d "$LIB" ] || die "could not fetch the Kafka jars (deploy/local/kafka.sh libdir)"
}

make_certs() {
  [ -f "$CERTS/node.pem" ] && return 0
  command -v openssl >/dev/null 2>&1 || die "openssl is required for --secure and was not found on PATH."
  mkdir -p "$CERTS"
  (
    cd "$CERTS"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=event-platform local CA" \
      -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=broker" -keyout node.key -out node.csr 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' > node.ext
    openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 -extfile node.ext -out node.crt 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in node.key -out node.pk8
    cat node.pk8 node.crt ca.pem > node.pem
    rm -f node.csr node.ext node.key ca.srl
    chmod 600 ca.key node.pk8 node.pem
  )
}

make_users() {
  mkdir -p "$SECRETS"
  chmod 700 "$SECRETS"
  local user
  for user in "${USERS[@]}"; do
    [ -f "$SECRETS/$user.password" ] || (umask 077; openssl rand -hex 16 > "$SECRETS/$user.password")
  done
  # The Java tools' client settings for the admin user (a super user).
  (umask 077; cat > "$DATA/admin.properties" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(cat "$SECRETS/admin.password")";
ssl.truststore.type=PEM
ssl.truststore.location=$CERTS/ca.pem
PROPS
  )
}

write_props() {
  local n="$1" dir voters="" m
  dir="$(node_dir "$n")"
  mkdir -p "$dir/logs"
  for m in "${NODES[@]}"; do voters+="${voters:+,}$m@127.0.0.1:$(controller_port "$m")"; done
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=CLIENT://127.0.0.1:$(client_port "$n"),INTERNAL://127.0.0.1:$(internal_port "$n"),CONTROLLER://127.0.0.1:$(controller_port "$n")
advertised.listeners=CLIENT://127.0.0.1:$(client_port "$n"),INTERNAL://127.0.0.1:$(internal_port "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
log.dirs=$dir/logs
num.partitions=3
auto.create.topics.enable=false
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
transaction.state.log.num.partitions=12
unclean.leader.election.enable=false
group.initial.rebalance.delay.ms=0
log.segment.bytes=67108864
message.max.bytes=10485760
replica.fetch.max.bytes=10485760
transaction.max.timeout.ms=900000
delete.topic.enable=true
PROPS
  if secure; then
    cat >> "$dir/server.properties" <<PROPS
listener.security.protocol.map=CLIENT:SASL_SSL,INTERNAL:SSL,CONTROLLER:SSL
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PEM
ssl.keystore.location=$CERTS/node.pem
ssl.truststore.type=PEM
ssl.truststore.location=$CERTS/ca.pem
listener.name.internal.ssl.client.auth=required
listener.name.controller.ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:CN=broker
PROPS
  else
    echo "listener.security.protocol.map=CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT" >> "$dir/server.properties"
  fi
}

format_all() {
  [ -f "$(node_dir 1)/logs/meta.properties" ] && return 0
  local cluster_id n scram=() user
  cluster_id="$(run_class kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
  if secure; then
    for user in "${USERS[@]}"; do scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(cat "$SECRETS/$user.password")]"); done
  fi
  for n in "${NODES[@]}"; do
    run_class kafka.tools.StorageTool format -t "$cluster_id" -c "$(node_dir "$n")/server.properties" --ignore-formatted "${scram[@]}" >/dev/null
  done
}

alive() { local p; p="$(pidfile "$1")"; [ -f "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_node() {
  local n="$1" dir
  dir="$(node_dir "$n")"
  if alive "$n"; then return 0; fi
  port_open "$(client_port "$n")" && die "port $(client_port "$n") is taken by another process; set KAFKA_CLUSTER_PORT"
  # shellcheck disable=SC2046
  nohup java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true $(log_config) \
    -Dkafka.logs.dir="$dir" -cp "$LIB/*" kafka.Kafka "$dir/server.properties" >"$dir/node.log" 2>&1 &
  echo $! >"$(pidfile "$n")"
}

wait_started() {
  local n deadline=$((SECONDS + 120))
  for n in "$@"; do
    # The client listener opens last in a KRaft node's start (after it caught up and was unfenced).
    until port_open "$(client_port "$n")"; do
      alive "$n" || { tail -30 "$(node_dir "$n")/node.log" >&2; die "node $n exited during start; log: $(node_dir "$n")/node.log"; }
      [ $SECONDS -lt $deadline ] || { tail -30 "$(node_dir "$n")/node.log" >&2; die "node $n did not start within 120s"; }
      sleep 0.5
    done
  done
}

start() {
  local want_secure=0 arg n
  for arg in "$@"; do
    case "$arg" in
      --secure) want_secure=1 ;;
      *) die "unknown option '$arg' (start [--secure])" ;;
    esac
  done
  ensure_jars
  mkdir -p "$DATA"
  if [ -f "$(node_dir 1)/logs/meta.properties" ]; then
    if [ "$want_secure" = 1 ] && ! secure; then die "the cluster in $DATA was made without --secure; run 'kafka-cluster.sh reset' first"; fi
    if [ "$want_secure" = 0 ] && secure; then want_secure=1; fi
  fi
  if [ "$want_secure" = 1 ]; then touch "$DATA/secure"; make_certs; make_users; fi
  for n in "${NODES[@]}"; do write_props "$n"; done
  format_all
  for n in "${NODES[@]}"; do start_node "$n"; done
  wait_started "${NODES[@]}"
  if secure && [ ! -f "$DATA/acls.done" ]; then
    (cd "$ROOT" && env $(client_env admin | sed 's/^export //') node -r ./scripts/register.js deploy/local/cluster-acls.ts) >&2
    touch "$DATA/acls.done"
  fi
  echo "kafka-cluster.sh: 3 nodes ready on $(brokers)$(secure && echo ' (SASL_SSL, SCRAM-SHA-512, ACLs)')" >&2
  echo "kafka-cluster.sh: for a client's settings run: bash deploy/local/kafka-cluster.sh env [USER]" >&2
}

stop_node() {
  local n="$1" pid
  alive "$n" || { rm -f "$(pidfile "$n")"; return 0; }
  pid="$(cat "$(pidfile "$n")")"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { kill -KILL "$pid" 2>/dev/null || true; break; }
    sleep 0.3
  done
  rm -f "$(pidfile "$n")"
}

stop() {
  local n
  # Brokers first, in parallel; the controllers' quorum stays until the last one leaves.
  for n in "${NODES[@]}"; do stop_node "$n" & done
  wait
  echo "kafka-cluster.sh: cluster stopped" >&2
}

client_env() {
  local user="${1:-admin}"
  echo "export KAFKA_BROKERS=$(brokers)"
  if secure; then
    [ -f "$SECRETS/$user.password" ] || die "no user '$user' (one of ${USERS[*]})"
    echo "export KAFKA_SECURITY_PROTOCOL=SASL_SSL"
    echo "export KAFKA_SASL_MECHANISM=SCRAM-SHA-512"
    echo "export KAFKA_SASL_USERNAME=$user"
    echo "export KAFKA_SASL_PASSWORD_FILE=$SECRETS/$user.password"
    echo "export KAFKA_SSL_CA_LOCATION=$CERTS/ca.pem"
  else
    echo "export KAFKA_SECURITY_PROTOCOL=PLAINTEXT"
  fi
  echo "export KAFKA_REPLICATION_FACTOR=3"
  echo "export KAFKA_MIN_INSYNC_REPLICAS=2"
}

status() {
  local n up=0
  for n in "${NODES[@]}"; do
    if alive "$n" && port_open "$(client_port "$n")"; then echo "node $n: up on 127.0.0.1:$(client_port "$n") (pid $(cat "$(pidfile "$n")"))"; up=$((up + 1));
    else echo "node $n: down"; fi
  done
  [ "$up" = "${#NODES[@]}" ]
}

leader() {
  local topic="${1:?usage: kafka-cluster.sh leader TOPIC [PARTITION]}" partition="${2:-}" cfg=() described
  secure && cfg=(--command-config "$DATA/admin.properties")
  described="$(run_class org.apache.kafka.tools.TopicCommand --bootstrap-server "$(brokers)" "${cfg[@]}" --describe --topic "$topic" 2>/dev/null)"
  if [ -n "$partition" ]; then
    grep -E "Partition: $partition[[:space:]]" <<<"$described" | grep -o 'Leader: [0-9]*' | awk '{print $2}'
  else
    grep -o 'Leader: [0-9]*' <<<"$described" | awk '{print $2}' | sort | uniq -c | sort -rn | head -1 | awk '{print $2}'
  fi
}

node_arg() { case "${1:-}" in 1|2|3) echo "$1" ;; *) die "node must be 1, 2 or 3" ;; esac; }

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  reset) stop; rm -rf "$DATA"; echo "kafka-cluster.sh: data removed" >&2 ;;
  env) client_env "${2:-admin}" ;;
  kill)
    n="$(node_arg "${2:-}")"
    if alive "$n"; then
      pid="$(cat "$(pidfile "$n")")"
      kill -KILL "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    fi
    rm -f "$(pidfile "$n")"
    echo "kafka-cluster.sh: node $n killed" >&2 ;;
  stop-node) n="$(node_arg "${2:-}")"; stop_node "$n"; echo "kafka-cluster.sh: node $n stopped" >&2 ;;
  start-node) n="$(node_arg "${2:-}")"; ensure_jars; start_node "$n"; wait_started "$n"; echo "kafka-cluster.sh: node $n started" >&2 ;;
  leader) leader "${2:-}" "${3:-}" ;;
  *) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
