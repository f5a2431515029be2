// /status is its own subresource: status sent on create is dropped, writes to the object ignore status, and
// writes to /status change status only. Checked on a CRD with a status subresource (as CloudNativePG's
// Cluster and the VolumeSnapshot kinds have) and on a built-in kind.
import { beforeAll, expect, it } from 'vitest'
import { R, type KubeObject, type ResourceType } from '../../src/k8s/kube.ts'
import { contract, failure } from './backends.ts'

contract('/status subresource', (backend) => {
  let ns: string
  let widgets: ResourceType
  let plain: ResourceType
  beforeAll(async () => {
    ns = await backend().namespace('ct-status')
    widgets = await backend().crd({ plural: 'widgets', kind: 'Widget', status: true })
    plain = await backend().crd({ plural: 'plains', kind: 'Plain', status: false })
  })

  const widget = (name: string, extra: Partial<KubeObject> = {}): KubeObject => ({
    apiVersion: `${widgets.group}/${widgets.version}`,
    kind: widgets.kind,
    metadata: { name, namespace: ns, labels: { app: 'x' } },
    spec: { size: 1 },
    ...extra,
  })

  it('status sent with a create is dropped; generation starts at 1', async () => {
    const { kube } = backend()
    const created = await kube.create(widgets, widget('create', { status: { phase: 'Ready' } }))
    expect(created.status).toBeUndefined()
    expect(created.metadata.generation).toBe(1)
    expect((await kube.get(widgets, ns, 'create')).status).toBeUndefined()
  })

  it('without a status subresource, status is an ordinary field', async () => {
    const { kube } = backend()
    const created = await kube.create(plain, { apiVersion: `${plain.group}/v1`, kind: plain.kind, metadata: { name: 'p', namespace: ns }, spec: {}, status: { phase: 'Ready' } })
    expect(created.status).toEqual({ phase: 'Ready' })
  })

  it('a write to the object ignores status; spec changes bump generation', async () => {
    const { kube } = backend()
    await kube.create(widgets, widget('main'))
    await kube.mergePatch(widgets, ns, 'main', { status: { phase: 'Ready' } }, { subresource: 'status' })
    const after = await kube.mergePatch<KubeObject>(widgets, ns, 'main', { spec: { size: 2 }, status: { phase: 'Broken' } })
    expect(after.spec).toEqual({ size: 2 })
    expect(after.status).toEqual({ phase: 'Ready' })
    expect(after.metadata.generation).toBe(2)
    const applied = await kube.apply<KubeObject>(widgets, widget('main', { spec: { size: 3 }, status: { phase: 'Applied' } }))
    expect(applied.spec).toEqual({ size: 3 })
    expect(applied.status).toEqual({ phase: 'Ready' })
  })

  it('a write to /status changes status only (not spec, not labels) and leaves generation alone', async () => {
    const { kube } = backend()
    await kube.create(widgets, widget('sub'))
    const after = await kube.mergePatch<KubeObject>(widgets, ns, 'sub', { metadata: { labels: { app: 'y' } }, spec: { size: 9 }, status: { phase: 'Ready', ready: 1 } }, { subresource: 'status' })
    expect(after.status).toEqual({ phase: 'Ready', ready: 1 })
    expect(after.spec).toEqual({ size: 1 })
    expect(after.metadata.labels).toEqual({ app: 'x' })
    expect(after.metadata.generation).toBe(1)
  })

  it('a stale resourceVersion on /status is 409 too', async () => {
    const { kube } = backend()
    const v1 = await kube.create(widgets, widget('stale'))
    await kube.mergePatch(widgets, ns, 'stale', { status: { phase: 'A' } }, { subresource: 'status' })
    const f = await failure(kube.mergePatch(widgets, ns, 'stale', { metadata: { resourceVersion: v1.metadata.resourceVersion }, status: { phase: 'B' } }, { subresource: 'status' }))
    expect(f).toMatchObject({ httpCode: 409, reason: 'Conflict' })
    expect((await kube.get(widgets, ns, 'stale')).status).toEqual({ phase: 'A' })
  })

  it('/status of a kind without the subresource, or of a missing object, is 404', async () => {
    const { kube } = backend()
    expect(await failure(kube.mergePatch(plain, ns, 'p', { status: { phase: 'x' } }, { subresource: 'status' }))).toMatchObject({ httpCode: 404 })
    expect(await failure(kube.mergePatch(widgets, ns, 'nope', { status: { phase: 'x' } }, { subresource: 'status' }))).toMatchObject({ httpCode: 404 })
  })

  it('discovery lists <plural>/status for the kind that has it', async () => {
    const { transport } = backend()
    const list = await transport.request<{ resources: Array<{ name: string }> }>('GET', `/apis/${widgets.group}/v1`)
    const names = list.resources.map((r) => r.name)
    expect(names).toContain(widgets.plural)
    expect(names).toContain(`${widgets.plural}/status`)
    expect(names).toContain(plain.plural)
    expect(names).not.toContain(`${plain.plural}/status`)
  })

  it('built-in kinds: a StatefulSet created with status gets none of it; a Namespace is Active whatever it asks', async () => {
    const { kube } = backend()
    const labels = { app: 'ct-sts' }
    const sts = await kube.create(R.statefulSets, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'sts', namespace: ns },
      spec: { replicas: 0, serviceName: 'sts', selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'registry.invalid/x:1' }] } } },
      status: { replicas: 5, readyReplicas: 5 },
    })
    expect(sts.status?.readyReplicas ?? 0).toBe(0)
    expect(sts.status?.replicas ?? 0).toBe(0)
    const nsName = `${ns}-b`
    const created = await kube.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsName }, status: { phase: 'Terminating' } })
    try {
      expect(created.status).toEqual({ phase: 'Active' })
      expect(created.spec).toEqual({ finalizers: ['kubernetes'] })
    } finally {
      await kube.deleteIfExists(R.namespaces, undefined, nsName)
    }
  })
})
