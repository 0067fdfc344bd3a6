#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft, combined broker+controller) for
# development and tests. No Docker, no tarball: the broker jars come from Maven
# Central through deploy/kafka/pom.xml.
#
# Usage: deploy/kafka/kafka.sh {fetch|start|stop|status|reset|logs|acls ARGS...|tools TOOL ARGS...|kill NODE}
#
# Environment (all optional):
#   NEWSFLOW_STATE_DIR               state root (default: $XDG_STATE_HOME/newsflow, i.e. ~/.local/state/newsflow);
#                                    everything lives in $NEWSFLOW_STATE_DIR/kafka
#   NEWSFLOW_KAFKA_PORT              client (PLAINTEXT) port, default 9092
#   NEWSFLOW_KAFKA_CONTROLLER_PORT   KRaft controller port, default 9093
#   NEWSFLOW_KAFKA_HEAP              JVM heap options, default "-Xms256m -Xmx768m"
#                                    (a bare size such as "512m" means -Xmx512m)
#   NEWSFLOW_KAFKA_JIT               JIT options, default "-XX:TieredStopAtLevel=1" (the client
#                                    compiler only: on a machine the broker shares with the
#                                    workers, the server compiler's compiling cost more CPU than it
#                                    saved); empty for the JVM's full tiered JIT
#   NEWSFLOW_KAFKA_START_TIMEOUT     seconds to wait for the broker, default 60
#   NEWSFLOW_KAFKA_STOP_TIMEOUT      seconds to wait after SIGTERM, default 30
#   NEWSFLOW_KAFKA_CLUSTER_ID        cluster id used when formatting storage
#   NEWSFLOW_KAFKA_NODES             1 (default) or 3: a three-node cluster, each node a combined
#                                    broker+controller (3-voter quorum, replication factor 3,
#                                    min.insync.replicas 2) with its files in $NEWSFLOW_STATE_DIR/kafka/node<i>;
#                                    node i listens on NEWSFLOW_KAFKA_PORT_<i> (default port+i) and
#                                    NEWSFLOW_KAFKA_CONTROLLER_PORT_<i> (default port+3+i); `kill NODE`
#                                    sends node i (0-2) SIGKILL, `start` brings it back
#   JAVA                             java binary (default: $JAVA_HOME/bin/java or java)
# Secured (NEWSFLOW_KAFKA_SECURE=1): the client port is a SASL_SSL listener (SCRAM-SHA-512/256)
# with ACLs (StandardAuthorizer; the broker itself and the admin user are super users):
#   NEWSFLOW_KAFKA_SSL_KEYSTORE      PEM: the broker's private key (unencrypted PKCS#8) and certificate chain
#   NEWSFLOW_KAFKA_SSL_TRUSTSTORE    PEM: the CA certificates clients' and the broker's certificates chain to
#   NEWSFLOW_KAFKA_USERS_FILE        lines "name password": SCRAM users created when the storage is
#                                    formatted (first start, or after `reset`); passwords without , ] "
#   NEWSFLOW_KAFKA_ADMIN_USER        the admin principal among them, default admin
# `acls ARGS...` runs Kafka's kafka-acls (AclCommand) as the admin user, e.g.
#   kafka.sh acls --add --allow-principal User:crawler --operation Write --topic raw-items
# `tools TOOL ARGS...` runs one of Kafka's own tools (kafka-topics, kafka-consumer-groups,
# kafka-configs, kafka-acls) against the embedded broker, e.g.
#   kafka.sh tools kafka-consumer-groups --describe --all-groups
#   MVN                              maven binary (default: mvn)
#
# Exit codes: 0 ok; 1 error; 3 `status` when stopped.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/pom.xml"

STATE_DIR="${NEWSFLOW_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/newsflow}"
KAFKA_DIR="$STATE_DIR/kafka"
LIBS_DIR="$KAFKA_DIR/libs"
DATA_DIR="$KAFKA_DIR/data"
LOG_DIR="$KAFKA_DIR/logs"
CONF_DIR="$KAFKA_DIR/config"
PID_FILE="$KAFKA_DIR/kafka.pid"
STAMP_FILE="$LIBS_DIR/.fetched"
LOCK_FILE="$KAFKA_DIR/.lock"
SERVER_PROPS="$CONF_DIR/server.properties"
LOG4J_CONF="$CONF_DIR/log4j2.properties"
OUT_FILE="$LOG_DIR/kafka.out"
SERVER_LOG="$LOG_DIR/server.log"

