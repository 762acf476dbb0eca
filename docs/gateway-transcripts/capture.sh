#!/usr/bin/env bash
# Records what the real Flink SQL Gateway answers, one JSON file per HTTP exchange, into this folder:
#   {"request": {"method", "path", "body"}, "status": HTTP status, "response": the body as received
#    (parsed JSON when it is JSON, else a string)}
# Usage (against the local stack, scripts/stack.sh up):
#   docs/gateway-transcripts/capture.sh basic    # info, versions, session, SELECT 1, errors, SET, DDL, INSERT, ...
#   docs/gateway-transcripts/capture.sh kafka    # Kafka SASL_SSL/SCRAM + avro-confluent round trip (needs env/local.env)
#   docs/gateway-transcripts/capture.sh errors   # the users' common mistakes: missing truststore, bad enum value,
#                                                # unknown topic (needs env/local.env; the error-chain tests read them)
# Secret values from env/local.env are replaced by *** in everything written.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
ENV_FILE="$REPO_ROOT/env/local.env"
GATEWAY="${SQL_GATEWAY_URL:-http://127.0.0.1:8083}"
FLINK_REST="${FLINK_REST_URL:-http://127.0.0.1:8081}"
V="${GATEWAY_API_VERSION:-v4}"
OUT="$HERE"

for c in curl jq; do command -v "$c" >/dev/null || { echo "capture.sh: $c is required" >&2; exit 1; }; done

# Reads env/local.env (bash-compatible quoting) into the environment of this script.
load_env() {
  [ -f "$ENV_FILE" ] || { echo "capture.sh: $ENV_FILE not found (run scripts/stack.sh up)" >&2; exit 1; }
  set -a
  # shellcheck source=/dev/null
  . "$ENV_FILE"
  set +a
}

# Secret values to mask: every variable of env/local.env whose name looks secret (the tool's own rule).
SECRETS=()
collect_secrets() {
  local k
  for k in $(compgen -v); do
    [[ "$k" =~ (PASSWORD|SECRET|TOKEN|CREDENTIAL|PRIVATE_KEY|API_KEY|USER_INFO|JAAS) ]] || continue
    [[ "$k" == *_SOURCE ]] && continue   # e.g. ..._CREDENTIALS_SOURCE=USER_INFO is a setting, not a secret
    [ -n "${!k}" ] && [ "${#k}" -gt 0 ] && SECRETS+=("${!k}")
  done
}

