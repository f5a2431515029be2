// npm run test:matrix [-- --write] [-- <e2e test files…>] — the e2e suite against the oldest and the newest
// Kubernetes version dbaas supports, each on a private lab of its own (own DBAAS_LAB_DIR and port offset, so
// the shared lab and other runs are never touched), one after the other (the machine has 2 cores).
//
// For each version: the lab's components are built for it (`test/lab/build.sh`, cached; a cold build takes
// about 17 min), then vitest's e2e project runs with DBAAS_LAB_K8S_VERSION set: its global setup brings the
// private lab up and takes it down. Prints one line per version and a Markdown table; with --write the table
// replaces the README's "last result" block. Exits 1 when any version failed. CI keeps its default version
// and does not run this. DBAAS_MATRIX_VERSIONS (space-separated) overrides the versions.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The supported range: the README states it; the lab builds any version in it. */
export const SUPPORTED = { oldest: 'v1.34.4', newest: 'v1.37.2' } as const

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2)
const write = args.includes('--write')
const files = args.filter((a) => a !== '--write')
const versions = (process.env.DBAAS_MATRIX_VERSIONS ?? `${SUPPORTED.oldest} ${SUPPORTED.newest}`).split(/\s+/).filter(Boolean)

interface Outcome {
  version: string
  passed: number
  failed: number
  skipped: number
  seconds: number
  error?: string
}

function counts(report: string): Pick<Outcome, 'passed' | 'failed' | 'skipped'> {
  const r = JSON.parse(readFileSync(report, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests?: number }
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + (r.numTodoTests ?? 0) }
}

const outcomes: Outcome[] = []
for (const [i, version] of versions.entries()) {
  const start = Date.now()
  const env = { ...process.env, DBAAS_LAB_K8S_VERSION: version }
  process.stderr.write(`\n== Kubernetes ${version}: building the lab's components (cached after the first time)\n`)
  const build = spawnSync('bash', [join(root, 'test/lab/build.sh')], { env, stdio: ['ignore', 'ignore', 'inherit'] })
  if (build.status !== 0) {
    outcomes.push({ version, passed: 0, failed: 0, skipped: 0, seconds: (Date.now() - start) / 1000, error: `build failed (${build.status})` })
    continue
  }
  const state = mkdtempSync(join(tmpdir(), `dbaas-matrix-${version}-`))
  const report = join(state, 'report.json')
  process.stderr.write(`== Kubernetes ${version}: the e2e suite on a private lab in ${state}\n`)
  const run = spawnSync('npx', ['vitest', 'run', '--project', 'e2e', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...files], {
    cwd: root,
    env: { ...env, DBAAS_LAB_DIR: join(state, 'lab'), DBAAS_LAB_PORT_OFFSET: String(21_000 + 500 * i), DBAAS_E2E_KEEP_LAB: '' },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  let result: Outcome
  try {
    result = { version, ...counts(report), seconds: (Date.now() - start) / 1000 }
    if (run.status !== 0 && result.failed === 0) result.error = `vitest exited ${run.status}`
  } catch {
    result = { version, passed: 0, failed: 0, skipped: 0, seconds: (Date.now() - start) / 1000, error: `no report (vitest exited ${run.status})` }
  }
  outcomes.push(result)
  rmSync(state, { recursive: true, force: true })
}

const date = new Date().toISOString().slice(0, 10)
const table = [
  `Last run ${date}${files.length ? ` (${files.join(', ')})` : ' (the whole e2e suite)'}:`,
  '',
  '| Kubernetes | passed | failed | skipped | time |',
  '|---|---|---|---|---|',
  ...outcomes.map((o) => `| ${o.version} | ${o.passed} | ${o.failed}${o.error ? ` (${o.error})` : ''} | ${o.skipped} | ${Math.round(o.seconds / 60)} min |`),
].join('\n')
process.stdout.write(`\n${table}\n`)
if (write) {
  const readme = join(root, 'README.md')
  const text = readFileSync(readme, 'utf8')
  const block = /<!-- matrix:start -->[\s\S]*?<!-- matrix:end -->/
  if (!block.test(text)) throw new Error('README.md has no <!-- matrix:start --> … <!-- matrix:end --> block')
  writeFileSync(readme, text.replace(block, `<!-- matrix:start -->\n${table}\n<!-- matrix:end -->`))
  process.stderr.write('README.md updated\n')
}
process.exitCode = outcomes.every((o) => o.failed === 0 && !o.error) ? 0 : 1