HOST=127.0.0.1
PORT="${NEWSFLOW_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${NEWSFLOW_KAFKA_CONTROLLER_PORT:-9093}"
HEAP="${NEWSFLOW_KAFKA_HEAP:--Xms256m -Xmx768m}"
JIT="${NEWSFLOW_KAFKA_JIT--XX:TieredStopAtLevel=1}"
START_TIMEOUT="${NEWSFLOW_KAFKA_START_TIMEOUT:-60}"
STOP_TIMEOUT="${NEWSFLOW_KAFKA_STOP_TIMEOUT:-30}"
# 22-char base64url of 16 bytes ("newsflow-kafka01"); any valid Kafka UUID works.
CLUSTER_ID="${NEWSFLOW_KAFKA_CLUSTER_ID:-bmV3c2Zsb3cta2Fma2EwMQ}"
NODES="${NEWSFLOW_KAFKA_NODES:-1}"
BASE_PORT="$PORT"
NODE_ID=1
VOTERS="1@$HOST:$CONTROLLER_PORT"
MVN="${MVN:-mvn}"
SECURE="${NEWSFLOW_KAFKA_SECURE:-0}"
KEYSTORE="${NEWSFLOW_KAFKA_SSL_KEYSTORE:-}"
TRUSTSTORE="${NEWSFLOW_KAFKA_SSL_TRUSTSTORE:-}"
USERS_FILE="${NEWSFLOW_KAFKA_USERS_FILE:-}"
ADMIN_USER="${NEWSFLOW_KAFKA_ADMIN_USER:-admin}"
ADMIN_PROPS="$CONF_DIR/admin.properties"
BROKER_SECRET="$KAFKA_DIR/broker.secret" # the broker's own SCRAM/PLAIN password, made once
SECURE_MARK="$DATA_DIR/.scram-users"
if [[ -n "${JAVA:-}" ]]; then
  :
elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA=java
fi

log() { echo "kafka.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ "$NODES" == 1 || "$NODES" == 3 ]] || die "NEWSFLOW_KAFKA_NODES is 1 or 3, not '$NODES'"

node_port() { local v="NEWSFLOW_KAFKA_PORT_$1"; echo "${!v:-$((BASE_PORT + $1))}"; }
node_controller_port() { local v="NEWSFLOW_KAFKA_CONTROLLER_PORT_$1"; echo "${!v:-$((BASE_PORT + NODES + $1))}"; }

# Points every per-node path and port at node $1 of the cluster (a single node keeps the
# layout it always had).
select_node() {
  ((NODES > 1)) || return 0
  local dir="$KAFKA_DIR/node$1"
  NODE_ID=$(($1 + 1))
  PORT="$(node_port "$1")"
  CONTROLLER_PORT="$(node_controller_port "$1")"
  DATA_DIR="$dir/data" LOG_DIR="$dir/logs" CONF_DIR="$dir/config" PID_FILE="$dir/kafka.pid"
  SERVER_PROPS="$CONF_DIR/server.properties" LOG4J_CONF="$CONF_DIR/log4j2.properties"
  OUT_FILE="$LOG_DIR/kafka.out" SERVER_LOG="$LOG_DIR/server.log"
}

if ((NODES > 1)); then
  VOTERS=""
  for ((i = 0; i < NODES; i++)); do VOTERS+="${VOTERS:+,}$((i + 1))@$HOST:$(node_controller_port "$i")"; done
fi
REPLICAS=$((NODES >= 3 ? 3 : 1))
MIN_ISR=$((NODES >= 3 ? 2 : 1))

kafka_version() {
  local v
  v="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
  [[ -n "$v" ]] || die "cannot read <kafka.version> from $POM"
  echo "$v"
}

# Stamp = pinned version + checksum of the pom, so editing the pom refetches.
expected_stamp() {
  echo "kafka=$(kafka_version) pom=$(sha256sum "$POM" | cut -d' ' -f1)"
}

libs_ok() {
  [[ -f "$STAMP_FILE" && -f "$LIBS_DIR/kafka_2.13-$(kafka_version).jar" ]] &&
    [[ "$(cat "$STAMP_FILE")" == "$(expected_stamp)" ]]
}

cmd_fetch() {
  mkdir -p "$KAFKA_DIR"
  if libs_ok; then
    log "kafka $(kafka_version) jars already in $LIBS_DIR"
    return 0
  fi
  command -v "$MVN" >/dev/null 2>&1 || die "maven ('$MVN') not found"
  local tmp="$KAFKA_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  log "fetching kafka $(kafka_version) jars with maven into $LIBS_DIR"
  if ! "$MVN" -B -q -f "$POM" dependency:copy-dependencies \
      "-Dkafka.libs.dir=$tmp" >"$KAFKA_DIR/fetch.log" 2>&1; then
    cat "$KAFKA_DIR/fetch.log" >&2
    rm -rf "$tmp"
    die "maven failed to fetch the kafka jars"
  fi
  [[ -f "$tmp/kafka_2.13-$(kafka_version).jar" ]] || { rm -rf "$tmp"; die "kafka jar missing after fetch"; }
  expected_stamp >"$tmp/.fetched"
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
}

read_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [[ -n "$pid" ]] || return 1
  echo "$pid"
}

