#!/usr/bin/env bash
# Builds the lab's components from the pinned wrapper modules under test/lab/go into a cache outside the
# repository. Each build group (one `go build`, or one download) has its own cache entry, keyed by the files of
# its own wrapper module, the Kubernetes version where it uses it, its recipe (packages, ldflags) and the Go
# version — so adding or changing one component never rebuilds another, and a warm machine builds nothing.
#
#   build.sh [GROUP|SET …]        build what is missing (default: all), print the bin/CRD directory last
#   build.sh --dir                print that directory only (nothing is built)
#   build.sh --list               print each group, its key and whether it is built
#
# Sets: base (the lab as it has always been, plus csi-resizer), node (the real node: kubelet, kube-proxy,
# containerd, the lab's CSI driver, CoreDNS, the CloudNativePG manager and its release manifest), all.
# Layout: <cache>/parts/<group>-<key>/ holds a group's files; <cache>/<set key>/{bin,crds,manifests}/ holds hard
# links to every group's files (hard links: /proc/<pid>/exe then names the path the lab started).
#
# Settings: DBAAS_LAB_K8S_VERSION (default v1.34.4), DBAAS_LAB_CACHE (default ~/.cache/dbaas-lab).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mods="$here/go"
k8s_version=${DBAAS_LAB_K8S_VERSION:-v1.34.4}
default_k8s_version=v1.34.4
cache_root=${DBAAS_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbaas-lab}

export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 GOTOOLCHAIN=local

minor=$(echo "$k8s_version" | cut -d. -f2)
kver="-X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1"
kver+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
kver+=" -X k8s.io/client-go/pkg/version.gitVersion=$k8s_version"

# One line per group: name | set | module dir | files it yields | ldflags | packages (or a download recipe).
# The Kubernetes groups use @K8S@, the committed wrapper for the default version or a generated one for another.
k=k8s.io/kubernetes/cmd
groups=(
  "kubernetes|base|@K8S@|kube-apiserver kube-controller-manager kube-scheduler kubectl|$kver|$k/kube-apiserver $k/kube-controller-manager $k/kube-scheduler $k/kubectl"
  "mockcsi|base|@K8S@|mockcsi||./mockcsi"
  "etcd|base|etcd|etcd||go.etcd.io/etcd/server/v3"
  "helm3|base|helm3|helm3|-X helm.sh/helm/v3/internal/version.version=v3.19.5|helm.sh/helm/v3/cmd/helm"
  "helm4|base|helm4|helm4|-X helm.sh/helm/v4/internal/version.version=v4.3.1|helm.sh/helm/v4/cmd/helm"
  "kwok|base|kwok|kwok||sigs.k8s.io/kwok/cmd/kwok"
  "csi-provisioner|base|provisioner|csi-provisioner||github.com/kubernetes-csi/external-provisioner/v6/cmd/csi-provisioner"
  "snapshotter|base|snapshotter|snapshot-controller csi-snapshotter||github.com/kubernetes-csi/external-snapshotter/v8/cmd/snapshot-controller github.com/kubernetes-csi/external-snapshotter/v8/cmd/csi-snapshotter"
  "crds|base|crds|crds/snapshot crds/cnpg crds/pxc crds/mariadb crds/prometheus||download:crds"
  "kubelet|node|@K8S_NODE@|kubelet kube-proxy|$kver|$k/kubelet $k/kube-proxy"
  "containerd|node|containerd|containerd containerd-shim-runc-v2 ctr|-X github.com/containerd/containerd/v2/version.Version=v2.4.2|github.com/containerd/containerd/v2/cmd/containerd github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 github.com/containerd/containerd/v2/cmd/ctr"
  "labcsi|node|labcsi|labcsi||."
  "csi-resizer|base|resizer|csi-resizer|-X main.version=v1.14.0|github.com/kubernetes-csi/external-resizer/cmd/csi-resizer"
  "coredns|node|coredns|coredns||."
  "cnpg|node|cnpg|cnpg-manager manifests/cnpg-1.30.0.yaml||github.com/cloudnative-pg/cloudnative-pg/cmd/manager"
)

