#!/usr/bin/env bash
# SPEC §12 performance benchmark, side by side in one run against the local stack.
#
#   bench/run.sh            # needs the local stack up: scripts/stack.sh status
#
# Measures:
#   1. a generated 300-statement DDL script, run (a) by flink-sql exec, (b) by a minimal REST
#      client (bench/minimal_client.rs; busy-poll, 1 ms-pause and round two's first back-off variants,
#      and configure-session variants, the fastest is the baseline) and (c) by Flink's own SQL
#      client in gateway mode; passes in a balanced order, medians; then flink-sql and the fastest
#      variant head to head in pairs, the median of the pairs' ratios.
#   2. `flink-sql --version` and `exec --dry-run` of a 20-file, 450-statement folder (hyperfine).
#   3. split + substitute throughput (bench/throughput.rs, 64 MB generated script).
#   4. 1,000,000 datagen rows as ndjson and csv to /dev/null vs the minimal client only counting
#      them (the gateway's delivery rate), in rounds of all three: each round's ratios, their
#      median and its interval; wall time, rows/s, peak RSS.
#   5. a pipe: how long after its `;` is written a piped statement's POST reaches the gateway
#      (bench/pipe_latency.rs, a proxy in front of the gateway; PIPE_STATEMENTS, default 50).
#   6. `flink-sql shell` on a pty: spawn to prompt, beside one session round trip
#      (bench/shell_prompt.py).
#   8. `jobs apply` of 20 unchanged running pipelines, on a private Flink instance this script
#      starts (JobManager, TaskManager with PIPELINES slots, gateway; OWN_*_PORT, state in the
#      temp dir) and always stops.
#   9. `check` of those 20 files vs `exec` of their DDL alone, same instance; jobs before/after.
#   7. `jobs list --all` of JOBS jobs: a local server (bench/jobs_overview.py) replays a recorded
#      answer generated from the private instance's real /jobs/overview; calls counted, timed
#      against curl of the same answer.
# Part 1 runs once per load in LOADS (default "low high"), so both are measured in one run.
# Prints a markdown table and writes it, with machine facts, to bench/RESULTS.md.
#
# Knobs (environment): GATEWAY (default SQL_GATEWAY_URL of env/local.env, else
# http://127.0.0.1:8083), PASSES (10: part 1's passes of all five clients, in a balanced order),
# SQL_CLIENT_RUNS (3, spread over the passes), H2H (16: head-to-head pairs of flink-sql and the
# fastest minimal client), BUDGET_1 (270 s: no new pass of part 1 after that), ROWS (1000000), ROWS_ROUNDS (8 rounds of part 4, each client once a round;
# each run leaves a finished job holding ~4 MB of JobManager heap for an hour, see below),
# FLINK_HOME, FLINK_CONF_DIR, SKIP_SQL_CLIENT=1 (omit (c)), HEAP_CHECK=0 (skip the JobManager
# heap check below), LOAD (low: part 1 on the machine as it is; high: two busy loops, one per
# core, run beside part 1, so that the clients and the gateway compete for CPU as on a loaded
# CI runner); LOADS ("low high": part 1 at each, in that order; LOAD=x still picks one),
# SHELL_ROUNDS (10), JOBS (1000), PIPELINES (20), APPLY_RUNS (5: runs of part 8), CHECK_PAIRS
# (12: pairs of check and the DDL alone in part 9), CHECK_SETTLE (2 s of quiet before each of them),
# OWN_REST_PORT/OWN_RPC_PORT/OWN_GATEWAY_PORT (28081/26123/28083: the private Flink instance),
# OWN_TM_MEMORY (1280m). Needs python3, jq, curl, hyperfine, /usr/bin/time.
# Runs in about 12-16 minutes. Never stops or restarts the shared stack; everything it starts
# (busy loops, the recorded JobManager, the private Flink instance, temp dirs) is stopped on exit.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
STARTED=$EPOCHREALTIME
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

# ---------------------------------------------------------------- tools
need_apt() { # command package
    command -v "$1" >/dev/null 2>&1 && return 0
    say "installing $2 (for $1) with apt-get"
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y "$2" >/dev/null 2>&1 ||
            { apt-get update >/dev/null 2>&1 && apt-get install -y "$2" >/dev/null 2>&1; } ||
            die "could not install $2: install it (apt-get install $2) and re-run"
    else
        die "$1 is missing: install the '$2' package and re-run"
    fi
}
need_apt hyperfine hyperfine
need_apt jq jq
need_apt curl curl
[ -x /usr/bin/time ] || { need_apt /usr/bin/time time; }
[ -x /usr/bin/time ] || die "/usr/bin/time is missing: apt-get install time"
command -v cargo >/dev/null || die "cargo is missing (rustup: https://rustup.rs)"

# ---------------------------------------------------------------- stack
if [ -z "${GATEWAY:-}" ] && [ -f env/local.env ]; then
    GATEWAY=$(sed -n 's/^SQL_GATEWAY_URL=//p' env/local.env | tr -d "'\"" | tail -1)
fi
GATEWAY=${GATEWAY:-http://127.0.0.1:8083}
GATEWAY=${GATEWAY%/}
JM=$(sed -n 's/^FLINK_REST_URL=//p' env/local.env 2>/dev/null | tr -d "'\"" | tail -1)
JM=${JM:-http://127.0.0.1:8081}
curl -fsS --max-time 5 "$GATEWAY/v1/api_versions" >/dev/null ||
    die "no SQL Gateway at $GATEWAY: start the local stack (scripts/stack.sh up) or set GATEWAY"
FLINK_VERSION=$(curl -fsS --max-time 5 "$JM/overview" | jq -r '."flink-version"' 2>/dev/null || echo "?")

FLINK_HOME=${FLINK_HOME:-$HOME/.cache/flink-sql/flink-2.0.0}
export FLINK_CONF_DIR=${FLINK_CONF_DIR:-$HOME/.local/state/flink-sql/stack/flink-conf}
SQL_CLIENT=$FLINK_HOME/bin/sql-client.sh
if [ "${SKIP_SQL_CLIENT:-0}" != 1 ]; then
    [ -x "$SQL_CLIENT" ] || die "Flink's SQL client not found at $SQL_CLIENT (set FLINK_HOME, or SKIP_SQL_CLIENT=1)"
    [ -d "$FLINK_CONF_DIR" ] || die "FLINK_CONF_DIR $FLINK_CONF_DIR not found (the stack writes it)"
fi

PASSES=${PASSES:-10}
SQL_CLIENT_RUNS=${SQL_CLIENT_RUNS:-3}
H2H=${H2H:-16}
BUDGET_1=${BUDGET_1:-270} # seconds for part 1's passes: no new pass starts after this
LOADS=${LOADS:-${LOAD:-low high}}
for load in $LOADS; do
    case $load in low | high) ;; *) die "LOADS holds low and/or high, not '$load'" ;; esac
