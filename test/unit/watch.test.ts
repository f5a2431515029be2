// list --watch over fakes: draws, redraws after a watch event changes the view, and returns on Ctrl-C.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { R } from '../../src/k8s/kube.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'
import { credentials, namespace, statefulSet } from '../helpers/fixtures.ts'

describe('list --watch', () => {
  it('redraws when a watched object changes, and stops on the abort signal', async () => {
    const ctrl = new AbortController()
    const base = fakeDeps()
    const d = { ...base, signal: ctrl.signal }
    base.transport.seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders' } }))
    base.transport.seed(R.secrets, credentials({ name: 'orders', password: 'x-Pa55word-1' }))
    const sts = statefulSet({ name: 'orders', replicas: 1, ready: 0, created: '2026-11-25T11:00:00Z' })
    base.transport.seed(R.statefulSets, sts)
    // When the StatefulSet watch opens, the StatefulSet becomes ready and the watch reports it.
    const ready = statefulSet({ name: 'orders', replicas: 1, ready: 1, created: '2026-11-25T11:00:00Z' })
    const stream = base.transport.stream.bind(base.transport)
    let first = true
    base.transport.stream = async (path, opts, onChunk) => {
      if (first && path.includes('/statefulsets')) {
        first = false
        base.transport.seed(R.statefulSets, ready)
        base.transport.watchEvents.push({ type: 'MODIFIED', object: ready })
      }
      return stream(path, opts, onChunk)
    }
    const done = main(['list', '--watch'], d)
    // Until the second view is drawn (or the test's own timeout): a condition, not a fixed sleep.
    while ((base.out.text.match(/^NAME\s/gm) ?? []).length < 2) await new Promise((r) => setTimeout(r, 20))
    ctrl.abort()
    expect(await done).toBe(0)
    const watches = base.transport.requests.filter((r) => r.query.watch === 1)
    expect(watches.length).toBeGreaterThanOrEqual(2)
    // Drawn twice: 0/1 first, then 1/1 after the event (no polling in between).
    expect(base.out.text.match(/^NAME\s/gm)).toHaveLength(2)
    expect(base.out.text).toMatch(/orders .*0\/1[\s\S]*orders .*1\/1/)
    // One read for the first view, one after the event: the first view is not read twice.
    expect(base.transport.requests.filter((r) => r.path.includes('/statefulsets') && r.query.watch === undefined).length).toBe(2)
  })

  it('-o json with --watch is a usage error', async () => {
    const d = fakeDeps()
    expect(await main(['list', '--watch', '-o', 'json'], d)).toBe(2)
    expect(d.err.text).toContain('--watch draws a table')
  })
})

