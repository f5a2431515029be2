// The fakes are code too: the bits other tests lean on.
import { describe, expect, it } from 'vitest'
import { R } from '../../src/k8s/kube.ts'
import { FakeTransport, matchesSelector, mergePatch, parsePath } from '../helpers/fake-kube.ts'

describe('FakeTransport', () => {
  it('parses API paths', () => {
    expect(parsePath('/api/v1/namespaces/ns/secrets/x')).toMatchObject({ group: '', namespace: 'ns', plural: 'secrets', name: 'x' })
    expect(parsePath('/apis/apps/v1/statefulsets')).toMatchObject({ group: 'apps', namespace: undefined, plural: 'statefulsets', name: undefined })
    expect(parsePath('/api/v1/namespaces/dbaas-x')).toMatchObject({ plural: 'namespaces', name: 'dbaas-x' })
    expect(parsePath('/api/v1/namespaces/ns/pods/p/log')).toMatchObject({ plural: 'pods', name: 'p', subresource: 'log' })
  })
  it('evaluates label selectors', () => {
    const l = { a: '1', b: '2' }
    expect(matchesSelector(l, 'a=1,b==2')).toBe(true)
    expect(matchesSelector(l, 'a=1,b=3')).toBe(false)
    expect(matchesSelector(l, 'a!=2,b,!c')).toBe(true)
    expect(matchesSelector(l, 'c')).toBe(false)
    expect(matchesSelector(undefined, '')).toBe(true)
  })
  it('merge-patches recursively', () => {
    expect(mergePatch({ m: { a: 1, b: 2 }, k: [1] }, { m: { b: null, c: 3 }, k: [2] })).toEqual({ m: { a: 1, c: 3 }, k: [2] })
  })
  it('stores stringData as base64 data, answers 404/409 like the API server, and records requests', async () => {
    const t = new FakeTransport().seed(R.namespaces, { metadata: { name: 'ns' } })
    await t.request('POST', '/api/v1/namespaces/ns/secrets', { body: { kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, stringData: { p: 'pw' } } })
    expect(t.get(R.secrets, 'ns', 's')?.data).toEqual({ p: Buffer.from('pw').toString('base64') })
    await expect(t.request('POST', '/api/v1/namespaces/ns/secrets', { body: { metadata: { name: 's' } } })).rejects.toMatchObject({ code: 'already_exists' })
    await expect(t.request('GET', '/api/v1/namespaces/ns/secrets/nope')).rejects.toMatchObject({ exitCode: 3 })
    expect(t.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'GET'])
  })
})