done
SQL_CLIENT_LOAD=${LOADS%% *} # Flink's SQL client (1c) runs in the first load's part 1 only
ROWS=${ROWS:-1000000}
ROWS_ROUNDS=${ROWS_ROUNDS:-8}
SHELL_ROUNDS=${SHELL_ROUNDS:-10}
JOBS=${JOBS:-1000}
PIPELINES=${PIPELINES:-20}
APPLY_RUNS=${APPLY_RUNS:-5}
CHECK_PAIRS=${CHECK_PAIRS:-12}
CHECK_SETTLE=${CHECK_SETTLE:-2}
OWN_REST_PORT=${OWN_REST_PORT:-28081}
OWN_RPC_PORT=${OWN_RPC_PORT:-26123}
OWN_GATEWAY_PORT=${OWN_GATEWAY_PORT:-28083}
OWN_TM_MEMORY=${OWN_TM_MEMORY:-1280m}
SERVICES_ENV=
[ -f "$ROOT/env/local.env" ] && SERVICES_ENV="$ROOT/env/local.env"
command -v python3 >/dev/null || die "python3 is missing (parts 6 and 7 use it: a pty and a tiny HTTP server)"

# Every finished collect (SELECT) job keeps its last result batch as an accumulator in the
# JobManager's job store (Flink: up to collect-sink.batch-size.max = 2 MB; measured 4 MB as JSON
# for one 1M-row run) until jobstore.expiration-time (1 h) passes. Part 4 starts 3 such jobs a
# round; on a small local JobManager heap that can end in OutOfMemoryError for everyone sharing
# the stack, so refuse to start when the heap is already close to full.
jm_heap() { # prints "used_MB max_MB"
    curl -fsS --max-time 5 "$JM/jobmanager/metrics?get=Status.JVM.Memory.Heap.Used,Status.JVM.Memory.Heap.Max" |
        jq -r 'map({(.id): (.value | tonumber)}) | add |
            "\((."Status.JVM.Memory.Heap.Used" / 1048576) | floor) \((."Status.JVM.Memory.Heap.Max" / 1048576) | floor)"'
}
if [ "${HEAP_CHECK:-1}" = 0 ]; then
    :
elif read -r HEAP_USED HEAP_MAX < <(jm_heap 2>/dev/null) && [ -n "${HEAP_MAX:-}" ]; then
    HEAP_NEED=$((ROWS_ROUNDS * 3 * 4))
    if [ $((HEAP_USED + HEAP_NEED)) -gt $((HEAP_MAX * 85 / 100)) ]; then
        die "the JobManager heap is at $HEAP_USED of $HEAP_MAX MB and part 4 would keep about $HEAP_NEED MB more for an hour (finished jobs' collect accumulators): wait for old jobs to expire (jobstore.expiration-time), lower ROWS_ROUNDS, or HEAP_CHECK=0 to run anyway"
    fi
else
    say "warning: cannot read the JobManager heap at $JM (not checked)"
fi

# ---------------------------------------------------------------- build
say "building (release)"
cargo build --release --quiet --bin flink-sql --example minimal_client --example throughput --example pipe_latency ||
    die "cargo build --release failed"
FS=$ROOT/target/release/flink-sql
MIN=$ROOT/target/release/examples/minimal_client
TPUT=$ROOT/target/release/examples/throughput

WORK=$(mktemp -d "${TMPDIR:-/tmp}/flink-sql-bench.XXXXXX")
# Everything the run starts is stopped on any exit: the busy loops of LOAD=high, the recorded
# JobManager's server (part 7) and the private Flink instance (parts 8-9), then the temp dir.
SERVER_PID=
OWN_FLINK=
BURNERS=()
stop_burners() { [ "${#BURNERS[@]}" -eq 0 ] || kill "${BURNERS[@]}" 2>/dev/null || true; BURNERS=(); }
# own_flink ARGS...: scripts/stack.sh on the private Flink instance (its own ports and state dir).
own_flink() {
    FLINK_SQL_STACK_STATE="$WORK/flink" FLINK_SQL_STACK_SERVICES=flink \
        FLINK_REST_PORT="$OWN_REST_PORT" FLINK_RPC_PORT="$OWN_RPC_PORT" FLINK_GATEWAY_PORT="$OWN_GATEWAY_PORT" \
        FLINK_TASK_SLOTS="$PIPELINES" FLINK_TM_MEMORY="$OWN_TM_MEMORY" \
        FLINK_SQL_ENV_FILE="$WORK/flink/own.env" FLINK_SQL_SERVICES_ENV="$SERVICES_ENV" \
        "$ROOT/scripts/stack.sh" "$@"
}
cleanup() {
    stop_burners
    [ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null || true
    [ -z "$OWN_FLINK" ] || own_flink down >/dev/null 2>&1 || say "warning: could not stop the private Flink instance (state in $WORK/flink)"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- inputs
# 300 DDL statements, no jobs: 150 datagen tables, 75 SETs, 75 views.
gen_ddl() {
    local n i=0
    for ((n = 0; n < 300; n++)); do
        case $((n % 4)) in
        0 | 1)
            cat <<EOF
CREATE TEMPORARY TABLE t_$i (
  id BIGINT,
  name STRING,
  amount DECIMAL(10, 2),
  ts TIMESTAMP(3)
) WITH (
  'connector' = 'datagen',
  'rows-per-second' = '10',
  'fields.name.length' = '8'
);
EOF
            i=$((i + 1)) ;;
        2) echo "SET 'pipeline.name' = 'bench-$n';" ;;
        3) echo "CREATE TEMPORARY VIEW v_$((i - 1)) AS SELECT id, name, amount * 2 AS doubled FROM t_$((i - 1)) WHERE id > $n;" ;;
        esac
    done
}
gen_ddl >"$WORK/ddl.sql"
[ "$(grep -c ';$' "$WORK/ddl.sql")" -eq 300 ] || die "generated DDL script does not hold 300 statements"

# 20 files, 450 statements, with placeholders in strings and a JAAS line; a profile for them.
mkdir -p "$WORK/folder"
for ((f = 1; f <= 20; f++)); do
    per=22; [ "$f" -le 10 ] && per=23 # 10*23 + 10*22 = 450
    file=$(printf '%s/folder/%02d_pipeline.sql' "$WORK" "$f")
    {
        echo "-- pipeline $f: generated by bench/run.sh"
        for ((s = 0; s < per; s++)); do
            case $((s % 3)) in
            0) cat <<EOF
CREATE TEMPORARY TABLE src_${f}_$s (
  id BIGINT, payload STRING, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = '\${KAFKA_ENV}.shop.orders_$s',
  'properties.bootstrap.servers' = '\${KAFKA_BOOTSTRAP_SERVERS}',
  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="\${KAFKA_USERNAME}" password="\${KAFKA_PASSWORD}";',
  'value.format' = 'json'
);
EOF
            ;;
            1) echo "SET 'pipeline.name' = '\${KAFKA_ENV}-pipeline-$f-$s';" ;;
            2) echo "INSERT INTO sink_$f SELECT id, CASE WHEN payload LIKE '%;%' THEN 1 ELSE 0 END FROM src_${f}_$((s - 2)); -- done" ;;
            esac
        done
    } >"$file"
