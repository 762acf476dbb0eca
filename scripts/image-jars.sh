#!/usr/bin/env bash
# The drift check between the image's jar manifest (deploy/flink-image-jars.tsv) and the Flink the local
# stack assembled (scripts/stack/flink.sh): every live test must run on the jar set the image ships.
#
#   scripts/image-jars.sh check [--rest URL] [FLINK_HOME [MANIFEST]]
#       FLINK_HOME defaults to the stack's (~/.cache/flink-sql/flink-2.0.0), MANIFEST to the repository's.
#       Fails (exit 1, one line per difference) when a manifest jar is missing from its placement, its
#       sha256 differs, or the stack added a jar the manifest does not name. The distribution's own jars
#       (symlinks into the `dist=` folder named in FLINK_HOME/.manifest) are not compared.
#       With --rest, also the RUNNING JobManager's classpath (GET URL/jobmanager/environment): a cluster
#       started before FLINK_HOME was reassembled still runs the old jars, and that is drift too.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${FLINK_SQL_CACHE:-$HOME/.cache/flink-sql}"

check() {
  local rest=""
  if [ "${1:-}" = --rest ]; then rest="$2"; shift 2; fi
  local home="${1:-$CACHE/flink-2.0.0}" manifest="${2:-$HERE/../deploy/flink-image-jars.tsv}"
  local dist g a v place sha file got bad=0 n=0
  [ -f "$home/.manifest" ] || { echo "image-jars: $home is not an assembled FLINK_HOME (no .manifest): run scripts/stack.sh up" >&2; exit 2; }
  [ -f "$manifest" ] || { echo "image-jars: missing manifest $manifest" >&2; exit 2; }
  dist="$(sed -n 's/^dist=//p' "$home/.manifest")"
  [ -z "$dist" ] || dist="$(readlink -f "$dist")"
  declare -A expected=()
  while IFS=$'\t' read -r g a v place sha; do
    case "$g" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    file="$home/$place/$a-$v.jar"
    expected["$place/$a-$v.jar"]=1
    if [ ! -e "$file" ]; then
      echo "missing: $g:$a:$v is not in $place/ of $home"; bad=1; continue
    fi
    got="$(sha256sum "$file" | cut -c1-64)"
    [ "$got" = "$sha" ] || { echo "checksum: $place/$a-$v.jar is $got, the manifest says $sha"; bad=1; }
  done <"$manifest"
  # Jars the stack added that the manifest does not name (anything not linked from the distribution).
  while IFS= read -r -d '' file; do
    local rel="${file#"$home"/}" target
    target="$(readlink -f "$file")"
    [ -n "$dist" ] && [[ "$target" == "$dist"/* ]] && continue
    [ -n "${expected[$rel]:-}" ] && continue
    echo "extra: $rel is in the stack's Flink but not in the manifest"; bad=1
  done < <(find "$home/lib" "$home/plugins" -name '*.jar' -print0 2>/dev/null)
  if [ -n "$rest" ]; then
    local env cp name
    env="$(curl -sf --max-time 5 "$rest/jobmanager/environment")" \
      || { echo "image-jars: the JobManager at $rest does not answer: is the stack up?" >&2; exit 2; }
    cp="$(jq -r '.classpath[]' <<<"$env" | sed 's#.*/##')"
    while IFS=$'\t' read -r g a v place sha; do
      case "$g" in ''|'#'*) continue ;; esac
      [ "$place" = lib ] || continue
      grep -qxF "$a-$v.jar" <<<"$cp" || { echo "not running: lib/$a-$v.jar is not on the running JobManager's classpath (restart the stack)"; bad=1; }
    done <"$manifest"
    while IFS= read -r name; do
      [ -n "$name" ] || continue
      [ -n "${expected[lib/$name]:-}" ] && continue
      [ -n "$dist" ] && [ -e "$dist/lib/$name" ] && continue
      echo "running extra: $name is on the running JobManager's classpath but not in the manifest"; bad=1
    done < <(grep '\.jar$' <<<"$cp")
  fi
  if [ "$bad" = 0 ]; then
    echo "image-jars: the stack's Flink at $home carries the $n jars of $(basename "$manifest")"
  else
    echo "image-jars: the stack and $(basename "$manifest") drifted apart (fix the manifest or scripts/stack/flink.sh, then scripts/stack.sh up)" >&2
  fi
  return "$bad"
}

case "${1:-}" in
  check) shift; check "$@" ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
