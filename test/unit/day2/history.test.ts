// The history annotation: bounded, updated in place by id, written with the object's resourceVersion.
import { describe, expect, it } from 'vitest'
import { HISTORY_ANNOTATION, HISTORY_LIMIT, instanceHistoryTarget, parseHistory, readHistory, recordHistory, recordOutcome, resultOf, startHistory, withEntry, type HistoryEntry } from '../../../src/core/day2/history.ts'
import { TimeoutError, InterruptedError, PreconditionError } from '../../../src/errors.ts'
import { R } from '../../../src/k8s/kube.ts'
import { counterRandom, NOW } from '../../helpers/fake-deps.ts'
import { FakeTransport, fakeKube } from '../../helpers/fake-kube.ts'

const entry = (i: number, over: Partial<HistoryEntry> = {}): HistoryEntry => ({
  id: `scale-${i}`,
  verb: 'scale',
  params: { cpu: String(i) },
  startedAt: new Date(NOW + i * 1000).toISOString(),
  endedAt: null,
  result: 'running',
  ...over,
})

function withNs(t = new FakeTransport()): FakeTransport {
  return t.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
}

function seeded(): FakeTransport {
  return withNs().seed(R.secrets, { metadata: { name: 'orders-credentials', namespace: 'dbaas-orders' }, data: { password: 'eA==' } })
}

describe('history entries', () => {
  it('keeps the newest HISTORY_LIMIT, oldest first', () => {
    let list: HistoryEntry[] = []
    for (let i = 0; i < HISTORY_LIMIT + 7; i++) list = withEntry(list, entry(i))
    expect(list).toHaveLength(HISTORY_LIMIT)
    expect(list[0]?.id).toBe('scale-7')
    expect(list.at(-1)?.id).toBe(`scale-${HISTORY_LIMIT + 6}`)
  })

  it('replaces the entry with the same id in place', () => {
    const list = withEntry(withEntry([entry(1)], entry(2)), entry(1, { result: 'succeeded', endedAt: 'x' }))
    expect(list.map((e) => [e.id, e.result])).toEqual([
      ['scale-1', 'succeeded'],
      ['scale-2', 'running'],
    ])
  })

  it('reads a missing, broken or foreign annotation as an empty history', () => {
    expect(parseHistory({ metadata: { name: 'x' } })).toEqual([])
    expect(parseHistory({ metadata: { name: 'x', annotations: { [HISTORY_ANNOTATION]: '{not json' } } })).toEqual([])
    expect(parseHistory({ metadata: { name: 'x', annotations: { [HISTORY_ANNOTATION]: '[{"foo":1}]' } } })).toEqual([])
  })

  it('maps errors to results by exit code', () => {
    expect(resultOf(new TimeoutError('t'))).toBe('timed-out')
    expect(resultOf(new InterruptedError())).toBe('interrupted')
    expect(resultOf(new PreconditionError('p'))).toBe('failed')
  })
})