field() { cut -d'|' -f"$2" <<<"$1"; }
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
go_version=$(go env GOVERSION)

# The wrapper module a group builds in (a generated one when the Kubernetes version is not the committed one).
module_dir() {
  case $1 in
    @K8S@) [[ $k8s_version == "$default_k8s_version" ]] && echo "$mods/kubernetes" || echo "$cache_root/src/kubernetes-$k8s_version" ;;
    @K8S_NODE@) [[ $k8s_version == "$default_k8s_version" ]] && echo "$mods/kubelet" || echo "$cache_root/src/kubernetes-$k8s_version" ;;
    *) echo "$mods/$1" ;;
  esac
}

# The committed files that define a group: its own wrapper module (for another Kubernetes version, the
# committed wrapper it is generated from, plus the version).
key_of() {
  local spec=$1 dir
  case $(field "$spec" 3) in
    @K8S@) dir=$mods/kubernetes ;;
    @K8S_NODE@) dir=$mods/kubelet ;;
    *) dir=$mods/$(field "$spec" 3) ;;
  esac
  {
    (cd "$dir" && find . -type f | LC_ALL=C sort | xargs sha256sum)
    [[ $(field "$spec" 3) == @K8S* ]] && echo "k8s=$k8s_version"
    echo "recipe=$(cut -d'|' -f1,4- <<<"$spec")"
    echo "go=$go_version"
  } | sha256sum | cut -c1-16
}

part_dir() { echo "$cache_root/parts/$(field "$1" 1)-$(key_of "$1")"; }

set_key=$(for spec in "${groups[@]}"; do echo "$(field "$spec" 1)=$(key_of "$spec")"; done | sha256sum | cut -c1-16)
out="$cache_root/$set_key"

case "${1:-}" in
  --dir)
    echo "$out"
    exit 0
    ;;
  --list)
    for spec in "${groups[@]}"; do
      dir=$(part_dir "$spec")
      printf '%-16s %-5s %s %s\n' "$(field "$spec" 1)" "$(field "$spec" 2)" "$(basename "$dir")" "$([[ -f $dir/.done ]] && echo built || echo missing)"
    done
    exit 0
    ;;
esac

# Which groups to build: names or sets on the command line, all by default.
wanted=()
for arg in "${@:-all}"; do
  found=0
  for spec in "${groups[@]}"; do
    name=$(field "$spec" 1) set=$(field "$spec" 2)
    if [[ $arg == all || $arg == "$set" || $arg == "$name" ]]; then wanted+=("$name"); found=1; fi
  done
  if (( ! found )); then echo "build.sh: unknown group or set \"$arg\" (see build.sh --list)" >&2; exit 2; fi
done
is_wanted() { local w; for w in "${wanted[@]}"; do [[ $w == "$1" ]] && return 0; done; return 1; }

