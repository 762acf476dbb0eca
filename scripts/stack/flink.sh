# shellcheck shell=bash
# Local Flink session cluster (2.0 by default; FLINK_STACK_VERSION=2.2) (JobManager + TaskManager) and SQL Gateway. Sourced by scripts/stack.sh
# after common.sh; never executed. Public functions: flink_up, flink_down, flink_status (plus flink_start /
# flink_wait, which flink_up chains, so stack.sh can overlap Flink's JVM startup with the other services).
#
# Where things come from:
#   - the Flink distribution: the apache-flink + apache-flink-libraries wheels (they carry bin/, lib/, opt/,
#     plugins/), installed with --no-deps into a venv in the cache;
#   - opt/flink-sql-gateway (missing from the wheels) and the connector jars: Maven artifacts, cached.
# The distribution in site-packages is never modified: FLINK_HOME is a directory in the cache whose bin/ is
# a copy (the scripts locate FLINK_HOME from their own physical path) and whose lib/ and opt/ are symlinks.

# FLINK_STACK_VERSION picks the Flink: 2.0 (the platform's, the default) or 2.2 (the newest 2.x whose distribution,
# gateway and Kafka connector the registries serve). Each version has its own manifest, venv and FLINK_HOME; run a
# second version on other ports and another state dir (scripts/stack-version.sh does that).
FLINK_STACK_VERSION="${FLINK_STACK_VERSION:-2.0}"
case "$FLINK_STACK_VERSION" in
  2.0) FLINK_VERSION="2.0.0"; FLINK_IMAGE_MANIFEST="$REPO_ROOT/deploy/flink-image-jars.tsv"; FLINK_VENV_NAME="venv" ;;
  2.2) FLINK_VERSION="2.2.1"; FLINK_IMAGE_MANIFEST="$REPO_ROOT/deploy/flink-image-jars-2.2.tsv"; FLINK_VENV_NAME="venv-$FLINK_VERSION" ;;
  *) die "FLINK_STACK_VERSION=$FLINK_STACK_VERSION: the stack runs Flink 2.0 or 2.2" ;;
esac

