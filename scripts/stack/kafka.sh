# Kafka for the local test stack: one KRaft node (broker + controller) on 127.0.0.1, shaped like
# Aiven Kafka: SASL_SSL + SCRAM-SHA-512 with a keytool-made JKS truststore.
# Sourced by scripts/stack.sh after common.sh. Defines kafka_up, kafka_down, kafka_status.
#
#   PLAINTEXT  127.0.0.1:9092  setup/admin only (SCRAM users are created through it)
#   SASL_SSL   127.0.0.1:9093  what tests and the users' SQL use (certificate SAN: DNS:localhost, IP:127.0.0.1)
#   CONTROLLER 127.0.0.1:9094  KRaft quorum
#
# Jars come from Maven Central (kafka_2.13 + its runtime dependencies) into $FLINK_SQL_CACHE; data, TLS
# material, generated passwords and the log live in $STACK_STATE/kafka and survive kafka_down, so a
# second kafka_up reuses them. Connection facts go to $STACK_STATE/kafka.env (dotenv, see _stack_dotenv_quote
# in kafka/shared.sh).
#
# Users: flinksql (random password, made once, kept in $STACK_STATE/kafka/secrets) and flinksql-tricky, whose
# password is the exact content of kafka/tricky-password: Tr1ck'y"pa;ss--w\rd${HOME}. To put it into a
# sasl.jaas.config string (password="..."), escape \ as \\ and " as \" : Kafka parses JAAS options with a
# StreamTokenizer, which would otherwise end the value at the " and turn \r into a carriage return.

KAFKA_VERSION="${KAFKA_VERSION:-4.1.1}"
KAFKA_LOG4J_VERSION="2.24.3"            # the log4j2 line kafka 4.1 is built with; adds its slf4j binding
KAFKA_HOST="127.0.0.1"
KAFKA_PLAINTEXT_PORT="${KAFKA_PLAINTEXT_PORT:-9092}"
KAFKA_SASL_PORT="${KAFKA_SASL_PORT:-9093}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9094}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
KAFKA_MAIN_USER="flinksql"
KAFKA_TRICKY_USER="flinksql-tricky"

KAFKA_HOME="$FLINK_SQL_CACHE/kafka-$KAFKA_VERSION"   # libs/ + compiled helper (cache, shared by state dirs)
KAFKA_STATE="$STACK_STATE/kafka"                     # config, data, tls, secrets, log
KAFKA_SRC="$REPO_ROOT/scripts/stack/kafka"           # KafkaStackTool.java, tricky-password
KAFKA_LOG="$STACK_STATE/logs/kafka.log"
# Where the users' pipelines read the truststore: their platform mounted the Kafka Secret's
# kafka.truststore.jks there and their SQL hard-codes the path. The stack links its own truststore
# there (kafka_link_truststore) so such files run unchanged; env/local.env's TRUSTSTORE_PATH names it too.
KAFKA_TRUSTSTORE_LINK="${FLINK_SQL_STACK_TRUSTSTORE:-/etc/kafka/secrets/kafka.truststore.jks}"

# shellcheck source=scripts/stack/kafka/shared.sh
. "$KAFKA_SRC/shared.sh"

