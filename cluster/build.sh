#!/usr/bin/env bash
# Builds the local control plane's binaries from the Go module proxy, once per
# version, into a cache outside the repository:
#   $CACHE/k8s-v$K/bin/{kube-apiserver,kube-controller-manager,kube-scheduler,kubectl}
#   $CACHE/etcd-$ETCD/bin/etcd
#   $CACHE/kwok-$KWOK/bin/kwok  (+ its stages and its Exec CRD, from the kwok module source)
# Each component is skipped when its binary already exists, so a warm cache
# costs nothing. Progress (component, elapsed time) goes to stderr.
set -euo pipefail

K=${TUTOR_K8S_VERSION:-1.35.4}
ETCD=${TUTOR_ETCD_VERSION:-v3.6.16}
KWOK=${TUTOR_KWOK_VERSION:-v0.8.0}
CACHE=$(python3 "$(dirname "$0")/cluster.py" cache-dir)
export CGO_ENABLED=0
# Two cores and plenty of memory: let go build use both.
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

START=$(date +%s)
say() { echo "[cluster-build +$(( $(date +%s) - START ))s] $*" >&2; }

command -v go >/dev/null || { echo "Go is required to build the local control plane (https://go.dev/dl)." >&2; exit 2; }

# One build at a time per cache (two checkouts, or a test run and a developer):
# builds share folders and rename binaries into place.
mkdir -p "$CACHE"
exec 9>"$CACHE/.build.lock"
if ! flock -n 9; then
  say "another build of the control plane is running; waiting for it"
  flock 9
fi

build_kubernetes() {
  local dir="$CACHE/k8s-v$K" bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  local missing=0
  for b in "${bins[@]}"; do [ -x "$dir/bin/$b" ] || missing=1; done
  [ $missing = 0 ] && { say "kubernetes v$K: cached in $dir/bin"; return; }
  say "kubernetes v$K: resolving modules (first build takes 15-30 minutes on 2 cores)"
  rm -rf "$dir/build"; mkdir -p "$dir/build" "$dir/bin"
  cd "$dir/build"
  go mod init local/k8sbin >/dev/null 2>&1
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@v$K" | python3 -c 'import sys,json;print(json.load(sys.stdin)["GoMod"])')
  # k8s.io/kubernetes refers to its staging modules as v0.0.0 => ./staging/...;
  # outside its own tree each must be pinned to the matching published v0.X.Y.
  local mods
  mods=$(sed -n 's#^\s*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$gomod")
  for m in $mods; do go mod edit "-replace=$m=$m@v0.${K#1.}"; done
  local gd
  gd=$(sed -n 's/^godebug default=\(go1\.[0-9]*\)/\1/p' "$gomod" | head -1)
  [ -n "$gd" ] && go mod edit "-godebug=default=$gd"
  go get "k8s.io/kubernetes@v$K" >/dev/null 2>&1
  for b in "${bins[@]}"; do go get -tool "k8s.io/kubernetes/cmd/$b@v$K" 2>&1 | tail -n 3 >&2 || true; done
  local minor v=k8s.io/component-base/version
  minor=$(echo "$K" | cut -d. -f2)
  local ldflags="-s -w -X $v.gitVersion=v$K -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
  ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=v$K -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  for b in "${bins[@]}"; do
    [ -x "$dir/bin/$b" ] && continue
    say "kubernetes v$K: building $b"
    go build -trimpath -ldflags "$ldflags" -o "$dir/bin/$b.tmp" "k8s.io/kubernetes/cmd/$b"
    mv "$dir/bin/$b.tmp" "$dir/bin/$b"
    say "kubernetes v$K: $b done"
  done
  "$dir/bin/kube-apiserver" --version >&2
}

build_etcd() {
  local dir="$CACHE/etcd-$ETCD"
  [ -x "$dir/bin/etcd" ] && { say "etcd $ETCD: cached"; return; }
  say "etcd $ETCD: building"
  rm -rf "$dir/build"; mkdir -p "$dir/build" "$dir/bin"
  cd "$dir/build"
  go mod init local/etcdbin >/dev/null 2>&1
  go get -tool "go.etcd.io/etcd/server/v3@$ETCD" 2>&1 | tail -n 3 >&2 || true
  go build -trimpath -ldflags "-s -w" -o "$dir/bin/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$dir/bin/etcd.tmp" "$dir/bin/etcd"
  say "etcd $ETCD: done"
}

build_kwok() {
  local dir="$CACHE/kwok-$KWOK"
  [ -x "$dir/bin/kwok" ] && [ -d "$dir/stages" ] && [ -f "$dir/crds/kwok.x-k8s.io_execs.yaml" ] \
    && { say "kwok $KWOK: cached"; return; }
  mkdir -p "$dir/bin" "$dir/stages" "$dir/crds"
  if [ ! -x "$dir/bin/kwok" ]; then
    say "kwok $KWOK: building"
    GOBIN="$dir/bin" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK"
  fi
  local src
  src=$(go mod download -json "sigs.k8s.io/kwok@$KWOK" | python3 -c 'import sys,json;print(json.load(sys.stdin)["Dir"])')
  cp "$src/kustomize/stage/node/fast/node-initialize.yaml" \
     "$src/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
     "$src/kustomize/stage/pod/fast/pod-ready.yaml" \
     "$src/kustomize/stage/pod/fast/pod-complete.yaml" \
     "$src/kustomize/stage/pod/fast/pod-delete.yaml" "$dir/stages/"
  # The Exec CRD: exec into toolbox Pods runs a local command (cluster.py toolbox_exec).
  cp "$src/kustomize/crd/bases/kwok.x-k8s.io_execs.yaml" "$dir/crds/"
  chmod u+w "$dir/stages/"* "$dir/crds/"*
  say "kwok $KWOK: done"
}

case "${1:-all}" in
  all) build_etcd; build_kwok; build_kubernetes ;;
  kubernetes) build_kubernetes ;;
  etcd) build_etcd ;;
  kwok) build_kwok ;;
  *) echo "usage: $0 [all|kubernetes|etcd|kwok]" >&2; exit 2 ;;
esac
say "all binaries ready under $CACHE"
