// scripts/summarize-tests.ts: the counts, each skip reason, and a failed run for a skip no allowed reason explains.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SKIP_REASONS, skipMarker } from '../helpers/skip-reasons.ts'

const script = new URL('../../scripts/summarize-tests.ts', import.meta.url).pathname

interface T {
  title: string
  status: 'passed' | 'failed' | 'skipped' | 'pending'
  suite?: string
  meta?: Record<string, unknown>
}

function report(tests: T[], fileStatus?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'summary-'))
  const file = join(dir, 'r.json')
  const assertionResults = tests.map((t) => ({
    title: t.title,
    fullName: [t.suite ?? 'suite', t.title].join(' '),
    ancestorTitles: [t.suite ?? 'suite'],
    status: t.status,
    failureMessages: [],
    meta: t.meta ?? {},
  }))
  writeFileSync(
    file,
    JSON.stringify({
      numPassedTests: tests.filter((t) => t.status === 'passed').length,
      numFailedTests: tests.filter((t) => t.status === 'failed').length,
      numPendingTests: tests.filter((t) => t.status === 'skipped' || t.status === 'pending').length,
      numTodoTests: 0,
      testResults: [{ name: join(dir, 'x.test.ts'), status: fileStatus ?? (tests.some((t) => t.status === 'failed') ? 'failed' : 'passed'), message: 'boom', assertionResults }],
    }),
  )
  return file
}

function summarize(...args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

describe('summarize-tests', () => {
  it('counts, and lists each allowed skip reason with its count', () => {
    const f = report([
      { title: 'a', status: 'passed' },
      { title: `b ${skipMarker(SKIP_REASONS.realCluster)}`, status: 'skipped' },
      { title: 'c', suite: `real ${skipMarker(SKIP_REASONS.realOperator)}`, status: 'skipped' },
      { title: 'd', suite: `real ${skipMarker(SKIP_REASONS.realOperator)}`, status: 'skipped' },
    ])
    const r = summarize('--lab', f)
    expect(r.code).toBe(0)
    expect(r.out).toContain('1 passed, 0 failed, 3 skipped')
    expect(r.out).toContain('skipped, needs a real operator: 2')
    expect(r.out).toContain('skipped, needs a real cluster: 1')
  })

  it('fails the run on a skip without a reason, or with a reason not allowed on the lab', () => {
    const silent = summarize('--lab', report([{ title: 'a', status: 'passed' }, { title: 'quietly skipped', status: 'skipped' }]))
    expect(silent.code).toBe(1)
    expect(silent.err).toContain('"suite quietly skipped" skipped: no reason given')
    const labOnly = report([{ title: 'a', status: 'passed' }, { title: `b ${skipMarker(SKIP_REASONS.lab)}`, status: 'skipped' }])
    expect(summarize('--lab', labOnly).code).toBe(1)
    // Against a real cluster, lab-only tests are skipped with that reason: allowed there.
    expect(summarize('--cluster', labOnly).code).toBe(0)
  })

  it('reads a reason decided at run time from the task meta', () => {
    const f = report([{ title: 'a', status: 'passed' }, { title: 'b', status: 'skipped', meta: { skipReason: SKIP_REASONS.realCluster } }])
    expect(summarize('--lab', f)).toMatchObject({ code: 0 })
    const bad = report([{ title: 'a', status: 'passed' }, { title: 'b', status: 'skipped', meta: { skipReason: 'felt like it' } }])
    expect(summarize('--lab', bad).code).toBe(1)
  })

  it('fails on failed tests, a missing report, a file that failed outside its tests, and a run with nothing passed', () => {
    expect(summarize(report([{ title: 'a', status: 'failed' }])).code).toBe(1)
    expect(summarize(report([{ title: 'a', status: 'passed' }]), '/nonexistent/report.json')).toMatchObject({ code: 1, out: expect.stringContaining('1 passed, 1 failed') })
    expect(summarize(report([{ title: 'a', status: 'passed' }], 'failed')).code).toBe(1)
    expect(summarize(report([])).code).toBe(1)
  })
})
