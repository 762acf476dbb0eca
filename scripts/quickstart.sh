#!/usr/bin/env bash
# Quick start on a fresh machine: build flink-sql, start the local stack (Flink 2.0 + SQL Gateway +
# Kafka SASL_SSL + schema registry), then run the example pipelines through `flink-sql exec`.
#
# The build and the stack start side by side: the stack's JVMs spend most of their start waiting,
# which the compiler fills. A debug build: the examples do not need release speed, and a fresh
# release build (thin LTO) costs far more CPU. At the end it says where the time went.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'; }

t0=$(now)
scripts/ensure-tools.sh
tools=$(since "$t0")

say "building flink-sql and starting the local stack side by side (first run downloads Flink, Kafka and the registry into ~/.cache/flink-sql)"
stack_log=$(mktemp "${TMPDIR:-/tmp}/flink-sql-quickstart-stack.XXXXXX")
trap 'rm -f "$stack_log" "$stack_log.took"' EXIT
t=$(now)
(
  scripts/stack.sh up >"$stack_log" 2>&1
  printf '%s\n' "$(since "$t")" >>"$stack_log.took"
) &
stack_pid=$!
build_ok=0
cargo build --locked && build_ok=1
build=$(since "$t")
stack_ok=1
wait "$stack_pid" || stack_ok=0
cat "$stack_log" >&2
stack=$(cat "$stack_log.took" 2>/dev/null || echo "?")
rm -f "$stack_log.took"
[ "$build_ok" = 1 ] || { echo "error: cargo build failed" >&2; exit 1; }
[ "$stack_ok" = 1 ] || { echo "error: the local stack did not come up (its log is above)" >&2; exit 1; }
bin=target/debug/flink-sql

t=$(now)
say "quick start: a datagen source and a changelog aggregate"
"$bin" exec --env local -f sql/quickstart.sql

say "Orders Enrichment: Kafka (SASL_SSL, SCRAM-SHA-512) + Avro in the schema registry"
# Topics exist before pipelines, as on Aiven (a Flink Kafka source fails on a missing topic).
scripts/stack.sh topics local.shop.public.orders local.shop.analytics.customer_totals
# One session: the pipeline's tables are reused by the demo seed (50 orders) and the read-back.
# The pipeline keeps running; the read-back stops after 5 rows, which is a success.
"$bin" exec --env local \
  -f sql/orders-enrichment.sql \
  -f sql/demo/seed-orders.sql \
  -f sql/demo/customer-totals.sql \
  --wait running --max-rows 5
examples=$(since "$t")

cat <<TXT

Done in $(since "$t0") s: tools ${tools} s; build ${build} s and stack ${stack} s side by side; examples ${examples} s.
The Orders Enrichment job keeps running in the local Flink: http://127.0.0.1:8081
Try:  target/debug/flink-sql exec --env local -c "SHOW JOBS"
      (cargo build --release for the fast binary: target/release/flink-sql)
Stop: scripts/stack.sh down
TXT
