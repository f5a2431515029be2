// Prints one closing line over all vitest JSON reports: "N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs'

let passed = 0
let failed = 0
let skipped = 0
let missing = 0
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    missing++
    console.error(`no test report at ${file} (that run did not complete)`)
    continue
  }
  const r = JSON.parse(readFileSync(file, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number }
  passed += r.numPassedTests
  failed += r.numFailedTests
  skipped += r.numPendingTests + r.numTodoTests
}
console.log(`${passed} passed, ${failed + missing} failed, ${skipped} skipped`)
process.exitCode = failed + missing > 0 || passed === 0 ? 1 : 0
