#!/usr/bin/env bash
# A second Flink version next to the shared local stack, for the live suites on the newest 2.x: its own JobManager,
# TaskManager and SQL Gateway on other ports, its own state dir, the shared stack's Kafka and schema registry. It
# writes env/local-flink-VERSION.env (the Kafka and registry facts of env/local.env, its own Flink addresses), which
# the live suites read with FLINK_SQL_TEST_ENV=local-flink-VERSION. It never touches the shared stack.
#
#   scripts/stack-version.sh VERSION up|down|status|env|logs [ARGS]
#       VERSION: 2.2 (REST 18081, RPC 16123, gateway 18083; state ~/.local/state/flink-sql/stack-flink-2.2)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
usage() { sed -n '7,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[ $# -ge 2 ] || usage
version="$1" cmd="$2"; shift 2
case "$version" in
  2.2) rest=18081 rpc=16123 gateway=18083 ;;
  *) echo "stack-version: Flink $version is not one this stack runs (2.2; the shared stack is 2.0)" >&2; exit 2 ;;
esac
case "$cmd" in up|down|status|env|logs) ;; *) usage ;; esac
[ "$cmd" = up ] && [ ! -f "$REPO/env/local.env" ] && { echo "stack-version: no env/local.env: run scripts/stack.sh env (the shared stack must be up)" >&2; exit 1; }

export FLINK_STACK_VERSION="$version"
export FLINK_SQL_STACK_SERVICES=flink
export FLINK_SQL_STACK_STATE="${XDG_STATE_HOME:-$HOME/.local/state}/flink-sql/stack-flink-$version"
export FLINK_REST_PORT="$rest" FLINK_RPC_PORT="$rpc" FLINK_GATEWAY_PORT="$gateway"
export FLINK_SQL_ENV_FILE="$REPO/env/local-flink-$version.env"
export FLINK_SQL_SERVICES_ENV="$REPO/env/local.env"
exec "$HERE/stack.sh" "$cmd" "$@"