# mask_all: replaces every secret value by *** in every transcript (values matched literally, also
# JSON-escaped). One pass at the end: the transcripts are written raw first.
mask_all() {
  [ ${#SECRETS[@]} -gt 0 ] || return 0
  python3 - "$OUT" "${SECRETS[@]}" <<'EOF'
import glob, json, os, sys
out, secrets = sys.argv[1], sorted(set(sys.argv[2:]), key=len, reverse=True)
for path in glob.glob(os.path.join(out, "*.json")):
    text = original = open(path, encoding="utf-8").read()
    for s in secrets:
        for form in {s, json.dumps(s)[1:-1]}:
            text = text.replace(form, "***")
    if text != original:
        open(path, "w", encoding="utf-8").write(text)
EOF
}

LAST_BODY=""
LAST_STATUS=""
# call NAME METHOD PATH [JSON_BODY]: one exchange, saved as NAME.json; the body is left in LAST_BODY.
call() {
  local name="$1" method="$2" path="$3" body="${4:-}" tmp args=()
  tmp="$(mktemp)"
  args=(-s -o "$tmp" -w '%{http_code}' -X "$method")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  LAST_STATUS="$(curl "${args[@]}" "$GATEWAY$path")" || true
  LAST_BODY="$(cat "$tmp")"
  rm -f "$tmp"
  save "$name" "$method" "$path" "$body"
}

# save NAME METHOD PATH BODY: writes the exchange in LAST_STATUS/LAST_BODY. The response is embedded byte
# for byte (never re-encoded: jq would round BIGINTs beyond 2^53, which the gateway sends as bare numbers).
save() {
  local name="$1" method="$2" path="$3" body="$4" req resp
  if [ -z "$body" ]; then req=null; elif jq -e . >/dev/null 2>&1 <<<"$body"; then req="$body"; else req="$(jq -Rn --arg v "$body" '$v')"; fi
  if jq -e . >/dev/null 2>&1 <<<"$LAST_BODY"; then resp="$LAST_BODY"; else resp="$(jq -Rs . <<<"$LAST_BODY")"; fi
  printf '{"request": {"method": %s, "path": %s, "body": %s}, "status": %s, "response": %s}\n' \
    "$(jq -Rn --arg v "$method" '$v')" "$(jq -Rn --arg v "$path" '$v')" "$req" "$LAST_STATUS" "$resp" >"$OUT/$name.json"
  printf '%-58s %s %s\n' "$name.json" "$LAST_STATUS" "$(jq -c '.response | if type == "object" then (.resultType // .status // (.errors | if . then "errors" else null end) // (keys | join(","))) else . end' "$OUT/$name.json" | cut -c1-60)" >&2
}

# fetch_all NAME SESSION OPERATION [MAX_PAGES]: polls result/0, follows nextResultUri to EOS, saving each
# answer as NAME-result-NN.json (NOT_READY answers included; identical consecutive answers are not re-saved).
fetch_all() {
  local name="$1" s="$2" o="$3" max="${4:-60}" path n=0 prev="" kind
  path="/$V/sessions/$s/operations/$o/result/0?rowFormat=${ROW_FORMAT:-JSON}"
  while [ "$n" -lt "$max" ]; do
    LAST_STATUS="$(curl -s -o /tmp/capture.$$ -w '%{http_code}' "$GATEWAY$path")"
    LAST_BODY="$(cat /tmp/capture.$$)"; rm -f /tmp/capture.$$
    if [ "$LAST_BODY" != "$prev" ]; then
      save "$(printf '%s-result-%02d' "$name" "$n")" GET "$path" ""
      n=$((n + 1))
    fi
    prev="$LAST_BODY"
    [ "$LAST_STATUS" = 200 ] || return 0
    kind="$(jq -r .resultType <<<"$LAST_BODY")"
    [ "$kind" = EOS ] && return 0
    if [ "$kind" = NOT_READY ] || [ "$(jq '.results.data | length' <<<"$LAST_BODY")" = 0 ]; then sleep 0.1; fi
    path="$(jq -r '.nextResultUri // empty' <<<"$LAST_BODY")"
    [ -n "$path" ] || return 0
  done
}

# jm NAME PATH: one GET against the JobManager REST API (for what the gateway leaves to it).
jm() {
  LAST_STATUS="$(curl -s -o /tmp/capture.$$ -w '%{http_code}' "$FLINK_REST$2")"
  LAST_BODY="$(cat /tmp/capture.$$)"; rm -f /tmp/capture.$$
  save "$1" GET "JOBMANAGER $2" ""
}

# statement NAME SESSION SQL [MAX_PAGES]: submit, fetch every page, status, close.
statement() {
  local name="$1" s="$2" sql="$3" max="${4:-60}" o
  call "$name-submit" POST "/$V/sessions/$s/statements" "$(jq -nc --arg q "$sql" '{statement: $q}')"
  o="$(jq -r '.operationHandle // empty' <<<"$LAST_BODY")"
  [ -n "$o" ] || return 0
  fetch_all "$name" "$s" "$o" "$max"
  call "$name-status" GET "/$V/sessions/$s/operations/$o/status"
  call "$name-close" DELETE "/$V/sessions/$s/operations/$o/close"
}

open_session() {
  call "$1" POST "/$V/sessions" "$2"
  jq -r .sessionHandle <<<"$LAST_BODY"
}

basic() {
  local s o o2 job
  call 01-info GET /v1/info
  call 02-api-versions GET /api_versions
  call 02-api-versions-v1 GET /v1/api_versions
  s="$(open_session 03-session-open '{"sessionName":"capture","properties":{"table.display.max-column-width":"40"}}')"
  call 04-session-get GET "/$V/sessions/$s"
  call 05-session-heartbeat POST "/$V/sessions/$s/heartbeat" '{}'
  statement 10-select-1 "$s" 'SELECT 1'
  statement 11-select-values "$s" "SELECT * FROM (VALUES (1, 'a', CAST(NULL AS STRING), CAST(1.50 AS DECIMAL(10,2)), TIMESTAMP '2024-01-02 03:04:05.123', ARRAY[1,2], MAP['k', 1], ROW(1, 'x')), (2, '', 'z', CAST(-2 AS DECIMAL(10,2)), TIMESTAMP '2024-01-02 03:04:05.123', ARRAY[3], MAP['k', 2], ROW(2, 'y'))) AS t(i, s, n, d, ts, arr, m, r)"
  # How each type is encoded: JSON (typed, lossy for display) and PLAIN_TEXT (strings, as Flink's client prints).
  local types="SELECT CAST(9223372036854775807 AS BIGINT) AS bi, CAST('12345678901234567890.123' AS DECIMAL(38,3)) AS dbig, CAST(1.50 AS DECIMAL(10,2)) AS d, CAST(100 AS DECIMAL(10,2)) AS d100, TIMESTAMP '2024-01-02 03:04:05' AS ts0, CAST(TIMESTAMP '2024-01-02 03:04:05.120' AS TIMESTAMP(3)) AS ts3, CAST(TIMESTAMP '2024-01-02 03:04:05.123456' AS TIMESTAMP(6)) AS ts6, TO_TIMESTAMP_LTZ(0, 3) AS ltz, DATE '2024-01-02' AS dt, TIME '01:02:03' AS tm, X'CAFE' AS b, CAST(0.1 AS FLOAT) AS f, CAST(1E20 AS DOUBLE) AS dd, CAST('NaN' AS DOUBLE) AS nan, INTERVAL '2' DAY AS iv, INTERVAL '1-2' YEAR TO MONTH AS ivym, MAP[CAST(NULL AS STRING), 1] AS mnull, TRUE AS bo, CAST(NULL AS STRING) AS n, 'NULL' AS ns, '' AS e, 'a' || CHR(9) || 'b' || CHR(10) || 'c' AS ctrl, ROW(1, CAST(NULL AS INT)) AS r, ARRAY[CAST(NULL AS INT), 2] AS arr"
  statement 14-types-json "$s" "$types"
  ROW_FORMAT=PLAIN_TEXT statement 15-types-plain-text "$s" "$types"
  statement 12-select-nope "$s" 'SELECT * FROM nope'
  statement 13-syntax-error "$s" $'SELECT 1\nFROM WHERE x'
  statement 20-set "$s" "SET 'pipeline.name' = 'capture-test'"
  statement 21-set-list "$s" 'SET'
  statement 22-reset "$s" "RESET 'pipeline.name'"
  statement 30-create-datagen "$s" "CREATE TABLE src (id BIGINT, name STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '10')"
  statement 31-create-blackhole "$s" "CREATE TABLE sink (id BIGINT, name STRING) WITH ('connector' = 'blackhole')"
  statement 32-create-existing "$s" "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen')"
  statement 33-show-tables "$s" 'SHOW TABLES'
  statement 34-describe "$s" 'DESCRIBE src'
  statement 35-explain "$s" 'EXPLAIN SELECT * FROM src'
  statement 40-insert "$s" "INSERT INTO sink SELECT * FROM src"
  job="$(jq -r '.response.results.data[0].fields[0] // empty' "$OUT"/40-insert-result-00.json)"
  sleep 3
  jm 41-jobmanager-jobs-overview /jobs/overview
  statement 42-show-jobs "$s" 'SHOW JOBS'
  [ -n "$job" ] && statement 43-describe-job "$s" "DESCRIBE JOB '$job'"
  # An unbounded query: empty pages while the job runs, then a cancel.
  statement 50-create-unbounded "$s" "CREATE TABLE slow (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '2')"
  call 51-stream-submit POST "/$V/sessions/$s/statements" '{"statement":"SELECT id FROM slow"}'
  o="$(jq -r .operationHandle <<<"$LAST_BODY")"
  fetch_all 51-stream "$s" "$o" 8
  call 52-stream-status-running GET "/$V/sessions/$s/operations/$o/status"
  call 53-stream-cancel POST "/$V/sessions/$s/operations/$o/cancel"
  call 54-stream-status-after-cancel GET "/$V/sessions/$s/operations/$o/status"
  call 55-stream-result-after-cancel GET "/$V/sessions/$s/operations/$o/result/0?rowFormat=JSON"
  call 56-stream-close POST "/$V/sessions/$s/operations/$o/close"
  call 56-stream-close-delete DELETE "/$V/sessions/$s/operations/$o/close"
  sleep 2
  jm 56-stream-jobmanager-after-close /jobs/overview
  call 57-unknown-operation GET "/$V/sessions/$s/operations/00000000-0000-0000-0000-000000000000/status"
  # PLAIN_TEXT row format and the v1 API, for comparison.
  call 60-select-plain-submit POST "/$V/sessions/$s/statements" '{"statement":"SELECT 1 AS num, '"'"'x'"'"' AS s"}'
  o="$(jq -r .operationHandle <<<"$LAST_BODY")"
  sleep 1
  call 60-select-plain-result-0 GET "/$V/sessions/$s/operations/$o/result/0?rowFormat=PLAIN_TEXT"
  o2="$(jq -r '.nextResultUri // empty' <<<"$LAST_BODY")"
  [ -z "$o2" ] || call 60-select-plain-result-1 GET "$o2"
  call 61-v1-result-0 GET "/v1/sessions/$s/operations/$o/result/0"
  call 62-configure-session POST "/$V/sessions/$s/configure-session" '{"statement":"SET '"'"'parallelism.default'"'"' = '"'"'2'"'"'"}'
  call 63-complete-statement GET "/$V/sessions/$s/complete-statement" '{"statement":"SELECT * FROM s","position":15}'

  call 64-submit-with-config POST "/$V/sessions/$s/statements" '{"statement":"SELECT 2","executionConfig":{"pipeline.name":"with-config"},"executionTimeout":0}'
  o="$(jq -r .operationHandle <<<"$LAST_BODY")"
  fetch_all 64-submit-with-config "$s" "$o" 10
  # An operation that is still RUNNING: with table.dml-sync an INSERT runs until its job ends.
  statement 70-set-dml-sync "$s" "SET 'table.dml-sync' = 'true'"
  call 71-sync-insert-submit POST "/$V/sessions/$s/statements" '{"statement":"INSERT INTO sink SELECT id, '"'"'x'"'"' FROM slow"}'
  o="$(jq -r .operationHandle <<<"$LAST_BODY")"
  sleep 3
  call 72-sync-insert-status-running GET "/$V/sessions/$s/operations/$o/status"
  call 73-sync-insert-result-running GET "/$V/sessions/$s/operations/$o/result/0?rowFormat=JSON"
  call 74-sync-insert-cancel POST "/$V/sessions/$s/operations/$o/cancel"
  call 75-sync-insert-status-after-cancel GET "/$V/sessions/$s/operations/$o/status"
  call 76-sync-insert-result-after-cancel GET "/$V/sessions/$s/operations/$o/result/0?rowFormat=JSON"
  sleep 2
  jm 77-jobmanager-after-cancel /jobs/overview
  call 78-sync-insert-close DELETE "/$V/sessions/$s/operations/$o/close"
  statement 79-reset-dml-sync "$s" "RESET 'table.dml-sync'"
  call 90-session-delete DELETE "/$V/sessions/$s"
  call 91-session-after-delete GET "/$V/sessions/$s"
  call 92-statement-after-delete POST "/$V/sessions/$s/statements" '{"statement":"SELECT 1"}'
  call 93-bad-json POST "/$V/sessions" '{"properties":'
  call 94-not-found GET "/$V/nope"
}

kafka() {
  local s topic reg_user_info jaas tls
  topic="${KAFKA_ENV:-local}.capture.public.orders_$(date +%s)"
  jaas="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$KAFKA_USERNAME\" password=\"$KAFKA_PASSWORD\";"
  reg_user_info="${SCHEMA_REGISTRY_USER_INFO:-$KAFKA_USERNAME:$KAFKA_PASSWORD}"
  tls="'properties.bootstrap.servers' = '$KAFKA_BOOTSTRAP_SERVERS',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'SCRAM-SHA-512',
  'properties.sasl.jaas.config' = '${jaas//\'/\'\'}',
  'properties.ssl.truststore.location' = '$TRUSTSTORE_PATH',
  'properties.ssl.truststore.password' = '${TRUSTSTORE_PASSWORD//\'/\'\'}',
  'properties.ssl.endpoint.identification.algorithm' = 'https'"
  s="$(open_session k01-session-open '{"sessionName":"capture-kafka"}')"
  statement k02-create-orders "$s" "CREATE TABLE orders (
  order_id BIGINT,
  customer STRING,
  amount DECIMAL(10, 2),
  ts TIMESTAMP(3)
) WITH (
  'connector' = 'kafka',
  'topic' = '$topic',
  $tls,
  'properties.group.id' = 'capture',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '$SCHEMA_REGISTRY_URL',
  'value.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',
  'value.avro-confluent.basic-auth.user-info' = '${reg_user_info//\'/\'\'}'
)"
  statement k03-insert "$s" "INSERT INTO orders VALUES
  (1, 'alice', 10.50, TIMESTAMP '2024-01-01 10:00:00.000'),
  (2, 'bob', 20.00, TIMESTAMP '2024-01-01 10:05:00.000'),
  (3, 'carol', 7.25, TIMESTAMP '2024-01-01 10:10:00.000')"
  wait_for_jobs
  statement k04-select-bounded "$s" "SELECT order_id, customer, amount, ts FROM orders" 120
  statement k05-create-upsert "$s" "CREATE TABLE totals (
  customer STRING,
  total DECIMAL(10, 2),
  PRIMARY KEY (customer) NOT ENFORCED
) WITH (
  'connector' = 'upsert-kafka',
  'topic' = '$topic.totals',
  $tls,
  'key.format' = 'avro-confluent',
  'key.avro-confluent.url' = '$SCHEMA_REGISTRY_URL',
  'key.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',
  'key.avro-confluent.basic-auth.user-info' = '${reg_user_info//\'/\'\'}',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '$SCHEMA_REGISTRY_URL',
  'value.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',
  'value.avro-confluent.basic-auth.user-info' = '${reg_user_info//\'/\'\'}'
)"
  statement k06-insert-upsert "$s" "INSERT INTO totals SELECT customer, SUM(amount) FROM orders GROUP BY customer"
  wait_for_jobs
  jm k07-jobmanager-jobs-overview /jobs/overview
  statement k08-create-wrong-password "$s" "CREATE TABLE orders_badpw (order_id BIGINT) WITH (
  'connector' = 'kafka',
  'topic' = '$topic',
  'properties.bootstrap.servers' = '$KAFKA_BOOTSTRAP_SERVERS',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'SCRAM-SHA-512',
  'properties.sasl.jaas.config' = 'org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$KAFKA_USERNAME\" password=\"wrong\";',
  'properties.ssl.truststore.location' = '$TRUSTSTORE_PATH',
  'properties.ssl.truststore.password' = '${TRUSTSTORE_PASSWORD//\'/\'\'}',
  'properties.ssl.endpoint.identification.algorithm' = 'https',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '$SCHEMA_REGISTRY_URL'
)"
  statement k09-select-wrong-password "$s" "SELECT * FROM orders_badpw" 120
  call k90-session-delete DELETE "/$V/sessions/$s"
}

