#!/usr/bin/env bash
# Installs the Debian packages the lab and the tests need (PostgreSQL 15, MariaDB, openssl, tinyproxy; tmux
# for the terminal prompt tests, zsh and fish for the completion tests; for the real node runc, CNI plugins,
# iptables, nftables, socat, mmdebstrap, gcc, xfsprogs), only when something is missing.
# Idempotent: on a machine that has them it does nothing. The lab runs its own database servers on
# 127.0.0.1:15432 and 127.0.0.1:13306 with their own data directories; the Debian-packaged MariaDB service
# that apt may start on 3306 is stopped so it holds nothing the lab needs.
set -euo pipefail

missing=()
[[ -x /usr/lib/postgresql/15/bin/postgres && -x /usr/lib/postgresql/15/bin/initdb ]] || missing+=(postgresql-15)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client-15)
command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]] || missing+=(mariadb-server)
command -v mariadb >/dev/null 2>&1 || missing+=(mariadb-client)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v runuser >/dev/null 2>&1 || missing+=(util-linux)
# The real node (test/lab/README.md): Debian's runc and CNI plugins, iptables (kubelet, kube-proxy), socat
# (the API forwarder), mmdebstrap and a static libc (the images).
[[ -x /usr/sbin/runc ]] || missing+=(runc)
[[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
command -v conntrack >/dev/null 2>&1 || missing+=(conntrack)
command -v nft >/dev/null 2>&1 || missing+=(nftables)
command -v socat >/dev/null 2>&1 || missing+=(socat)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
# The real node's CSI driver gives volumes a real size: XFS on loop devices, grown online (xfs_growfs).
command -v mkfs.xfs >/dev/null 2>&1 || [[ -x /usr/sbin/mkfs.xfs ]] || missing+=(xfsprogs)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
[[ -f /usr/lib/x86_64-linux-gnu/libc.a ]] || missing+=(libc6-dev)
# An HTTP CONNECT proxy for the kubeconfig proxy-url tests (test/e2e/kubeconfig-proxy.test.ts).
command -v tinyproxy >/dev/null 2>&1 || [[ -x /usr/bin/tinyproxy ]] || missing+=(tinyproxy)
# A real terminal for the prompt tests, and the shells whose completion is tested: never skipped for want of them.
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
command -v fish >/dev/null 2>&1 || missing+=(fish)
# The Prometheus community's exporters, run by the metrics tests against the lab's databases (test/e2e/metrics*.test.ts).
[[ -x /usr/bin/prometheus-postgres-exporter ]] || missing+=(prometheus-postgres-exporter)
[[ -x /usr/bin/prometheus-mysqld-exporter ]] || missing+=(prometheus-mysqld-exporter)

if (( ${#missing[@]} == 0 )); then
  echo "lab deps: all present"
  exit 0
fi

echo "lab deps: installing ${missing[*]}"
sudo=()
if (( EUID != 0 )); then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
# Packages must not start services while being installed (no init system here, and the lab runs its own).
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod +x "$policy"
  made_policy=1
fi
cleanup() { if (( made_policy )); then "${sudo[@]}" rm -f "$policy"; fi; }
trap cleanup EXIT

"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# Should a packaged service have started anyway, stop it: the lab uses its own servers and ports.
if command -v service >/dev/null 2>&1; then
  "${sudo[@]}" service mariadb stop >/dev/null 2>&1 || true
  "${sudo[@]}" service postgresql stop >/dev/null 2>&1 || true
  "${sudo[@]}" service tinyproxy stop >/dev/null 2>&1 || true
  "${sudo[@]}" service prometheus-postgres-exporter stop >/dev/null 2>&1 || true
  "${sudo[@]}" service prometheus-mysqld-exporter stop >/dev/null 2>&1 || true
fi
echo "lab deps: done"