done
cat >"$WORK/bench.env" <<'EOF'
KAFKA_ENV=uat
KAFKA_BOOTSTRAP_SERVERS=broker-1:9093,broker-2:9093
KAFKA_USERNAME=svc-orders
KAFKA_PASSWORD='Tr1ck'\''y"pa;ss--w\rd'
EOF
n_plan=$("$FS" exec --dry-run --format json --env-file "$WORK/bench.env" -f "$WORK/folder" |
    jq '.statements | length' 2>/dev/null || echo "?")
[ "$n_plan" = 450 ] || say "warning: the dry-run plan lists $n_plan statements (expected 450)"

cat >"$WORK/rows.sql" <<EOF
CREATE TEMPORARY TABLE gen (
  id BIGINT,
  customer_id INT,
  name STRING,
  amount DOUBLE,
  ts TIMESTAMP(3)
) WITH (
  'connector' = 'datagen',
  'number-of-rows' = '$ROWS',
  'rows-per-second' = '10000000',
  'fields.name.length' = '12'
);
SELECT * FROM gen;
EOF

# ---------------------------------------------------------------- helpers
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minimum() { sort -g | head -1; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
fmt() { awk -v a="$1" -v d="${2:-2}" 'BEGIN { if (a == "n/a") print a; else printf "%.*f", d, a }'; }
yes_no() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
    if (v == "n/a") { print "n/a"; exit }
    ok = (op == "<") ? (v < t) : (op == "<=") ? (v <= t) : (op == ">") ? (v > t) : (v >= t)
    print (ok ? "yes" : "**NO**") }'; }

run_a() { "$FS" exec -f "$WORK/ddl.sql" --format plain -q --gateway "$GATEWAY" >/dev/null ||
    die "flink-sql exec failed on the DDL script"; }
run_b() { # NAME PAUSE
    local out
    out=$("$MIN" "$GATEWAY" "$WORK/ddl.sql" "$2") || die "minimal_client failed on the DDL script"
    [[ $out == "statements=300 "* ]] || die "minimal_client: unexpected answer: $out"
    echo "$out" | sed 's/.*calls=\([0-9]*\).*/\1/' >>"$WORK/calls_$1"
}
run_c() {
    "$SQL_CLIENT" gateway -e "${GATEWAY#*://}" -f "$WORK/ddl.sql" >"$WORK/c.out" 2>&1 ||
        { tail -20 "$WORK/c.out" >&2; die "Flink's SQL client failed"; }
    local ok
    ok=$(grep -c "Execute statement succeeded" "$WORK/c.out" || true)
    [ "$ok" -eq 300 ] && ! grep -q "\[ERROR\]" "$WORK/c.out" ||
        { tail -20 "$WORK/c.out" >&2; die "Flink's SQL client ran $ok of 300 statements"; }
}
timed() { # NAME command...: appends its wall time to t_NAME (its stdout goes where timed's does)
    local name=$1 t0 t1
    shift
    t0=$(now)
    "$@"
    t1=$(now)
    elapsed "$t0" "$t1" >>"$WORK/t_$name"
}
time_of() { # command...: prints its wall time in seconds, and nothing of its own stdout
    local t0 t1
    t0=$(now)
    "$@" >/dev/null
    t1=$(now)
    elapsed "$t0" "$t1"
}

# ---------------------------------------------------------------- 1. 300 DDL
# The five clients of part 1 and how each is run (flink-sql is a; the minimal client's variants
# by the pause they take).
CLIENTS=(a b0 bb b1 bc)
declare -A PAUSE_OF=([b0]=0 [b1]=1000 [bb]=backoff [bc]=configure)
declare -A NAME_OF=([b0]=busy-poll [b1]=1-ms-pause [bb]=flink-sql-backoff [bc]=configure-session)
run_client() { # CLIENT
    if [ "$1" = a ]; then run_a; else run_b "$1" "${PAUSE_OF[$1]}"; fi
}
# The orders of one balanced set of passes (a Williams design for five): over PASSES=10 each
# client runs in each place twice and right after each other client twice, so what a run leaves
# in the gateway (busy poll's ~20,000 answers are garbage its next GC collects) falls on every
# client alike. (Earlier runs kept one order, in which flink-sql always followed busy poll.)
williams() { # PASS (1-based): prints five indexes into CLIENTS
    local i=$((($1 - 1) % 5)) base=(0 1 4 2 3) row=() k
    for k in "${base[@]}"; do row+=($(((k + i) % 5))); done
    if (((($1 - 1) / 5) % 2)); then
        for ((k = 4; k >= 0; k--)); do printf '%s ' "${row[$k]}"; done
    else
        printf '%s ' "${row[@]}"
    fi
}
median_ci() { # prints the bounds of a distribution-free 95 % confidence interval for the median
    # of the numbers on stdin: order statistics k and n+1-k, k the largest with P(Bin(n, 1/2) < k) <= 2.5 %
    sort -g | awk '{ v[NR] = $1 }
        END {
            n = NR; if (n < 6) { print "n/a n/a"; exit }
            k = 0; cdf = 0; p = 0.5 ^ n
            for (i = 0; i < n; i++) { if (cdf + p > 0.025) break; cdf += p; k = i + 1; p = p * (n - i) / (i + 1) }
            if (k < 1) k = 1
            printf "%.3f %.3f\n", v[k], v[n + 1 - k] }'
}
within() { # MEDIAN LOW HIGH TARGET: yes when the median is at most the target; "tie" when only the
    # interval reaches it (not measurably slower); **NO** when even its low end is above it
    awk -v m="$1" -v lo="$2" -v t="$4" 'BEGIN {
        if (m == "n/a") print "n/a"; else if (m <= t) print "yes"; else if (lo != "n/a" && lo <= t) print "tie (within the interval)"; else print "**NO**" }'
}
at_least() { # MEDIAN LOW HIGH TARGET: yes when the median is at least the target; "tie" when only
    # the interval reaches it (not measurably slower); **NO** when even its high end is below it
    awk -v m="$1" -v hi="$3" -v t="$4" 'BEGIN {
        if (m == "n/a") print "n/a"; else if (m >= t) print "yes"; else if (hi != "n/a" && hi >= t) print "tie (within the interval)"; else print "**NO**" }'
}
quartiles() { # prints q1 median q3 of the numbers on stdin
    sort -g | awk '{ v[NR] = $1 }
        function q(p,   x, i) { x = 1 + (NR - 1) * p; i = int(x); return v[i] + (x - i) * (v[i + 1] - v[i]) }
        END { if (NR == 0) print "n/a n/a n/a"; else printf "%.3f %.3f %.3f\n", q(0.25), q(0.5), q(0.75) }'
}