# True when the pid file names a live broker of ours (guards against pid reuse).
broker_pid() {
  local pid
  pid="$(read_pid)" || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$SERVER_PROPS" || return 1
  fi
  echo "$pid"
}

# Real protocol probe: send an ApiVersions v0 request (api_key 18, correlation
# id 1, client id "nf") and expect a reply with correlation id 1 and error 0.
# A bare TCP connect is not enough: the listener is bound before the broker
# serves requests.
broker_answers() {
  local reply
  if secure; then # ApiVersions is answered before SASL authentication, so the probe needs no user
    reply="$(printf "\000\000\000\014\000\022\000\000\000\000\000\001\000\002nf" |
      timeout 2 openssl s_client -quiet -connect "$HOST:$PORT" -CAfile "$TRUSTSTORE" 2>/dev/null |
      head -c 10 | od -An -tx1 | tr -d " \n")" || true
    [[ "${#reply}" -eq 20 && "${reply:8:12}" == "000000010000" ]]
    return
  fi
  # shellcheck disable=SC2016 # expanded by the inner bash
  reply="$(timeout 3 bash -c '
      exec 3<>"/dev/tcp/$0/$1" || exit 1
      printf "\000\000\000\014\000\022\000\000\000\000\000\001\000\002nf" >&3
      head -c 10 <&3 | od -An -tx1 | tr -d " \n"
    ' "$HOST" "$PORT" 2>/dev/null)" || return 1
  # bytes 0-3: length; 4-7: correlation id 1; 8-9: error code 0
  [[ "${#reply}" -eq 20 && "${reply:8:12}" == "000000010000" ]]
}

port_in_use() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$HOST" "$1" 2>/dev/null
}

heap_opts() {
  if [[ "$HEAP" == -* ]]; then echo "$HEAP"; else echo "-Xmx$HEAP"; fi
}

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java ('$JAVA') not found; Kafka $(kafka_version) needs Java 17+"
  local v major
  v="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)"
  major="${v%%.*}"
  [[ "$major" =~ ^[0-9]+$ && "$major" -ge 17 ]] || die "Kafka $(kafka_version) needs Java 17+, found '$v' ($JAVA)"
}

secure() { [[ "$SECURE" == 1 || "$SECURE" == true ]]; }

