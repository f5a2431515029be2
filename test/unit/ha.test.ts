// The CloudNativePG engine entry (pure): the Cluster and Secret ha create sends, --param parsing, target
// picking, refusals, the exact switchover patch, and the status view; plus detectCnpg and the conflict retry
// over the fake API. The other engines: ha-engines.test.ts.
import { describe, expect, it } from 'vitest'
import { detectCnpg, leaseFresh } from '../../src/core/detect/cnpg.ts'
import { checkSwitchover, patchStatusWithRetry, switchoverPatch } from '../../src/core/ha/failover.ts'
import type { HaSpec } from '../../src/core/ha/engine.ts'
import {
  buildHaCluster,
  buildHaSecret,
  cnpg,
  CNPG,
  haView,
  imageFor,
  inProgress,
  parseParams,
  pickTarget,
  resolveInstance,
  switchoverCandidates,
  validateMajor,
} from '../../src/core/ha/engines/cnpg.ts'
import { parseInstances as validateInstances } from '../../src/core/ha/model.ts'
import { statusOf } from '../../src/core/ha/read.ts'
import { groupInstances } from '../../src/core/instances.ts'
import type { KubeObject } from '../../src/k8s/kube.ts'
import { CNPG_CRDS, FakeTransport, fakeKube, R } from '../helpers/fake-kube.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'
import { waitWithPods } from '../../src/core/ha/wait.ts'

const spec: HaSpec = {
  engine: 'cnpg',
  topology: 'streaming',
  name: 'orders',
  namespace: 'dbaas-orders',
  instances: 3,
  database: 'shop',
  user: 'owner',
  storage: '5Gi',
  params: { max_connections: '200' },
  snapshotClass: 'csi-snap',
}

