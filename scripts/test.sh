#!/usr/bin/env bash
# The test command: every test, unit and live. The live suites (feature `live`) need
# `scripts/stack.sh up` and `scripts/kube-rig.sh up` first (.ci/run does both); they fail (never
# skip) when the stack is not there. A plain `cargo test` runs only the tiers that need no server.
set -euo pipefail
cd "$(dirname "$0")/.."
# Live tests share one 4-slot session cluster: two test threads keep streaming jobs within its slots.
exec cargo test --locked --all-targets --features live -- --test-threads="${FLINK_SQL_TEST_THREADS:-2}" "$@"
