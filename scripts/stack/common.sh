# shellcheck shell=bash
# Shared helpers for the local stack scripts. Sourced, never executed.
# Downloads are cached outside the repository; state (pids, logs, data) lives in a state dir.

FLINK_SQL_CACHE="${FLINK_SQL_CACHE:-$HOME/.cache/flink-sql}"
STACK_STATE="${FLINK_SQL_STACK_STATE:-$HOME/.local/state/flink-sql/stack}"
# shellcheck disable=SC2034  # used by the scripts that source this file
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$FLINK_SQL_CACHE" "$STACK_STATE/pids" "$STACK_STATE/logs"

log()  { printf '[stack] %s\n' "$*" >&2; }
die()  { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

# need CMD...: fail with a message naming the missing tool.
need() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || die "'$c' is required but not installed"; done
}

# mvn_fetch GROUP:ARTIFACT:VERSION[:PACKAGING[:CLASSIFIER]] DEST_DIR
# Copies one artifact (no transitive dependencies) into DEST_DIR, using the local Maven repository as cache.
mvn_fetch() {
  local coords="$1" dest="$2"
  mkdir -p "$dest"
  mvn -q -B dependency:copy -Dartifact="$coords" -DoutputDirectory="$dest" -Dmdep.overWriteIfNewer=true \
    >>"$STACK_STATE/logs/maven.log" 2>&1 || { tail -20 "$STACK_STATE/logs/maven.log" >&2; die "could not fetch $coords"; }
}

# start_service NAME LOGFILE CMD...: run CMD in the background, record its pid. A running service is left alone.
start_service() {
  local name="$1" logfile="$2"; shift 2
  if service_running "$name"; then log "$name already running (pid $(cat "$STACK_STATE/pids/$name.pid"))"; return 0; fi
  nohup setsid "$@" >"$logfile" 2>&1 </dev/null &
  echo $! >"$STACK_STATE/pids/$name.pid"
  log "$name started (pid $!)"
}

service_running() {
  local f="$STACK_STATE/pids/$1.pid" pid
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  kill -0 "$pid" 2>/dev/null || return 1
  # A dead service whose parent (the long-gone stack.sh, so init) has not reaped it yet is a zombie:
  # kill -0 still succeeds on it, but it is not running.
  case "$(ps -o stat= -p "$pid" 2>/dev/null)" in ""|Z*) return 1 ;; esac
}

# service_pid NAME: the recorded pid (empty when none).
service_pid() {
  local f="$STACK_STATE/pids/$1.pid"
  [ -f "$f" ] && cat "$f"
  return 0
}

# service_status_line NAME STATE: one aligned status line on stdout, e.g. "kafka  healthy  pid 123".
service_status_line() {
  local pid
  pid="$(service_pid "$1")"
  [ "$2" = stopped ] && pid=""
  printf '%-20s %-10s %s\n' "$1" "$2" "${pid:+pid $pid}"
}

# stop_service NAME: SIGTERM the process group we started, wait, then SIGKILL. Only our own pids.
stop_service() {
  local name="$1" f="$STACK_STATE/pids/$1.pid" pid i
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && { kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"; }
    log "$name stopped"
  fi
  rm -f "$f"
}

# stop_services NAME...: like stop_service for each, but all at once (SIGTERM to every group, then wait),
# so N JVMs take one shutdown time instead of N. Only our own pids.
stop_services() {
  local name pid i alive pids=() names=()
  for name in "$@"; do
    service_running "$name" || { rm -f "$STACK_STATE/pids/$name.pid"; continue; }
    pid="$(cat "$STACK_STATE/pids/$name.pid")"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid"); names+=("$name")
  done
  # 30 s: a JVM's first exit also writes its class-data-sharing archive (several seconds on a busy machine).
  for i in $(seq 1 120); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.25
  done
  for i in "${!pids[@]}"; do
    pid="${pids[$i]}"
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      log "${names[$i]} killed (did not stop within 30 s)"
    else
      log "${names[$i]} stopped"
    fi
    rm -f "$STACK_STATE/pids/${names[$i]}.pid"
  done
}

# wait_for NAME TIMEOUT_SECONDS LOGFILE CMD...: poll CMD until it succeeds; on timeout print the log tail and fail.
wait_for() {
  local name="$1" timeout="$2" logfile="$3"; shift 3
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "$name not ready after ${timeout}s; last lines of $logfile:"
      tail -40 "$logfile" >&2 || true
      return 1
    fi
    if ! service_running "$name"; then
      log "$name exited; last lines of $logfile:"
      tail -40 "$logfile" >&2 || true
      return 1
    fi
    sleep 0.3
  done
  log "$name ready"
}
