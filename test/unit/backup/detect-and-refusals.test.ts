// detectSnapshotSupport against an in-memory API server (CRDs, controller by Deployment or Lease, default
// classes, 403/404 tolerated), and backup/restore refusals that must write nothing.
import { describe, expect, it } from 'vitest'
import { detectSnapshotSupport } from '../../../src/core/detect/snapshots.ts'
import { leaseFresh } from '../../../src/core/detect/common.ts'
import { createBackup } from '../../../src/core/backup/create.ts'
import { restoreBackup } from '../../../src/core/backup/restore.ts'
import { buildBackupSnapshot } from '../../../src/core/backup/model.ts'
import { ExitCode } from '../../../src/errors.ts'
import { FakeTransport, fakeKube, KNOWN_CRDS, R, SNAPSHOT_CRDS } from '../../helpers/fake-kube.ts'
import { fakeDeps, NOW } from '../../helpers/fake-deps.ts'
import { credentials, namespace, statefulSet } from '../../helpers/fixtures.ts'

const crd = { metadata: { name: 'volumesnapshots.snapshot.storage.k8s.io' }, spec: { versions: [{ name: 'v1beta1', served: false }, { name: 'v1', served: true, storage: true }] } }
const lease = (renewAgoS: number) => ({
  metadata: { name: 'snapshot-controller-leader', namespace: 'kube-system' },
  spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: new Date(NOW - renewAgoS * 1000).toISOString() },
})
const klass = (name: string, driver: string, isDefault: boolean) => ({
  metadata: { name, ...(isDefault ? { annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } } : {}) },
  driver,
  deletionPolicy: 'Delete',
})


describe('detectSnapshotSupport', () => {
  it('finds the CRDs, a fresh lease and the default class per driver', async () => {
    const t = new FakeTransport()
      .seed(R.crds, crd)
      .installCrd(KNOWN_CRDS.volumeSnapshotClasses)
      .seed(R.leases, lease(3))
      .seed(R.volumeSnapshotClasses, klass('a', 'one', true), klass('b', 'one', false), klass('c', 'two', true))
    const s = await detectSnapshotSupport(fakeKube(t), NOW)
    expect(s).toMatchObject({ crds: true, crdVersion: 'v1', controller: { running: true, via: 'lease' } })
    expect(s.defaultClasses).toEqual([
      { name: 'a', driver: 'one' },
      { name: 'c', driver: 'two' },
    ])
  })
  it('reports a stale lease as not running, saying how old it is', async () => {
    const t = new FakeTransport().seed(R.crds, crd).seed(R.leases, lease(60))
    const s = await detectSnapshotSupport(fakeKube(t), NOW)
    expect(s.controller.running).toBe(false)
    expect(s.controller.unknown).toBeUndefined()
    expect(s.controller.detail).toContain('60 s ago')
  })
  it('sees a ready snapshot-controller Deployment in any namespace', async () => {
    const t = new FakeTransport().seed(R.crds, crd).seed(R.namespaces, namespace('snap-system')).seed(R.deployments, {
      metadata: { name: 'snapshot-controller', namespace: 'snap-system', labels: { 'app.kubernetes.io/name': 'snapshot-controller' } },
      spec: { template: {} },
      status: { readyReplicas: 2 },
    })
    const s = await detectSnapshotSupport(fakeKube(t), NOW)
    expect(s.controller).toMatchObject({ running: true, via: 'deployment' })
    expect(s.controller.detail).toContain('snap-system/snapshot-controller')
  })
  it('reports missing CRDs and no controller', async () => {
    // Without the CRDs the API server answers 404 for the whole group.
    const t = new FakeTransport()
    const s = await detectSnapshotSupport(fakeKube(t), NOW)
    expect(t.requests.some((r) => r.path.startsWith('/apis/snapshot.storage.k8s.io/'))).toBe(true)
    expect(s).toMatchObject({ crds: false, controller: { running: false }, defaultClasses: [] })
  })
  it('tolerates 403 everywhere: unknown, not a failure', async () => {
    const t = new FakeTransport().fail({ path: /./, failure: { code: 403, reason: 'Forbidden' } })
    const s = await detectSnapshotSupport(fakeKube(t), NOW)
    expect(s.crds).toBe(false)
    expect(s.controller).toMatchObject({ running: false, unknown: true })
  })
  it('a lease is fresh within its duration plus a little slack', () => {
    expect(leaseFresh(lease(15) as never, NOW)).toBe(true)
    expect(leaseFresh(lease(19) as never, NOW)).toBe(true)
    expect(leaseFresh(lease(21) as never, NOW)).toBe(false)
  })
})

