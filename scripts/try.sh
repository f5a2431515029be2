#!/usr/bin/env bash
# npm run try: set everything up, start the lab (a real Kubernetes control plane as local processes) and
# run dbaas's main job against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. scripts/node-env.sh
node test/lab/lab.ts up
eval "$(node test/lab/lab.ts env)"
dbaas() { echo "+ dbaas $*" >&2; node bin/dbaas.js "$@"; }
dbaas create postgres demo --storage 1Gi || [ $? -eq 4 ]   # 4: demo exists already from an earlier run
dbaas list
dbaas status demo
dbaas connection demo
cat >&2 <<MSG

The lab is still running. Use it from this shell with:
  eval "\$(npm run -s lab:env)"
  node bin/dbaas.js list
Stop it with: npm run lab:down
MSG