# kafka_source NAME TOPIC TRUSTSTORE STARTUP_MODE: a source table in the users' shape (SASL_SSL, SCRAM JAAS line,
# avro-confluent behind basic auth).
kafka_source() {
  local jaas="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$KAFKA_USERNAME\" password=\"$KAFKA_PASSWORD\";"
  local user_info="${SCHEMA_REGISTRY_USER_INFO:-$KAFKA_USERNAME:$KAFKA_PASSWORD}"
  printf '%s' "CREATE TEMPORARY TABLE $1 (order_id BIGINT, customer STRING) WITH (
  'connector' = 'kafka',
  'topic' = '$2',
  'properties.bootstrap.servers' = '$KAFKA_BOOTSTRAP_SERVERS',
  'properties.security.protocol' = 'SASL_SSL',
  'properties.sasl.mechanism' = 'SCRAM-SHA-512',
  'properties.sasl.jaas.config' = '${jaas//\'/\'\'}',
  'properties.ssl.truststore.location' = '$3',
  'properties.ssl.truststore.password' = '${TRUSTSTORE_PASSWORD//\'/\'\'}',
  'properties.ssl.endpoint.identification.algorithm' = 'https',
  'properties.group.id' = 'capture-errors',
  'scan.startup.mode' = '$4',
  'value.format' = 'avro-confluent',
  'value.avro-confluent.url' = '$SCHEMA_REGISTRY_URL',
  'value.avro-confluent.basic-auth.credentials-source' = 'USER_INFO',
  'value.avro-confluent.basic-auth.user-info' = '${user_info//\'/\'\'}'
)"
}

