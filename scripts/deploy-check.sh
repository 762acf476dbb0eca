#!/usr/bin/env bash
# Offline checks of rendered Kubernetes manifests (`flink-sql deploy render --out DIR`): strict Kubernetes
# schemas, the Flink operator's CRD schemas, and a checkov security scan. Tools live in a venv and the CRDs
# in a cache OUTSIDE the repository: ${XDG_CACHE_HOME:-$HOME/.cache}/flink-sql/deploy-check.
#
#   scripts/deploy-check.sh install            set up the venv and the Flink operator CRDs (idempotent, fast when cached)
#   scripts/deploy-check.sh crds               print the directory holding the CRD files (installs first if needed)
#   scripts/deploy-check.sh validate DIR...    check every YAML document under each DIR; exit 0 only when all pass
#   scripts/deploy-check.sh versions           print the pinned tool, Kubernetes schema and CRD versions
#
# Settings (environment):
#   DEPLOY_CHECK_K8S_VERSION        Kubernetes version of the built-in schemas (default 1.34, the test API server's)
#   DEPLOY_CHECK_OPERATOR_VERSIONS  operator-api versions to try, in order (default "1.12.1 1.12.0 1.10.0")
#   DEPLOY_CHECK_REQUIRE_DIGEST=1   report images pinned by tag instead of digest (checkov CKV_K8S_43)
#   DEPLOY_CHECK_NO_CHECKOV=1       schema stages only (skips the security scan; says so in the report)
#   DEPLOY_CHECK_PYTHON             the Python that builds the venv (default python3; 3.9 or newer)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TOOL_DIR="$HERE/deploy-check"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/flink-sql/deploy-check"
VENV="$CACHE/venv"
CRD_DIR="$CACHE/crds"
CRD_SOURCE="$CACHE/crds.source"       # "org.apache.flink:flink-kubernetes-operator-api:VERSION" + notes
LOG_DIR="$CACHE/logs"
K8S_VERSION="${DEPLOY_CHECK_K8S_VERSION:-1.34}"
OPERATOR_VERSIONS="${DEPLOY_CHECK_OPERATOR_VERSIONS:-1.12.1 1.12.0 1.10.0}"
PYTHON="${DEPLOY_CHECK_PYTHON:-python3}"
# CRD files that must be in the jar. All its META-INF/fabric8/*-v1.yml are extracted; the -v1beta1.yml
# variants (apiextensions.k8s.io/v1beta1, gone since Kubernetes 1.22) are left out so that the directory
# can be applied to a current API server, or copied into a chart's crds/, as it is.
CRD_FILES=(flinkdeployments.flink.apache.org-v1.yml flinksessionjobs.flink.apache.org-v1.yml)

log()  { printf '[deploy-check] %s\n' "$*" >&2; }
die()  { printf '[deploy-check] error: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '6,9s/^#   //p' "${BASH_SOURCE[0]}"; }

need() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || die "'$c' is required but not installed"; done
}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- venv -----------------------------------------------------------------------------------------------

# What the venv was built from: the pins and the Python. A change rebuilds it.
venv_stamp() {
  {
    cat "$TOOL_DIR/requirements.txt" "$TOOL_DIR/constraints.txt"
    "$PYTHON" -c 'import sys; print(sys.version)'
  } | sha256sum | cut -d' ' -f1
}

venv_ready() {
  [ -x "$VENV/bin/python" ] && [ -f "$VENV/.stamp" ] && [ "$(cat "$VENV/.stamp")" = "$(venv_stamp)" ]
}

install_venv() {
  need "$PYTHON" sha256sum
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
    || die "$PYTHON is $("$PYTHON" -V 2>&1); the tools need Python 3.9 or newer (set DEPLOY_CHECK_PYTHON)"
  if venv_ready; then log "venv up to date ($VENV)"; return 0; fi
  local t0; t0="$(now)"
  log "building the venv in $VENV (kubernetes-validate, checkov, jsonschema, PyYAML; about a minute)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" || die "could not create a venv with $PYTHON (is its venv module installed?)"
  mkdir -p "$LOG_DIR"
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q \
       -r "$TOOL_DIR/requirements.txt" -c "$TOOL_DIR/constraints.txt" >"$LOG_DIR/pip.log" 2>&1; then
    tail -25 "$LOG_DIR/pip.log" >&2
    die "pip install failed (full log: $LOG_DIR/pip.log)"
  fi
  "$VENV/bin/kubernetes-validate" --version >/dev/null 2>&1 || die "kubernetes-validate does not run in $VENV"
  "$VENV/bin/checkov" --version >/dev/null 2>&1 || die "checkov does not run in $VENV"
  venv_stamp >"$VENV/.stamp"
  log "venv ready in $(since "$t0") s"
}

# --- CRDs -----------------------------------------------------------------------------------------------

crds_ready() {
  local f
  [ -f "$CRD_SOURCE" ] || return 1
  [ "$(sed -n 's/^tried: //p' "$CRD_SOURCE")" = "$OPERATOR_VERSIONS" ] || return 1
  for f in "${CRD_FILES[@]}"; do [ -s "$CRD_DIR/$f" ] || return 1; done
}

# operator_version: the operator-api version the cached CRDs came from.
operator_version() { sed -n 's/^artifact: .*://p' "$CRD_SOURCE" 2>/dev/null || true; }