describe('buildHaCluster', () => {
  it('builds a postgresql.cnpg.io/v1 Cluster bootstrapped by initdb from the basic-auth secret', () => {
    const c = buildHaCluster({ ...spec, version: '17', cpu: '500m', memory: '1Gi', storageClass: 'fast' })
    expect(c).toEqual({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: {
        name: 'orders',
        namespace: 'dbaas-orders',
        labels: {
          'app.kubernetes.io/managed-by': 'dbaas',
          'app.kubernetes.io/instance': 'orders',
          'app.kubernetes.io/name': 'postgresql',
          'dbaas.io/engine': 'postgresql',
          'dbaas.io/engine-version': '17',
          'dbaas.io/kind': 'ha-cluster',
        },
        annotations: {
          'dbaas.io/storage': '5Gi',
          'dbaas.io/storage-class': 'fast',
          'dbaas.io/database': 'shop',
          'dbaas.io/user': 'owner',
          'dbaas.io/cpu': '500m',
          'dbaas.io/memory': '1Gi',
        },
      },
      spec: {
        instances: 3,
        imageName: 'ghcr.io/cloudnative-pg/postgresql:17',
        storage: { size: '5Gi', storageClass: 'fast' },
        bootstrap: { initdb: { database: 'shop', owner: 'owner', secret: { name: 'orders-ha-credentials' } } },
        postgresql: { parameters: { max_connections: '200' } },
        resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
        backup: { volumeSnapshot: { className: 'csi-snap' } },
      },
    })
  })

  it("always names the image (18 when not asked) and leaves resources, parameters and backup to the operator's defaults", () => {
    const c = buildHaCluster({ ...spec, params: {}, snapshotClass: undefined })
    expect(c.spec).toEqual({
      instances: 3,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:18',
      storage: { size: '5Gi' },
      bootstrap: { initdb: { database: 'shop', owner: 'owner', secret: { name: 'orders-ha-credentials' } } },
    })
    expect(c.metadata.labels?.['dbaas.io/engine-version']).toBe('default')
  })

  it('puts the placement where the Cluster has fields for it, the image under --image-registry, and keeps it as dbaas.io/placement', () => {
    const placement = {
      nodeSelector: { pool: 'db' },
      tolerations: [{ key: 'dedicated', operator: 'Equal' as const, value: 'db', effect: 'NoSchedule' as const }],
      priorityClassName: 'databases',
      imagePullSecrets: ['pull'],
      imageRegistry: 'mirror.example:5000',
    }
    const c = buildHaCluster({ ...spec, version: '17', placement })
    expect(c.spec).toMatchObject({
      imageName: 'mirror.example:5000/cloudnative-pg/postgresql:17',
      imagePullSecrets: [{ name: 'pull' }],
      priorityClassName: 'databases',
      affinity: { nodeSelector: { pool: 'db' }, tolerations: placement.tolerations },
    })
    expect(JSON.parse(c.metadata.annotations?.['dbaas.io/placement'] ?? '{}')).toEqual(placement)
    const bare = buildHaCluster({ ...spec, placement: { nodeSelector: {}, tolerations: [] } })
    for (const k of ['affinity', 'imagePullSecrets', 'priorityClassName']) expect(bare.spec, k).not.toHaveProperty(k)
    expect(bare.metadata.annotations).not.toHaveProperty('dbaas.io/placement')
  })

  it('bootstraps a restore from volume snapshots and records where it came from', () => {
    const c = buildHaCluster({ ...spec, recovery: { dataSnapshot: 'b1', walSnapshot: 'b1-wal', source: 'ns/b1' } })
    expect(c.spec?.bootstrap).toEqual({
      recovery: {
        database: 'shop',
        owner: 'owner',
        secret: { name: 'orders-ha-credentials' },
        volumeSnapshots: {
          storage: { name: 'b1', kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' },
          walStorage: { name: 'b1-wal', kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' },
        },
      },
    })
    expect(c.metadata.annotations?.['dbaas.io/restored-from']).toBe('ns/b1')
  })

  it('makes a kubernetes.io/basic-auth Secret whose username is the owner, with a kind single instances ignore', () => {
    const s = buildHaSecret(spec, 'pw-123456')
    expect(s.type).toBe('kubernetes.io/basic-auth')
    expect(s.stringData).toEqual({ username: 'owner', password: 'pw-123456' })
    expect(s.metadata.labels?.['dbaas.io/kind']).toBe('ha-credentials')
    // find/list of single instances never mistake it for one
    expect(groupInstances([], [{ ...s, stringData: undefined }])).toEqual([])
  })

  it('names images the way CNPG does and accepts only the majors it runs', () => {
    expect(imageFor('16')).toBe('ghcr.io/cloudnative-pg/postgresql:16')
    expect(validateMajor('18')).toBe('18')
    expect(() => validateMajor('12')).toThrow(/not a PostgreSQL major/)
    expect(() => validateMajor('17.2')).toThrow(/not a PostgreSQL major/)
  })

  it('takes --instances of at least 1', () => {
    expect(validateInstances('1')).toBe(1)
    expect(() => validateInstances('0')).toThrow(/at least 1/)
    expect(() => validateInstances('three')).toThrow(/not valid/)
    expect(() => validateInstances('-2')).toThrow(/not valid/)
  })
})

describe('parseParams', () => {
  it('turns key=value pairs into string parameters', () => {
    expect(parseParams(['max_connections=200', 'shared_buffers=256MB', 'effective_cache_size=1GB', 'pg_stat_statements.max=10000'])).toEqual({
      max_connections: '200',
      shared_buffers: '256MB',
      effective_cache_size: '1GB',
      'pg_stat_statements.max': '10000',
    })
    expect(parseParams(['search_path=a=b'])).toEqual({ search_path: 'a=b' })
  })

  it.each([
    ['max_connections', /key=value/],
    ['=1', /key=value/],
    ['max_connections=', /key=value/],
    ['Max-Conn=1', /not a PostgreSQL parameter name/],
    ['port=5433', /managed by CloudNativePG/],
    ['wal_level=minimal', /managed by CloudNativePG/],
  ])('refuses %s', (p, msg) => {
    expect(() => parseParams([p])).toThrow(msg)
  })

  it('refuses one parameter given twice with different values', () => {
    expect(() => parseParams(['work_mem=4MB', 'work_mem=8MB'])).toThrow(/twice/)
    expect(parseParams(['work_mem=4MB', 'work_mem=4MB'])).toEqual({ work_mem: '4MB' })
  })
})

const ready = { conditions: [{ type: 'Ready', status: 'True' }], phase: 'Running' }
function pod(name: string, isReady = true): KubeObject {
  return { metadata: { name, namespace: 'ns', labels: { 'cnpg.io/cluster': 'pg' } }, status: isReady ? ready : { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } }
}
function cluster(status: Record<string, unknown>, annotations: Record<string, string> = {}): KubeObject {
  return {
    metadata: { name: 'pg', namespace: 'ns', resourceVersion: '7', annotations, labels: { 'app.kubernetes.io/instance': 'pg' } },
    spec: { instances: 3 },
    status: {
      phase: 'Cluster in healthy state',
      currentPrimary: 'pg-1',
      targetPrimary: 'pg-1',
      readyInstances: 3,
      instanceNames: ['pg-1', 'pg-2', 'pg-3'],
      instancesStatus: { healthy: ['pg-1', 'pg-2', 'pg-3'] },
      ...status,
    },
  }
}
const pods = [pod('pg-1'), pod('pg-2'), pod('pg-3')]

describe('target picking', () => {
  it('offers the ready, unfenced standbys in ordinal order and picks the lowest', () => {
    const c = cluster({ instanceNames: ['pg-1', 'pg-10', 'pg-2', 'pg-3'] })
    const cands = switchoverCandidates(c, [...pods, pod('pg-10')])
    expect(cands.map((m) => m.name)).toEqual(['pg-2', 'pg-3', 'pg-10'])
    expect(pickTarget(cands)?.name).toBe('pg-2')
  })

  it('skips standbys that are not ready, failed or fenced', () => {
    const c = cluster({ instancesStatus: { healthy: ['pg-1', 'pg-3', 'pg-4'], failed: ['pg-2'] }, instanceNames: ['pg-1', 'pg-2', 'pg-3', 'pg-4'] }, { 'cnpg.io/fencedInstances': '["pg-3"]' })
    const cands = switchoverCandidates(c, [pod('pg-1'), pod('pg-2'), pod('pg-3'), pod('pg-4', false)])
    expect(cands).toEqual([])
    expect(pickTarget(cands)).toBeUndefined()
  })

  it('expands an ordinal to the instance name', () => {
    expect(resolveInstance('pg', '2')).toBe('pg-2')
    expect(resolveInstance('pg', 'pg-3')).toBe('pg-3')
  })
})

describe('switchover refusals and the patch', () => {
  it('accepts a ready standby, and says so when the target already is primary', () => {
    expect(checkSwitchover(cluster({}), pods, 'pg-2')).toBe('ok')
    expect(checkSwitchover(cluster({}), pods, 'pg-1')).toBe('already')
  })

  it('refuses a missing target with exit 3', () => {
    expect(() => checkSwitchover(cluster({}), pods, 'pg-9')).toThrow(expect.objectContaining({ exitCode: 3 }))
  })

  it.each([
    ['a switchover in progress', { phase: 'Switchover in progress', targetPrimary: 'pg-3' }, {}, pods],
    ['a failover in progress', { phase: 'Failing over', targetPrimary: 'pending' }, {}, pods],
    ['a target that differs from the primary', { targetPrimary: 'pg-3' }, {}, pods],
    ['a fenced target', {}, { 'cnpg.io/fencedInstances': '["pg-2"]' }, pods],
    ['every instance fenced', {}, { 'cnpg.io/fencedInstances': '["*"]' }, pods],
    ['a target that is not ready', {}, {}, [pod('pg-1'), pod('pg-2', false), pod('pg-3')]],
  ])('refuses %s with exit 7', (_what, status, ann, p) => {
    expect(() => checkSwitchover(cluster(status, ann), p, 'pg-2')).toThrow(expect.objectContaining({ exitCode: 7 }))
  })

  it('is exactly the status fields CNPG sets, with the resourceVersion for optimistic locking', () => {
    expect(switchoverPatch('42', 'pg-2', '2026-11-25T21:00:00.000Z')).toEqual({
      metadata: { resourceVersion: '42' },
      status: {
        targetPrimary: 'pg-2',
        targetPrimaryTimestamp: '2026-11-25T21:00:00.000Z',
        phase: 'Switchover in progress',
        phaseReason: 'Switching over to pg-2',
      },
    })
  })

  it('knows when a switchover or failover is running', () => {
    expect(inProgress(cluster({}))).toBeUndefined()
    expect(inProgress(cluster({ targetPrimary: 'pending' }))).toMatch(/pending/)
    expect(inProgress(cluster({ phase: 'Switchover in progress' }))).toMatch(/Switchover/)
  })
})

/** A cluster with CloudNativePG's CRDs and namespace ns, holding this Cluster (resourceVersion 7). */
function withCluster(c: KubeObject = cluster({})): FakeTransport {
  return new FakeTransport().installCrd(...CNPG_CRDS).seed(R.namespaces, { metadata: { name: 'ns' } }).seed(CNPG.clusters, c)
}

describe('patchStatusWithRetry', () => {
  it('a stale resourceVersion gets a real 409: re-reads the Cluster and patches the fresh object', async () => {
    const t = withCluster()
    const kube = fakeKube(t)
    const seen: string[] = []
    const stale = { ...cluster({}), metadata: { ...cluster({}).metadata, resourceVersion: '6' } }
    const r = await patchStatusWithRetry(kube, 'ns', 'pg', stale, (c) => {
      seen.push(c.metadata.resourceVersion ?? '')
      return switchoverPatch(c.metadata.resourceVersion ?? '', 'pg-2', 'now')
    })
    expect(r.attempts).toBe(2)
    expect(seen).toEqual(['6', '7'])
    expect(t.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      'PATCH /apis/postgresql.cnpg.io/v1/namespaces/ns/clusters/pg/status',
      'GET /apis/postgresql.cnpg.io/v1/namespaces/ns/clusters/pg',
      'PATCH /apis/postgresql.cnpg.io/v1/namespaces/ns/clusters/pg/status',
    ])
    expect(t.writes.map((w) => w.contentType)).toEqual(['application/merge-patch+json', 'application/merge-patch+json'])
    const after = t.get(CNPG.clusters, 'ns', 'pg')!
    expect(after.status).toMatchObject({ targetPrimary: 'pg-2', phase: 'Switchover in progress', currentPrimary: 'pg-1' })
    // Through the status subresource: the spec is untouched.
    expect(after.spec).toEqual({ instances: 3 })
  })

  it('gives up after repeated conflicts without pretending it worked', async () => {
    const t = withCluster()
    t.fail({ method: 'PATCH', path: /\/status$/, failure: { code: 409, reason: 'Conflict' } })
    await expect(patchStatusWithRetry(fakeKube(t), 'ns', 'pg', cluster({}), () => ({ status: {} }), 3)).rejects.toMatchObject({ exitCode: 1, message: expect.stringMatching(/3 conflicts/) })
    expect(t.get(CNPG.clusters, 'ns', 'pg')?.status).toMatchObject({ targetPrimary: 'pg-1', phase: 'Cluster in healthy state' })
  })
})

describe('status view', () => {
  it('shows phase, primary and target, each instance with role and readiness, and the endpoints', () => {
    const v = statusOf(cnpg, cluster({ currentPrimary: 'pg-2', targetPrimary: 'pg-2', image: 'ghcr.io/cloudnative-pg/postgresql:17.6' }, { 'cnpg.io/fencedInstances': '["pg-3"]' }), pods, null)
    expect(v).toMatchObject({
      kind: 'ha-cluster',
      name: 'pg',
      version: '17',
      status: 'Ready',
      ready: '3/3',
      currentPrimary: 'pg-2',
      services: { rw: 'pg-rw.ns.svc.cluster.local', ro: 'pg-ro.ns.svc.cluster.local', r: 'pg-r.ns.svc.cluster.local', port: 5432 },
    })
    expect(v.members).toEqual([
      { name: 'pg-1', role: 'standby', ready: true, state: 'healthy', fenced: false },
      { name: 'pg-2', role: 'primary', ready: true, state: 'healthy', fenced: false },
      { name: 'pg-3', role: 'standby', ready: true, state: 'healthy', fenced: true },
    ])
  })

  it('says Switching, FailingOver, Degraded or Creating in one word', () => {
    expect(haView(cluster({ phase: 'Switchover in progress' })).status).toBe('Switching')
    expect(haView(cluster({ phase: 'Failing over', targetPrimary: 'pending' })).status).toBe('FailingOver')
    expect(haView(cluster({ readyInstances: 2, phase: 'Waiting for the instances to become active' })).status).toBe('Degraded')
    expect(haView({ metadata: { name: 'x', namespace: 'n' }, spec: { instances: 3 } }).status).toBe('Creating')
  })
})

describe('detectCnpg', () => {
  const crd = { metadata: { name: 'clusters.postgresql.cnpg.io', labels: { 'app.kubernetes.io/version': '1.30.0' } } }
  const now = Date.parse('2026-11-25T12:00:00Z')

  it('finds the operator by its Deployment label in any namespace', async () => {
    const t = new FakeTransport().seed(R.crds, crd).seed(R.namespaces, { metadata: { name: 'ops' } })
    t.seed(R.deployments, { metadata: { name: 'my-cnpg', namespace: 'ops', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } }, status: { readyReplicas: 1 } })
    const d = await detectCnpg(fakeKube(t), now)
    expect(d).toMatchObject({ crds: true, version: '1.30.0', operator: { running: true, via: 'deployment', namespace: 'ops' } })
  })

  it('finds it by a fresh leader Lease, and not by a stale one', async () => {
    const lease = (renew: string) => ({ metadata: { name: 'db9c8771.cnpg.io', namespace: 'cnpg-system' }, spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: renew } })
    const system = { metadata: { name: 'cnpg-system' } }
    const fresh = new FakeTransport().seed(R.crds, crd).seed(R.namespaces, system).seed(R.leases, lease('2026-11-25T11:59:58.000000Z'))
    expect((await detectCnpg(fakeKube(fresh), now)).operator).toMatchObject({ running: true, via: 'lease', namespace: 'cnpg-system' })
    const stale = new FakeTransport().seed(R.crds, crd).seed(R.namespaces, system).seed(R.leases, lease('2026-11-25T11:50:00.000000Z'))
    expect((await detectCnpg(fakeKube(stale), now)).operator).toMatchObject({ running: false, detail: expect.stringMatching(/stale/) })
    expect(leaseFresh(lease('2026-11-25T11:59:58Z'), now)).toBe(true)
  })

  it('says not running when the Deployment has no ready replica', async () => {
    const t = new FakeTransport().seed(R.crds, crd).seed(R.namespaces, { metadata: { name: 'cnpg-system' } })
    t.seed(R.deployments, { metadata: { name: 'cnpg-controller-manager', namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } }, status: { readyReplicas: 0 } })
    expect((await detectCnpg(fakeKube(t), now)).operator).toMatchObject({ running: false, detail: expect.stringMatching(/no ready replica/) })
  })

  it('tolerates 403 and 404 everywhere', async () => {
    const t = new FakeTransport()
    t.fail({ path: /.*/, failure: { code: 403, reason: 'Forbidden' } })
    expect(await detectCnpg(fakeKube(t), now)).toMatchObject({ crds: false, operator: { running: false, detail: expect.stringMatching(/may not list deployments/) } })
    // No CRD installed: discovery and the CRD read answer 404 from the server itself.
    const absent = new FakeTransport()
    expect(await detectCnpg(fakeKube(absent), now)).toMatchObject({ crds: false, operator: { running: false } })
    expect(absent.requests.find((r) => r.path === '/apis/postgresql.cnpg.io/v1')).toBeDefined()
  })
})