check_secure() {
  [[ -f "$KEYSTORE" ]] || die "NEWSFLOW_KAFKA_SSL_KEYSTORE: no PEM file '$KEYSTORE'"
  [[ -f "$TRUSTSTORE" ]] || die "NEWSFLOW_KAFKA_SSL_TRUSTSTORE: no PEM file '$TRUSTSTORE'"
  [[ -f "$USERS_FILE" ]] || die "NEWSFLOW_KAFKA_USERS_FILE: no file '$USERS_FILE'"
  admin_password >/dev/null || die "NEWSFLOW_KAFKA_USERS_FILE has no line for the admin user '$ADMIN_USER'"
  if [[ -f "$DATA_DIR/meta.properties" && ! -f "$SECURE_MARK" ]]; then
    die "the storage in $DATA_DIR was formatted without SCRAM users; run '$0 reset' first"
  fi
  [[ -s "$BROKER_SECRET" ]] || (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$BROKER_SECRET")
}

users() { grep -v '^[[:space:]]*\(#\|$\)' "$USERS_FILE"; }
admin_password() { users | awk -v u="$ADMIN_USER" '$1 == u { print $2; found = 1 } END { exit !found }'; }

# The SASL_SSL listener serves clients and the broker itself (user "broker"); the controller
# listener takes only the broker, with PLAIN (SCRAM credentials live in the metadata it serves).
secure_config() {
  local pw scram=org.apache.kafka.common.security.scram.ScramLoginModule
  pw="$(cat "$BROKER_SECRET")"
  cat <<EOF
listeners=SASL_SSL://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=SASL_SSL://$HOST:$PORT
inter.broker.listener.name=SASL_SSL
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$scram required username="broker" password="$pw";
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=$scram required;
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="$pw" user_broker="$pw";
ssl.keystore.type=PEM
ssl.keystore.location=$KEYSTORE
ssl.truststore.type=PEM
ssl.truststore.location=$TRUSTSTORE
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:broker;User:$ADMIN_USER
allow.everyone.if.no.acl.found=false
EOF
  cat >"$ADMIN_PROPS" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$scram required username="$ADMIN_USER" password="$(admin_password)";
ssl.truststore.type=PEM
ssl.truststore.location=$TRUSTSTORE
EOF
}

plaintext_config() {
  cat <<EOF
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
EOF
}

write_config() {
  mkdir -p "$CONF_DIR" "$DATA_DIR" "$LOG_DIR"
  umask 077 # the secured config holds passwords
  cat >"$SERVER_PROPS" <<EOF
# Generated by deploy/kafka/kafka.sh; rewritten on every start.
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$VOTERS
controller.listener.names=CONTROLLER
$(if secure; then secure_config; else plaintext_config; fi)
log.dirs=$DATA_DIR

# $NODES node(s).
num.partitions=1
default.replication.factor=$REPLICAS
min.insync.replicas=$MIN_ISR
offsets.topic.replication.factor=$REPLICAS
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$REPLICAS
transaction.state.log.min.isr=$MIN_ISR
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=$REPLICAS
share.coordinator.state.topic.min.isr=$MIN_ISR
group.initial.rebalance.delay.ms=0
# newsflow creates its topics itself (streams/admin.py), with explicit configs.
auto.create.topics.enable=false
delete.topic.enable=true

# Small machine.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
background.threads=4
log.retention.hours=24
log.segment.bytes=67108864
log.retention.check.interval.ms=300000
EOF
  cat >"$LOG4J_CONF" <<EOF
# Generated by deploy/kafka/kafka.sh. Broker logs go to files only.
status = warn
name = newsflow-kafka
# The appender flushes every event (immediateFlush defaults to true), so no
# shutdown hook is needed; with one, log4j warns on stdout when a Kafka thread
# first logs while the JVM is already exiting.
shutdownHook = disable

appender.server.type = RollingFile
appender.server.name = server
appender.server.fileName = $SERVER_LOG
appender.server.filePattern = $SERVER_LOG.%i
appender.server.layout.type = PatternLayout
appender.server.layout.pattern = [%d] %p %m (%c)%n
appender.server.policies.type = Policies
appender.server.policies.size.type = SizeBasedTriggeringPolicy
appender.server.policies.size.size = 20MB
appender.server.strategy.type = DefaultRolloverStrategy
appender.server.strategy.max = 3

rootLogger.level = INFO
rootLogger.appenderRef.server.ref = server

logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.zstd.name = com.github.luben
logger.zstd.level = WARN
EOF
}

storage_tool_class() {
  local j
  for j in "$LIBS_DIR"/kafka_2.13-*.jar "$LIBS_DIR"/kafka-tools-*.jar; do
    [[ -f "$j" ]] || continue
    if grep -qaF "kafka/tools/StorageTool.class" "$j"; then
      if grep -qaF "org/apache/kafka/tools/StorageTool.class" "$j"; then
        echo org.apache.kafka.tools.StorageTool
      else
        echo kafka.tools.StorageTool
      fi
      return 0
    fi
  done
  die "no StorageTool class in $LIBS_DIR"
}

java_base_opts() {
  # shellcheck disable=SC2046,SC2086 # heap_opts and JIT are lists of options
  echo $(heap_opts) $JIT -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$LOG4J_CONF" "-Dkafka.logs.dir=$LOG_DIR"
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    return 0
  fi
  local cls name password mech scram=()
  cls="$(storage_tool_class)"
  if secure; then
    while read -r name password _; do
      for mech in SCRAM-SHA-512 SCRAM-SHA-256; do scram+=(--add-scram "$mech=[name=$name,password=$password]"); done
    done < <(users; echo "broker $(cat "$BROKER_SECRET")")
  fi
  log "formatting storage in $DATA_DIR (cluster id $CLUSTER_ID)"
  if ! "$JAVA" -Xmx256m "-Dlog4j2.configurationFile=$LOG4J_CONF" -cp "$LIBS_DIR/*" \
      "$cls" format --ignore-formatted -t "$CLUSTER_ID" -c "$SERVER_PROPS" "${scram[@]}" \
      >"$LOG_DIR/format.log" 2>&1; then
    cat "$LOG_DIR/format.log" >&2
    die "storage format failed"
  fi
  if secure; then : >"$SECURE_MARK"; fi
}

print_log_tail() {
  local f
  for f in "$OUT_FILE" "$SERVER_LOG"; do
    if [[ -s "$f" ]]; then
      echo "---- tail of $f ----" >&2
      tail -n 40 "$f" >&2
    fi
  done
}

# Launches the selected node unless it runs; NODE_PID names it. A cluster's nodes are all
# launched before any is waited for: none answers before a quorum of controllers is up.
launch_node() {
  local pid
  START_T0=$SECONDS
  if pid="$(broker_pid)"; then
    if broker_answers; then
      log "already running (pid $pid) on $HOST:$PORT"
      NODE_PID=$pid
      return 0
    fi
    log "pid $pid is alive but not answering yet; waiting"
  else
    rm -f "$PID_FILE"
    if port_in_use "$PORT"; then
      die "port $HOST:$PORT is already in use by another process"
    fi
    if port_in_use "$CONTROLLER_PORT"; then
      die "controller port $HOST:$CONTROLLER_PORT is already in use by another process"
    fi
    check_java
    cmd_fetch
    if secure; then check_secure; fi
    write_config
    format_storage
    local t0=$SECONDS
    log "starting kafka $(kafka_version) on $HOST:$PORT (logs: $LOG_DIR)"
    : >"$OUT_FILE"
    # The subshell records its own pid and then execs java, so the pid file
    # names the JVM. fd 9 (the lock) is closed so the broker does not hold it.
    # shellcheck disable=SC2046,SC2016 # word-split JVM options; $$/$0/$@ are the inner bash's
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
      "$JAVA" $(java_base_opts) -cp "$LIBS_DIR/*" kafka.Kafka "$SERVER_PROPS" \
      </dev/null >>"$OUT_FILE" 2>&1 9>&- &
    local _
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      [[ -s "$PID_FILE" ]] && break
      sleep 0.1
    done
    pid="$(read_pid)" || die "broker did not record its pid"
    START_T0=$t0
  fi
  NODE_PID=$pid
}

wait_node() {
  local pid=$NODE_PID deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      print_log_tail
      rm -f "$PID_FILE"
      die "broker exited during startup"
    fi
    if broker_answers; then
      log "running (pid $pid) on $HOST:$PORT, ready after $((SECONDS - ${START_T0:-$SECONDS}))s"
      return 0
    fi
    sleep 0.5
  done
  print_log_tail
  log "broker not ready after ${START_TIMEOUT}s; stopping it"
  stop_pid "$pid"
  die "broker failed to start within ${START_TIMEOUT}s"
}

stop_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "no clean shutdown after ${STOP_TIMEOUT}s; sending SIGKILL to $pid"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
}