# part1 LOAD: one full part 1 at that load; its numbers land in P1[name_LOAD].
declare -A P1
part1() {
    local load=$1 p c i
    rm -f "$WORK"/t_* "$WORK"/calls_* "$WORK"/h2h_*
    say "1. [LOAD=$load] 300-statement DDL script: warm-up"
    if [ "$load" = high ]; then
        for _ in 1 2; do
            bash -c 'while :; do :; done' &
            BURNERS+=($!)
        done
        say "1. LOAD=high: two busy loops (pids ${BURNERS[*]}) run beside part 1"
    fi
    for c in "${CLIENTS[@]}"; do run_client "$c"; done
    rm -f "$WORK"/calls_*
    local part1_t0 every_c=$(((PASSES + SQL_CLIENT_RUNS - 1) / SQL_CLIENT_RUNS))
    part1_t0=$(now)
    for ((p = 1; p <= PASSES; p++)); do
        if [ "$p" -gt 1 ] && awk -v s="$(elapsed "$part1_t0" "$(now)")" -v b="$BUDGET_1" 'BEGIN { exit !(s > b) }'; then
            say "1. over its time budget (BUDGET_1=$BUDGET_1 s): no more passes"
            break
        fi
        say "1. [LOAD=$load] pass $p/$PASSES: flink-sql and four minimal clients, balanced order"
        for i in $(williams "$p"); do timed "${CLIENTS[$i]}" run_client "${CLIENTS[$i]}"; done
        if [ "${SKIP_SQL_CLIENT:-0}" != 1 ] && [ "$load" = "$SQL_CLIENT_LOAD" ] && (((p - 1) % every_c == 0)); then
            say "1. pass $p/$PASSES: Flink SQL client (about a minute)"
            timed c run_c
        fi
    done
    for c in "${CLIENTS[@]}"; do
        P1[${c^^}_$load]=$(median <"$WORK/t_$c")
        P1[N${c^^}_$load]=$(wc -l <"$WORK/t_$c")
    done
    local best which rivals
    rivals=$(for c in b0 b1 bb bc; do echo "${P1[${c^^}_$load]} $c"; done | sort -g | head -2 | cut -d' ' -f2)
    which=${rivals%%$'\n'*}; best=${P1[${which^^}_$load]}
    P1[B_$load]=$best; P1[BWHICH_$load]=${NAME_OF[$which]}
    P1[AB_PASSES_$load]=$(div "${P1[A_$load]}" "$best")
    if [ -f "$WORK/t_c" ]; then P1[C]=$(median <"$WORK/t_c"); P1[NC]=$(wc -l <"$WORK/t_c"); fi
    # Head to head: flink-sql and each of the two fastest variants in turn (the passes' medians
    # of those two often lie within 10 % of each other, and which is faster changes with the
    # load), H2H pairs back to back, each pair's order the other way round from the last. Each
    # rival gives the median of its pairs' ratios (a slow spell of the gateway's falls on both
    # runs of a pair); the headline is the higher of the two.
    local ta tb rival
    P1[AB_$load]=0; P1[H2H_ROWS_$load]=
    for rival in $rivals; do
        say "1. [LOAD=$load] head to head: flink-sql and ${NAME_OF[$rival]}, $H2H pairs"
        rm -f "$WORK"/h2h_*
        for ((p = 1; p <= H2H; p++)); do
            if ((p % 2)); then
                ta=$(time_of run_a); tb=$(time_of run_client "$rival")
            else
                tb=$(time_of run_client "$rival"); ta=$(time_of run_a)
            fi
            echo "$ta" >>"$WORK/h2h_a"; echo "$tb" >>"$WORK/h2h_b"
            awk -v a="$ta" -v b="$tb" 'BEGIN { printf "%.4f\n", a / b }' >>"$WORK/h2h_ratio"
        done
        local q1 mid q3 wins lo hi
        read -r q1 mid q3 < <(quartiles <"$WORK/h2h_ratio")
        read -r lo hi < <(median_ci <"$WORK/h2h_ratio")
        wins=$(awk '$1 < 1 { n++ } END { print n + 0 }' "$WORK/h2h_ratio")
        P1[H2H_ROWS_$load]+="| 1h | head to head, LOAD=$load: flink-sql and ${NAME_OF[$rival]//-/ }, $H2H pairs back to back, order alternating | a $(median <"$WORK/h2h_a") s, b $(median <"$WORK/h2h_b") s (medians); a faster in $wins of $H2H pairs; ratio a / b: median $(fmt "$mid" 2), quartiles $(fmt "$q1" 2)–$(fmt "$q3" 2), 95 % interval of the median $(fmt "$lo" 2)–$(fmt "$hi" 2) | | |"$'\n'
        if awk -v m="$mid" -v h="${P1[AB_$load]}" 'BEGIN { exit !(m > h) }'; then
            P1[AB_$load]=$(fmt "$mid" 2); P1[ABWHO_$load]=${NAME_OF[$rival]}
            P1[AB_LO_$load]=$lo; P1[AB_HI_$load]=$hi
        fi
    done
    # HTTP calls of one flink-sql run (from its -v log), for comparison with the minimal client's.
    "$FS" -v exec -f "$WORK/ddl.sql" --format plain -q --gateway "$GATEWAY" >/dev/null 2>"$WORK/a_v.log" || true
    P1[CALLS_A_$load]=$(grep -cE ' -> [0-9]{3} in ' "$WORK/a_v.log" || true)
    P1[CALLS_CLOSE_$load]=$(grep -cE '^debug: DELETE .*/close -> ' "$WORK/a_v.log" || true)
    P1[CALLS_PER_$load]=$(div "${P1[CALLS_A_$load]}" 300)
    stop_burners
    for c in b0 b1 bb bc; do
        P1[CALLS_${c^^}_$load]=$(median <"$WORK/calls_$c" | xargs printf '%.0f')
    done
}
P1[C]=n/a; P1[NC]=0
for load in $LOADS; do part1 "$load"; done

# ---------------------------------------------------------------- 2. start-up, dry-run
say "2. start-up and dry-run (hyperfine)"
hyperfine -N --style none --warmup 20 --runs 300 --export-json "$WORK/h_true.json" \
    "$(command -v true)" >/dev/null 2>&1 || die "hyperfine failed on true"
hyperfine -N --style none --warmup 20 --runs 300 --export-json "$WORK/h_version.json" \
    "$FS --version" >/dev/null 2>&1 || die "hyperfine failed on --version"
hyperfine -N --style none --warmup 5 --runs 100 --export-json "$WORK/h_dry.json" \
    "$FS exec --dry-run --env-file $WORK/bench.env -f $WORK/folder" >/dev/null 2>&1 ||
    die "hyperfine failed on exec --dry-run"
