// Namespaces: a write into a namespace that does not exist is 404 (namespace objects and cluster-scoped kinds
// are not in one); reads there find nothing; a deleted namespace is Terminating, refuses new content, and goes
// once the namespace controller has emptied it.
import { beforeAll, expect, it } from 'vitest'
import { R, type KubeObject } from '../../src/k8s/kube.ts'
import { configMap, contract, eventually, failure, uniqueName } from './backends.ts'

contract('namespaces', (backend) => {
  let missing: string
  beforeAll(() => {
    missing = uniqueName('ct-missing')
  })

  it('create into a namespace that does not exist is 404 naming the namespace, and stores nothing', async () => {
    const { kube } = backend()
    const f = await failure(kube.create(R.configmaps, configMap(missing, 'cm')))
    expect(f).toMatchObject({ httpCode: 404, reason: 'NotFound' })
    expect(f.message).toBe(`namespaces "${missing}" not found`)
    expect((await kube.list(R.configmaps, missing)).items).toEqual([])
  })

  it('server-side apply (create-on-apply) and a dry run there are 404 too', async () => {
    const { kube } = backend()
    expect(await failure(kube.apply(R.configmaps, configMap(missing, 'cm')))).toMatchObject({ httpCode: 404, message: `namespaces "${missing}" not found` })
    expect(await failure(kube.create(R.configmaps, configMap(missing, 'cm'), { dryRun: true }))).toMatchObject({ httpCode: 404, message: `namespaces "${missing}" not found` })
  })

  it('reading there: get is 404 for the object, list is empty (not an error)', async () => {
    const { kube } = backend()
    const f = await failure(kube.get(R.configmaps, missing, 'cm'))
    expect(f).toMatchObject({ httpCode: 404, reason: 'NotFound', message: 'configmaps "cm" not found' })
    expect((await kube.list(R.secrets, missing)).items).toEqual([])
  })

  it('namespaces and cluster-scoped kinds need no namespace', async () => {
    const { kube } = backend()
    const ns = await backend().namespace('ct-ns')
    expect((await kube.get(R.namespaces, undefined, ns)).status).toEqual({ phase: 'Active' })
    const sc = uniqueName('ct-sc')
    await kube.create(R.storageClasses, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: sc }, provisioner: 'contract.dbaas.test/none' })
    try {
      expect((await kube.get(R.storageClasses, undefined, sc)).metadata.namespace).toBeUndefined()
    } finally {
      await kube.deleteIfExists(R.storageClasses, undefined, sc)
    }
  })

  it('a deleted namespace is Terminating: updates still go through, creates are 403, and it goes once empty', async () => {
    const { kube } = backend()
    const ns = await backend().namespace('ct-term')
    // A finalizer nobody removes but this test keeps the namespace Terminating for as long as the test needs.
    await kube.create(R.configmaps, configMap(ns, 'held', { metadata: { name: 'held', namespace: ns, finalizers: ['contract.dbaas.test/hold'] } as KubeObject['metadata'] }))
    await kube.delete(R.namespaces, undefined, ns)
    const terminating = await kube.get(R.namespaces, undefined, ns)
    expect(terminating.metadata.deletionTimestamp).toBeDefined()
    expect(terminating.status?.phase).toBe('Terminating')
    // The namespace controller deletes the content: the held ConfigMap is marked, not gone.
    await eventually(backend(), 'the held ConfigMap to be marked for deletion', async () => ((await kube.get(R.configmaps, ns, 'held')).metadata.deletionTimestamp ? true : undefined))
    const f = await failure(kube.create(R.configmaps, configMap(ns, 'late')))
    expect(f).toMatchObject({ httpCode: 403, reason: 'Forbidden' })
    expect(f.message).toContain(`unable to create new content in namespace ${ns} because it is being terminated`)
    // Releasing the finalizer is an update, which a Terminating namespace allows; then everything goes.
    await kube.mergePatch(R.configmaps, ns, 'held', { metadata: { finalizers: null } })
    await eventually(backend(), `namespace ${ns} to be gone`, async () => ((await kube.find(R.namespaces, undefined, ns)) === undefined ? true : undefined), 90_000)
  })
})
