// Issue 19, item 10: one size rule in one place, the same the charts' schemas use; hints that suggest values
// the flag accepts; an unknown snapshot --class is bad input (2).
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createBackup } from '../../../src/core/backup/create.ts'
import { parseRetention, RETENTION_HINT } from '../../../src/core/backup/model.ts'
import { parseBytes, SIZE_PATTERN, validateMemory, validateStorage } from '../../../src/core/names.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeDeps, NOW } from '../../helpers/fake-deps.ts'
import { FakeTransport, SNAPSHOT_CRDS } from '../../helpers/fake-kube.ts'
import { credentials, statefulSet } from '../../helpers/fixtures.ts'

const chartsDir = new URL('../../../templates/charts/', import.meta.url).pathname
// The engine charts (the others, e.g. backup-schedule, take no sizes).
const charts = readdirSync(chartsDir).filter((c) => JSON.parse(readFileSync(join(chartsDir, c, 'values.schema.json'), 'utf8')).properties?.storage?.properties?.size)

function chartSizePattern(chart: string): string {
  const schema = JSON.parse(readFileSync(join(chartsDir, chart, 'values.schema.json'), 'utf8'))
  return schema.properties.storage.properties.size.pattern
}

const samples = ['10Gi', '1Ei', '1E', '1e3', '1E3', '500m', '1.5Gi', '2Pi', '5T', '1073741824', '10gi', '10GB', '-1Gi', '+1Gi', '.5Gi', '1.Gi', ' 10Gi', '10 Gi', '1Mi']

describe('one size rule, shared with the charts', () => {
  it.each(charts)('%s: values.schema.json storage.size uses exactly SIZE_PATTERN', (chart) => {
    expect(chartSizePattern(chart)).toBe(SIZE_PATTERN)
  })

  it.each(samples)('%j: dbaas and every chart schema agree', (q) => {
    const dbaas = parseBytes(q) !== undefined && q === q.trim()
    for (const chart of charts) expect(new RegExp(chartSizePattern(chart)).test(q), `${chart} on ${q}`).toBe(dbaas)
  })

  it('1Ei and 1E are sizes; 1e3 is refused with the rule in the hint', () => {
    expect(validateStorage('1Ei')).toBe('1Ei')
    expect(validateStorage('1E')).toBe('1E')
    expect(parseBytes('1Ei')).toBe(2 ** 60)
    expect(() => validateStorage('1e3')).toThrowError(/not a size/)
    try {
      validateMemory('1e3')
    } catch (err) {
      expect((err as { hint: string }).hint).toMatch(/Ki, Mi, Gi, Ti, Pi, Ei .* k, M, G, T, P, E .*--memory 512Mi/)
    }
  })
})

describe('hints suggest values the flag accepts', () => {
  it('--retention: every value in the hint parses', () => {
    const suggested = [...RETENTION_HINT.matchAll(/--retention (\S+?)(?=,| or|$)/g)].map((m) => m[1] as string)
    expect(suggested.length).toBeGreaterThanOrEqual(3)
    for (const v of suggested) expect(parseRetention(v)).toBeGreaterThanOrEqual(60_000)
    expect(() => parseRetention('forever')).toThrowError(expect.objectContaining({ hint: RETENTION_HINT }))
    expect(() => parseRetention('30s')).toThrowError(/too short/)
  })

  it('--storage and --memory: the value in the hint is accepted', () => {
    for (const [fn, flag] of [[validateStorage, '--storage'], [validateMemory, '--memory']] as const) {
      let hint = ''
      try {
        fn('lots')
      } catch (err) {
        hint = (err as { hint: string }).hint
      }
      const v = new RegExp(`${flag} (\\S+)`).exec(hint)?.[1]
      expect(v).toBeDefined()
      expect(fn(v as string)).toBe(v)
    }
  })
})

describe('an unknown snapshot --class', () => {
  it('is a usage error (2), like an unknown --storage-class; nothing written', async () => {
    const t = new FakeTransport()
      .installCrd(...SNAPSHOT_CRDS)
      .seed(R.namespaces, { metadata: { name: 'dbaas-db' } })
      .seed(R.leases, { metadata: { name: 'snapshot-controller-leader', namespace: 'kube-system' }, spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: new Date(NOW).toISOString() } })
      .seed(R.statefulSets, statefulSet({ name: 'db', ready: 1 }))
      .seed(R.secrets, credentials({ name: 'db' }))
      .seed(R.pvcs, { metadata: { name: 'data-db-0', namespace: 'dbaas-db' }, spec: {}, status: { phase: 'Bound' } })
    const d = fakeDeps({ transport: t })
    const err = await createBackup({ instance: 'db', snapshotClass: 'gold', quiesce: false, wait: false, timeoutMs: 1000, dryRun: 'none', cluster: {} }, d).catch((e) => e)
    expect(err).toMatchObject({ exitCode: 2, message: expect.stringContaining('VolumeSnapshotClass "gold" does not exist') })
    expect(t.writes).toEqual([])
  })
})
