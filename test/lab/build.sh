#!/usr/bin/env bash
# Builds the lab's components from the pinned wrapper modules under test/lab/go into a cache outside the
# repository, keyed by a hash of the version set, so a warm machine never rebuilds.
#
#   build.sh            build what is missing, print the cache directory on the last line
#   build.sh --dir      print the cache directory only (nothing is built)
#
# Settings: DBAAS_LAB_K8S_VERSION (default v1.34.4), DBAAS_LAB_CACHE (default ~/.cache/dbaas-lab).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mods="$here/go"
k8s_version=${DBAAS_LAB_K8S_VERSION:-v1.34.4}
default_k8s_version=v1.34.4
cache_root=${DBAAS_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbaas-lab}

export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

# The key covers every wrapper module file, the Kubernetes version and this script's build recipe — by
# content only, never by path, so every checkout on a machine shares one cache.
key=$( (cd "$mods" && find . -type f | LC_ALL=C sort | xargs sha256sum; echo "k8s=$k8s_version"; sha256sum < "$here/build.sh") \
  | sha256sum | cut -c1-16)
out="$cache_root/$key"

if [[ "${1:-}" == "--dir" ]]; then
  echo "$out"
  exit 0
fi

mkdir -p "$out/bin" "$out/crds" "$out/src"
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
strip=(-trimpath)

# build NAME DIR LDFLAGS PKG [OUT]: one `go build` into a temporary name, then an atomic rename.
build() {
  local name=$1 dir=$2 ldflags=$3; shift 3
  if [[ -x "$out/bin/$name" ]]; then return 0; fi
  local start=$SECONDS
  log "building $name …"
  (cd "$dir" && go build "${strip[@]}" -ldflags "-s -w $ldflags" -o "$out/bin/.$name.tmp" "$@")
  mv "$out/bin/.$name.tmp" "$out/bin/$name"
  log "built $name in $((SECONDS - start)) s"
}

# Kubernetes: the committed wrapper pins the default version; another version gets a generated wrapper.
k8s_dir="$mods/kubernetes"
if [[ "$k8s_version" != "$default_k8s_version" ]]; then
  k8s_dir="$out/src/kubernetes"
  if [[ ! -f "$k8s_dir/go.sum" ]]; then
    mkdir -p "$k8s_dir/mockcsi"
    cp "$mods/kubernetes/tools.go" "$k8s_dir/"
    cp "$mods/kubernetes/mockcsi/main.go" "$k8s_dir/mockcsi/"
    gomod=$(go mod download -json "k8s.io/kubernetes@$k8s_version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    staging=v0${k8s_version#v1}
    {
      printf 'module dbaas.local/lab/kubernetes\n\ngo 1.24.0\n\n'
      grep '^godebug' "$gomod" || true
      sed -n '/^replace (/,/^)/p' "$gomod" | awk '/=> .\/staging\/src\// {print "replace " $1 " => " $1 " '"$staging"'"}'
    } > "$k8s_dir/go.mod"
    (cd "$k8s_dir" && go get "k8s.io/kubernetes@$k8s_version" && go mod tidy)
  fi
fi
minor=$(echo "$k8s_version" | cut -d. -f2)
kver="-X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1"
kver+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
kver+=" -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version"

k8s_bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
missing=0
for b in "${k8s_bins[@]}"; do [[ -x "$out/bin/$b" ]] || missing=1; done
if (( missing )); then
  start=$SECONDS
  log "building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl ($k8s_version) …"
  tmp="$out/bin/.k8s.tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$k8s_dir" && go build "${strip[@]}" -ldflags "-s -w $kver" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
  for b in "${k8s_bins[@]}"; do mv "$tmp/$b" "$out/bin/$b"; done
  rm -rf "$tmp"
  log "built Kubernetes $k8s_version in $((SECONDS - start)) s"
fi
build mockcsi "$k8s_dir" "" ./mockcsi
build etcd "$mods/etcd" "" go.etcd.io/etcd/server/v3
build helm3 "$mods/helm3" "-X helm.sh/helm/v3/internal/version.version=v3.19.5" helm.sh/helm/v3/cmd/helm
build helm4 "$mods/helm4" "-X helm.sh/helm/v4/internal/version.version=v4.3.1" helm.sh/helm/v4/cmd/helm
build kwok "$mods/kwok" "" sigs.k8s.io/kwok/cmd/kwok
build csi-provisioner "$mods/provisioner" "" github.com/kubernetes-csi/external-provisioner/v6/cmd/csi-provisioner
if [[ ! -x "$out/bin/snapshot-controller" || ! -x "$out/bin/csi-snapshotter" ]]; then
  start=$SECONDS
  log "building snapshot-controller, csi-snapshotter …"
  tmp="$out/bin/.snap.tmp"; rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$mods/snapshotter" && go build "${strip[@]}" -ldflags "-s -w" -o "$tmp/" \
    github.com/kubernetes-csi/external-snapshotter/v8/cmd/snapshot-controller \
    github.com/kubernetes-csi/external-snapshotter/v8/cmd/csi-snapshotter)
  mv "$tmp/snapshot-controller" "$tmp/csi-snapshotter" "$out/bin/"; rm -rf "$tmp"
  log "built the snapshot controller and sidecar in $((SECONDS - start)) s"
fi

# CRDs come from the module zips, verified against crds/go.sum.
if [[ ! -f "$out/crds/.done" ]]; then
  dir_of() { (cd "$mods/crds" && go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'); }
  snapdir=$(dir_of github.com/kubernetes-csi/external-snapshotter/client/v8)
  cnpgdir=$(dir_of github.com/cloudnative-pg/cloudnative-pg)
  pxcdir=$(dir_of github.com/percona/percona-xtradb-cluster-operator)
  mariadbdir=$(dir_of github.com/mariadb-operator/mariadb-operator/v25)
  promdir=$(dir_of github.com/prometheus-operator/prometheus-operator)
  mkdir -p "$out/crds/snapshot" "$out/crds/cnpg" "$out/crds/pxc" "$out/crds/mariadb" "$out/crds/prometheus"
  cp "$snapdir"/config/crd/snapshot.storage.k8s.io_*.yaml "$out/crds/snapshot/"
  cp "$cnpgdir"/config/crd/bases/postgresql.cnpg.io_*.yaml "$out/crds/cnpg/"
  cp "$pxcdir"/deploy/crd.yaml "$out/crds/pxc/"
  cp "$mariadbdir"/config/crd/bases/k8s.mariadb.com_*.yaml "$out/crds/mariadb/"
  cp "$promdir"/example/prometheus-operator-crd/monitoring.coreos.com_*.yaml "$out/crds/prometheus/"
  touch "$out/crds/.done"
fi
echo "$out"