# The jars added to the distribution come from the image's manifest, deploy/flink-image-jars.tsv (group,
# artifact, version, placement, sha256): the local Flink carries the jar set the image ships. lib/ jars
# join the classpath of the JobManager, the TaskManager and the gateway; plugins/NAME jars get a plugin
# folder of their own (the gs and azure filesystems load at startup but stay unused locally).
# scripts/image-jars.sh check compares the assembled FLINK_HOME with the manifest.
FLINK_EXTRA_LIB_JARS=()
FLINK_EXTRA_PLUGIN_JARS=()   # "PLUGIN_DIR_NAME GROUP:ARTIFACT:VERSION"
declare -gA FLINK_JAR_SHA256=()
flink_read_manifest() {
  local g a v place sha
  [ -f "$FLINK_IMAGE_MANIFEST" ] || die "missing $FLINK_IMAGE_MANIFEST"
  while IFS=$'\t' read -r g a v place sha; do
    case "$g" in ''|'#'*) continue ;; esac
    FLINK_JAR_SHA256["$g:$a:$v"]="$sha"
    case "$place" in
      lib) FLINK_EXTRA_LIB_JARS+=("$g:$a:$v") ;;
      plugins/*) FLINK_EXTRA_PLUGIN_JARS+=("${place#plugins/} $g:$a:$v") ;;
      *) die "$FLINK_IMAGE_MANIFEST: $g:$a:$v: placement '$place' is neither lib nor plugins/NAME" ;;
    esac
  done <"$FLINK_IMAGE_MANIFEST"
}
flink_read_manifest

# Stack only: the official image has opt/flink-sql-gateway already; the wheels do not.
FLINK_EXTRA_OPT_JARS=(
  "org.apache.flink:flink-sql-gateway:$FLINK_VERSION"
)

FLINK_HOST="127.0.0.1"
FLINK_REST_PORT="${FLINK_REST_PORT:-8081}"
FLINK_RPC_PORT="${FLINK_RPC_PORT:-6123}"
FLINK_GATEWAY_PORT="${FLINK_GATEWAY_PORT:-8083}"
# A private instance may need another shape (bench/run.sh runs 20 pipelines on one of its own):
# FLINK_TASK_SLOTS (default 4) and FLINK_TM_MEMORY (the TaskManager's process size, default 1536m).
FLINK_TASK_SLOTS="${FLINK_TASK_SLOTS:-4}"
FLINK_TM_MEMORY="${FLINK_TM_MEMORY:-1536m}"

FLINK_VENV="$FLINK_SQL_CACHE/$FLINK_VENV_NAME"
FLINK_JAR_CACHE="$FLINK_SQL_CACHE/jars/flink-$FLINK_VERSION"
FLINK_HOME_DIR="$FLINK_SQL_CACHE/flink-$FLINK_VERSION"
FLINK_CONF="$STACK_STATE/flink-conf"
FLINK_LOGS="$STACK_STATE/logs/flink"
FLINK_SERVICES=(flink-jobmanager flink-taskmanager flink-sql-gateway)

flink_rest_url()    { echo "http://$FLINK_HOST:$FLINK_REST_PORT"; }
flink_gateway_url() { echo "http://$FLINK_HOST:$FLINK_GATEWAY_PORT"; }

# ---------------------------------------------------------------------------------------------------------
# Installation (idempotent, cached)
# ---------------------------------------------------------------------------------------------------------

# Prints the pyflink directory of the venv (the distribution), or fails when it is not installed.
flink_dist_dir() {
  local d
  for d in "$FLINK_VENV"/lib/python3*/site-packages/pyflink; do
    [ -f "$d/lib/flink-dist-$FLINK_VERSION.jar" ] && [ -x "$d/bin/jobmanager.sh" ] && { echo "$d"; return 0; }
  done
  return 1
}

flink_install_dist() {
  flink_dist_dir >/dev/null && return 0
  need python3
  log "installing the Flink $FLINK_VERSION distribution (apache-flink wheels, no deps) into $FLINK_VENV (~1 min)"
  [ -x "$FLINK_VENV/bin/pip" ] || python3 -m venv "$FLINK_VENV" || die "python3 -m venv $FLINK_VENV failed"
  "$FLINK_VENV/bin/pip" install --disable-pip-version-check --no-deps \
    "apache-flink==$FLINK_VERSION" "apache-flink-libraries==$FLINK_VERSION" >>"$FLINK_SQL_CACHE/pip.log" 2>&1 \
    || { tail -20 "$FLINK_SQL_CACHE/pip.log" >&2; die "pip install apache-flink==$FLINK_VERSION failed"; }
  flink_dist_dir >/dev/null || die "apache-flink installed, but no Flink distribution under $FLINK_VENV"
}

# flink_jar_file COORDS: the cache path of GROUP:ARTIFACT:VERSION's jar.
flink_jar_file() {
  local a v
  a="$(cut -d: -f2 <<<"$1")"; v="$(cut -d: -f3 <<<"$1")"
  echo "$FLINK_JAR_CACHE/$a-$v.jar"
}

flink_fetch_jars() {
  local c
  local p want got
  for c in "${FLINK_EXTRA_LIB_JARS[@]}" "${FLINK_EXTRA_OPT_JARS[@]}" "${FLINK_EXTRA_PLUGIN_JARS[@]#* }"; do
    if [ ! -s "$(flink_jar_file "$c")" ]; then
      need mvn
      log "fetching $c"
      mvn_fetch "$c" "$FLINK_JAR_CACHE"
      [ -s "$(flink_jar_file "$c")" ] || die "fetched $c but $(flink_jar_file "$c") is missing"
    fi
    want="${FLINK_JAR_SHA256[$c]:-}"
    [ -n "$want" ] || continue
    p="$(flink_jar_file "$c")"
    # Verified once per cached file (the plugins are ~100 MB): a marker beside the jar holds its checksum.
    [ "$(cat "$p.sha256" 2>/dev/null)" = "$want" ] && continue
    got="$(sha256sum "$p" | cut -c1-64)"
    [ "$got" = "$want" ] || die "$c: sha256 $got, but $FLINK_IMAGE_MANIFEST says $want"
    echo "$got" >"$p.sha256"
  done
}

