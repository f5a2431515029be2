#!/usr/bin/env bash
# The README's test command (npm test): the type check, unit tests, then the e2e suite against the lab (started once for the
# run by the vitest global setup, or any cluster named by DBAAS_E2E_KUBECONFIG), then a helm 4 smoke run.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh
set -e
# A type error fails the run before any test does.
npm run -s typecheck
node scripts/build.ts
mkdir -p .test-results
rc=0
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json=.test-results/unit.json || rc=1
npx vitest run --project e2e --reporter=default --reporter=json --outputFile.json=.test-results/e2e.json || rc=1
DBAAS_E2E_HELM=4 npx vitest run --project e2e test/e2e/helm4-smoke.test.ts --reporter=default --reporter=json --outputFile.json=.test-results/helm4.json || rc=1
node scripts/summarize-tests.ts .test-results/unit.json .test-results/e2e.json .test-results/helm4.json || rc=1
exit $rc