# _kafka_secret NAME: print the persisted random secret NAME, creating it (32 hex chars) on first use.
_kafka_secret() {
  local f="$KAFKA_STATE/secrets/$1"
  if [ ! -s "$f" ]; then
    ( umask 077; mkdir -p "$KAFKA_STATE/secrets"
      od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$f.tmp" && mv "$f.tmp" "$f" )
  fi
  cat "$f"
}

_kafka_tricky_password() { cat "$KAFKA_SRC/tricky-password"; }

_kafka_port_busy() { (exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null; }

# Maven Central -> $KAFKA_HOME/libs (kafka_2.13 with its runtime dependencies), once.
_kafka_install() {
  [ -f "$KAFKA_HOME/libs/.complete" ] && return 0
  need mvn java javac keytool
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central (once)"
  local build="$KAFKA_HOME/build"
  mkdir -p "$build"
  cat >"$build/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.flink-sql.stack</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$KAFKA_LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  rm -rf "$KAFKA_HOME/libs.tmp"
  mvn -q -B -f "$build/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$KAFKA_HOME/libs.tmp" >>"$STACK_STATE/logs/maven.log" 2>&1 \
    || { tail -20 "$STACK_STATE/logs/maven.log" >&2; die "could not fetch Kafka $KAFKA_VERSION from Maven Central"; }
  [ -f "$KAFKA_HOME/libs.tmp/kafka_2.13-$KAFKA_VERSION.jar" ] || die "kafka_2.13-$KAFKA_VERSION.jar missing after download"
  rm -rf "$KAFKA_HOME/libs"
  mv "$KAFKA_HOME/libs.tmp" "$KAFKA_HOME/libs"
  touch "$KAFKA_HOME/libs/.complete"
}

# Compile KafkaStackTool.java into a jar (cached by content hash; a jar, not a class dir, so the JVM's
# class-data-sharing archive can cover it) and print the jar's path.
_kafka_helper_jar() {
  local sum dir
  sum="$(sha256sum "$KAFKA_SRC/KafkaStackTool.java" | cut -c1-12)"
  dir="$KAFKA_HOME/helper-$sum"
  if [ ! -f "$dir/kafka-stack-tool.jar" ]; then
    need javac jar
    rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/classes"
    javac -nowarn -d "$dir.tmp/classes" -cp "$KAFKA_HOME/libs/*" "$KAFKA_SRC/KafkaStackTool.java" >&2 \
      || die "could not compile $KAFKA_SRC/KafkaStackTool.java"
    jar cf "$dir.tmp/kafka-stack-tool.jar" -C "$dir.tmp/classes" . || die "could not package the Kafka helper"
    rm -rf "$dir.tmp/classes"
    local old; for old in "$KAFKA_HOME"/helper-*; do [ "$old" = "$dir.tmp" ] || rm -rf "$old"; done
    mv "$dir.tmp" "$dir"
  fi
  printf '%s' "$dir/kafka-stack-tool.jar"
}

# _kafka_tool CMD ARGS...: run the helper (secrets via KST_* environment variables set by the caller).
_kafka_tool() {
  local rc=0
  java -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:cds=off -Xlog:cds+dynamic=off \
    "$(_stack_cds_opt tool "$(dirname "$KAFKA_HELPER_JAR")")" \
    -Dlog4j2.configurationFile="$KAFKA_STATE/log4j2-tool.properties" \
    -cp "$KAFKA_HELPER_JAR:$KAFKA_HOME/libs/*" KafkaStackTool "$@" || rc=$?
  if [ "$rc" -lt 128 ]; then _stack_cds_commit tool "$(dirname "$KAFKA_HELPER_JAR")"; fi
  return "$rc"
}

# Self-signed CA + broker certificate (SAN DNS:localhost, IP:127.0.0.1), broker PKCS12 keystore,
# client JKS truststore holding the CA. All made with keytool, once.
_kafka_tls() {
  local dir="$KAFKA_STATE/tls"
  [ -f "$dir/truststore.jks" ] && [ -f "$dir/broker.p12" ] && return 0
  log "creating the test CA, broker certificate and truststore (keytool)"
  rm -rf "$dir"; mkdir -p "$dir"
  local san="SAN=dns:localhost,ip:127.0.0.1"
  KST_KS="$(_kafka_secret keystore-password)" KST_TS="$(_kafka_secret truststore-password)" bash -euo pipefail -c '
    cd "$1"; san="$2"
    kt() { keytool -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC "$@" >>keytool.log 2>&1 || { cat keytool.log >&2; exit 1; }; }
    kt -genkeypair -alias ca -dname "CN=flink-sql local test CA" -ext bc:c -keyalg RSA -keysize 2048 \
       -validity 3650 -keystore ca.p12 -storetype PKCS12 -storepass:env KST_KS
    kt -exportcert -rfc -alias ca -keystore ca.p12 -storepass:env KST_KS -file ca.pem
    kt -genkeypair -alias broker -dname "CN=localhost" -keyalg RSA -keysize 2048 -validity 825 \
       -keystore broker.p12 -storetype PKCS12 -storepass:env KST_KS -ext "$san"
    kt -certreq -alias broker -keystore broker.p12 -storepass:env KST_KS -file broker.csr
    kt -gencert -alias ca -keystore ca.p12 -storepass:env KST_KS -infile broker.csr -outfile broker.pem -rfc \
       -validity 825 -ext "$san" -ext KU=digitalSignature,keyEncipherment -ext EKU=serverAuth
    kt -importcert -noprompt -alias ca -file ca.pem -keystore broker.p12 -storepass:env KST_KS
    kt -importcert -noprompt -alias broker -file broker.pem -keystore broker.p12 -storepass:env KST_KS
    kt -importcert -noprompt -alias flink-sql-local-ca -file ca.pem -keystore truststore.jks.tmp \
       -storetype JKS -storepass:env KST_TS
    mv truststore.jks.tmp truststore.jks
    rm -f broker.csr
  ' _ "$dir" "$san" || die "keytool failed (see $dir/keytool.log)"
  chmod 600 "$dir/ca.p12" "$dir/broker.p12"
  chmod 644 "$dir/truststore.jks" "$dir/ca.pem"
}

_kafka_config() {
  local ks_pw; ks_pw="$(_kafka_secret keystore-password)"
  mkdir -p "$KAFKA_STATE/data"
  ( umask 077
    cat >"$KAFKA_STATE/server.properties" <<EOF
# generated by scripts/stack/kafka.sh on every kafka_up
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PLAINTEXT_PORT,SASL_SSL://$KAFKA_HOST:$KAFKA_SASL_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PLAINTEXT_PORT,SASL_SSL://$KAFKA_HOST:$KAFKA_SASL_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$KAFKA_STATE/tls/broker.p12
ssl.keystore.password=$ks_pw
ssl.key.password=$ks_pw
ssl.client.auth=none
log.dirs=$KAFKA_STATE/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
log.segment.bytes=67108864
EOF
    cat >"$KAFKA_STATE/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.state.name = state.change.logger
logger.state.level = WARN
logger.raft.name = org.apache.kafka.raft
logger.raft.level = WARN
logger.ctl.name = org.apache.kafka.controller
logger.ctl.level = WARN
logger.image.name = org.apache.kafka.image
logger.image.level = WARN
logger.kraft.name = kafka.server.metadata
logger.kraft.level = WARN
EOF
    cat >"$KAFKA_STATE/log4j2-tool.properties" <<'EOF'
status = error
appender.err.type = Console
appender.err.name = ERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %p %m (%c)%n
rootLogger.level = ERROR
rootLogger.appenderRef.err.ref = ERR
EOF
  )
}

# Format the KRaft data dir once (kafka-storage format equivalent).
_kafka_format() {
  [ -f "$KAFKA_STATE/data/meta.properties" ] && return 0
  local cid_file="$KAFKA_STATE/cluster-id" cid
  if [ ! -s "$cid_file" ]; then
    java -cp "$KAFKA_HOME/libs/*" -Dlog4j2.configurationFile="$KAFKA_STATE/log4j2-tool.properties" \
      kafka.tools.StorageTool random-uuid >"$cid_file.tmp" || die "kafka-storage random-uuid failed"
    mv "$cid_file.tmp" "$cid_file"
  fi
  cid="$(cat "$cid_file")"
  log "formatting the KRaft log dir (cluster id $cid)"
  java -cp "$KAFKA_HOME/libs/*" -Dlog4j2.configurationFile="$KAFKA_STATE/log4j2-tool.properties" \
    kafka.tools.StorageTool format --cluster-id "$cid" --config "$KAFKA_STATE/server.properties" \
    >>"$STACK_STATE/logs/kafka-format.log" 2>&1 \
    || { tail -20 "$STACK_STATE/logs/kafka-format.log" >&2; die "kafka-storage format failed"; }
}

_kafka_sasl_bootstrap() { printf '%s:%s' "$KAFKA_HOST" "$KAFKA_SASL_PORT"; }
_kafka_plain_bootstrap() { printf '%s:%s' "$KAFKA_HOST" "$KAFKA_PLAINTEXT_PORT"; }

# _kafka_check_user USER PASSWORD: list topics over SASL_SSL as USER.
_kafka_check_user() {
  KST_PASSWORD="$2" KST_TRUSTSTORE_PASSWORD="$(_kafka_secret truststore-password)" \
    _kafka_tool check-sasl "$(_kafka_sasl_bootstrap)" "$1" "$KAFKA_STATE/tls/truststore.jks"
}

_kafka_write_env() {
  local f="$STACK_STATE/kafka.env"
  ( umask 077
    {
      echo "# Local test Kafka (scripts/stack/kafka.sh). Values are single-quoted; a ' inside a value is"
      printf '%s\n' "# written '\\'' (POSIX shell style). dotenvy and bash both read every value back verbatim."
      echo "KAFKA_VERSION=$(_stack_dotenv_quote "$KAFKA_VERSION")"
      echo "KAFKA_BOOTSTRAP_SERVERS=$(_stack_dotenv_quote "$(_kafka_sasl_bootstrap)")"
      echo "KAFKA_SECURITY_PROTOCOL='SASL_SSL'"
      echo "KAFKA_SASL_MECHANISM='SCRAM-SHA-512'"
      echo "KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM='https'"
      echo "KAFKA_PLAINTEXT_BOOTSTRAP=$(_stack_dotenv_quote "$(_kafka_plain_bootstrap)")"
      echo "KAFKA_USERNAME=$(_stack_dotenv_quote "$KAFKA_MAIN_USER")"
      echo "KAFKA_PASSWORD=$(_stack_dotenv_quote "$(_kafka_secret "$KAFKA_MAIN_USER.password")")"
      echo "KAFKA_TRICKY_USERNAME=$(_stack_dotenv_quote "$KAFKA_TRICKY_USER")"
      echo "KAFKA_TRICKY_PASSWORD=$(_stack_dotenv_quote "$(_kafka_tricky_password)")"
      echo "TRUSTSTORE_PATH=$(_stack_dotenv_quote "$KAFKA_STATE/tls/truststore.jks")"
      echo "TRUSTSTORE_PASSWORD=$(_stack_dotenv_quote "$(_kafka_secret truststore-password)")"
      echo "TRUSTSTORE_TYPE='JKS'"
      echo "KAFKA_CA_PEM=$(_stack_dotenv_quote "$KAFKA_STATE/tls/ca.pem")"
    } >"$f.tmp"
    mv "$f.tmp" "$f"
  )
}

kafka_up() {
  need java javac keytool mvn
  local t0; t0="$(date +%s%N)"
  _stack_lock kafka
  _kafka_install
  mkdir -p "$KAFKA_STATE"
  KAFKA_HELPER_JAR="$(_kafka_helper_jar)" || die "could not build the Kafka helper"
  _kafka_tls
  _kafka_config
  _kafka_format
  if ! service_running kafka; then
    local p
    for p in "$KAFKA_PLAINTEXT_PORT" "$KAFKA_SASL_PORT" "$KAFKA_CONTROLLER_PORT"; do
      _kafka_port_busy "$p" && die "port $KAFKA_HOST:$p is in use by a process the stack did not start"
    done
  fi
  # shellcheck disable=SC2086  # KAFKA_HEAP_OPTS is a list of JVM flags
  _stack_without_lock start_service kafka "$KAFKA_LOG" java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Xlog:cds=off -Xlog:cds+dynamic=off "$(_stack_cds_opt broker "$KAFKA_HOME")" \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$KAFKA_STATE/log4j2.properties" \
    -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$KAFKA_STATE/server.properties"
  # One helper JVM does the rest: wait until the broker answers on PLAINTEXT (it gives up when the broker
  # process exits), create the SCRAM users through that listener (an upsert is idempotent, so a second `up`
  # is harmless), then ready = a real SASL_SSL client (truststore + hostname verification) lists topics as
  # the main user; the tricky user must authenticate too and a wrong password must be rejected.
  local toollog="$STACK_STATE/logs/kafka-tool.log"
  KST_MAIN_USER="$KAFKA_MAIN_USER" KST_MAIN_PASSWORD="$(_kafka_secret "$KAFKA_MAIN_USER.password")" \
  KST_TRICKY_USER="$KAFKA_TRICKY_USER" KST_TRICKY_PASSWORD="$(_kafka_tricky_password)" \
  KST_TRUSTSTORE_PASSWORD="$(_kafka_secret truststore-password)" \
    _kafka_tool provision "$(_kafka_plain_bootstrap)" "$(_kafka_sasl_bootstrap)" "$KAFKA_STATE/tls/truststore.jks" \
      90 "$(cat "$STACK_STATE/pids/kafka.pid")" >"$toollog" 2>&1 || {
      log "Kafka did not become ready:"; grep -v '^ERROR' "$toollog" | tail -5 >&2
      log "last lines of $KAFKA_LOG:"; tail -30 "$KAFKA_LOG" >&2
      die "Kafka is not usable over SASL_SSL"
    }
  grep -v '^ERROR' "$toollog" | sed 's/^/[stack]   /' >&2 || true

  _kafka_write_env
  _stack_unlock
  log "kafka ready on SASL_SSL $(_kafka_sasl_bootstrap) in $(( ($(date +%s%N) - t0) / 1000000 )) ms; facts in $STACK_STATE/kafka.env"
}

# kafka_link_truststore: make $KAFKA_TRUSTSTORE_LINK a symlink to the stack's truststore and print the path.
# Idempotent, needs no restart (Flink reads the file when a job's Kafka client starts). A link left by an earlier
# stack (another state dir) is repointed; anything else at that path is never replaced. When the folder is not
# writable it fails with the one command to run.
kafka_link_truststore() {
  local target="$KAFKA_STATE/tls/truststore.jks" link="$KAFKA_TRUSTSTORE_LINK" fix old
  [ -f "$target" ] || die "no truststore at $target yet (scripts/stack.sh up kafka makes it)"
  fix="mkdir -p '$(dirname "$link")' && ln -sfn '$target' '$link'"
  old="$(readlink "$link" 2>/dev/null || true)"
  if [ "$old" = "$target" ]; then
    :
  elif [ -L "$link" ] && [[ "$old" == */kafka/tls/truststore.jks ]]; then
    ln -sfn "$target" "$link" 2>/dev/null || die "cannot repoint $link (was $old). Run once: sudo sh -c \"$fix\""
    log "truststore: $link -> $target (was $old)"
  elif [ -e "$link" ] || [ -L "$link" ]; then
    cmp -s "$link" "$target" || die "$link exists and is not the stack's truststore; the users' pipelines" \
      "hard-code this path. Move it aside and run: $fix" \
      "(or start the stack with FLINK_SQL_STACK_TRUSTSTORE=<other path>: then only \${TRUSTSTORE_PATH} pipelines run)"
  elif { mkdir -p "$(dirname "$link")" && ln -sn "$target" "$link"; } 2>/dev/null; then
    log "truststore: $link -> $target"
  else
    die "cannot create $link, where the users' pipelines read the truststore. Run once: sudo sh -c \"$fix\"" \
      "(or start the stack with FLINK_SQL_STACK_TRUSTSTORE=<other path>: then only \${TRUSTSTORE_PATH} pipelines run)"
  fi
  printf '%s' "$link"
}

# kafka_topics NAME...: create the topics that do not exist yet (1 partition), as a platform team would
# before deploying pipelines: a Flink Kafka source fails on a topic that does not exist.
kafka_topics() {
  service_running kafka || die "kafka is not running (scripts/stack.sh up)"
  KAFKA_HELPER_JAR="$(_kafka_helper_jar)"
  # The running broker's address comes from its facts file, not from this shell's environment:
  # a caller with a cleared environment (a test) must still reach a broker started on other ports.
  local bootstrap
  bootstrap="$(sed -n "s/^KAFKA_PLAINTEXT_BOOTSTRAP='\(.*\)'$/\1/p" "$STACK_STATE/kafka.env" 2>/dev/null)"
  _kafka_tool create-topics "${bootstrap:-$(_kafka_plain_bootstrap)}" "$@"
}

kafka_down() {
  _stack_lock kafka
  _stack_stop_jvm kafka broker "$KAFKA_HOME"
  _stack_unlock
}

# One status line; 0 only when our broker runs and a SASL_SSL client can list topics as the main user.
kafka_status() {
  if ! service_running kafka; then _stack_status_line kafka stopped; return 1; fi
  if [ -f "$KAFKA_HOME/libs/.complete" ] && [ -s "$KAFKA_STATE/secrets/$KAFKA_MAIN_USER.password" ] \
     && KAFKA_HELPER_JAR="$(_kafka_helper_jar 2>/dev/null)" \
     && _kafka_check_user "$KAFKA_MAIN_USER" "$(_kafka_secret "$KAFKA_MAIN_USER.password")" >/dev/null 2>&1; then
    _stack_status_line kafka healthy
  else
    _stack_status_line kafka unhealthy; return 1
  fi
}
