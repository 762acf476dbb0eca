#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A second SQL Gateway of our own, for tests that kill or restart a gateway: the shared one on 8083 is never
# touched. Same Flink distribution and config as scripts/stack/flink.sh assembles (so the same jars), its own
# conf dir, log and pid, pointed at the shared JobManager (rest.address/rest.port of the stack's config). The
# stack must be up (scripts/stack.sh up flink).
#
#   scripts/stack/extra-gateway.sh start PORT [IDLE_TIMEOUT [CHECK_INTERVAL]]   start (idempotent), wait until it answers
#   scripts/stack/extra-gateway.sh stop PORT                                    stop it (SIGTERM, then SIGKILL)
#   scripts/stack/extra-gateway.sh kill PORT                                    SIGKILL it, as a crash would
#   scripts/stack/extra-gateway.sh status PORT                                  exit 0 when it answers
#
# IDLE_TIMEOUT / CHECK_INTERVAL (Flink durations, e.g. 5s / 1s) set sql-gateway.session.idle-timeout and
# .check-interval; the default is the stack's (5min / 30s).
set -euo pipefail

action="${1:-}"
port="${2:-}"
case "$action" in start|stop|kill|status) ;; *) sed -n '/^#   scripts/s/^#   //p' "${BASH_SOURCE[0]}" >&2; exit 2 ;; esac
[[ "$port" =~ ^[0-9]+$ ]] || { echo "extra-gateway: PORT must be a number" >&2; exit 2; }
[ "$port" != 8083 ] || { echo "extra-gateway: 8083 is the shared gateway; pick another port" >&2; exit 2; }

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export FLINK_GATEWAY_PORT="$port"
# shellcheck source=common.sh
. "$STACK_DIR/common.sh"
# shellcheck source=flink.sh
. "$STACK_DIR/flink.sh"

SVC="extra-gateway-$port"
SHARED_CONF="$FLINK_CONF"
# flink_capture / flink_launch read these: our own conf, logs and recorded command.
FLINK_CONF="$STACK_STATE/$SVC/conf"
FLINK_LOGS="$STACK_STATE/$SVC/logs"

extra_ready() { curl -sf --max-time 2 "http://$FLINK_HOST:$port/v1/info" >/dev/null; }

extra_write_conf() {
  local idle="${1:-5min}" check="${2:-30s}"
  [ -f "$SHARED_CONF/config.yaml" ] || die "no stack config at $SHARED_CONF: run scripts/stack.sh up flink first"
  mkdir -p "$FLINK_CONF" "$FLINK_LOGS"
  cp "$SHARED_CONF"/* "$FLINK_CONF/"
  sed -i -e "s/^\(    idle-timeout:\).*/\1 $idle/" -e "s/^\(    check-interval:\).*/\1 $check/" "$FLINK_CONF/config.yaml"
  grep -q "idle-timeout: $idle\$" "$FLINK_CONF/config.yaml" || die "could not set the idle timeout in $FLINK_CONF/config.yaml"
}

# Ports are picked free per test, so each port's recorded command would stay behind for ever: drop it
# when the gateway ends (its conf and logs stay, for a failed test's post-mortem).
extra_forget() { rm -f "$FLINK_CMD_CACHE/$SVC".*; }

case "$action" in
  start)
    if service_running "$SVC" && extra_ready; then log "$SVC already running"; exit 0; fi
    flink_dist_dir >/dev/null && [ -d "$FLINK_HOME_DIR/bin" ] || die "Flink is not installed: run scripts/stack.sh up flink first"
    flink_port_in_use "$port" && die "port $port is taken by a process this script did not start"
    extra_write_conf "${3:-}" "${4:-}"
    flink_write_shim
    flink_capture "$SVC" "$FLINK_MAIN_GW" sql-gateway.sh "${FLINK_GATEWAY_ARGS[@]}"
    # The shared gateway's class archive (same jars): one 85 MB archive per test port would pile up.
    shared_archive="$(find "$FLINK_CMD_CACHE" -maxdepth 1 -name 'flink-sql-gateway.*.jsa' 2>/dev/null | head -n 1)"
    FLINK_STACK_CDS_REUSE="${shared_archive:-none}" flink_launch "$SVC" sql-gateway.sh "${FLINK_GATEWAY_ARGS[@]}"
    need jq
    wait_for "$SVC" 90 "$STACK_STATE/logs/$SVC.log" extra_ready
    log "$SVC ready on http://$FLINK_HOST:$port"
    ;;
  stop) stop_service "$SVC"; extra_forget ;;
  kill)
    pid="$(service_pid "$SVC")"
    [ -n "$pid" ] || die "$SVC is not running"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
    for _ in $(seq 1 40); do flink_port_in_use "$port" || break; sleep 0.25; done
    rm -f "$STACK_STATE/pids/$SVC.pid"
    extra_forget
    log "$SVC killed"
    ;;
  status) extra_ready ;;
esac