# Another Kubernetes version: generate its wrapper once (staging replaces from its own go.mod).
generate_k8s_wrapper() {
  local dir=$1
  [[ -f $dir/go.sum ]] && return 0
  log "generating a wrapper module for Kubernetes $k8s_version …"
  local tmp="$dir.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp/mockcsi"
  cp "$mods/kubernetes/mockcsi/main.go" "$tmp/mockcsi/"
  { grep -v '^)' "$mods/kubernetes/tools.go"; grep '^\s*_ ' "$mods/kubelet/tools.go"; echo ')'; } > "$tmp/tools.go"
  local gomod staging
  gomod=$(go mod download -json "k8s.io/kubernetes@$k8s_version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  staging=v0${k8s_version#v1}
  {
    printf 'module dbaas.local/lab/kubernetes\n\ngo 1.24.0\n\n'
    grep '^godebug' "$gomod" || true
    sed -n '/^replace (/,/^)/p' "$gomod" | awk '/=> .\/staging\/src\// {print "replace " $1 " => " $1 " '"$staging"'"}'
  } > "$tmp/go.mod"
  (cd "$tmp" && go get "k8s.io/kubernetes@$k8s_version" && go mod tidy)
  rm -rf "$dir"; mv "$tmp" "$dir"
}

# A group's download recipe (not a `go build`).
download() {
  local recipe=$1 dest=$2
  case $recipe in
    download:crds)
      dir_of() { (cd "$mods/crds" && go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p'); }
      local snapdir cnpgdir pxcdir mariadbdir promdir
      snapdir=$(dir_of github.com/kubernetes-csi/external-snapshotter/client/v8)
      cnpgdir=$(dir_of github.com/cloudnative-pg/cloudnative-pg)
      pxcdir=$(dir_of github.com/percona/percona-xtradb-cluster-operator)
      mariadbdir=$(dir_of github.com/mariadb-operator/mariadb-operator/v25)
      promdir=$(dir_of github.com/prometheus-operator/prometheus-operator)
      mkdir -p "$dest/crds/snapshot" "$dest/crds/cnpg" "$dest/crds/pxc" "$dest/crds/mariadb" "$dest/crds/prometheus"
      cp "$snapdir"/config/crd/snapshot.storage.k8s.io_*.yaml "$dest/crds/snapshot/"
      cp "$cnpgdir"/config/crd/bases/postgresql.cnpg.io_*.yaml "$dest/crds/cnpg/"
      cp "$pxcdir"/deploy/crd.yaml "$dest/crds/pxc/"
      cp "$mariadbdir"/config/crd/bases/k8s.mariadb.com_*.yaml "$dest/crds/mariadb/"
      cp "$promdir"/example/prometheus-operator-crd/monitoring.coreos.com_*.yaml "$dest/crds/prometheus/"
      ;;
  esac
}

build_group() {
  local spec=$1 name dir yields ldflags pkgs part tmp start
  name=$(field "$spec" 1)
  dir=$(module_dir "$(field "$spec" 3)")
  yields=$(field "$spec" 4) ldflags=$(field "$spec" 5) pkgs=$(field "$spec" 6)
  part=$(part_dir "$spec")
  [[ -f $part/.done ]] && return 0
  [[ $(field "$spec" 3) == @K8S* ]] && generate_k8s_wrapper "$dir"
  start=$SECONDS
  tmp="$part.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  if [[ $pkgs == download:* ]]; then
    download "$pkgs" "$tmp"
  else
    log "building $name ($yields) …"
    local bins=() y
    for y in $yields; do [[ $y == */* ]] || bins+=("$y"); done
    # One binary: name it; several: go names each after its package, which is what `yields` lists.
    local o="$tmp/"
    (( ${#bins[@]} == 1 )) && o="$tmp/${bins[0]}"
    # shellcheck disable=SC2086
    (cd "$dir" && go build -trimpath -ldflags "-s -w $ldflags" -o "$o" $pkgs)
    if [[ $name == cnpg ]]; then
      mkdir -p "$tmp/manifests"
      cp "$(cd "$dir" && go list -m -f '{{.Dir}}' github.com/cloudnative-pg/cloudnative-pg)/releases/cnpg-1.30.0.yaml" "$tmp/manifests/"
    fi
    log "built $name in $((SECONDS - start)) s"
  fi
  touch "$tmp/.done"
  mkdir -p "$cache_root/parts"
  # Another build may have finished the same group meanwhile: keep the first.
  if ! mv -T "$tmp" "$part" 2>/dev/null; then rm -rf "$tmp"; fi
}

# Hard-links a built group's files into the set directory (bin/ for binaries, as named for the others).
link_group() {
  local spec=$1 part y src dest
  part=$(part_dir "$spec")
  [[ -f $part/.done ]] || return 0
  for y in $(field "$spec" 4); do
    src="$part/$y"
    if [[ $y == */* ]]; then dest="$out/$y"; else dest="$out/bin/$y"; fi
    if [[ -d $src ]]; then
      mkdir -p "$dest"
      for f in "$src"/*; do ln -f "$f" "$dest/$(basename "$f")"; done
      touch "$dest/.done" "$(dirname "$dest")/.done"
    else
      mkdir -p "$(dirname "$dest")"
      ln -f "$src" "$dest"
    fi
  done
}

mkdir -p "$out/bin"
for spec in "${groups[@]}"; do
  if is_wanted "$(field "$spec" 1)"; then build_group "$spec"; fi
  link_group "$spec"
done
echo "$out"
