# Helpers shared by scripts/stack/kafka.sh and scripts/stack/registry.sh (sourced by both; no side effects).

# _stack_dotenv_quote VALUE: print VALUE as one dotenv/POSIX-shell word that reads back verbatim.
# Rule: wrap in single quotes and write each ' as '\'' (close quote, escaped quote, reopen).
# dotenvy 0.15: inside '...' every character is literal (no escapes, no ${VAR} expansion); outside quotes
# \' is an escaped quote. bash `source`/`set -a; .` reads the same word the same way. No newlines allowed.
_stack_dotenv_quote() {
  local v="$1" q="'\\''"
  case "$v" in *$'\n'*|*$'\r'*) die "dotenv value with a newline is not supported";; esac
  printf "'%s'" "${v//\'/$q}"
}

# Java 17 dynamic AppCDS (class-data-sharing archive): with it the JVMs here start 2-3x faster.
# _stack_cds_opt NAME DIR prints the JVM flag: map DIR/NAME-<java>.jsa when it exists, otherwise record one
# at JVM exit into DIR/NAME-<java>.jsa.partial. _stack_cds_commit NAME DIR renames the .partial into place;
# call it only after the JVM has exited normally (not killed), so a cut-off archive is never used.
# A missing or stale archive only costs speed (-Xshare:auto).
_stack_cds_file() {
  [ -n "${_STACK_JAVA_KEY:-}" ] || _STACK_JAVA_KEY="$(java -version 2>&1 | cksum | cut -d' ' -f1)"
  printf '%s/%s-%s.jsa' "$2" "$1" "$_STACK_JAVA_KEY"
}
_stack_cds_opt() {
  local f; f="$(_stack_cds_file "$1" "$2")"
  if [ -s "$f" ]; then printf '%s' "-XX:SharedArchiveFile=$f"; else printf '%s' "-XX:ArchiveClassesAtExit=$f.partial"; fi
}
_stack_cds_commit() {
  local f; f="$(_stack_cds_file "$1" "$2")"
  if [ -s "$f.partial" ] && [ ! -s "$f" ]; then mv -f "$f.partial" "$f"; else rm -f "$f.partial"; fi
}

# _stack_stop_jvm NAME [CDS_NAME CDS_DIR]: SIGTERM the process group of our service NAME and wait up to 60 s
# (a JVM writing its CDS archive at exit can take longer than stop_service's 15 s), then let stop_service
# finish (SIGKILL if still alive, pid file). Commits the CDS archive only after a clean exit.
_stack_stop_jvm() {
  local name="$1" pid i clean=0
  if service_running "$name"; then
    pid="$(cat "$STACK_STATE/pids/$name.pid")"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 240; i++)); do kill -0 "$pid" 2>/dev/null || { clean=1; break; }; sleep 0.25; done
    [ "$clean" = 1 ] && log "$name stopped"
  fi
  stop_service "$name"
  if [ $# -ge 3 ]; then
    if [ "$clean" = 1 ]; then _stack_cds_commit "$2" "$3"; else rm -f "$(_stack_cds_file "$2" "$3").partial"; fi
  fi
}

# _stack_status_line NAME STATE: stack.sh's one-line status format (common.sh's service_status_line when present).
_stack_status_line() {
  if declare -F service_status_line >/dev/null; then service_status_line "$1" "$2"
  else printf '%-20s %-10s\n' "$1" "$2"; fi
}

# _stack_lock NAME / _stack_unlock: serialize up/down of one service between concurrent stack.sh runs
# (several engineers and test runs share one state dir). The lock is released at the latest when the
# process exits (die).
_stack_lock() {
  need flock
  exec {_STACK_LOCK_FD}>"$STACK_STATE/$1.lock"
  if ! flock -n "$_STACK_LOCK_FD"; then
    log "waiting for another stack run that is starting or stopping $1"
    flock -w 600 "$_STACK_LOCK_FD" || die "$1 stayed locked by another stack run for 600 s"
  fi
}
# _stack_without_lock CMD...: run CMD in a subshell that does not hold the lock fd, so a long-running
# process it starts (start_service) does not inherit, and so keep holding, the lock.
_stack_without_lock() {
  ( if [ -n "${_STACK_LOCK_FD:-}" ]; then exec {_STACK_LOCK_FD}>&-; fi; "$@" )
}
_stack_unlock() {
  if [ -n "${_STACK_LOCK_FD:-}" ]; then exec {_STACK_LOCK_FD}>&-; _STACK_LOCK_FD=""; fi
}
