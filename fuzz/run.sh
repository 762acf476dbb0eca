#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, starting from the committed seeds.
#   fuzz/run.sh [SECONDS] [TARGET...]        default: 25 s, all targets
# Installs cargo-fuzz once into ~/.cache/flink-sql; runs on the stable toolchain (see below).
# New corpus entries go to a scratch folder, so the repository stays clean; a crash is saved under
# fuzz/artifacts/TARGET/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${1:-25}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(split substitute profile result_page)

version=0.13.2
root="${FLINK_SQL_CACHE:-$HOME/.cache/flink-sql}/cargo-fuzz-$version"
if [ ! -x "$root/bin/cargo-fuzz" ]; then
  echo "installing cargo-fuzz $version into $root (once)"
  cargo install cargo-fuzz --version "$version" --locked --root "$root"
fi
export PATH="$root/bin:$PATH"

# The stable toolchain is enough (no nightly can be downloaded here): with `--sanitizer none`
# cargo-fuzz passes rustc only stable `-C` flags (SanitizerCoverage passes, `--cfg fuzzing`).
# Address sanitizer would need `-Zsanitizer` (RUSTC_BOOTSTRAP=1); the code under test has no
# `unsafe`, so it would add little to the panics and assertions, and it slows every execution.

# Its own target folder: the fuzz build (instrumented, other flags) must not evict the main one.
export CARGO_TARGET_DIR="${FLINK_SQL_FUZZ_TARGET:-$PWD/target}"

# -O with debug assertions: fast enough to matter in a short run, and overflows still panic.
build=(--release --debug-assertions --sanitizer none)
cargo fuzz build "${build[@]}"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target" "artifacts/$target"
  echo "==> fuzz $target for ${seconds}s"
  # -rss_limit_mb: a leak or blow-up is a finding too. -max_len: seeds are small; 64 KiB leaves
  # room for long lines without slowing every execution.
  log="$scratch/$target.log"
  status=0
  cargo fuzz run "${build[@]}" "$target" "$scratch/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="artifacts/$target/" >"$log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)' "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz target $target failed (exit $status); the input is in fuzz/artifacts/$target/" >&2
    exit "$status"
  fi
done