# failing_job NAME SESSION: INSERTs from `orders` into a blackhole, waits for the job to end and records
# its /jobs/{id}/exceptions (the job fails in the JobManager, after the stack's 3 restarts).
failing_job() {
  local name="$1" s="$2" job
  statement "$name-sink" "$s" "CREATE TEMPORARY TABLE sink (order_id BIGINT, customer STRING) WITH ('connector' = 'blackhole')"
  statement "$name-insert" "$s" "INSERT INTO sink SELECT * FROM orders"
  job_exceptions "$name"
}

# job_exceptions NAME: waits for the job NAME-insert started to end, records its /jobs/{id}/exceptions.
job_exceptions() {
  local name="$1" job _
  job="$(jq -r '.response.jobID // empty' "$OUT/$name"-insert-result-*.json | head -1)"
  [ -n "$job" ] || { echo "capture.sh: $name: the INSERT started no job" >&2; return 1; }
  for _ in $(seq 1 120); do
    curl -s "$FLINK_REST/jobs/$job" | jq -e '.state | IN("FINISHED","FAILED","CANCELED")' >/dev/null && break
    sleep 0.5
  done
  jm "$name-job-exceptions" "/jobs/$job/exceptions"
}

errors() {
  local s stamp
  stamp="$(date +%s)"
  s="$(open_session e01-session-open '{"sessionName":"capture-errors"}')"
  # a) the users' hard-coded truststore path, where no file is: the job fails in the JobManager.
  statement e01-missing-truststore-create "$s" "$(kafka_source orders "local.capture.public.orders_$stamp" /etc/kafka/secrets/missing.truststore.jks earliest-offset)"
  failing_job e01-missing-truststore "$s"
  # b) an enum option with a value Flink does not know: the INSERT is refused while planning.
  statement e02-bad-enum-create "$s" "$(kafka_source orders_enum "local.capture.public.orders_$stamp" "$TRUSTSTORE_PATH" earliest)"
  statement e02-bad-enum-insert "$s" "INSERT INTO sink SELECT * FROM orders_enum"
  # c) a topic that does not exist: the job RUNS for a while, then its source's partition discovery fails it.
  statement e03-unknown-topic-create "$s" "$(kafka_source orders_nowhere "local.capture.public.no_such_topic_$stamp" "$TRUSTSTORE_PATH" earliest-offset)"
  statement e03-unknown-topic-insert "$s" "INSERT INTO sink SELECT * FROM orders_nowhere"
  job_exceptions e03-unknown-topic
  call e90-session-delete DELETE "/$V/sessions/$s"
}

# Waits (up to 60 s) until no job on the JobManager is in a non-terminal state.
wait_for_jobs() {
  local _
  for _ in $(seq 1 120); do
    [ "$(curl -s "$FLINK_REST/jobs/overview" | jq '[.jobs[] | select(.state | IN("FINISHED","FAILED","CANCELED") | not)] | length')" = 0 ] && return 0
    sleep 0.5
  done
  echo "capture.sh: jobs still running after 60 s" >&2
}

main() {
  [ -f "$ENV_FILE" ] && load_env
  GATEWAY="${SQL_GATEWAY_URL:-$GATEWAY}"
  FLINK_REST="${FLINK_REST_URL:-$FLINK_REST}"
  collect_secrets
  case "${1:-}" in
    basic) rm -f "$OUT"/[0-9]*.json; basic ;;
    kafka) load_env; collect_secrets; rm -f "$OUT"/k[0-9]*.json; kafka ;;
    errors) load_env; collect_secrets; rm -f "$OUT"/e[0-9]*.json; errors ;;
    *) echo "usage: $0 basic|kafka|errors" >&2; exit 2 ;;
  esac
  mask_all
}

main "$@"