install_crds() {
  if crds_ready; then log "CRDs up to date ($CRD_DIR, operator-api $(operator_version))"; return 0; fi
  need mvn
  local t0 v jar="" got="" jardir="$CACHE/jar" tmp
  t0="$(now)"
  mkdir -p "$LOG_DIR" "$jardir"
  for v in $OPERATOR_VERSIONS; do
    log "fetching org.apache.flink:flink-kubernetes-operator-api:$v"
    if mvn -q -B dependency:copy -Dartifact="org.apache.flink:flink-kubernetes-operator-api:$v" \
         -DoutputDirectory="$jardir" -Dmdep.overWriteIfNewer=true >>"$LOG_DIR/maven.log" 2>&1 \
       && [ -s "$jardir/flink-kubernetes-operator-api-$v.jar" ]; then
      jar="$jardir/flink-kubernetes-operator-api-$v.jar"; got="$v"; break
    fi
    log "operator-api $v is not available from the Maven repository (log: $LOG_DIR/maven.log)"
  done
  [ -n "$jar" ] || die "none of the operator-api versions '$OPERATOR_VERSIONS' could be fetched (see $LOG_DIR/maven.log)"
  [ "$got" = "${OPERATOR_VERSIONS%% *}" ] \
    || log "WARNING: using the CRDs of operator-api $got, not ${OPERATOR_VERSIONS%% *} (the newer ones are not served here)"
  tmp="$(mktemp -d "$CACHE/crds.XXXXXX")"
  # Extracts the CRDs, and adds to an older CRD the Flink 2.0 version value (v2_0) that the operator
  # accepts from 1.11 on; the patch is recorded in the CRD's annotations and in crds.source.
  "$VENV/bin/python" "$TOOL_DIR/crds.py" "$jar" "$tmp" "$got" "${CRD_FILES[@]}" >"$tmp.notes" \
    || { rm -rf "$tmp" "$tmp.notes"; die "could not extract the CRDs from $jar"; }
  rm -rf "$CRD_DIR"
  mv "$tmp" "$CRD_DIR"
  {
    echo "artifact: org.apache.flink:flink-kubernetes-operator-api:$got"
    echo "tried: $OPERATOR_VERSIONS"
    cat "$tmp.notes"
  } >"$CRD_SOURCE"
  rm -f "$tmp.notes"
  log "CRDs of operator-api $got in $CRD_DIR ($(since "$t0") s)"
  sed -n 's/^patch: /patched: /p' "$CRD_SOURCE" | while IFS= read -r l; do log "$l"; done
}

cmd_install() {
  local t0; t0="$(now)"
  mkdir -p "$CACHE"
  install_venv
  install_crds
  log "install done in $(since "$t0") s"
}

ensure_installed() {
  if ! venv_ready || ! crds_ready; then cmd_install; fi
}

cmd_crds() {
  ensure_installed
  printf '%s\n' "$CRD_DIR"
}

cmd_versions() {
  ensure_installed
  printf 'kubernetes schema   %s (strict)\n' "$K8S_VERSION"
  printf 'operator-api CRDs   %s (%s)\n' "$(operator_version)" "$CRD_DIR"
  "$VENV/bin/python" - <<'EOF'
from importlib.metadata import version
for p in ("kubernetes-validate", "checkov", "jsonschema", "PyYAML"):
    print(f"{p:<19} {version(p)}")
EOF
}

cmd_validate() {
  [ $# -gt 0 ] || die "validate needs at least one directory (usage: scripts/deploy-check.sh validate DIR...)"
  local d
  for d in "$@"; do [ -e "$d" ] || die "no such file or directory: $d"; done
  ensure_installed
  local extra=()
  [ "${DEPLOY_CHECK_NO_CHECKOV:-0}" != 0 ] && extra+=(--no-checkov)
  "$VENV/bin/python" "$TOOL_DIR/validate.py" \
    --k8s-version "$K8S_VERSION" --crds "$CRD_DIR" --operator-version "$(operator_version)" \
    --skips "$TOOL_DIR/checkov-skips.yaml" --checkov "$VENV/bin/checkov" "${extra[@]}" "$@"
}

# Regenerates constraints.txt from a fresh venv built from requirements.txt alone (maintainers only).
cmd_freeze() {
  need "$PYTHON"
  local tmp; tmp="$(mktemp -d)"
  "$PYTHON" -m venv "$tmp/venv"
  "$tmp/venv/bin/python" -m pip install --disable-pip-version-check -q -r "$TOOL_DIR/requirements.txt"
  {
    echo "# pip freeze of the deploy-check venv on Python 3.11 (regenerate: scripts/deploy-check.sh freeze)"
    "$tmp/venv/bin/python" -m pip freeze --all | grep -viE '^(pip|setuptools|wheel)=='
  } >"$TOOL_DIR/constraints.txt"
  rm -rf "$tmp"
  log "wrote $TOOL_DIR/constraints.txt"
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    install) cmd_install ;;
    crds) cmd_crds ;;
    validate) cmd_validate "$@" ;;
    versions) cmd_versions ;;
    freeze) cmd_freeze ;;
    -h|--help|help) usage ;;
    "") usage; exit 2 ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
