import { describe, expect, it } from 'vitest'
import { NotFoundError } from '../../../src/errors.ts'
import { R, resourceFor, resourcePath } from '../../../src/k8s/kube.ts'
import { fakeKube, FakeTransport } from '../../helpers/fake-kube.ts'
import { namespace } from '../../helpers/fixtures.ts'

describe('resourcePath / resourceFor', () => {
  it('builds core, grouped, namespaced and cluster-scoped paths', () => {
    expect(resourcePath(R.secrets, 'ns', 'x')).toBe('/api/v1/namespaces/ns/secrets/x')
    expect(resourcePath(R.secrets, undefined)).toBe('/api/v1/secrets')
    expect(resourcePath(R.statefulSets, 'ns')).toBe('/apis/apps/v1/namespaces/ns/statefulsets')
    expect(resourcePath(R.storageClasses, 'ignored', 'std')).toBe('/apis/storage.k8s.io/v1/storageclasses/std')
    expect(resourcePath(R.namespaces, undefined, 'dbaas-x')).toBe('/api/v1/namespaces/dbaas-x')
    expect(resourcePath(R.secrets, 'n s', 'a/b')).toBe('/api/v1/namespaces/n%20s/secrets/a%2Fb')
  })
  it('finds kinds by apiVersion and kind', () => {
    expect(resourceFor('apps/v1', 'StatefulSet')).toBe(R.statefulSets)
    expect(resourceFor('v1', 'Service')).toBe(R.services)
    expect(resourceFor('policy/v1', 'PodDisruptionBudget')).toBeUndefined()
    expect(resourceFor('apps/v1beta1', 'StatefulSet')).toBeUndefined()
  })
})

