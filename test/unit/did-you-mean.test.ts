// "did you mean" for instance names: edit distance, the closest name, and the hint through main().
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { closest, editDistance } from '../../src/core/did-you-mean.ts'
import { R } from '../../src/k8s/kube.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'
import { credentials, namespace, statefulSet } from '../helpers/fixtures.ts'

describe('did you mean', () => {
  it('edit distance counts a transposition as one edit', () => {
    expect(editDistance('orders', 'orders')).toBe(0)
    expect(editDistance('odrers', 'orders')).toBe(1)
    expect(editDistance('order', 'orders')).toBe(1)
    expect(editDistance('shop', 'orders')).toBeGreaterThan(3)
  })

  it('suggests only names close enough', () => {
    expect(closest('ordes', ['orders', 'shop', 'wiki'])).toBe('orders')
    expect(closest('ord', ['orders-db'])).toBe('orders-db')
    expect(closest('xyz', ['orders', 'shop'])).toBeUndefined()
    expect(closest('a', ['b'])).toBe('b')
  })

  it('status of a mistyped name: exit 3 with the suggestion in the hint and in JSON details', async () => {
    const d = fakeDeps()
    d.transport.seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders' } }))
    d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', replicas: 1, ready: 1, created: '2026-11-25T11:00:00Z' }))
    d.transport.seed(R.secrets, credentials({ name: 'orders', password: 'x-Pa55word-1' }))
    expect(await main(['status', 'odrers'], d)).toBe(3)
    expect(d.err.text).toContain('did you mean "orders" (namespace dbaas-orders)?')
    const j = fakeDeps({ transport: d.transport })
    expect(await main(['status', 'odrers', '-n', 'dbaas-orders', '-o', 'json'], j)).toBe(3)
    expect(JSON.parse(j.err.text).error.details).toEqual({ suggestion: 'orders' })
  })
})