# The FLINK_HOME farm: rebuilt (into a temporary dir, then renamed) whenever its manifest changes.
flink_build_home() {
  local dist manifest tmp f c
  dist="$(flink_dist_dir)"
  manifest="dist=$dist"$'\n'"$(printf '%s\n' "${FLINK_EXTRA_LIB_JARS[@]}" "${FLINK_EXTRA_OPT_JARS[@]}")"
  [ "${#FLINK_EXTRA_PLUGIN_JARS[@]}" = 0 ] || manifest+=$'\n'"$(printf 'plugins/%s\n' "${FLINK_EXTRA_PLUGIN_JARS[@]}")"
  if [ -f "$FLINK_HOME_DIR/.manifest" ] && [ "$(cat "$FLINK_HOME_DIR/.manifest")" = "$manifest" ]; then
    return 0
  fi
  log "assembling FLINK_HOME at $FLINK_HOME_DIR"
  tmp="$(mktemp -d "$FLINK_SQL_CACHE/.flink-home.XXXXXX")"
  chmod 755 "$tmp"
  cp -R "$dist/bin" "$dist/conf" "$tmp/"
  mkdir -p "$tmp/lib" "$tmp/opt" "$tmp/log" "$tmp/plugins"
  for f in "$dist"/plugins/*; do ln -s "$f" "$tmp/plugins/"; done
  for f in "$dist"/lib/*.jar; do ln -s "$f" "$tmp/lib/"; done
  for f in "$dist"/opt/*.jar; do ln -s "$f" "$tmp/opt/"; done
  for c in "${FLINK_EXTRA_LIB_JARS[@]}"; do ln -s "$(flink_jar_file "$c")" "$tmp/lib/"; done
  for c in "${FLINK_EXTRA_OPT_JARS[@]}"; do ln -s "$(flink_jar_file "$c")" "$tmp/opt/"; done
  for c in "${FLINK_EXTRA_PLUGIN_JARS[@]}"; do
    mkdir -p "$tmp/plugins/${c%% *}"
    ln -s "$(flink_jar_file "${c#* }")" "$tmp/plugins/${c%% *}/"
  done
  printf '%s' "$manifest" >"$tmp/.manifest"
  rm -rf "$FLINK_HOME_DIR"
  mv "$tmp" "$FLINK_HOME_DIR"
}

flink_install() {
  need java curl
  mkdir -p "$FLINK_JAR_CACHE"
  # Two `up`s at once (two terminals, parallel CI steps) must not build the same cache twice.
  exec 9>"$FLINK_SQL_CACHE/.flink-install.lock"
  flock 9
  flink_install_dist
  flink_fetch_jars
  flink_build_home
  flock -u 9
  exec 9>&-
}

# ---------------------------------------------------------------------------------------------------------
# Configuration (rewritten on every start; a running cluster keeps the config it started with)
# ---------------------------------------------------------------------------------------------------------

# Flink 2.0.0's own default: the JVM flags its code needs on Java 17.
FLINK_JAVA_OPTS_ALL="--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

flink_write_config() {
  local f
  mkdir -p "$FLINK_CONF" "$FLINK_LOGS" "$STACK_STATE/flink-checkpoints" "$STACK_STATE/flink-savepoints" \
    "$STACK_STATE/flink-tmp" "$STACK_STATE/flink-pids"
  for f in log4j.properties log4j-console.properties log4j-cli.properties log4j-session.properties \
           logback.xml logback-console.xml logback-session.xml; do
    [ -f "$FLINK_HOME_DIR/conf/$f" ] && cp "$FLINK_HOME_DIR/conf/$f" "$FLINK_CONF/$f"
  done
  # Memory: JM 1 GiB + TM 1.5 GiB + gateway (heap capped at 640 MiB) keep Flink near 3 GiB of RSS, leaving
  # room for the Kafka broker and the schema registry inside a ~6 GiB stack.
  cat >"$FLINK_CONF/config.yaml" <<EOF
# Generated by scripts/stack/flink.sh on every start; edits are overwritten.
env:
  java:
    opts:
      all: $FLINK_JAVA_OPTS_ALL -Djava.io.tmpdir=$STACK_STATE/flink-tmp
      sql-gateway: -Xms128m -Xmx640m
  pid:
    dir: "$STACK_STATE/flink-pids"
jobmanager:
  bind-host: $FLINK_HOST
  rpc:
    address: $FLINK_HOST
    port: $FLINK_RPC_PORT
  memory:
    process:
      size: 1024m
  execution:
    failover-strategy: region
taskmanager:
  bind-host: $FLINK_HOST
  host: $FLINK_HOST
  numberOfTaskSlots: $FLINK_TASK_SLOTS
  memory:
    process:
      size: $FLINK_TM_MEMORY
    managed:
      fraction: 0.25
parallelism:
  default: 1
rest:
  address: $FLINK_HOST
  bind-address: $FLINK_HOST
  port: $FLINK_REST_PORT
cluster:
  # A TaskManager that starts before the JobManager retries after 0.5 s instead of 10 s.
  registration:
    error-delay: 500ms
heartbeat:
  interval: 2000
  timeout: 10000
io:
  tmp:
    dirs: "$STACK_STATE/flink-tmp"
web:
  tmpdir: "$STACK_STATE/flink-tmp"
state:
  backend:
    type: hashmap
execution:
  # Client side (the gateway): submit to the session cluster at rest.address:rest.port.
  target: remote
  checkpointing:
    # No default interval: with checkpointing on, a streaming SELECT's rows reach the gateway only
    # after each checkpoint completes. Pipelines that want checkpoints SET their own interval.
    dir: "file://$STACK_STATE/flink-checkpoints"
    savepoint-dir: "file://$STACK_STATE/flink-savepoints"
# Finished jobs (and a finished query's collected rows) stay in the JobManager's heap this long (seconds):
# an hour of benchmark or test queries filled a 448 MB heap.
jobstore:
  expiration-time: 600
# A source that starts before its topic is created (auto-created by the first writer) fails once
# with UNKNOWN_TOPIC_OR_PARTITION; a few quick restarts ride that out, a real failure still fails.
restart-strategy:
  type: fixed-delay
  fixed-delay:
    attempts: 3
    delay: 1s
sql-gateway:
  endpoint:
    rest:
      address: $FLINK_HOST
      bind-address: $FLINK_HOST
      port: $FLINK_GATEWAY_PORT
  session:
    # A client that died without DELETE /sessions leaks its session for this long; live clients heartbeat.
    idle-timeout: 5min
    check-interval: 30s
EOF
}

# ---------------------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------------------

# port_in_use PORT: something accepts connections on 127.0.0.1:PORT.
flink_port_in_use() { (exec 3<>"/dev/tcp/$FLINK_HOST/$1") 2>/dev/null; }

flink_check_port_free() {
  local svc="$1" port="$2"
  service_running "$svc" && return 0
  flink_port_in_use "$port" && die "port $port on $FLINK_HOST is taken by a process this stack did not start ($svc cannot start)"
  return 0
}

# Flink's bin/*.sh scripts spend ~3 s per process (6-9 s with three in parallel on two cores) running
# BashJavaUtils JVMs that parse the config and size the memory before the service JVM starts. So each script
# runs once per distinct config with a java shim as JAVA_HOME: the shim passes the BashJavaUtils calls through
# to the real java and, instead of starting the service, records the service's exact argv and FLINK_*
# environment. Starts exec that recorded command: the JVM the script would have run, ready in half the time.
FLINK_CMD_CACHE="$STACK_STATE/flink-cmd"

flink_real_java() {
  local j
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then j="$JAVA_HOME/bin/java"; else j="$(command -v java)"; fi
  readlink -f "$j"
}

flink_write_shim() {
  mkdir -p "$FLINK_CMD_CACHE/shim/bin"
  cat >"$FLINK_CMD_CACHE/shim/bin/java.tmp" <<'EOF'
#!/usr/bin/env bash
# Generated by scripts/stack/flink.sh: records the service JVM's command line instead of running it.
for a in "$@"; do
  if [ "$a" = "$STACK_CAPTURE_MAIN" ]; then
    printf '%s\0' "$@" >"$STACK_CAPTURE_FILE.argv"
    env -0 | grep -zE '^(FLINK_[A-Z_]*|MAX_LOG_FILE_NUMBER|ROOT_LOG_LEVEL|HADOOP_[A-Z_]*)=' >"$STACK_CAPTURE_FILE.env" || true
    exit 0
  fi
done
[ "$STACK_REAL_JAVA" -ef "$0" ] && { echo "java shim: STACK_REAL_JAVA points at the shim" >&2; exit 1; }
exec "$STACK_REAL_JAVA" "$@"
EOF
  chmod +x "$FLINK_CMD_CACHE/shim/bin/java.tmp"
  mv "$FLINK_CMD_CACHE/shim/bin/java.tmp" "$FLINK_CMD_CACHE/shim/bin/java"
}

# flink_cmd_file SERVICE SCRIPT ARGS...: where the command is recorded, keyed by everything that shapes it.
flink_cmd_file() {
  local svc="$1" key; shift
  key="$({ printf '%s\0' "$@" "$(flink_real_java)"; cat "$FLINK_CONF/config.yaml" "$FLINK_HOME_DIR/.manifest"; } \
    | sha256sum | cut -c1-16)"
  echo "$FLINK_CMD_CACHE/$svc.$key"
}

# flink_capture SERVICE MAINCLASS SCRIPT ARGS...: records the service's command (once per key).
flink_capture() {
  local svc="$1" main="$2" script="$3"; shift 3
  local out java
  out="$(flink_cmd_file "$svc" "$script" "$@")"
  [ -s "$out.argv" ] && return 0
  rm -f "$FLINK_CMD_CACHE/$svc".*
  java="$(flink_real_java)"
  JAVA_HOME="$FLINK_CMD_CACHE/shim" STACK_REAL_JAVA="$java" STACK_CAPTURE_MAIN="$main" \
    STACK_CAPTURE_FILE="$out.tmp" \
    FLINK_CONF_DIR="$FLINK_CONF" FLINK_LOG_DIR="$FLINK_LOGS" FLINK_PID_DIR="$STACK_STATE/flink-pids" \
    timeout 120 "$FLINK_HOME_DIR/bin/$script" start-foreground "$@" >"$FLINK_CMD_CACHE/$svc.capture.log" 2>&1 || true
  if [ -s "$out.tmp.argv" ]; then
    mv "$out.tmp.env" "$out.env"
    mv "$out.tmp.argv" "$out.argv"
  else
    log "could not record the $svc command (see $FLINK_CMD_CACHE/$svc.capture.log); bin/$script will start it"
  fi
}

# flink_cds_opt ARCHIVE: Java 17 dynamic AppCDS. The first run of a recorded command writes ARCHIVE when the
# JVM exits normally (our SIGTERM counts); later runs map it and load Flink's classes much faster. A missing,
# stale or truncated archive costs only speed (the JVM then runs without it). FLINK_STACK_CDS=0 turns it off.
# FLINK_STACK_CDS_REUSE=ARCHIVE maps ARCHIVE (another service's, with the same classpath) when it exists and
# never records one: for short-lived services that would otherwise leave an archive each.
flink_cds_opt() {
  [ "${FLINK_STACK_CDS:-1}" = 1 ] || { echo "-Xshare:auto"; return 0; }
  if [ -n "${FLINK_STACK_CDS_REUSE:-}" ]; then
    if [ -s "$FLINK_STACK_CDS_REUSE" ]; then echo "-XX:SharedArchiveFile=$FLINK_STACK_CDS_REUSE"; else echo "-Xshare:auto"; fi
    return 0
  fi
  if [ -s "$1" ]; then echo "-XX:SharedArchiveFile=$1"; else echo "-XX:ArchiveClassesAtExit=$1"; fi
}

# flink_launch SERVICE SCRIPT ARGS...: starts the JVM in its own process group, so the recorded pid is the
# JVM's. Without a recorded command, runs the distribution's script in the foreground (its exec chain also
# ends in the JVM).
flink_launch() {
  local svc="$1" script="$2"; shift 2
  local rec envs=() argv=()
  rec="$(flink_cmd_file "$svc" "$script" "$@")"
  if [ -s "$rec.argv" ]; then
    mapfile -d '' -t envs <"$rec.env"
    mapfile -d '' -t argv <"$rec.argv"
    start_service "$svc" "$STACK_STATE/logs/$svc.log" env "${envs[@]}" "$(flink_real_java)" \
      -Xlog:cds=off -Xlog:cds+dynamic=off "$(flink_cds_opt "$rec.jsa")" "${argv[@]}"
  else
    start_service "$svc" "$STACK_STATE/logs/$svc.log" \
      env FLINK_CONF_DIR="$FLINK_CONF" FLINK_LOG_DIR="$FLINK_LOGS" FLINK_PID_DIR="$STACK_STATE/flink-pids" \
      "$FLINK_HOME_DIR/bin/$script" start-foreground "$@"
  fi
}

FLINK_MAIN_JM="org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint"
FLINK_MAIN_TM="org.apache.flink.runtime.taskexecutor.TaskManagerRunner"
FLINK_MAIN_GW="org.apache.flink.table.gateway.SqlGateway"
FLINK_GATEWAY_ARGS=("-Dsql-gateway.endpoint.rest.address=$FLINK_HOST" "-Dsql-gateway.endpoint.rest.port=$FLINK_GATEWAY_PORT")

# Spawns the three JVMs without waiting for them.
flink_start() {
  flink_install
  flink_check_port_free flink-jobmanager "$FLINK_REST_PORT"
  flink_check_port_free flink-jobmanager "$FLINK_RPC_PORT"
  flink_check_port_free flink-sql-gateway "$FLINK_GATEWAY_PORT"
  local svc any_stopped=0
  for svc in "${FLINK_SERVICES[@]}"; do service_running "$svc" || any_stopped=1; done
  if [ "$any_stopped" = 1 ]; then
    flink_write_config
    flink_write_shim
    # In parallel; only does work after the config or the distribution changed.
    flink_capture flink-jobmanager "$FLINK_MAIN_JM" jobmanager.sh &
    flink_capture flink-taskmanager "$FLINK_MAIN_TM" taskmanager.sh &
    flink_capture flink-sql-gateway "$FLINK_MAIN_GW" sql-gateway.sh "${FLINK_GATEWAY_ARGS[@]}" &
    wait
  fi
  FLINK_START_TIME="$(date +%s.%N)"
  FLINK_LAUNCHED="$any_stopped"
  flink_launch flink-jobmanager jobmanager.sh
  flink_launch flink-taskmanager taskmanager.sh
  flink_launch flink-sql-gateway sql-gateway.sh "${FLINK_GATEWAY_ARGS[@]}"
}

flink_cluster_ready() {
  curl -sf --max-time 2 "$(flink_rest_url)/overview" \
    | jq -e '.taskmanagers >= 1 and ."slots-available" > 0' >/dev/null
}
flink_jobmanager_ready() { curl -sf --max-time 2 "$(flink_rest_url)/overview" >/dev/null; }
flink_gateway_ready()    { curl -sf --max-time 2 "$(flink_gateway_url)/v1/info" >/dev/null; }

flink_elapsed() {
  [ "${FLINK_LAUNCHED:-1}" = 1 ] || { echo "was already running"; return 0; }
  awk -v a="${FLINK_START_TIME:-0}" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s since launch", b - a }'
}

# Waits until the cluster has a free slot and the gateway answers; on failure the log tail is printed.
flink_wait() {
  need jq
  wait_for flink-jobmanager 90 "$STACK_STATE/logs/flink-jobmanager.log" flink_jobmanager_ready
  wait_for flink-taskmanager 90 "$STACK_STATE/logs/flink-taskmanager.log" flink_cluster_ready
  log "Flink cluster ready ($(flink_elapsed)): $(flink_rest_url)"
  wait_for flink-sql-gateway 90 "$STACK_STATE/logs/flink-sql-gateway.log" flink_gateway_ready
  log "SQL Gateway ready ($(flink_elapsed)): $(flink_gateway_url)"
}

flink_up() {
  flink_start
  flink_wait
}

# flink_restart NAME: one process again (jobmanager, taskmanager, gateway), with the config the stack
# started with; a running one is stopped first. For tests that kill a process of their own instance.
flink_restart() {
  local name script ready args=()
  case "$1" in
    jobmanager) name=flink-jobmanager; script=jobmanager.sh; ready=flink_jobmanager_ready ;;
    taskmanager) name=flink-taskmanager; script=taskmanager.sh; ready=flink_cluster_ready ;;
    gateway|sql-gateway) name=flink-sql-gateway; script=sql-gateway.sh; ready=flink_gateway_ready
      args=("${FLINK_GATEWAY_ARGS[@]}") ;;
    *) die "restart: unknown Flink process '$1' (jobmanager, taskmanager, gateway)" ;;
  esac
  need jq
  [ -f "$FLINK_CONF/config.yaml" ] || die "no Flink config in $FLINK_CONF: start the stack first (scripts/stack.sh up flink)"
  stop_service "$name"
  flink_launch "$name" "$script" "${args[@]}"
  wait_for "$name" 90 "$STACK_STATE/logs/$name.log" "$ready"
}

flink_down() {
  # The gateway and the TaskManager need nothing from the JobManager to shut down: stop all three at once.
  stop_services flink-sql-gateway flink-taskmanager flink-jobmanager
}

# flink_status: one line per service (healthy / unhealthy / stopped); non-zero unless all are healthy.
flink_status() {
  local rc=0 svc state
  for svc in "${FLINK_SERVICES[@]}"; do
    if ! service_running "$svc"; then
      state=stopped
    else
      case "$svc" in
        flink-jobmanager)  flink_jobmanager_ready && state=healthy || state=unhealthy ;;
        flink-taskmanager) flink_cluster_ready && state=healthy || state=unhealthy ;;
        flink-sql-gateway) flink_gateway_ready && state=healthy || state=unhealthy ;;
      esac
    fi
    [ "$state" = healthy ] || rc=1
    service_status_line "$svc" "$state"
  done
  return "$rc"
}

# Connection facts for env/local.env (KEY=VALUE lines).
flink_env() {
  cat <<EOF
SQL_GATEWAY_URL=$(flink_gateway_url)
FLINK_REST_URL=$(flink_rest_url)
FLINK_CHECKPOINT_DIR=file://$STACK_STATE/flink-checkpoints
FLINK_SAVEPOINT_DIR=file://$STACK_STATE/flink-savepoints
EOF
}