describe('Kube', () => {
  it('find: undefined on 404, errors otherwise', async () => {
    const t = new FakeTransport()
    const kube = fakeKube(t)
    expect(await kube.find(R.secrets, 'ns', 'missing')).toBeUndefined()
    await expect(kube.get(R.secrets, 'ns', 'missing')).rejects.toBeInstanceOf(NotFoundError)
    t.fail({ path: /secrets\/x$/, failure: { code: 403, reason: 'Forbidden' } })
    await expect(kube.find(R.secrets, 'ns', 'x')).rejects.toMatchObject({ code: 'forbidden' })
  })

  it('list: selectors in the query, metadata-only Accept when asked', async () => {
    const t = new FakeTransport()
    await fakeKube(t).list(R.secrets, 'ns', { labelSelector: 'a=b', metadataOnly: true })
    await fakeKube(t).list(R.pods, undefined, { fieldSelector: 'status.phase=Running' })
    expect(t.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/ns/secrets', query: { labelSelector: 'a=b' } })
    expect(t.requests[0]!.accept).toMatch(/^application\/json;as=PartialObjectMetadataList;g=meta\.k8s\.io;v=v1/)
    expect(t.requests[1]!.accept).toBeUndefined()
    expect(t.requests[1]!.query.fieldSelector).toBe('status.phase=Running')
  })

  it('create and apply use field manager dbaas; dryRun=All only when asked', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('ns'))
    const kube = fakeKube(t)
    await kube.create(R.secrets, { metadata: { name: 'a', namespace: 'ns' } })
    // Server-side apply needs apiVersion and kind in the body, as on a real server.
    await kube.apply(R.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b', namespace: 'ns' } }, { dryRun: true })
    expect(t.get(R.secrets, 'ns', 'a')).toBeDefined()
    expect(t.get(R.secrets, 'ns', 'b')).toBeUndefined()
    expect(t.requests[0]).toMatchObject({ method: 'POST', path: '/api/v1/namespaces/ns/secrets', query: { fieldManager: 'dbaas', dryRun: undefined } })
    expect(t.requests[1]).toMatchObject({ method: 'PATCH', path: '/api/v1/namespaces/ns/secrets/b', contentType: 'application/apply-patch+yaml', query: { fieldManager: 'dbaas', force: true, dryRun: 'All' } })
  })

  it('deleteIfExists: true when deleted, false when already gone', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('ns')).seed(R.secrets, { metadata: { name: 'a', namespace: 'ns' } })
    const kube = fakeKube(t)
    expect(await kube.deleteIfExists(R.secrets, 'ns', 'a')).toBe(true)
    expect(await kube.deleteIfExists(R.secrets, 'ns', 'a')).toBe(false)
    expect((t.requests[0]!.body as { propagationPolicy: string }).propagationPolicy).toBe('Background')
  })

  it('delete --dry-run puts dryRun in the DeleteOptions body (the server ignores the query when there is a body)', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('ns')).seed(R.secrets, { metadata: { name: 'a', namespace: 'ns' } })
    await fakeKube(t).delete(R.secrets, 'ns', 'a', { dryRun: true })
    expect(t.requests[0]!.body).toMatchObject({ kind: 'DeleteOptions', dryRun: ['All'] })
    expect(t.get(R.secrets, 'ns', 'a')).toBeDefined()
  })

  it('denied: one SelfSubjectAccessReview per check, returns the refused ones', async () => {
    const t = new FakeTransport()
    t.deny = (a) => a.resource === 'namespaces'
    const denied = await fakeKube(t).denied([
      { verb: 'create', resource: 'namespaces' },
      { verb: 'create', group: 'apps', resource: 'statefulsets', namespace: 'ns' },
    ])
    expect(denied).toEqual([{ verb: 'create', resource: 'namespaces' }])
    expect(t.requests).toHaveLength(2)
    expect((t.requests[1]!.body as any).spec.resourceAttributes).toEqual({ verb: 'create', group: 'apps', resource: 'statefulsets', namespace: 'ns' })
  })

  it('watch: parses events split across chunks and stops when asked', async () => {
    const t = new FakeTransport()
    const kube = fakeKube(t)
    const events = [
      { type: 'ADDED', object: { metadata: { name: 'a' } } },
      { type: 'MODIFIED', object: { metadata: { name: 'b' } } },
      { type: 'MODIFIED', object: { metadata: { name: 'c' } } },
    ]
    const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n'
    t.stream = async (_path, opts, onChunk) => {
      t.requests.push({ method: 'GET', path: _path, query: { ...(opts.query ?? {}) } })
      for (let i = 0; i < text.length; i += 7) {
        if (opts.signal?.aborted) return
        onChunk(Buffer.from(text.slice(i, i + 7)))
      }
    }
    const seen: string[] = []
    const stopped = await kube.watch(R.pods, 'ns', { resourceVersion: '42' }, (ev) => {
      seen.push(`${ev.type} ${ev.object.metadata.name}`)
      return ev.object.metadata.name === 'b'
    })
    expect(stopped).toBe(true)
    expect(seen).toEqual(['ADDED a', 'MODIFIED b'])
    expect(t.requests[0]!.query).toMatchObject({ watch: 1, resourceVersion: '42', allowWatchBookmarks: true })
  })

  it('watch: an ERROR event surfaces as a watch failure', async () => {
    const t = new FakeTransport()
    t.watchEvents = [{ type: 'ERROR', object: { metadata: { name: '' }, code: 410 } as any }]
    await expect(fakeKube(t).watch(R.pods, 'ns', {}, () => false)).rejects.toMatchObject({ watchStatus: { code: 410 } })
  })
})

describe('Kube.list', () => {
  it('an empty PartialObjectMetadataList with "items": null becomes []', async () => {
    const t = new FakeTransport()
    t.request = async () => ({ metadata: { resourceVersion: '5' }, items: null }) as never
    const l = await fakeKube(t).list(R.secrets, 'ns', { metadataOnly: true })
    expect(l).toEqual({ metadata: { resourceVersion: '5' }, items: [] })
  })
})
