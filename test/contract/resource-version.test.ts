// Optimistic concurrency: a write carrying a stale metadata.resourceVersion is refused with 409 Conflict and
// changes nothing; a write that changes nothing keeps the resourceVersion.
import { beforeAll, expect, it } from 'vitest'
import { R, type KubeObject } from '../../src/k8s/kube.ts'
import { configMap, contract, failure } from './backends.ts'

contract('resourceVersion', (backend) => {
  let ns: string
  beforeAll(async () => {
    ns = await backend().namespace('ct-rv')
  })

  const fresh = async (name: string): Promise<KubeObject> =>
    backend().kube.create(R.configmaps, configMap(ns, name, { data: { a: '1' } }))

  it('every change bumps it; a write that changes nothing keeps it', async () => {
    const { kube } = backend()
    const created = await fresh('bump')
    const changed = await kube.mergePatch<KubeObject>(R.configmaps, ns, 'bump', { data: { a: '2' } })
    expect(changed.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion)
    const same = await kube.mergePatch<KubeObject>(R.configmaps, ns, 'bump', { data: { a: '2' } })
    expect(same.metadata.resourceVersion).toBe(changed.metadata.resourceVersion)
  })

  it('a merge patch with a stale resourceVersion is 409 Conflict and changes nothing', async () => {
    const { kube } = backend()
    const v1 = await fresh('merge')
    await kube.mergePatch(R.configmaps, ns, 'merge', { data: { a: '2' } })
    const f = await failure(kube.mergePatch(R.configmaps, ns, 'merge', { metadata: { resourceVersion: v1.metadata.resourceVersion }, data: { a: '3' } }))
    expect(f).toMatchObject({ httpCode: 409, reason: 'Conflict' })
    expect(f.message).toMatch(/the object has been modified; please apply your changes to the latest version and try again/)
    expect((await kube.get(R.configmaps, ns, 'merge')).data).toEqual({ a: '2' })
    // With the current one it goes through.
    const now = await kube.get(R.configmaps, ns, 'merge')
    const ok = await kube.mergePatch<KubeObject>(R.configmaps, ns, 'merge', { metadata: { resourceVersion: now.metadata.resourceVersion }, data: { a: '3' } })
    expect(ok.data).toEqual({ a: '3' })
  })

  it('a PUT with a stale resourceVersion is 409; without one it is unconditional (built-in kinds)', async () => {
    const { transport, kube } = backend()
    const v1 = await fresh('put')
    const path = `/api/v1/namespaces/${ns}/configmaps/put`
    await transport.request('PUT', path, { body: { ...v1, data: { a: '2' } } })
    const f = await failure(transport.request('PUT', path, { body: { ...v1, data: { a: '3' } } }))
    expect(f).toMatchObject({ httpCode: 409, reason: 'Conflict' })
    const { resourceVersion: _rv, ...meta } = v1.metadata
    await transport.request('PUT', path, { body: { ...v1, metadata: meta, data: { a: '4' } } })
    expect((await kube.get(R.configmaps, ns, 'put')).data).toEqual({ a: '4' })
  })

  it('server-side apply with a stale resourceVersion is 409', async () => {
    const { kube } = backend()
    const v1 = await fresh('apply')
    await kube.mergePatch(R.configmaps, ns, 'apply', { data: { a: '2' } })
    const f = await failure(kube.apply(R.configmaps, { ...configMap(ns, 'apply', { data: { a: '9' } }), metadata: { name: 'apply', namespace: ns, resourceVersion: v1.metadata.resourceVersion! } }))
    expect(f).toMatchObject({ httpCode: 409, reason: 'Conflict' })
    expect((await kube.get(R.configmaps, ns, 'apply')).data).toEqual({ a: '2' })
  })

  it('a delete whose precondition names a stale resourceVersion is 409 and deletes nothing', async () => {
    const { transport, kube } = backend()
    const v1 = await fresh('del')
    await kube.mergePatch(R.configmaps, ns, 'del', { data: { a: '2' } })
    const f = await failure(
      transport.request('DELETE', `/api/v1/namespaces/${ns}/configmaps/del`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: v1.metadata.resourceVersion } } }),
    )
    expect(f).toMatchObject({ httpCode: 409, reason: 'Conflict' })
    expect(f.message).toBe(`Operation cannot be fulfilled on ConfigMap "del": the ResourceVersion in the precondition (${v1.metadata.resourceVersion}) does not match the ResourceVersion in record (${(await kube.get(R.configmaps, ns, 'del')).metadata.resourceVersion}). The object might have been modified`)
    expect(await kube.find(R.configmaps, ns, 'del')).toBeDefined()
  })

  it('a create may not carry a resourceVersion', async () => {
    const { kube } = backend()
    const f = await failure(kube.create(R.configmaps, { ...configMap(ns, 'with-rv'), metadata: { name: 'with-rv', namespace: ns, resourceVersion: '12345' } }))
    expect(f.httpCode).toBe(500)
    expect(f.message).toMatch(/resourceVersion should not be set on objects to be created/)
    expect(await kube.find(R.configmaps, ns, 'with-rv')).toBeUndefined()
  })
})
