import { describe, expect, it } from 'vitest'
import { listInstances } from '../../../src/core/list.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeDeps } from '../../helpers/fake-deps.ts'
import { credentials, namespace, release, statefulSet } from '../../helpers/fixtures.ts'

const FORBIDDEN = { code: 403, reason: 'Forbidden', message: 'forbidden' }
/** A cluster-wide list (no /namespaces/<ns>/ in the path). */
const clusterWide = /^\/apis?\/(?:[^/]+\/)?v1\/(statefulsets|secrets)$/

describe('listInstances', () => {
  it('makes exactly 2 requests whatever the number of instances (StatefulSets, Secrets), and one per HA engine in use', async () => {
    for (const n of [0, 1, 50]) {
      const d = fakeDeps()
      for (let i = 0; i < n; i++) {
        const name = `db-${String(i).padStart(2, '0')}`
        d.transport.seed(R.namespaces, namespace(`dbaas-${name}`, { instance: { name } }))
        d.transport.seed(R.statefulSets, statefulSet({ name, ready: 1 }))
        d.transport.seed(R.secrets, credentials({ name }), release({ name }))
      }
      const r = await listInstances({ cluster: {} }, d)
      expect(r.items).toHaveLength(n)
      expect(d.transport.requests).toHaveLength(2)
      expect(d.transport.requests.map((q) => q.path).sort()).toEqual(['/api/v1/secrets', '/apis/apps/v1/statefulsets'])
    }
    // HA clusters of two engines (their credentials Secrets say which): one request for each of those kinds.
    const d = fakeDeps()
    const haSecret = (name: string, engine: string) => ({ metadata: { name: `${name}-ha-credentials`, namespace: `dbaas-${name}`, labels: { 'app.kubernetes.io/managed-by': 'dbaas', 'app.kubernetes.io/instance': name, 'dbaas.io/engine': engine, 'dbaas.io/kind': 'ha-credentials' } } })
    d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-pay' } }, { metadata: { name: 'dbaas-wiki' } })
    d.transport.seed(R.secrets, haSecret('pay', 'postgresql'), haSecret('wiki', 'mariadb'))
    await listInstances({ cluster: {} }, d)
    expect(d.transport.requests.map((q) => q.path).sort()).toEqual(['/api/v1/secrets', '/apis/apps/v1/statefulsets', '/apis/k8s.mariadb.com/v1alpha1/mariadbs', '/apis/postgresql.cnpg.io/v1/clusters'])
  })

  it('asks only for metadata of Secrets and selects by dbaas labels', async () => {
    const d = fakeDeps()
    d.transport.seed(R.namespaces, namespace('dbaas-x'))
    d.transport.seed(R.secrets, credentials({ name: 'x', password: 'never-listed-pw' }))
    d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-pg' } })
    d.transport.seed(R.secrets, { metadata: { name: 'pg-ha-credentials', namespace: 'dbaas-pg', labels: { 'app.kubernetes.io/managed-by': 'dbaas', 'app.kubernetes.io/instance': 'pg', 'dbaas.io/engine': 'postgresql', 'dbaas.io/kind': 'ha-credentials' } } })
    const r = await listInstances({ cluster: {} }, d)
    const [cnpg, sts, sec] = [...d.transport.requests].sort((a, b) => a.path.localeCompare(b.path)).reverse()
    expect(cnpg!.query.labelSelector).toMatch(/(^|,)dbaas\.io\/kind=ha-cluster$/)
    expect(sts!.query.labelSelector).toBe('dbaas.io/kind=instance')
    // Credentials only (of instances and HA clusters): never helm's release records.
    expect(sec!.query.labelSelector).toBe('dbaas.io/kind in (credentials,ha-credentials)')
    expect(sec!.accept).toContain('as=PartialObjectMetadataList')
    expect(r.items.map((i) => [i.name, i.status])).toEqual([['x', 'Incomplete']])
  })

  it('ANDs -l with its own selector', async () => {
    const d = fakeDeps()
    d.transport.seed(R.namespaces, namespace('dbaas-p'), namespace('dbaas-m'))
    d.transport.seed(R.statefulSets, statefulSet({ name: 'p', ready: 1 }), statefulSet({ name: 'm', engine: 'mysql', version: '8.4', ready: 1 }))
    const r = await listInstances({ cluster: {}, selector: 'dbaas.io/engine=mysql' }, d)
    expect(r.items.map((i) => i.name)).toEqual(['m'])
    for (const q of d.transport.requests) expect(String(q.query.labelSelector)).toMatch(/,dbaas\.io\/engine=mysql$/)
  })

  it('-n lists only that namespace', async () => {
    const d = fakeDeps()
    d.transport.seed(R.namespaces, namespace('team'), namespace('dbaas-b'))
    d.transport.seed(R.statefulSets, statefulSet({ name: 'a', namespace: 'team' }), statefulSet({ name: 'b' }))
    const r = await listInstances({ cluster: { namespace: 'team' }, namespace: 'team' }, d)
    expect(r.items.map((i) => `${i.namespace}/${i.name}`)).toEqual(['team/a'])
    expect(d.transport.requests.map((q) => q.path).sort()).toEqual(['/api/v1/namespaces/team/secrets', '/apis/apps/v1/namespaces/team/statefulsets'])
    expect(r.fellBackTo).toBeUndefined()
  })

  it('403 cluster-wide → falls back to the context namespace and says so', async () => {
    const d = fakeDeps({ contextNamespace: 'mine' })
    d.transport.fail({ method: 'GET', path: clusterWide, failure: FORBIDDEN })
    d.transport.seed(R.namespaces, namespace('mine'), namespace('other'))
    d.transport.seed(R.statefulSets, statefulSet({ name: 'a', namespace: 'mine' }), statefulSet({ name: 'b', namespace: 'other' }))
    const r = await listInstances({ cluster: {} }, d)
    expect(r.fellBackTo).toBe('mine')
    expect(r.items.map((i) => i.name)).toEqual(['a'])
  })

  it('403 with -n is not swallowed', async () => {
    const d = fakeDeps()
    d.transport.fail({ method: 'GET', path: /\/namespaces\/team\//, failure: FORBIDDEN })
    await expect(listInstances({ cluster: {}, namespace: 'team' }, d)).rejects.toMatchObject({ code: 'forbidden', exitCode: 5 })
  })

  it('other errors are not swallowed either', async () => {
    const d = fakeDeps()
    d.transport.fail({ path: clusterWide, failure: { code: 401, reason: 'Unauthorized' } })
    await expect(listInstances({ cluster: {} }, d)).rejects.toMatchObject({ code: 'unauthorized' })
  })
})

