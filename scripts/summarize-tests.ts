// Closes a test run: one line "N passed, N failed, N skipped" over all vitest JSON reports, the count of each
// skip reason, and a failure for every skip that is not allowed. Usage:
//   node scripts/summarize-tests.ts [--lab | --cluster] report.json…
// --lab (the default): the suite ran on the lab, where a test may skip only because it needs a real cluster,
// a real operator or the real node. --cluster: it ran against DBAAS_E2E_KUBECONFIG, where lab-only tests skip
// too. Either way a skip without a reason (one of test/helpers/skip-reasons.ts) fails the run.
import { existsSync, readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { ALL_SKIP_REASONS, LAB_SKIP_REASONS, reasonInTitle } from '../test/helpers/skip-reasons.ts'

interface Assertion {
  fullName: string
  title: string
  status: string
  meta?: { skipReason?: string }
}
interface Report {
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  numTodoTests: number
  testResults: Array<{ name: string; status: string; message?: string; assertionResults: Assertion[] }>
}

const args = process.argv.slice(2)
const mode = args.includes('--cluster') ? 'cluster' : 'lab'
const files = args.filter((a) => !a.startsWith('--'))
const allowed: readonly string[] = mode === 'lab' ? LAB_SKIP_REASONS : ALL_SKIP_REASONS

let passed = 0
let failed = 0
let skipped = 0
let missing = 0
let brokenFiles = 0
const reasons = new Map<string, number>()
const refused: string[] = []

for (const file of files) {
  if (!existsSync(file)) {
    missing++
    console.error(`no test report at ${file} (that run did not complete)`)
    continue
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as Report
  passed += r.numPassedTests
  failed += r.numFailedTests
  for (const f of r.testResults) {
    // A file that failed to load (a syntax error, a hook that threw) may report no failed test at all.
    if (f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')) {
      brokenFiles++
      console.error(`${relative(process.cwd(), f.name)} failed outside its tests: ${(f.message ?? '').split('\n')[0]}`)
    }
    for (const a of f.assertionResults) {
      if (a.status !== 'skipped' && a.status !== 'pending' && a.status !== 'todo') continue
      skipped++
      const reason = a.meta?.skipReason ?? reasonInTitle(a.fullName) ?? 'no reason given'
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
      if (!allowed.includes(reason)) refused.push(`${relative(process.cwd(), f.name)}: "${a.fullName}" skipped: ${reason}`)
    }
  }
}

const bad = failed + missing + brokenFiles
console.log(`${passed} passed, ${bad} failed, ${skipped} skipped`)
for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  skipped, ${reason}: ${n}`)
if (refused.length) {
  console.error(`${refused.length} test(s) skipped for a reason not allowed ${mode === 'lab' ? 'on the lab' : 'against a cluster'} (allowed: ${allowed.join(', ')}):`)
  for (const line of refused) console.error(`  ${line}`)
}
process.exitCode = bad > 0 || refused.length > 0 || passed === 0 ? 1 : 0
