import { describe, expect, it } from 'vitest'
import { TimeoutError } from '../../../src/errors.ts'
import { R } from '../../../src/k8s/kube.ts'
import { waitFor } from '../../../src/k8s/wait.ts'
import { fakeKube, FakeTransport } from '../../helpers/fake-kube.ts'
import { namespace, pod } from '../../helpers/fixtures.ts'

describe('waitFor', () => {
  it('resolves from the first list without watching when already satisfied', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('dbaas-db')).seed(R.pods, pod({ name: 'db', ready: true }))
    const v = await waitFor(fakeKube(t), R.pods, 'dbaas-db', {}, (items) => (items.length === 1 ? 'ok' : undefined), { timeoutMs: 5000 })
    expect(v).toBe('ok')
    expect(t.requests.map((r) => r.query.watch)).toEqual([undefined])
  })

  it('lists, then watches from the list resourceVersion until the condition holds (no polling)', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('dbaas-db')).seed(R.pods, pod({ name: 'db', ready: false }))
    t.watchEvents = [
      { type: 'BOOKMARK', object: { metadata: { name: '' } } },
      { type: 'MODIFIED', object: pod({ name: 'db', ready: true }) },
    ]
    const ready = (items: any[]) => (items.some((p) => p.status.conditions[0].status === 'True') ? true : undefined)
    await expect(waitFor(fakeKube(t), R.pods, 'dbaas-db', {}, ready, { timeoutMs: 5000 })).resolves.toBe(true)
    expect(t.requests).toHaveLength(2)
    const [list, watch] = t.requests
    expect(list!.query.watch).toBeUndefined()
    expect(watch!.query).toMatchObject({ watch: 1, resourceVersion: expect.any(String) })
  })

  it('DELETED events remove items', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('dbaas-db')).seed(R.pods, pod({ name: 'db' }))
    t.watchEvents = [{ type: 'DELETED', object: pod({ name: 'db' }) }]
    await expect(waitFor(fakeKube(t), R.pods, 'dbaas-db', {}, (items) => (items.length === 0 ? 'gone' : undefined), { timeoutMs: 5000 })).resolves.toBe('gone')
  })

  it('a throw from evaluate fails fast', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('dbaas-db')).seed(R.pods, pod({ name: 'db', waiting: 'CrashLoopBackOff' }))
    await expect(
      waitFor(fakeKube(t), R.pods, 'dbaas-db', {}, () => {
        throw new Error('terminal')
      }, { timeoutMs: 5000 }),
    ).rejects.toThrow('terminal')
  })

  it('times out with a TimeoutError (exit 6) describing where things stood', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('dbaas-db')).seed(R.pods, pod({ name: 'db' }))
    const err = await waitFor(fakeKube(t), R.pods, 'dbaas-db', {}, () => undefined, {
      timeoutMs: 30,
      describe: (items) => `${items.length} pod(s) not ready`,
      timeoutHint: 'follow it with dbaas status',
    }).catch((e) => e)
    expect(err).toBeInstanceOf(TimeoutError)
    expect(err.exitCode).toBe(6)
    expect(err.message).toContain('1 pod(s) not ready')
    expect(err.hint).toBe('follow it with dbaas status')
  })

  it('an aborted signal ends the wait as interrupted (exit 130)', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('dbaas-db')).seed(R.pods, pod({ name: 'db' }))
    const ctrl = new AbortController()
    setTimeout(() => ctrl.abort(), 10)
    await expect(waitFor(fakeKube(t), R.pods, 'dbaas-db', {}, () => undefined, { timeoutMs: 5000, signal: ctrl.signal })).rejects.toMatchObject({ exitCode: 130 })
  })
})