function cluster(t: FakeTransport, opts: { controller?: boolean; crds?: boolean } = {}): FakeTransport {
  t.seed(R.namespaces, namespace('dbaas-db', { instance: { name: 'db' } }), namespace('x'))
  if (opts.crds !== false) t.installCrd(...SNAPSHOT_CRDS).seed(R.volumeSnapshotClasses, klass('snap', 'csi.x', true))
  if (opts.controller !== false) t.seed(R.leases, lease(1))
  return t
}

const base = { wait: true, timeoutMs: 5_000, dryRun: 'none' as const, cluster: {} }

describe('backup create refusals write nothing', () => {
  it('instance not found → 3', async () => {
    const d = fakeDeps({ transport: cluster(new FakeTransport()) })
    await expect(createBackup({ ...base, instance: 'nope', quiesce: false }, d)).rejects.toMatchObject({ exitCode: ExitCode.notFound })
    expect(d.transport.writes).toEqual([])
  })
  it('no snapshot controller → 7', async () => {
    const t = cluster(new FakeTransport(), { controller: false })
      .seed(R.statefulSets, statefulSet({ name: 'db', ready: 1 }))
      .seed(R.secrets, credentials({ name: 'db' }))
    const d = fakeDeps({ transport: t })
    await expect(createBackup({ ...base, instance: 'db', quiesce: false }, d)).rejects.toMatchObject({ exitCode: ExitCode.precondition, message: expect.stringContaining('no snapshot controller') })
    expect(d.transport.writes).toEqual([])
  })
  it('no CRDs → 7', async () => {
    const t = cluster(new FakeTransport(), { crds: false }).seed(R.statefulSets, statefulSet({ name: 'db', ready: 1 })).seed(R.secrets, credentials({ name: 'db' }))
    const d = fakeDeps({ transport: t })
    await expect(createBackup({ ...base, instance: 'db', quiesce: false }, d)).rejects.toMatchObject({ exitCode: ExitCode.precondition, message: expect.stringContaining('CRDs') })
    expect(d.transport.writes).toEqual([])
  })
})

describe('restore refusals write nothing', () => {
  const backup = (status: object) => ({
    ...buildBackupSnapshot({
      name: 'b1', namespace: 'dbaas-db', instance: 'db', engine: 'postgresql', version: '18', pvc: 'data-db-0', storage: '10Gi', database: 'app', user: 'app', quiesce: 'none', driver: 'csi.x',
    }),
    status,
  })
  const ropts = { backup: 'b1', to: 'copy', namespace: 'dbaas-copy', namespaceExplicit: false, ...base }
  it('backup not found → 3', async () => {
    const d = fakeDeps({ transport: cluster(new FakeTransport()) })
    await expect(restoreBackup(ropts, d)).rejects.toMatchObject({ exitCode: ExitCode.notFound })
    expect(d.transport.writes).toEqual([])
  })
  it('backup not ready → 7', async () => {
    const d = fakeDeps({ transport: cluster(new FakeTransport()).seed(R.volumeSnapshots, backup({ readyToUse: false })) })
    await expect(restoreBackup(ropts, d)).rejects.toMatchObject({ exitCode: ExitCode.precondition, message: expect.stringContaining('not ready') })
    expect(d.transport.writes).toEqual([])
  })
  it('requested size below the backup\'s → 7', async () => {
    const d = fakeDeps({
      transport: cluster(new FakeTransport())
        .seed(R.volumeSnapshots, backup({ readyToUse: true }))
        .seed(R.secrets, { metadata: { name: 'dbaas-backup-b1', namespace: 'dbaas-db' }, data: { password: 'eA==' } }),
    })
    await expect(restoreBackup({ ...ropts, storage: '1Gi' }, d)).rejects.toMatchObject({ exitCode: ExitCode.precondition, message: expect.stringContaining('smaller') })
    expect(d.transport.writes).toEqual([])
  })
  it('an HA cluster\'s snapshot → 2 naming `dbaas ha restore`', async () => {
    const ha = { metadata: { name: 'b1', namespace: 'x', labels: { 'cnpg.io/cluster': 'pg' } }, spec: {} }
    const d = fakeDeps({ transport: cluster(new FakeTransport()).seed(R.volumeSnapshots, ha) })
    await expect(restoreBackup(ropts, d)).rejects.toMatchObject({ exitCode: ExitCode.usage, hint: expect.stringContaining('dbaas ha restore') })
    expect(d.transport.writes).toEqual([])
  })
})