nodes() { seq 0 $((NODES - 1)); }

cmd_start() {
  local i pids=()
  if ((NODES > 1)) && secure; then die "a secured cluster is not supported; start one node"; fi
  for i in $(nodes); do
    select_node "$i"
    launch_node
    pids+=("$NODE_PID")
  done
  for i in $(nodes); do
    select_node "$i"
    NODE_PID="${pids[$i]}"
    wait_node
  done
}

cmd_stop() {
  local i pid
  for i in $(nodes); do # all at once: a node stopped last, without a quorum, would not stop cleanly
    select_node "$i"
    if pid="$(broker_pid)"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for i in $(nodes); do
    select_node "$i"
    stop_node
  done
}

# kill NODE: SIGKILL for node NODE of a cluster (a broker lost without warning); `start` brings it back.
cmd_kill() {
  [[ "${1:-}" =~ ^[0-9]+$ && "$1" -lt "$NODES" ]] || die "kill needs a node number below $NODES"
  select_node "$1"
  local pid
  pid="$(broker_pid)" || die "node $1 is not running"
  kill -KILL "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  rm -f "$PID_FILE"
  log "killed node $1 (pid $pid)"
}

stop_node() {
  local pid
  if ! pid="$(broker_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  local t0=$SECONDS
  log "stopping (pid $pid)"
  stop_pid "$pid"
  log "stopped after $((SECONDS - t0))s"
}

