import { describe, expect, it } from 'vitest'
import { deleteInstance, planDelete, type DeleteOptions } from '../../../src/core/delete.ts'
import { R } from '../../../src/k8s/kube.ts'
import { ANN, Kinds, identityLabels, withKind } from '../../../src/k8s/labels.ts'
import { fakeDeps, type FakeDeps } from '../../helpers/fake-deps.ts'
import { credentials, release, statefulSet } from '../../helpers/fixtures.ts'

const id = { name: 'orders', engine: 'postgresql', version: '18' }

function opts(o: Partial<DeleteOptions> = {}): DeleteOptions {
  return { name: 'orders', cluster: {}, deleteData: false, wait: false, timeoutMs: 60_000, dryRun: false, ...o }
}

function seedOrders(d: FakeDeps, ns = 'dbaas-orders', createdByDbaas = true): void {
  d.transport.seed(R.namespaces, {
    metadata: {
      name: ns,
      labels: withKind(identityLabels(id), Kinds.namespace),
      ...(createdByDbaas ? { annotations: { [ANN.namespaceCreated]: 'true' } } : {}),
    },
  })
  d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', namespace: ns, ready: 1 }))
  d.transport.seed(R.services, { metadata: { name: 'orders', namespace: ns, labels: withKind(identityLabels(id), Kinds.service) } })
  d.transport.seed(R.secrets, credentials({ name: 'orders', namespace: ns }), release({ name: 'orders', namespace: ns }))
  d.transport.seed(R.pvcs, { metadata: { name: 'data-orders-0', namespace: ns, labels: withKind(identityLabels(id), Kinds.data) } })
  // helm removes what it installed.
  d.fakeHelm.onUninstall = (rel, n) => {
    for (const k of [...d.transport.store.keys()]) {
      if (k.includes(`/namespaces/${n}/`) && (k.endsWith(`/statefulsets/${rel}`) || k.endsWith(`/services/${rel}`) || k.includes('sh.helm.release'))) d.transport.store.delete(k)
    }
  }
}

async function remove(d: FakeDeps, o: DeleteOptions) {
  const plan = await planDelete(o, d)
  return deleteInstance(plan, o, d)
}

describe('delete', () => {
  it('--dry-run reports what would go and what stays, and writes nothing', async () => {
    const d = fakeDeps()
    seedOrders(d)
    const r = await remove(d, opts({ dryRun: true }))
    expect(r).toEqual({
      name: 'orders',
      namespace: 'dbaas-orders',
      found: true,
      dryRun: true,
      deleted: ['helm release orders (statefulset, services, pods)', 'secret/orders-credentials'],
      kept: [
        { object: 'persistentvolumeclaim/data-orders-0', reason: 'holds data (pass --delete-data to remove it)' },
        { object: 'namespace/dbaas-orders', reason: 'still holds persistentvolumeclaim/data-orders-0' },
      ],
      namespaceDeleted: false,
    })
    expect(d.transport.writes).toEqual([])
    expect(d.fakeHelm.ops()).not.toContain('uninstall')
  })

  it('--dry-run --delete-data reports the namespace exactly as the real run then removes it', async () => {
    const dry = fakeDeps()
    seedOrders(dry)
    const planned = await remove(dry, opts({ dryRun: true, deleteData: true }))
    expect(planned.namespaceDeleted).toBe(true)
    expect(planned.deleted).toContain('namespace/dbaas-orders')
    expect(dry.transport.writes).toEqual([])
    const real = fakeDeps()
    seedOrders(real)
    const done = await remove(real, opts({ deleteData: true }))
    expect(done.namespaceDeleted).toBe(planned.namespaceDeleted)
    expect(done.deleted).toContain('namespace/dbaas-orders')
    expect(done.deleted.filter((x) => !x.startsWith('helm release'))).toEqual(planned.deleted.filter((x) => !x.startsWith('helm release')))
  })

  it('keeps the data PVC, and so keeps the namespace, saying why', async () => {
    const d = fakeDeps()
    seedOrders(d)
    const r = await remove(d, opts())
    expect(d.fakeHelm.ops()).toContain('uninstall')
    expect(r.deleted).toEqual(['helm release orders', 'secret/orders-credentials'])
    expect(r.kept.map((k) => k.object)).toEqual(['persistentvolumeclaim/data-orders-0', 'namespace/dbaas-orders'])
    expect(r.kept[1]!.reason).toContain('persistentvolumeclaim/data-orders-0')
    expect(r.namespaceDeleted).toBe(false)
    expect(d.transport.get(R.pvcs, 'dbaas-orders', 'data-orders-0')).toBeDefined()
    expect(d.transport.get(R.namespaces, undefined, 'dbaas-orders')).toBeDefined()
  })

  it('--delete-data removes the PVC and then the namespace dbaas created', async () => {
    const d = fakeDeps()
    seedOrders(d)
    const r = await remove(d, opts({ deleteData: true }))
    expect(r.deleted).toEqual(['helm release orders', 'secret/orders-credentials', 'persistentvolumeclaim/data-orders-0', 'namespace/dbaas-orders'])
    expect(r.namespaceDeleted).toBe(true)
    // Nothing of the instance is left; its namespace is Terminating until the namespace controller has emptied it.
    const left = () => [...d.transport.store.keys()].filter((k) => k.includes('dbaas-orders'))
    expect(left()).toEqual(['/api/v1/namespaces/dbaas-orders'])
    expect(d.transport.get(R.namespaces, undefined, 'dbaas-orders')?.status).toEqual({ phase: 'Terminating' })
    d.transport.settle()
    expect(left()).toEqual([])
  })

  it('never removes a namespace dbaas did not create', async () => {
    const d = fakeDeps()
    seedOrders(d, 'team', false)
    const r = await remove(d, opts({ deleteData: true, namespace: 'team' }))
    expect(r.namespaceDeleted).toBe(false)
    expect(d.transport.get(R.namespaces, undefined, 'team')).toBeDefined()
  })

  it('keeps the namespace while another instance lives there', async () => {
    const d = fakeDeps()
    seedOrders(d)
    d.transport.seed(R.secrets, credentials({ name: 'other', namespace: 'dbaas-orders' }))
    const r = await remove(d, opts({ deleteData: true }))
    expect(r.namespaceDeleted).toBe(false)
    expect(r.kept).toContainEqual({ object: 'secret/other-credentials', reason: 'belongs to instance other' })
  })

  it('without a release, removes the StatefulSet and Services by label', async () => {
    const d = fakeDeps()
    seedOrders(d)
    d.transport.store.delete('/api/v1/namespaces/dbaas-orders/secrets/sh.helm.release.v1.orders.v1')
    const r = await remove(d, opts({ deleteData: true }))
    expect(d.fakeHelm.ops()).not.toContain('uninstall')
    expect(r.deleted).toContain('statefulset/orders')
    expect(r.deleted).toContain('service/orders')
  })

  it('an RBAC-limited user (namespaced Role only) can delete in its namespace', async () => {
    // Reading the cluster-scoped Namespace is forbidden to a namespaced Role; delete must still succeed.
    const d = fakeDeps({ contextNamespace: 'team' })
    seedOrders(d, 'team', false)
    d.transport.fail({ method: 'GET', path: /^\/api\/v1\/namespaces\/[^/]+$/, failure: { code: 403, reason: 'Forbidden' } })
    const r = await remove(d, opts({ namespace: 'team', deleteData: true }))
    expect(r.deleted).toContain('secret/orders-credentials')
    expect(r.namespaceDeleted).toBe(false)
  })
})