describe('dbaas list with HA clusters', () => {
  it('shows them beside single instances with kind ha-cluster: 2 requests, and one for the CloudNativePG kind their Secrets name', async () => {
    const { fakeDeps } = await import('../helpers/fake-deps.ts')
    const { statefulSet } = await import('../helpers/fixtures.ts')
    const { listInstances } = await import('../../src/core/list.ts')
    const d = fakeDeps()
    d.transport.installCrd(...CNPG_CRDS).seed(R.namespaces, { metadata: { name: 'dbaas-single' } }, { metadata: { name: 'team' } })
    d.transport.seed(R.statefulSets, statefulSet({ name: 'single', ready: 1 }))
    const ha = buildHaCluster({ ...spec, name: 'single', namespace: 'dbaas-single' })
    for (let i = 0; i < 20; i++) {
      d.transport.seed(CNPG.clusters, { ...buildHaCluster({ ...spec, name: `ha${i}`, namespace: 'team' }), status: { phase: 'Cluster in healthy state', readyInstances: 3, currentPrimary: `ha${i}-1` } })
      d.transport.seed(R.secrets, buildHaSecret({ ...spec, name: `ha${i}`, namespace: 'team' }, 'pw-12345678'))
    }
    d.transport.seed(CNPG.clusters, ha)
    const r = await listInstances({ cluster: {} }, d)
    expect(d.transport.requests).toHaveLength(3)
    expect(r.items).toHaveLength(22)
    expect(r.items.filter((i) => i.name === 'single').map((i) => i.kind)).toEqual(['ha-cluster', 'instance'])
    expect(r.items.find((i) => i.name === 'ha0')).toMatchObject({ kind: 'ha-cluster', engine: 'postgresql', status: 'Ready', ready: '3/3', storage: '5Gi', database: 'shop', user: 'owner' })
  })

  it('treats a missing CRD (404) or a forbidden Cluster list (403) as no HA clusters', async () => {
    const { fakeDeps } = await import('../helpers/fake-deps.ts')
    const { listInstances } = await import('../../src/core/list.ts')
    for (const code of [404, 403]) {
      // 404: no CRD installed (the server's own answer); 403: RBAC refuses the list.
      const d = fakeDeps()
      d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-pay' } }).seed(R.secrets, buildHaSecret({ ...spec, name: 'pay', namespace: 'dbaas-pay' }, 'pw-12345678'))
      if (code === 403) d.transport.installCrd(...CNPG_CRDS).fail({ path: /postgresql\.cnpg\.io/, failure: { code, reason: 'Forbidden' } })
      const r = await listInstances({ cluster: {} }, d)
      expect(r.items).toEqual([])
      expect(r.fellBackTo).toBeUndefined()
    }
  })
})