describe('backup create waits by watching and surfaces the driver\'s error', () => {
  const seedInstance = (t: FakeTransport) =>
    cluster(t)
      .seed(R.statefulSets, statefulSet({ name: 'db', ready: 1 }))
      .seed(R.secrets, credentials({ name: 'db' }))
      .seed(R.pvcs, { metadata: { name: 'data-db-0', namespace: 'dbaas-db' }, spec: { storageClassName: 'std', resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Bound' } })
      .seed(R.storageClasses, { metadata: { name: 'std' }, provisioner: 'csi.x' })

  it('becomes ready through a watch event, with the credentials copy owned by the snapshot', async () => {
    const t = seedInstance(new FakeTransport())
    t.watchEvents.push({ type: 'MODIFIED', object: { metadata: { name: 'b1', namespace: 'dbaas-db' }, status: { readyToUse: true, creationTime: '2026-11-25T12:00:01Z' } } })
    const d = fakeDeps({ transport: t })
    const r = await createBackup({ ...base, instance: 'db', name: 'b1', quiesce: false }, d)
    expect(r.backup).toMatchObject({ name: 'b1', ready: true })
    const vs = t.get(R.volumeSnapshots, 'dbaas-db', 'b1')
    // The driver's default class was chosen explicitly.
    expect(vs?.spec?.volumeSnapshotClassName).toBe('snap')
    const copy = t.get(R.secrets, 'dbaas-db', 'dbaas-backup-b1')
    expect(copy?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'VolumeSnapshot', name: 'b1', uid: vs?.metadata.uid })
    // The snapshot first, then its credentials copy (which needs the snapshot's uid), then the instance's history.
    expect(t.writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      'POST /apis/snapshot.storage.k8s.io/v1/namespaces/dbaas-db/volumesnapshots',
      'POST /api/v1/namespaces/dbaas-db/secrets',
      'PATCH /api/v1/namespaces/dbaas-db/secrets/db-credentials',
    ])
    const h = JSON.parse(t.get(R.secrets, 'dbaas-db', 'db-credentials')?.metadata.annotations?.['dbaas.io/history'] ?? '[]')
    expect(h).toMatchObject([{ verb: 'backup create', params: { backup: 'b1' }, result: 'succeeded', message: 'ready to use' }])
  })

  it('times out (6) with the driver\'s error message, keeping the backup', async () => {
    const t = seedInstance(new FakeTransport())
    t.watchEvents.push({ type: 'MODIFIED', object: { metadata: { name: 'b2', namespace: 'dbaas-db' }, status: { readyToUse: false, error: { message: 'the disk is on fire' } } } })
    const d = fakeDeps({ transport: t })
    await expect(createBackup({ ...base, timeoutMs: 300, instance: 'db', name: 'b2', quiesce: false }, d)).rejects.toMatchObject({
      exitCode: ExitCode.timeout,
      message: expect.stringContaining('the snapshot driver reports: the disk is on fire'),
      hint: expect.stringContaining('dbaas backup delete b2'),
    })
  })

  it('refuses a class of another driver (7), and says which classes to pass when the driver has no default', async () => {
    const t = seedInstance(new FakeTransport()).seed(R.volumeSnapshotClasses, klass('other', 'csi.y', false), klass('mine', 'csi.x', false))
    const d = fakeDeps({ transport: t })
    await expect(createBackup({ ...base, instance: 'db', snapshotClass: 'other', quiesce: false }, d)).rejects.toMatchObject({ exitCode: ExitCode.precondition, message: expect.stringContaining('is for driver csi.y') })
    t.store.delete('/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses/snap')
    await expect(createBackup({ ...base, instance: 'db', quiesce: false }, d)).rejects.toMatchObject({
      exitCode: ExitCode.precondition,
      message: expect.stringContaining('no default VolumeSnapshotClass for driver csi.x'),
      hint: expect.stringContaining('mine'),
    })
    expect(t.writes).toEqual([])
  })
})
