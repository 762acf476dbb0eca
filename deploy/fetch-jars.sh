#!/usr/bin/env bash
# Written into the image build context by `flink-sql deploy image`; run by the Dockerfile's first stage.
#   fetch-jars.sh MANIFEST OUT_DIR
# Fetches every jar of MANIFEST (tab-separated: group, artifact, version, placement, sha256) with Maven
# into OUT_DIR/PLACEMENT/, and fails, naming the jar, when its sha256 differs from the manifest's.
# Nothing lands in OUT_DIR unless every jar checks out. FETCH_MVN_OPTS adds Maven options (e.g. -o).
set -euo pipefail
manifest="$1" out="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
n=0
while IFS=$'\t' read -r g a v place sha; do
  case "$g" in ''|'#'*) continue ;; esac
  # shellcheck disable=SC2086  # FETCH_MVN_OPTS is a list of options
  mvn -B -q ${FETCH_MVN_OPTS:-} dependency:copy -Dartifact="$g:$a:$v" -DoutputDirectory="$tmp/dl" >"$tmp/mvn.log" 2>&1 \
    || { tail -20 "$tmp/mvn.log" >&2; echo "fetch-jars: cannot fetch $g:$a:$v" >&2; exit 1; }
  got="$(sha256sum "$tmp/dl/$a-$v.jar" | cut -c1-64)"
  if [ "$got" != "$sha" ]; then
    echo "fetch-jars: $g:$a:$v has sha256 $got, but the manifest says $sha" >&2
    exit 1
  fi
  mkdir -p "$tmp/out/$place"
  mv "$tmp/dl/$a-$v.jar" "$tmp/out/$place/"
  n=$((n + 1))
done <"$manifest"
mkdir -p "$out" "$tmp/out/lib" "$tmp/out/plugins"
cp -R "$tmp/out/." "$out/"
echo "fetch-jars: $n jars checked and placed under $out"
