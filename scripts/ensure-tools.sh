#!/usr/bin/env bash
# Checks (and where the registries allow, installs) what the build and the stack need.
set -euo pipefail
missing=()
for tool in cargo java mvn python3 curl keytool; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "error: missing tools: ${missing[*]} (need Rust via rustup, Java 17 JDK with keytool, Maven, Python 3.11, curl)" >&2
  exit 1
fi
if command -v rustup >/dev/null 2>&1; then
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
fi
cargo fmt --version >/dev/null 2>&1 || { echo "error: rustfmt is missing (rustup component add rustfmt)" >&2; exit 1; }
cargo clippy --version >/dev/null 2>&1 || { echo "error: clippy is missing (rustup component add clippy)" >&2; exit 1; }
java_major=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
[ "${java_major%%.*}" -ge 17 ] || { echo "error: Java 17+ is required, found $java_major" >&2; exit 1; }
echo "tools ok: $(cargo --version), java $java_major, $(mvn -v 2>/dev/null | head -1)"
