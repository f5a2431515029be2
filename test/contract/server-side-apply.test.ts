// Server-side apply merges by field manager for the fields dbaas sends (labels, annotations, data and spec
// keys): a second manager's fields survive, fields an applier stops sending go unless someone else owns them,
// changing a field another manager owns is a 409 conflict unless forced, and a forced apply takes it over.
// Non-apply writes (merge patch) own what they change.
import { beforeAll, expect, it } from 'vitest'
import { R, resourcePath, type KubeObject, type ResourceType } from '../../src/k8s/kube.ts'
import { contract, failure, ownedBy, owners } from './backends.ts'

const APPLY = 'application/apply-patch+yaml'

contract('server-side apply', (backend) => {
  let ns: string
  let things: ResourceType
  beforeAll(async () => {
    ns = await backend().namespace('ct-ssa')
    things = await backend().crd({ plural: 'things', kind: 'Thing', status: true })
  })

  /** An apply as another client (its own field manager), with or without force. */
  const applyAs = (manager: string, r: ResourceType, obj: KubeObject, force = false) =>
    backend().transport.request<KubeObject>('PATCH', resourcePath(r, obj.metadata.namespace, obj.metadata.name), {
      body: obj,
      contentType: APPLY,
      query: { fieldManager: manager, force: force || undefined },
    })
  const cm = (name: string, labels: Record<string, string>, data: Record<string, string>, annotations?: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, ...(Object.keys(labels).length ? { labels } : {}), ...(annotations ? { annotations } : {}) },
    ...(Object.keys(data).length ? { data } : {}),
  })

  it('an apply creates the object, owned by the applier as an Apply', async () => {
    const { kube } = backend()
    const o = await kube.apply<KubeObject>(R.configmaps, cm('create', { a: '1' }, { x: '1' }, { 'dbaas.io/note': 'n' }))
    expect(o.metadata.uid).toBeDefined()
    expect(ownedBy(o, 'dbaas')).toEqual(['data.x', 'metadata.annotations.dbaas.io/note', 'metadata.labels.a'])
    expect(owners(o).find((m) => m.manager === 'dbaas')).toMatchObject({ operation: 'Apply' })
  })

  it("a second manager's fields survive dbaas's apply, and dbaas's survive its", async () => {
    const { kube } = backend()
    await kube.apply(R.configmaps, cm('two', { a: '1' }, { x: '1' }))
    await applyAs('other', R.configmaps, cm('two', { b: '2' }, { y: '2' }))
    const o = await kube.apply<KubeObject>(R.configmaps, cm('two', { a: '1' }, { x: '1' }))
    expect(o.metadata.labels).toEqual({ a: '1', b: '2' })
    expect(o.data).toEqual({ x: '1', y: '2' })
    expect(ownedBy(o, 'other')).toEqual(['data.y', 'metadata.labels.b'])
  })

  it('fields an applier stops sending are removed, unless another manager owns them too', async () => {
    const { kube } = backend()
    await kube.apply(R.configmaps, cm('drop', { a: '1', c: '3' }, { x: '1', z: '3' }))
    await applyAs('other', R.configmaps, cm('drop', { c: '3' }, {}))
    const o = await kube.apply<KubeObject>(R.configmaps, cm('drop', {}, { x: '1' }))
    expect(o.metadata.labels).toEqual({ c: '3' })
    expect(o.data).toEqual({ x: '1' })
  })

  it("changing a field another manager owns is a 409 naming the field and the manager; nothing changes", async () => {
    const { kube } = backend()
    await kube.apply(R.configmaps, cm('conflict', { a: '1' }, { x: '1' }))
    const f = await failure(applyAs('other', R.configmaps, cm('conflict', { a: 'mine' }, {})))
    expect(f).toMatchObject({ httpCode: 409, reason: 'Conflict' })
    expect(f.message).toMatch(/^Apply failed with 1 conflict: conflict with "dbaas"/)
    expect(f.message).toContain('.metadata.labels.a')
    expect((await kube.get(R.configmaps, ns, 'conflict')).metadata.labels).toEqual({ a: '1' })
    // The same value is no conflict: the field becomes shared.
    const shared = await applyAs('other', R.configmaps, cm('conflict', { a: '1' }, {}))
    expect(ownedBy(shared, 'other')).toEqual(['metadata.labels.a'])
    expect(ownedBy(shared, 'dbaas')).toContain('metadata.labels.a')
  })

  it('force takes the field over: the value changes and the previous owner loses it', async () => {
    const { kube } = backend()
    await kube.apply(R.configmaps, cm('force', { a: '1' }, { x: '1' }))
    const o = await applyAs('other', R.configmaps, cm('force', { a: 'mine' }, {}), true)
    expect(o.metadata.labels).toEqual({ a: 'mine' })
    expect(ownedBy(o, 'other')).toEqual(['metadata.labels.a'])
    expect(ownedBy(o, 'dbaas')).toEqual(['data.x'])
  })

  it('a merge patch owns what it changes (an Update); applying over it conflicts unless forced, as dbaas does', async () => {
    const { kube, transport } = backend()
    await kube.apply(R.configmaps, cm('update', { a: '1' }, { x: '1' }))
    const patched = await transport.request<KubeObject>('PATCH', resourcePath(R.configmaps, ns, 'update'), {
      body: { metadata: { labels: { a: 'edited' } } },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'kubectl-edit' },
    })
    expect(owners(patched).find((m) => m.manager === 'kubectl-edit')).toMatchObject({ operation: 'Update' })
    expect(ownedBy(patched, 'kubectl-edit')).toEqual(['metadata.labels.a'])
    expect(ownedBy(patched, 'dbaas')).toEqual(['data.x'])
    const f = await failure(applyAs('dbaas', R.configmaps, cm('update', { a: '1' }, { x: '1' })))
    expect(f).toMatchObject({ httpCode: 409 })
    expect(f.message).toMatch(/conflict with "kubectl-edit"/)
    // dbaas's own apply forces (Kube.apply): it wins and owns the field again.
    const o = await kube.apply<KubeObject>(R.configmaps, cm('update', { a: '1' }, { x: '1' }))
    expect(o.metadata.labels).toEqual({ a: '1' })
    expect(ownedBy(o, 'kubectl-edit')).toEqual([])
  })

  it('spec keys of a custom resource merge by manager; status is not the object apply\'s', async () => {
    const { kube } = backend()
    const thing = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({
      apiVersion: `${things.group}/v1`,
      kind: things.kind,
      metadata: { name: 'spec', namespace: ns },
      spec,
      ...(status ? { status } : {}),
    })
    await kube.apply(things, thing({ instances: 3, storage: { size: '1Gi' }, params: { a: '1' } }))
    await applyAs('operator', things, thing({ params: { b: '2' } }))
    const o = await kube.apply<KubeObject>(things, thing({ instances: 2, storage: { size: '1Gi' } }, { phase: 'ignored' }))
    expect(o.spec).toEqual({ instances: 2, storage: { size: '1Gi' }, params: { b: '2' } })
    expect(o.status).toBeUndefined()
    expect(ownedBy(o, 'dbaas')).toEqual(['spec.instances', 'spec.storage.size'])
  })

  it('an apply needs a field manager (422) and apiVersion and kind in the body (400)', async () => {
    const { transport, kube } = backend()
    const path = resourcePath(R.configmaps, ns, 'bad')
    const noManager = await failure(transport.request('PATCH', path, { body: cm('bad', {}, {}), contentType: APPLY }))
    expect(noManager).toMatchObject({ httpCode: 422, reason: 'Invalid' })
    expect(noManager.message).toContain('fieldManager: Required value: is required for apply patch')
    const noKind = await failure(transport.request('PATCH', path, { body: { metadata: { name: 'bad', namespace: ns } }, contentType: APPLY, query: { fieldManager: 'dbaas' } }))
    expect(noKind).toEqual({ httpCode: 400, reason: 'BadRequest', message: 'invalid object type: /, Kind=' })
    expect(await kube.find(R.configmaps, ns, 'bad')).toBeUndefined()
  })
})