# 0 when any node runs (a cluster prints one line per node), 3 when none does.
cmd_status() {
  local pid i code=3 prefix=""
  for i in $(nodes); do
    select_node "$i"
    if ((NODES > 1)); then prefix="node $i: "; fi
    if pid="$(broker_pid)"; then
      if broker_answers; then
        echo "${prefix}running (pid $pid) on $HOST:$PORT"
      else
        echo "${prefix}running (pid $pid) but not answering on $HOST:$PORT"
      fi
      code=0
    else
      echo "${prefix}stopped"
    fi
  done
  return $code
}

cmd_reset() {
  cmd_stop
  local i
  for i in $(nodes); do
    select_node "$i"
    rm -rf "$DATA_DIR"
    log "deleted $DATA_DIR"
  done
}

cmd_acls() {
  [[ -f "$ADMIN_PROPS" ]] && secure || die "acls needs the broker started with NEWSFLOW_KAFKA_SECURE=1"
  "$JAVA" -Xmx256m "-Dlog4j2.configurationFile=$LOG4J_CONF" -cp "$LIBS_DIR/*" org.apache.kafka.tools.AclCommand \
    --bootstrap-server "$HOST:$PORT" --command-config "$ADMIN_PROPS" "$@"
}

# Kafka's own command-line tools, by their script names, against the embedded broker.
cmd_tools() {
  local tool="${1:-}" cls bootstrap="$HOST:$(node_port 0)" config=()
  select_node 0 # its log4j configuration
  case "$tool" in
    kafka-topics) cls=org.apache.kafka.tools.TopicCommand ;;
    kafka-consumer-groups) cls=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    kafka-configs) cls=org.apache.kafka.tools.ConfigCommand ;;
    kafka-acls) cls=org.apache.kafka.tools.AclCommand ;;
    *) die "tools: one of kafka-topics, kafka-consumer-groups, kafka-configs, kafka-acls, not '$tool'" ;;
  esac
  shift
  ((NODES == 1)) || bootstrap="$(for i in $(nodes); do printf '%s:%s,' "$HOST" "$(node_port "$i")"; done)"
  if secure; then
    [[ -f "$ADMIN_PROPS" ]] || die "tools: start the secured broker first (no $ADMIN_PROPS)"
    config=(--command-config "$ADMIN_PROPS")
  fi
  [[ -d "$LIBS_DIR" ]] || die "tools: no jars in $LIBS_DIR; run '$0 fetch'"
  "$JAVA" -Xmx256m "-Dlog4j2.configurationFile=$LOG4J_CONF" -cp "$LIBS_DIR/*" "$cls" \
    --bootstrap-server "${bootstrap%,}" "${config[@]}" "$@"
}

cmd_logs() {
  tail -n "${1:-100}" "$SERVER_LOG"
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    fetch | start | stop | status | reset | logs | acls | tools | kill) ;;
    *)
      echo "usage: $0 {fetch|start|stop|status|reset|logs|acls ARGS...|tools TOOL ARGS...|kill NODE}" >&2
      exit 1
      ;;
  esac
  shift
  if [[ "$cmd" != status && "$cmd" != logs && "$cmd" != acls && "$cmd" != tools ]] && command -v flock >/dev/null 2>&1; then
    mkdir -p "$KAFKA_DIR"
    exec 9>"$LOCK_FILE"
    flock -w 300 9 || die "could not take $LOCK_FILE"
  fi
  "cmd_$cmd" "$@"
}

main "$@"
