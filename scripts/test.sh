#!/usr/bin/env bash
# The README's test command (npm test): the type check; unit tests; the contract tests, which hold the fake API server and the
# real one to the same rules (against both); the e2e suite against the lab (started once for each run by the
# vitest global setup) or any cluster named by DBAAS_E2E_KUBECONFIG; a helm 4 smoke run; then one summary that
# counts each skip reason and fails the run on a skip no allowed reason explains (scripts/summarize-tests.ts).
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh
set -e
# A type error fails the run before any test does.
npm run -s typecheck
node scripts/build.ts
mkdir -p .test-results
rm -f .test-results/*.json
set +e
rc=0
run() {
  local name=$1; shift
  echo "== $name" >&2
  npx vitest run "$@" --reporter=default --reporter=json --outputFile.json=".test-results/$name.json" || rc=1
}
run unit --project unit
run contract --project contract
run e2e --project e2e
DBAAS_E2E_HELM=4 run helm4 --project e2e test/e2e/helm4-smoke.test.ts
mode=--lab
if [[ -n "${DBAAS_E2E_KUBECONFIG:-}" ]]; then mode=--cluster; fi
node scripts/summarize-tests.ts "$mode" .test-results/unit.json .test-results/contract.json .test-results/e2e.json .test-results/helm4.json || rc=1
exit $rc