hstat() { jq -r ".results[0].$2 * 1000" "$1"; }
V_MEAN=$(hstat "$WORK/h_version.json" mean); V_SD=$(hstat "$WORK/h_version.json" stddev)
T_MED=$(hstat "$WORK/h_true.json" median)
V_MED=$(hstat "$WORK/h_version.json" median); V_MIN=$(hstat "$WORK/h_version.json" min)
D_MEAN=$(hstat "$WORK/h_dry.json" mean); D_SD=$(hstat "$WORK/h_dry.json" stddev)
D_MED=$(hstat "$WORK/h_dry.json" median); D_MIN=$(hstat "$WORK/h_dry.json" min)

# ---------------------------------------------------------------- 3. throughput
say "3. split + substitute throughput"
TP_OUT=$("$TPUT" 64 7) || die "throughput example failed"
TP_BYTES=$(echo "$TP_OUT" | sed 's/.*bytes=\([0-9]*\).*/\1/')
TP_STMTS=$(echo "$TP_OUT" | sed 's/.*statements=\([0-9]*\).*/\1/')
TP_BEST=$(echo "$TP_OUT" | sed 's/.*best_mb_s=\([0-9.]*\).*/\1/')
TP_MED=$(echo "$TP_OUT" | sed 's/.* median_mb_s=\([0-9.]*\).*/\1/')
TP_CPU_MED=$(echo "$TP_OUT" | sed 's/.*cpu_median_mb_s=\([0-9.a-z]*\).*/\1/')

# ---------------------------------------------------------------- 4. 1M rows
say "4. $ROWS datagen rows: the delivery-rate client, ndjson, csv; $ROWS_ROUNDS rounds (10-15 s a run)"
# /usr/bin/time appends "wall peak_KB user sys" per run to $WORK/rt_NAME.
rows_run() { # NAME command...
    local name=$1
    shift
    /usr/bin/time -a -f "%e %M %U %S" -o "$WORK/rt_$name" "$@" >"$WORK/ro_$name" 2>"$WORK/re_$name" ||
        { cat "$WORK/re_$name" >&2; die "$name run failed"; }
}
rows_client() { # NAME: one run of it
    case $1 in
    min)
        rows_run min "$MIN" "$GATEWAY" "$WORK/rows.sql" 1000
        MIN_ROWS=$(sed 's/.*rows=\([0-9]*\).*/\1/' "$WORK/ro_min")
        [ "$MIN_ROWS" -eq "$ROWS" ] || die "the minimal client fetched $MIN_ROWS rows, expected $ROWS"
        ;;
    *) rows_run "$1" "$FS" exec -f "$WORK/rows.sql" --format "$1" -q --gateway "$GATEWAY" ;;
    esac
}
# Each round runs the three clients back to back, in the round's order of the six (a Williams
# design for three: each client runs first, second and third, and right after each other client,
# equally often); each round gives each format a ratio of rates against the delivery rate
# measured in that round, so that a slow minute of the gateway slows both sides of a ratio.
ORDERS=("min ndjson csv" "ndjson csv min" "csv min ndjson" "csv ndjson min" "min csv ndjson" "ndjson min csv")
wall_of() { tail -1 "$WORK/rt_$1" | awk '{ print $1 }'; } # NAME: its last run's wall time
for ((r = 0; r < ROWS_ROUNDS; r++)); do
    for c in ${ORDERS[r % 6]}; do rows_client "$c"; done
    for fmt_ in ndjson csv; do
        awk -v m="$(wall_of min)" -v f="$(wall_of "$fmt_")" 'BEGIN { printf "%.4f\n", m / f }' >>"$WORK/rows_ratio_$fmt_"
    done
done
rate() { awk -v n="$ROWS" -v s="$(awk '{ print $1 }' "$WORK/rt_$1" | median)" 'BEGIN { printf "%.0f", n / s }'; }
mb() { awk '$2 > m { m = $2 } END { printf "%.1f", m / 1024 }' "$WORK/rt_$1"; }
cpu() { awk '{ print $3 + $4 }' "$WORK/rt_$1" | median; }
walls() { awk '{ print $1 }' "$WORK/rt_$1" | quartiles | awk '{ printf "%.2f (%.2f–%.2f)", $2, $1, $3 }'; }
R_MIN=$(rate min); R_ND=$(rate ndjson); R_CSV=$(rate csv)
rows_ratio() { # FORMAT: prints "median q1 q3 ci_low ci_high" of its rounds' ratios
    local q ci
    q=$(quartiles <"$WORK/rows_ratio_$1")
    ci=$(median_ci <"$WORK/rows_ratio_$1")
    echo "$q $ci" | awk '{ print $2, $1, $3, $4, $5 }'
}
read -r ND_RATIO ND_Q1 ND_Q3 ND_LO ND_HI < <(rows_ratio ndjson)
read -r CSV_RATIO CSV_Q1 CSV_Q3 CSV_LO CSV_HI < <(rows_ratio csv)

# ---------------------------------------------------------------- 5. a pipe
say "5. ${PIPE_STATEMENTS:-50} piped statements, each written after the previous result"
PL_OUT=$("$ROOT/target/release/examples/pipe_latency" "$FS" "$GATEWAY" "${PIPE_STATEMENTS:-50}") ||
    die "pipe_latency failed"
PL_N=$(echo "$PL_OUT" | sed 's/.*statements=\([0-9]*\).*/\1/')
PL_MED=$(echo "$PL_OUT" | sed 's/.*median_ms=\([0-9.]*\).*/\1/')
PL_P90=$(echo "$PL_OUT" | sed 's/.*p90_ms=\([0-9.]*\).*/\1/')
PL_MAX=$(echo "$PL_OUT" | sed 's/.*max_ms=\([0-9.]*\).*/\1/')

# ---------------------------------------------------------------- 6. shell prompt
say "6. the shell's prompt on a pty, $SHELL_ROUNDS rounds, each beside one measured session round trip"
SP_OUT=$(python3 "$ROOT/bench/shell_prompt.py" "$FS" "$GATEWAY" "$SHELL_ROUNDS") || die "shell_prompt.py failed"
kv() { echo "$1" | sed "s/.*$2=\([0-9.]*\).*/\1/"; }
SP_PROMPT=$(kv "$SP_OUT" prompt_median_ms); SP_SESSION=$(kv "$SP_OUT" session_median_ms)
SP_OWN=$(kv "$SP_OUT" own_median_ms); SP_OWN90=$(kv "$SP_OUT" own_p90_ms)

# ---------------------------------------------------------------- 8-9. private Flink: apply, check
# A Flink instance of the bench's own (JobManager, TaskManager with $PIPELINES slots, gateway) on
# OWN_*_PORT with its state in $WORK: the shared cluster's 4 slots cannot hold 20 pipelines.
say "8. starting a private Flink instance ($PIPELINES slots, ports $OWN_REST_PORT/$OWN_RPC_PORT/$OWN_GATEWAY_PORT)"
mkdir -p "$WORK/flink" "$WORK/pipelines"
OWN_FLINK=1
own_flink up flink >"$WORK/own_flink.log" 2>&1 || { tail -20 "$WORK/own_flink.log" >&2; die "the private Flink instance did not start"; }
OWN_JM=http://127.0.0.1:$OWN_REST_PORT
OWN_ENV=$WORK/flink/own.env
for ((f = 1; f <= PIPELINES; f++)); do
    n=$(printf '%02d' "$f")
    cat >"$WORK/pipelines/p$n.sql" <<EOF
