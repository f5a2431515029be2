// Deletion honours finalizers: the object gets a deletionTimestamp and stays (readable, listed) until its last
// finalizer is removed; no finalizer may be added meanwhile. Without finalizers it goes at once.
import { beforeAll, expect, it } from 'vitest'
import { R, type KubeObject } from '../../src/k8s/kube.ts'
import { configMap, contract, failure } from './backends.ts'

const HOLD = 'contract.dbaas.test/hold'

contract('finalizers', (backend) => {
  let ns: string
  beforeAll(async () => {
    ns = await backend().namespace('ct-fin')
  })
  const held = (name: string) => configMap(ns, name, { metadata: { name, namespace: ns, finalizers: [HOLD] } as KubeObject['metadata'] })
  const finalizersOf = (o: KubeObject) => (o.metadata as { finalizers?: string[] }).finalizers

  it('without finalizers, delete removes the object at once', async () => {
    const { kube } = backend()
    await kube.create(R.configmaps, configMap(ns, 'plain'))
    await kube.delete(R.configmaps, ns, 'plain')
    expect(await kube.find(R.configmaps, ns, 'plain')).toBeUndefined()
  })

  it('with a finalizer, delete marks the object and keeps it; deleting again changes nothing', async () => {
    const { kube } = backend()
    await kube.create(R.configmaps, held('marked'))
    await kube.delete(R.configmaps, ns, 'marked')
    const marked = await kube.get(R.configmaps, ns, 'marked')
    expect(marked.metadata.deletionTimestamp).toBeDefined()
    expect(finalizersOf(marked)).toEqual([HOLD])
    expect((await kube.list(R.configmaps, ns, { fieldSelector: 'metadata.name=marked' })).items).toHaveLength(1)
    await kube.delete(R.configmaps, ns, 'marked')
    const again = await kube.get(R.configmaps, ns, 'marked')
    expect(again.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp)
    expect(again.metadata.resourceVersion).toBe(marked.metadata.resourceVersion)
    await kube.mergePatch(R.configmaps, ns, 'marked', { metadata: { finalizers: null } })
  })

  it('no new finalizer may be added to an object being deleted (422)', async () => {
    const { kube } = backend()
    await kube.create(R.configmaps, held('nonew'))
    await kube.delete(R.configmaps, ns, 'nonew')
    const f = await failure(kube.mergePatch(R.configmaps, ns, 'nonew', { metadata: { finalizers: [HOLD, 'contract.dbaas.test/other'] } }))
    expect(f).toMatchObject({ httpCode: 422, reason: 'Invalid' })
    expect(f.message).toMatch(/no new finalizers can be added if the object is being deleted/)
    await kube.mergePatch(R.configmaps, ns, 'nonew', { metadata: { finalizers: null } })
  })

  it('removing the last finalizer of a marked object deletes it; other changes do not', async () => {
    const { kube } = backend()
    await kube.create(R.configmaps, held('release'))
    await kube.delete(R.configmaps, ns, 'release')
    await kube.mergePatch(R.configmaps, ns, 'release', { data: { still: 'here' } })
    expect((await kube.get(R.configmaps, ns, 'release')).data).toEqual({ still: 'here' })
    await kube.mergePatch(R.configmaps, ns, 'release', { metadata: { finalizers: null } })
    expect(await kube.find(R.configmaps, ns, 'release')).toBeUndefined()
  })

  it('a dry-run delete marks and removes nothing (dryRun in the DeleteOptions body, as Kube.delete sends it)', async () => {
    const { kube } = backend()
    await kube.create(R.configmaps, configMap(ns, 'dry'))
    await kube.delete(R.configmaps, ns, 'dry', { dryRun: true })
    const still = await kube.get(R.configmaps, ns, 'dry')
    expect(still.metadata.deletionTimestamp).toBeUndefined()
    await kube.create(R.configmaps, held('dry-held'))
    await kube.delete(R.configmaps, ns, 'dry-held', { dryRun: true })
    expect((await kube.get(R.configmaps, ns, 'dry-held')).metadata.deletionTimestamp).toBeUndefined()
    await kube.mergePatch(R.configmaps, ns, 'dry-held', { metadata: { finalizers: null } })
  })

  it('with a DeleteOptions body, a dryRun in the query is ignored: the object is deleted', async () => {
    const { kube, transport } = backend()
    await kube.create(R.configmaps, configMap(ns, 'query-dry'))
    await transport.request('DELETE', `/api/v1/namespaces/${ns}/configmaps/query-dry`, { query: { dryRun: 'All' }, body: { kind: 'DeleteOptions', apiVersion: 'v1' } })
    expect(await kube.find(R.configmaps, ns, 'query-dry')).toBeUndefined()
  })
})