describe('recordHistory', () => {
  it('writes on the credentials Secret with the resourceVersion it read, and reads back', async () => {
    const t = seeded()
    const kube = fakeKube(t)
    const target = instanceHistoryTarget('orders', 'dbaas-orders')
    await recordHistory(kube, target, entry(1))
    await recordHistory(kube, target, entry(2))
    const patches = t.writes.filter((w) => w.method === 'PATCH')
    expect(patches).toHaveLength(2)
    expect(patches[0]?.path).toBe('/api/v1/namespaces/dbaas-orders/secrets/orders-credentials')
    expect((patches[1]?.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion).toMatch(/^\d+$/)
    expect((await readHistory(kube, target)).map((e) => e.id)).toEqual(['scale-1', 'scale-2'])
    // The Secret's data is left alone.
    expect(t.get(R.secrets, 'dbaas-orders', 'orders-credentials')?.data).toEqual({ password: 'eA==' })
  })

  it('retries on a conflict and gives up after five', async () => {
    const t = seeded().fail({ method: 'PATCH', path: /orders-credentials/, failure: { code: 409, reason: 'Conflict' }, times: 2 })
    await recordHistory(fakeKube(t), instanceHistoryTarget('orders', 'dbaas-orders'), entry(1))
    expect(t.writes.filter((w) => w.method === 'PATCH')).toHaveLength(3)
    const t2 = seeded().fail({ method: 'PATCH', path: /orders-credentials/, failure: { code: 409, reason: 'Conflict' } })
    await expect(recordHistory(fakeKube(t2), instanceHistoryTarget('orders', 'dbaas-orders'), entry(1))).rejects.toMatchObject({ exitCode: 4 })
  })

  it('startHistory writes "running" at once and finish() updates the same entry; a failure to write is a note', async () => {
    const t = seeded()
    const kube = fakeKube(t)
    const target = instanceHistoryTarget('orders', 'dbaas-orders')
    let now = NOW
    const rec = await startHistory(kube, target, { verb: 'resize', params: { storage: '20Gi' } }, { now: () => now, randomBytes: counterRandom() })
    expect((await readHistory(kube, target)).map((e) => e.result)).toEqual(['running'])
    now += 5000
    expect(await rec.finish('succeeded', 'storage 10Gi → 20Gi')).toBeUndefined()
    const [e] = await readHistory(kube, target)
    expect(e).toMatchObject({ verb: 'resize', result: 'succeeded', message: 'storage 10Gi → 20Gi', startedAt: new Date(NOW).toISOString(), endedAt: new Date(NOW + 5000).toISOString() })

    const denied = withNs().fail({ method: 'PATCH', path: /secrets/, failure: { code: 403, reason: 'Forbidden' } }).seed(R.secrets, { metadata: { name: 'orders-credentials', namespace: 'dbaas-orders' } })
    const r2 = await startHistory(fakeKube(denied), target, { verb: 'stop', params: {} }, { now: () => NOW, randomBytes: counterRandom() })
    expect(r2.notes).toEqual(['the operation was not recorded in the history on secret dbaas-orders/orders-credentials: you may not update it'])
  })
})

describe('recordOutcome (create, restore, backup create, ha failover)', () => {
  const op = { verb: 'backup create', params: { backup: 'b1' }, startedMs: NOW }
  const deps = { now: () => NOW + 2000, randomBytes: counterRandom() }

  it('records succeeded, or how a verb that had written ended; a refusal (nothing written) is no operation', async () => {
    const t = seeded()
    const kube = fakeKube(t)
    const target = instanceHistoryTarget('orders', 'dbaas-orders')
    expect(await recordOutcome(kube, target, op, { message: 'ready to use' }, deps)).toBeUndefined()
    expect(await recordOutcome(kube, target, op, { error: new TimeoutError('timed out after 5 s\nmore') }, deps)).toBeUndefined()
    expect(await recordOutcome(kube, target, op, { error: new PreconditionError('refused') }, deps)).toBeUndefined()
    expect((await readHistory(kube, target)).map((e) => [e.result, e.message, e.endedAt])).toEqual([
      ['succeeded', 'ready to use', new Date(NOW + 2000).toISOString()],
      ['timed-out', 'timed out after 5 s', new Date(NOW + 2000).toISOString()],
    ])
  })

  it('never throws: a history it cannot write (no object, no randomness) comes back as a note', async () => {
    const kube = fakeKube(withNs())
    const gone = await recordOutcome(kube, instanceHistoryTarget('orders', 'dbaas-orders'), op, { message: 'x' }, deps)
    expect(gone).toContain('was not recorded in the history on secret dbaas-orders/orders-credentials: it is gone')
    const noRandom = { now: () => NOW, randomBytes: () => { throw new Error('random bytes is not available') } }
    expect(await recordOutcome(fakeKube(seeded()), instanceHistoryTarget('orders', 'dbaas-orders'), op, { message: 'x' }, noRandom)).toContain('random bytes is not available')
  })
})