-- pipeline $n: generated by bench/run.sh (a slow datagen into a blackhole)
SET 'pipeline.name' = 'bench-apply-$n';
CREATE TEMPORARY TABLE src_$n (id BIGINT, payload STRING) WITH (
  'connector' = 'datagen', 'rows-per-second' = '1', 'fields.payload.length' = '8'
);
CREATE TEMPORARY TABLE snk_$n (id BIGINT, payload STRING) WITH ('connector' = 'blackhole');
INSERT INTO snk_$n SELECT id, payload FROM src_$n;
EOF
done
# The folder's DDL alone (every statement but the INSERTs), for part 9's baseline.
grep -hv '^INSERT' "$WORK"/pipelines/*.sql >"$WORK/pipelines_ddl.sql"
own_jobs() { # the job ids and states the private JobManager knows, sorted
    curl -fsS --max-time 10 "$OWN_JM/jobs/overview" | jq -r '.jobs[] | "\(.jid) \(.state)"' | sort
}
say "8. jobs apply: starting $PIPELINES pipelines (a minute or two)"
"$FS" jobs apply "$WORK/pipelines" --yes --env-file "$OWN_ENV" >"$WORK/apply0.out" 2>&1 ||
    { tail -20 "$WORK/apply0.out" >&2; die "the first jobs apply failed"; }
RUNNING=$(own_jobs | grep -c ' RUNNING$' || true)
[ "$RUNNING" -eq "$PIPELINES" ] || die "$RUNNING of $PIPELINES pipelines run on the private instance"
say "8. jobs apply on $PIPELINES unchanged pipelines, $APPLY_RUNS runs"
own_jobs >"$WORK/jobs_before"
for ((i = 1; i <= APPLY_RUNS; i++)); do
    timed apply "$FS" jobs apply "$WORK/pipelines" --yes --env-file "$OWN_ENV" -q >"$WORK/apply.out" 2>&1 ||
        { tail -20 "$WORK/apply.out" >&2; die "jobs apply on unchanged pipelines failed"; }
done
"$FS" -v jobs apply "$WORK/pipelines" --yes --env-file "$OWN_ENV" >"$WORK/apply_v.out" 2>&1 || true
APPLY=$(median <"$WORK/t_apply")
APPLY_CALLS=$(grep -cE ' -> [0-9]{3} in ' "$WORK/apply_v.out" || true)
own_jobs >"$WORK/jobs_after_apply"
cmp -s "$WORK/jobs_before" "$WORK/jobs_after_apply" || die "jobs apply on unchanged pipelines changed the jobs"

say "9. check of the $PIPELINES-file folder vs exec of its DDL alone, $CHECK_PAIRS pairs"
run_ddl() { "$FS" exec -f "$WORK/pipelines_ddl.sql" -q --env-file "$OWN_ENV" >/dev/null ||
    die "exec of the pipelines' DDL failed"; }
run_check() { "$FS" check "$WORK/pipelines" --env-file "$OWN_ENV" -q >"$WORK/check.out" 2>&1 ||
    { tail -20 "$WORK/check.out" >&2; die "check of the pipelines failed"; }; }
# Pairs back to back, the first of each alternating; each pair gives a ratio (as part 1's head to
# head: a slow spell of the instance falls on both runs of a pair).
# CHECK_SETTLE seconds before each run: a check leaves its 20 sessions' clean-up and garbage to
# the instance, and a run right after one is slower (that flattered the ratio in earlier runs).
# The private gateway's CPU time of each run (its JVM's utime + stime, in clock ticks): what the
# gateway has to do for a check bounds its wall time from below on this machine's cores.
OWN_GW_PID=$(cat "$WORK/flink/pids/flink-sql-gateway.pid" 2>/dev/null || true)
[ -r "/proc/$OWN_GW_PID/stat" ] || die "no private gateway process (pid '$OWN_GW_PID')"
gw_ticks() { awk '{ print $14 + $15 }' "/proc/$OWN_GW_PID/stat"; }
# measured NAME FN: sleeps CHECK_SETTLE, runs FN, appends its wall time to t_NAME and the
# gateway's CPU seconds during it to g_NAME; prints the wall time.
measured() {
    local c0 t
    sleep "$CHECK_SETTLE"
    c0=$(gw_ticks)
    t=$(time_of "$2")
    awk -v a="$c0" -v b="$(gw_ticks)" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f\n", (b - a) / hz }' >>"$WORK/g_$1"
    echo "$t" >>"$WORK/t_$1"
    echo "$t"
}
for ((i = 1; i <= CHECK_PAIRS; i++)); do
    if ((i % 2)); then
        tc=$(measured check run_check); td=$(measured ddl run_ddl)
    else
        td=$(measured ddl run_ddl); tc=$(measured check run_check)
    fi
    awk -v a="$tc" -v b="$td" 'BEGIN { printf "%.4f\n", a / b }' >>"$WORK/check_ratio"
done
own_jobs >"$WORK/jobs_after_check"
CHECK_NEW=$(comm -13 <(cut -d' ' -f1 "$WORK/jobs_before") <(cut -d' ' -f1 "$WORK/jobs_after_check") | wc -l)
CHECK=$(median <"$WORK/t_check"); DDL=$(median <"$WORK/t_ddl")
GW_CHECK=$(median <"$WORK/g_check"); GW_DDL=$(median <"$WORK/g_ddl")
# The least a check could take here: its gateway CPU spread over every core, nothing else running.
CHECK_FLOOR=$(awk -v g="$GW_CHECK" -v n="$(nproc)" -v d="$DDL" 'BEGIN { printf "%.2f", g / n / d }')
read -r CHECK_Q1 CHECK_RATIO CHECK_Q3 < <(quartiles <"$WORK/check_ratio")
read -r CHECK_LO CHECK_HI < <(median_ci <"$WORK/check_ratio")
# A real answer of the JobManager, the shape part 7's recording copies.
curl -fsS --max-time 10 "$OWN_JM/jobs/overview" >"$WORK/overview_real.json" || die "no /jobs/overview from the private instance"
say "8. stopping the private Flink instance"
own_flink down >>"$WORK/own_flink.log" 2>&1 || say "warning: stopping the private Flink instance failed"
OWN_FLINK=

# ---------------------------------------------------------------- 7. jobs list
say "7. jobs list of $JOBS recorded jobs vs curl of the same answer"
python3 "$ROOT/bench/jobs_overview.py" gen "$WORK/overview_real.json" "$JOBS" >"$WORK/jobs.json" ||
    die "could not generate the recorded answer"
[ "$(jq '.jobs | length' "$WORK/jobs.json")" -eq "$JOBS" ] || die "the recorded answer does not hold $JOBS jobs"
python3 "$ROOT/bench/jobs_overview.py" serve "$WORK/jobs.json" "$WORK/jobs.port" "$WORK/jobs.calls" &
SERVER_PID=$!
for _ in $(seq 50); do [ -s "$WORK/jobs.port" ] && break; sleep 0.1; done
[ -s "$WORK/jobs.port" ] || die "the recorded JobManager did not start"
REC=http://127.0.0.1:$(cat "$WORK/jobs.port")
: >"$WORK/jobs.calls"
LISTED=$("$FS" jobs list --all --jobmanager "$REC" | grep -c 'bench-pipeline-' || true)
LIST_CALLS=$(wc -l <"$WORK/jobs.calls")
[ "$LISTED" = "$JOBS" ] || say "warning: jobs list --all showed $LISTED jobs (expected $JOBS)"
hyperfine -N --style none --warmup 5 --runs 50 --export-json "$WORK/h_list.json" \
    "$FS jobs list --all --jobmanager $REC" "curl -fsS -o /dev/null $REC/jobs/overview" >/dev/null 2>&1 ||
    die "hyperfine failed on jobs list"
LIST_MED=$(jq -r '.results[0].median * 1000' "$WORK/h_list.json")
CURL_MED=$(jq -r '.results[1].median * 1000' "$WORK/h_list.json")
LIST_OWN=$(awk -v a="$LIST_MED" -v b="$CURL_MED" 'BEGIN { printf "%.1f", a - b }')
kill "$SERVER_PID" 2>/dev/null || true
SERVER_PID=

# ---------------------------------------------------------------- table
TOTAL=$(elapsed "$STARTED" "$(now)")
CA=n/a
FIRST_LOAD=${LOADS%% *}
[ "${P1[C]}" = n/a ] || CA=$(div "${P1[C]}" "${P1[A_$FIRST_LOAD]}")
RSS_MAX=$(awk -v a="$(mb ndjson)" -v b="$(mb csv)" 'BEGIN { print (a > b) ? a : b }')
part1_rows() { # LOAD
    local l=$1
    cat <<EOF
| 1a | \`flink-sql exec\`, 300 DDL statements, LOAD=$l (median of ${P1[NA_$l]}) | $(fmt "${P1[A_$l]}" 3) s (${P1[CALLS_A_$l]} HTTP calls, ${P1[CALLS_CLOSE_$l]} of them operation closes) | | |
| 1b | minimal REST client, busy poll on NOT_READY, LOAD=$l (median of ${P1[NB0_$l]}) | $(fmt "${P1[B0_$l]}" 3) s (~${P1[CALLS_B0_$l]} HTTP calls) | | |
| 1b' | minimal REST client, 1 ms pause on NOT_READY, LOAD=$l (median of ${P1[NB1_$l]}) | $(fmt "${P1[B1_$l]}" 3) s (~${P1[CALLS_B1_$l]} HTTP calls) | | |
| 1b'' | minimal REST client, round two's first back-off on NOT_READY (learns from the ask's time), LOAD=$l (median of ${P1[NBB_$l]}) | $(fmt "${P1[BB_$l]}" 3) s (~${P1[CALLS_BB_$l]} HTTP calls) | | |
| 1b''' | minimal REST client, each DDL through configure-session (one call, answered once it ran), LOAD=$l (median of ${P1[NBC_$l]}) | $(fmt "${P1[BC_$l]}" 3) s (~${P1[CALLS_BC_$l]} HTTP calls) | | |
| 1 | a / b in the balanced passes above, LOAD=$l (ratio of the medians; b = fastest minimal client: ${P1[BWHICH_$l]//-/ }) | ${P1[AB_PASSES_$l]} | | |
${P1[H2H_ROWS_$l]}| **1** | **a / b, LOAD=$l** (head to head: the higher of the two medians above, against ${P1[ABWHO_$l]//-/ }; 95 % interval $(fmt "${P1[AB_LO_$l]}" 2)–$(fmt "${P1[AB_HI_$l]}" 2)) | **${P1[AB_$l]}** | ≤ 1.00 | $(within "${P1[AB_$l]}" "${P1[AB_LO_$l]}" "${P1[AB_HI_$l]}" 1.00) |
| **1** | **HTTP calls per DDL statement, LOAD=$l** (flink-sql, all calls of the run / 300) | **${P1[CALLS_PER_$l]}** | ≤ 5 | $(yes_no "${P1[CALLS_PER_$l]}" "<=" 5) |
EOF
}
TABLE=$(
    echo "| # | Measurement | Result | Target | Met |"
    echo "|---|---|---|---|---|"
    for load in $LOADS; do part1_rows "$load"; done
    cat <<EOF
| 1c | Flink SQL client, gateway mode, LOAD=$FIRST_LOAD (median of ${P1[NC]}) | $(fmt "${P1[C]}" 3) s | | |
| **1** | **c / a, LOAD=$FIRST_LOAD** | **$CA** | ≥ 5 | $(yes_no "$CA" ">=" 5) |
| 2 | \`flink-sql --version\` (hyperfine, 300 runs) | median $(fmt "$V_MED" 2) ms (mean $(fmt "$V_MEAN" 2) ± $(fmt "$V_SD" 2), min $(fmt "$V_MIN" 2); spawning \`true\`: median $(fmt "$T_MED" 2)) | < 5 ms (median) | $(yes_no "$V_MED" "<" 5) |
| 2 | \`exec --dry-run\`, 20 files / 450 statements (hyperfine, 100 runs) | median $(fmt "$D_MED" 2) ms (mean $(fmt "$D_MEAN" 2) ± $(fmt "$D_SD" 2), min $(fmt "$D_MIN" 2)) | < 50 ms (median) | $(yes_no "$D_MED" "<" 50) |
| 3 | split + substitute, $((TP_BYTES / 1000000)) MB / $TP_STMTS statements, 7 passes | wall best $TP_BEST, median $TP_MED MB/s; CPU-time median $TP_CPU_MED MB/s | > 100 MB/s (CPU-time median) | $(yes_no "$TP_CPU_MED" ">" 100) |
| 4 | minimal client fetching $ROWS rows, no rendering, 1 ms pause on an empty page (the gateway's delivery rate) | wall median $(walls min) s, $R_MIN rows/s; peak RSS $(mb min) MB; CPU $(cpu min) s | | |
| 4 | \`flink-sql exec --format ndjson\` > /dev/null | wall median $(walls ndjson) s, $R_ND rows/s; peak RSS $(mb ndjson) MB; CPU $(cpu ndjson) s | | |
| 4 | \`flink-sql exec --format csv\` > /dev/null | wall median $(walls csv) s, $R_CSV rows/s; peak RSS $(mb csv) MB; CPU $(cpu csv) s | | |
| **4** | **ndjson rate / delivery rate** (median of $ROWS_ROUNDS rounds' ratios; quartiles $(fmt "$ND_Q1" 2)–$(fmt "$ND_Q3" 2), 95 % interval $(fmt "$ND_LO" 2)–$(fmt "$ND_HI" 2)) | **$(fmt "$ND_RATIO" 2)** | ≥ 0.98 | $(at_least "$ND_RATIO" "$ND_LO" "$ND_HI" 0.98) |
| **4** | **csv rate / delivery rate** (median of $ROWS_ROUNDS rounds' ratios; quartiles $(fmt "$CSV_Q1" 2)–$(fmt "$CSV_Q3" 2), 95 % interval $(fmt "$CSV_LO" 2)–$(fmt "$CSV_HI" 2)) | **$(fmt "$CSV_RATIO" 2)** | ≥ 0.98 | $(at_least "$CSV_RATIO" "$CSV_LO" "$CSV_HI" 0.98) |
| **4** | **peak RSS of flink-sql, ndjson and csv (highest run)** | **$RSS_MAX MB** | < 16 MB | $(yes_no "$RSS_MAX" "<" 16) |
| **5** | **a piped statement: from its \`;\` written into the pipe to its POST at the gateway, p90** ($PL_N statements; median $PL_MED ms, max $PL_MAX ms) | **$PL_P90 ms** | < 5 ms | $(yes_no "$PL_P90" "<" 5) |
| 6 | \`flink-sql shell\` on a pty: spawn to prompt; one session round trip (POST /v1/sessions) beside it (medians of $SHELL_ROUNDS) | prompt $SP_PROMPT ms; session round trip $SP_SESSION ms | | |
| **6** | **shell prompt minus one session round trip** (median; p90 $SP_OWN90 ms) | **$SP_OWN ms** | < 30 ms | $(yes_no "$SP_OWN" "<" 30) |
| 7 | \`jobs list --all\` of $JOBS recorded jobs (a local server replaying a real /jobs/overview's shape; hyperfine, 50 runs) | median $(fmt "$LIST_MED" 1) ms; curl of the same answer: median $(fmt "$CURL_MED" 1) ms | | |
| **7** | **REST calls of one \`jobs list\`** | **$LIST_CALLS** | 1 | $(yes_no "$LIST_CALLS" "<=" 1) |
| **7** | **\`jobs list\` minus curl (our own time)** | **$LIST_OWN ms** | < 50 ms | $(yes_no "$LIST_OWN" "<" 50) |
| **8** | **\`jobs apply\` on $PIPELINES unchanged running pipelines** (private Flink instance; median of $APPLY_RUNS; $APPLY_CALLS REST calls) | **$(fmt "$APPLY" 3) s** | < 2 s | $(yes_no "$APPLY" "<" 2) |
| 9 | \`check\` of the $PIPELINES-file folder vs \`exec\` of its DDL alone (one session; $CHECK_PAIRS pairs back to back, order alternating; medians) | check $(fmt "$CHECK" 3) s; DDL $(fmt "$DDL" 3) s | | |
| 9 | the private gateway's CPU time during a run (medians) | check $(fmt "$GW_CHECK" 3) s; DDL $(fmt "$GW_DDL" 3) s; check's gateway CPU over $(nproc) cores / DDL's wall = $CHECK_FLOOR (the ratio's floor on this machine) | | |
| **9** | **jobs started by \`check\`** (/jobs/overview before and after) | **$CHECK_NEW** | 0 | $(yes_no "$CHECK_NEW" "<=" 0) |
| **9** | **check / DDL alone** (median of the pairs' ratios; quartiles $(fmt "$CHECK_Q1" 2)–$(fmt "$CHECK_Q3" 2), 95 % interval $(fmt "$CHECK_LO" 2)–$(fmt "$CHECK_HI" 2)) | **$(fmt "$CHECK_RATIO" 2)** | < 2 | $(within "$CHECK_RATIO" "$CHECK_LO" "$CHECK_HI" 1.999) |
EOF
)
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
MACHINE=$(
    cat <<EOF
- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')
- commit: $(git rev-parse --short HEAD 2>/dev/null || echo "?")$(git diff --quiet HEAD -- src 2>/dev/null || echo " (src/ has uncommitted changes)")
- machine: $(nproc) cores ($CPU_MODEL), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM, $(uname -sr)
- load average at start: $LOAD_AT_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)
- stack: Flink $FLINK_VERSION, SQL Gateway $GATEWAY, on the same machine (it shares the cores)
- bench run time: $(fmt "$TOTAL" 0) s (LOADS="$LOADS", PASSES=$PASSES, H2H=$H2H, ROWS=$ROWS, PIPELINES=$PIPELINES, JOBS=$JOBS)
EOF
)
{
    echo "# Benchmark results (SPEC §12)"
    echo
    echo "Produced by \`bench/run.sh\`; every number below comes from one run, side by side."
    echo
    echo "$MACHINE"
    echo
    echo "$TABLE"
    echo
    echo "Notes: 1a/1b/1b'/1b''/1b''' run in $PASSES passes (after one warm-up run each) in a Williams order: each"
    echo "client runs in each place, and right after each other client, equally often; 1c runs $SQL_CLIENT_RUNS times"
    echo "between passes. The headline a / b is then measured head to head: flink-sql and each of the two fastest"
    echo "variants in $H2H back-to-back pairs, the first of each pair alternating; each pair gives a ratio;"
    echo "the median of a rival's ratios is shown with its quartiles, and the headline is the higher median. Times are whole-process wall clock. 4 runs the three clients on the same bounded datagen"
    echo "query ('rows-per-second' = '10000000'; job start-up included) in $ROWS_ROUNDS rounds, each in a"
    echo "Williams order of the three; a round's ratio is the delivery-rate client's wall time over the"
    echo "format's (= rate over delivery rate); the headline is the median of the rounds' ratios, with a"
    echo "95 % interval of the median; \"tie\" means the interval holds the target. RSS is the highest of any run."
    echo "6 answers a terminal's cursor-position query; the session round trip is timed from Python on a"
    echo "new connection. 7's \"own time\" is flink-sql's whole process minus curl's, both spawned by hyperfine"
    echo "against the same local server. 8 and 9 run on a private Flink instance the bench starts and stops"
    echo "($PIPELINES slots, TaskManager $OWN_TM_MEMORY); 8 times the second apply of the folder (every pipeline"
    echo "kept), 9 pairs \`exec\` of the folder's SET/CREATE statements in one session with \`check\`"
    echo "of the folder (a session per file, \`check::live::LANES\` files at once, each INSERT explained),"
    echo "back to back, the first of each pair alternating; its headline is the median of the pairs' ratios."
} >"$ROOT/bench/RESULTS.md"
echo
echo "$MACHINE"
echo
echo "$TABLE"
say "written to bench/RESULTS.md (${TOTAL%.*} s)"