describe('single-instance find beside an HA cluster of the same name', () => {
  it('does not count the HA initdb Secret as an instance in another namespace', async () => {
    const { findInstance } = await import('../../src/core/find.ts')
    const { statefulSet, credentials } = await import('../helpers/fixtures.ts')
    const t = new FakeTransport().seed(R.namespaces, { metadata: { name: 'team' } }, { metadata: { name: 'dbaas-orders' } })
    t.seed(R.statefulSets, statefulSet({ name: 'orders', namespace: 'team' }))
    t.seed(R.secrets, credentials({ name: 'orders', namespace: 'team' }))
    t.seed(R.secrets, buildHaSecret({ ...spec, namespace: 'dbaas-orders' }, 'pw-12345678'))
    const parts = await findInstance(fakeKube(t), { name: 'orders' })
    expect(parts.namespace).toBe('team')
    await expect(findInstance(fakeKube(t), { name: 'orders', namespace: 'dbaas-orders' })).rejects.toMatchObject({ exitCode: 3 })
  })
})

describe('waitWithPods', () => {
  it('a refused pod list ends the wait (and the cluster watch with it) at once, with the refusal', async () => {
    const d = fakeDeps()
    d.transport.installCrd(...CNPG_CRDS).seed(R.namespaces, { metadata: { name: 'ns' } })
    const c = d.transport.seed(CNPG.clusters, { ...buildHaCluster({ ...spec, namespace: 'ns' }), status: { phase: 'Cluster in healthy state' } }).get(CNPG.clusters, 'ns', spec.name) as KubeObject
    d.transport.fail({ method: 'GET', path: /\/namespaces\/ns\/pods$/, failure: { code: 403, reason: 'Forbidden', message: 'pods is forbidden' } })
    const t0 = Date.now()
    // Never satisfied: only the refusal can end it before its 60 s.
    await expect(waitWithPods(fakeKube(d.transport, 'ns'), cnpg, c, 60_000, d, () => undefined, { what: 'x', hint: 'y' })).rejects.toMatchObject({ exitCode: 5 })
    expect(Date.now() - t0).toBeLessThan(2000)
    // The cluster watch was aborted too: no stream of it is left open.
    expect(d.transport.openStreams).toBe(0)
  })
})
