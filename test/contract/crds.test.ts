// CRD-backed kinds exist only while their CustomResourceDefinition does: before, a list or get is 404 (not an
// empty list) and so is discovery of a group nothing serves; after the CRD is deleted, 404 again. Built-in
// kinds are always served.
import { expect, it } from 'vitest'
import { R, type ResourceType } from '../../src/k8s/kube.ts'
import { contract, eventually, failure, TEST_GROUP, uniqueName } from './backends.ts'

contract('CRD-backed kinds', (backend) => {
  const absent = (): ResourceType => ({ group: `${uniqueName('absent')}.${TEST_GROUP}`, version: 'v1', plural: 'gadgets', kind: 'Gadget', namespaced: true })

  it('a kind whose CRD is not installed: list (namespaced and cluster-wide), get and watch are 404', async () => {
    const { kube } = backend()
    const r = absent()
    // Not even a Status: the server's catch-all answers "404 page not found" for a group nothing serves.
    const notServed = (path: string) => ({ httpCode: 404, reason: undefined, message: `not found: ${path}` })
    const base = `/apis/${r.group}/v1`
    expect(await failure(kube.list(r, 'default'))).toEqual(notServed(`${base}/namespaces/default/gadgets`))
    expect(await failure(kube.list(r, undefined))).toEqual(notServed(`${base}/gadgets`))
    expect(await failure(kube.get(r, 'default', 'x'))).toEqual(notServed(`${base}/namespaces/default/gadgets/x`))
    const ctrl = new AbortController()
    const watch = kube.watch(r, 'default', { signal: ctrl.signal, timeoutSeconds: 5 }, () => true)
    expect(await failure(watch)).toMatchObject({ httpCode: 404 })
  })

  it('discovery of a group nothing serves is 404', async () => {
    const { transport } = backend()
    expect(await failure(transport.request('GET', `/apis/${absent().group}/v1`))).toMatchObject({ httpCode: 404 })
  })

  it('an unknown kind in a group that is served is a NotFound Status', async () => {
    const { transport } = backend()
    for (const path of ['/api/v1/gadgets', '/apis/apps/v1/namespaces/default/gadgets/x', '/api/v1/namespaces/default/configmaps/x/status']) {
      expect(await failure(transport.request('GET', path))).toEqual({ httpCode: 404, reason: 'NotFound', message: 'the server could not find the requested resource' })
    }
  })

  it('built-in kinds are always served', async () => {
    const { kube, transport } = backend()
    expect(Array.isArray((await kube.list(R.configmaps, 'default')).items)).toBe(true)
    const core = await transport.request<{ resources: Array<{ name: string }> }>('GET', '/api/v1')
    expect(core.resources.map((x) => x.name)).toEqual(expect.arrayContaining(['namespaces', 'secrets', 'pods', 'persistentvolumeclaims', 'pods/status']))
  })

  it('installing the CRD makes the kind served; deleting it makes it 404 again', async () => {
    const b = backend()
    const r = await b.crd({ plural: 'gizmos', kind: 'Gizmo', namespaced: false })
    const made = await b.kube.create(r, { apiVersion: `${r.group}/v1`, kind: r.kind, metadata: { name: 'one' }, spec: { a: 1 } })
    expect(made.metadata.namespace).toBeUndefined()
    expect((await b.kube.list(r, undefined)).items.map((o) => o.metadata.name)).toEqual(['one'])
    await b.kube.delete(R.crds, undefined, `${r.plural}.${r.group}`)
    await eventually(b, `${r.plural} to stop being served`, async () => {
      const f = await failure(b.kube.list(r, undefined)).catch(() => undefined)
      return f?.httpCode === 404 ? true : undefined
    })
  })
})
