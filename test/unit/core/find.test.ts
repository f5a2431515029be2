import { describe, expect, it } from 'vitest'
import { findInstance } from '../../../src/core/find.ts'
import { NotFoundError, UsageError } from '../../../src/errors.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeKube, FakeTransport } from '../../helpers/fake-kube.ts'
import { credentials, namespace, statefulSet } from '../../helpers/fixtures.ts'

const FORBIDDEN = { code: 403, reason: 'Forbidden', message: 'forbidden' }

describe('findInstance', () => {
  it('not found → NotFoundError (exit 3)', async () => {
    const kube = fakeKube()
    const err = await findInstance(kube, { name: 'nope' }).catch((e) => e)
    expect(err).toBeInstanceOf(NotFoundError)
    expect(err.exitCode).toBe(3)
    expect(err.hint).toContain('dbaas list')
  })

  it('finds it across namespaces with one label query, then reads its StatefulSet', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('team'))
    t.seed(R.statefulSets, statefulSet({ name: 'x', namespace: 'team' }))
    t.seed(R.secrets, credentials({ name: 'x', namespace: 'team' }), credentials({ name: 'y', namespace: 'team' }))
    const parts = await findInstance(fakeKube(t), { name: 'x' })
    expect(parts.namespace).toBe('team')
    expect(parts.statefulSet?.metadata.name).toBe('x')
    expect(parts.credentials?.metadata.name).toBe('x-credentials')
    expect(t.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/secrets', 'GET /apis/apps/v1/namespaces/team/statefulsets/x'])
  })

  it('the same name in several namespaces → UsageError (exit 2) listing them', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('a'), namespace('b'))
    t.seed(R.secrets, credentials({ name: 'x', namespace: 'b' }), credentials({ name: 'x', namespace: 'a' }))
    const err = await findInstance(fakeKube(t), { name: 'x' }).catch((e) => e)
    expect(err).toBeInstanceOf(UsageError)
    expect(err.exitCode).toBe(2)
    expect(err.message).toContain('a, b')
    expect(err.hint).toContain('-n a')
  })

  it('with -n looks only there', async () => {
    const t = new FakeTransport().seed(R.namespaces, namespace('a'), namespace('b'))
    t.seed(R.secrets, credentials({ name: 'x', namespace: 'a' }), credentials({ name: 'x', namespace: 'b' }))
    expect((await findInstance(fakeKube(t), { name: 'x', namespace: 'b' })).namespace).toBe('b')
    expect(t.requests.every((r) => r.path.includes('/namespaces/b/'))).toBe(true)
    const err = await findInstance(fakeKube(t), { name: 'x', namespace: 'c' }).catch((e) => e)
    expect(err).toBeInstanceOf(NotFoundError)
    expect(err.message).toContain('namespace c')
  })

  it('RBAC fallback: context namespace first, then dbaas-<name>', async () => {
    const t = new FakeTransport()
    t.fail({ path: '/api/v1/secrets', failure: FORBIDDEN })
    t.seed(R.namespaces, namespace('mine'), namespace('dbaas-x'))
    t.seed(R.secrets, credentials({ name: 'x', namespace: 'dbaas-x' }))
    const parts = await findInstance(fakeKube(t, 'mine'), { name: 'x' })
    expect(parts.namespace).toBe('dbaas-x')
    const namespaces = t.requests.slice(1).map((r) => /\/namespaces\/([^/]+)\//.exec(r.path)?.[1])
    const firstOther = namespaces.findIndex((n) => n === 'dbaas-x')
    expect(namespaces.slice(0, firstOther).every((n) => n === 'mine')).toBe(true)
    expect(namespaces.slice(0, firstOther)).not.toEqual([])
  })

  it('RBAC fallback prefers the context namespace when it has the instance', async () => {
    const t = new FakeTransport()
    t.fail({ path: '/api/v1/secrets', failure: FORBIDDEN })
    t.seed(R.namespaces, namespace('mine'), namespace('dbaas-x'))
    t.seed(R.secrets, credentials({ name: 'x', namespace: 'mine' }), credentials({ name: 'x', namespace: 'dbaas-x' }))
    expect((await findInstance(fakeKube(t, 'mine'), { name: 'x' })).namespace).toBe('mine')
  })

  it('RBAC fallback skips a forbidden namespace and reports not found with a -n hint', async () => {
    const t = new FakeTransport()
    t.fail({ path: '/api/v1/secrets', failure: FORBIDDEN })
    t.fail({ path: /\/namespaces\/mine\//, failure: FORBIDDEN })
    const err = await findInstance(fakeKube(t, 'mine'), { name: 'x' }).catch((e) => e)
    expect(err).toBeInstanceOf(NotFoundError)
    expect(err.message).toContain('mine or dbaas-x')
    expect(err.hint).toContain('-n')
  })

  it('RBAC fallback looks in exactly the context namespace, then dbaas-<name>, and nowhere else', async () => {
    const t = new FakeTransport()
    t.fail({ path: '/api/v1/secrets', failure: FORBIDDEN })
    await findInstance(fakeKube(t, 'mine'), { name: 'x' }).catch(() => undefined)
    const order = t.requests.slice(1).map((r) => /\/namespaces\/([^/]+)\//.exec(r.path)?.[1])
    expect([...new Set(order)]).toEqual(['mine', 'dbaas-x'])
  })

  it('RBAC fallback does not look twice when the context namespace is dbaas-<name>', async () => {
    const t = new FakeTransport()
    t.fail({ path: '/api/v1/secrets', failure: FORBIDDEN })
    await findInstance(fakeKube(t, 'dbaas-x'), { name: 'x' }).catch(() => undefined)
    // one StatefulSet GET and one Secret list, then one look for an HA cluster of that name there, of each HA kind
    expect(t.requests.slice(1).map((r) => r.path.replace(/.*\/namespaces\/dbaas-x\//, ''))).toEqual(['statefulsets/x', 'secrets', 'clusters/x', 'perconaxtradbclusters/x', 'mariadbs/x'])
  })
})
