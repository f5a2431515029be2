// What the server validates that a lenient fake would let through: object names per kind, label keys and
// values, and field selectors (only fields the server indexes for that kind).
import { beforeAll, expect, it } from 'vitest'
import { R } from '../../src/k8s/kube.ts'
import { configMap, contract, failure } from './backends.ts'

contract('validation', (backend) => {
  let ns: string
  beforeAll(async () => {
    ns = await backend().namespace('ct-valid')
  })

  it.each([
    ['a ConfigMap', 'Bad_Name'],
    ['a ConfigMap', 'x'.repeat(254)],
  ])('%s named %s is 422 Invalid on metadata.name', async (_what, name) => {
    const f = await failure(backend().kube.create(R.configmaps, configMap(ns, name)))
    expect(f).toMatchObject({ httpCode: 422, reason: 'Invalid' })
    expect(f.message).toContain('metadata.name')
  })

  it('a Namespace must be a DNS label (no dots), a Service an RFC 1035 label (a letter first)', async () => {
    const { kube } = backend()
    expect(await failure(kube.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }))).toMatchObject({ httpCode: 422, reason: 'Invalid' })
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: '1abc', namespace: ns }, spec: { ports: [{ port: 80 }] } }
    expect(await failure(kube.create(R.services, svc))).toMatchObject({ httpCode: 422, reason: 'Invalid' })
    // A dotted name is fine for a ConfigMap.
    await kube.create(R.configmaps, configMap(ns, 'a.b'))
  })

  it('label keys and values are checked on create and on update', async () => {
    const { kube } = backend()
    const bad = await failure(kube.create(R.configmaps, configMap(ns, 'lbl', { metadata: { name: 'lbl', namespace: ns, labels: { ok: 'has space' } } })))
    expect(bad).toMatchObject({ httpCode: 422, reason: 'Invalid' })
    expect(bad.message).toContain('metadata.labels')
    await kube.create(R.configmaps, configMap(ns, 'lbl', { metadata: { name: 'lbl', namespace: ns, labels: { 'dbaas.io/kind': 'instance', empty: '' } } }))
    const upd = await failure(kube.mergePatch(R.configmaps, ns, 'lbl', { metadata: { labels: { 'bad key!': 'x' } } }))
    expect(upd).toMatchObject({ httpCode: 422, reason: 'Invalid' })
    expect(await failure(kube.mergePatch(R.configmaps, ns, 'lbl', { metadata: { labels: { k: 'v'.repeat(64) } } }))).toMatchObject({ httpCode: 422 })
  })

  it('field selectors: metadata.name works everywhere, unindexed fields are 400', async () => {
    const { kube } = backend()
    await kube.create(R.configmaps, configMap(ns, 'sel'))
    expect((await kube.list(R.configmaps, ns, { fieldSelector: 'metadata.name=sel' })).items.map((o) => o.metadata.name)).toEqual(['sel'])
    expect((await kube.list(R.configmaps, ns, { fieldSelector: 'metadata.name!=sel' })).items.map((o) => o.metadata.name)).not.toContain('sel')
    expect(await failure(kube.list(R.configmaps, ns, { fieldSelector: 'data.x=1' }))).toMatchObject({ httpCode: 400 })
    // Kind-specific indexed fields, as dbaas uses them.
    expect((await kube.list(R.events, ns, { fieldSelector: 'type=Warning' })).items).toEqual([])
    expect((await kube.list(R.pods, ns, { fieldSelector: 'status.phase=Running' })).items).toEqual([])
    expect(await failure(kube.list(R.secrets, ns, { fieldSelector: 'status.phase=Running' }))).toMatchObject({ httpCode: 400 })
  })
})
