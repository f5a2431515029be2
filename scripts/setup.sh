#!/usr/bin/env bash
# Installs everything dbaas and its tests need on a fresh Debian machine: Node 24 (when the machine's Node is
# older than 22), the npm dependencies, the Debian packages the lab and the tests use (PostgreSQL, MariaDB,
# openssl, and tmux, zsh and fish for the terminal and completion tests), the
# lab's Go-built binaries (≈ 17 min cold on 2 cores, nothing when warm) and the CLI bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh
echo "node $(node --version), npm $(npm --version)" >&2
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
bash test/lab/install-deps.sh >&2
bash test/lab/build.sh >&2
node scripts/build.ts
