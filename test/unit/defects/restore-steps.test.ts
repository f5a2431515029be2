// Pins what restore and backup create send, in order, so splitting restoreBackup, its gather and backup
// create's plan into named steps (issue 10) provably changes nothing: every write (method, path, object),
// every helm call, the result, and the refusals with their order. Generated before the split, compared after.
import { describe, expect, it } from 'vitest'
import { createBackup } from '../../../src/core/backup/create.ts'
import { buildBackupSnapshot } from '../../../src/core/backup/model.ts'
import { restoreBackup, type RestoreOptions } from '../../../src/core/backup/restore.ts'
import { HelmError } from '../../../src/errors.ts'
import { R, type KubeObject } from '../../../src/k8s/kube.ts'
import { fakeDeps, NOW, type FakeDeps } from '../../helpers/fake-deps.ts'
import { FakeTransport, SNAPSHOT_CRDS } from '../../helpers/fake-kube.ts'
import { credentials, statefulSet, storageClass } from '../../helpers/fixtures.ts'

const lease = { metadata: { name: 'snapshot-controller-leader', namespace: 'kube-system' }, spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: new Date(NOW).toISOString() } }
const b64 = (s: string) => Buffer.from(s).toString('base64')

function world(): FakeDeps {
  const t = new FakeTransport()
  t.installCrd(...SNAPSHOT_CRDS).seed(R.leases, lease)
  t.seed(R.volumeSnapshotClasses, { metadata: { name: 'snap', annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } }, driver: 'csi.x' })
  t.seed(R.storageClasses, { ...storageClass('std', true), provisioner: 'csi.x' })
  t.seed(R.namespaces, { metadata: { name: 'dbaas-db' } })
  t.seed(R.statefulSets, statefulSet({ name: 'db', ready: 1 }))
  t.seed(R.secrets, credentials({ name: 'db' }))
  t.seed(R.pvcs, { metadata: { name: 'data-db-0', namespace: 'dbaas-db' }, spec: { storageClassName: 'std', volumeName: 'pv-1', resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Bound' } })
  t.seed(R.pvs, { metadata: { name: 'pv-1' }, spec: { csi: { driver: 'csi.x', volumeHandle: 'h' } } })
  t.seed(R.volumeSnapshots, {
    ...buildBackupSnapshot({ name: 'b1', namespace: 'dbaas-db', instance: 'db', engine: 'postgresql', version: '18', pvc: 'data-db-0', storage: '1Gi', database: 'app', user: 'app', quiesce: 'none', driver: 'csi.x', snapshotClass: 'snap' }),
    status: { readyToUse: true, boundVolumeSnapshotContentName: 'content-b1' },
  })
  t.seed(R.volumeSnapshotContents, { metadata: { name: 'content-b1' }, spec: { driver: 'csi.x', deletionPolicy: 'Delete' }, status: { snapshotHandle: 'snap-handle-1', readyToUse: true } })
  t.seed(R.secrets, { metadata: { name: 'dbaas-backup-b1', namespace: 'dbaas-db' }, data: { username: b64('app'), password: b64('pw-123456'), database: b64('app') } })
  const d = fakeDeps({ transport: t })
  // Watches answer as the controllers would: snapshots become ready, claims Bound.
  t.stream = async (path, opts, onChunk) => {
    t.requests.push({ method: 'GET', path, query: { ...(opts.query ?? {}) } })
    const kind = /volumesnapshots$/.test(path.split('?')[0]!) ? 'vs' : /persistentvolumeclaims$/.test(path.split('?')[0]!) ? 'pvc' : 'other'
    for (const o of [...t.store.values()]) {
      if (kind === 'vs' && o.kind === 'VolumeSnapshot') onChunk(Buffer.from(`${JSON.stringify({ type: 'MODIFIED', object: { ...o, status: { ...(o.status as object), readyToUse: true, creationTime: '2026-11-25T12:00:00Z' } } })}\n`))
      if (kind === 'pvc' && o.kind === 'PersistentVolumeClaim') onChunk(Buffer.from(`${JSON.stringify({ type: 'MODIFIED', object: { ...o, status: { phase: 'Bound' } } })}\n`))
    }
  }
  return d
}

/** The fake gives dry-run objects random uids: the same shape, whatever the draw. */
const stable = <T>(x: T): T => JSON.parse(JSON.stringify(x).replace(/uid-\d+-[a-z0-9]+/g, 'uid-<random>')) as T

function journal(d: FakeDeps): string[] {
  const writes = d.transport.writes.map((r) => {
    const b = r.body as KubeObject | undefined
    return `${r.method} ${r.path.split('?')[0]}${b?.metadata ? ` ${JSON.stringify({ labels: b.metadata.labels, annotations: b.metadata.annotations, spec: b.spec })}` : ''}`
  })
  const helm = d.fakeHelm.calls.filter((c) => c.op !== 'version').map((c) => `helm ${c.op} ${JSON.stringify(c).length}`)
  return [...writes, ...helm]
}

const base: RestoreOptions = { backup: 'b1', to: 'copy', namespace: 'dbaas-db', namespaceExplicit: true, wait: false, timeoutMs: 5_000, dryRun: 'none', cluster: {} }

describe('restore, step by step (pinned)', () => {
  it.each([
    ['same namespace', { ...base }],
    ['same namespace, dry-run=client', { ...base, dryRun: 'client' as const }],
    ['same namespace, dry-run=server', { ...base, dryRun: 'server' as const }],
    ['another namespace', { ...base, namespace: 'dbaas-copy', namespaceExplicit: false }],
    ['another namespace, dry-run=server', { ...base, namespace: 'dbaas-copy', namespaceExplicit: false, dryRun: 'server' as const }],
    ['a bigger volume, another class', { ...base, storage: '2Gi', storageClass: 'std', cpu: '1', memory: '1Gi' }],
  ])('%s', async (_, o) => {
    const d = world()
    const r = await restoreBackup(o, d)
    expect(stable({ result: { ...r, timings: undefined }, journal: journal(d), notes: d.err.text })).toMatchSnapshot()
  })

  it('a failed install is rolled back in reverse order', async () => {
    const d = world()
    d.fakeHelm.onInstall = () => {
      throw new HelmError('helm install failed: boom')
    }
    const err = await restoreBackup({ ...base, namespace: 'dbaas-copy', namespaceExplicit: false }, d).catch((e) => e)
    expect({ message: err.message, journal: journal(d) }).toMatchSnapshot()
  })

  it.each([
    ['target exists', (d: FakeDeps) => d.transport.seed(R.statefulSets, statefulSet({ name: 'copy', namespace: 'dbaas-db', ready: 1 })).seed(R.secrets, credentials({ name: 'copy', namespace: 'dbaas-db' }))],
    ['target volume exists', (d: FakeDeps) => d.transport.seed(R.pvcs, { metadata: { name: 'data-copy-0', namespace: 'dbaas-db' }, spec: {} })],
    ['backup lost its credentials', (d: FakeDeps) => d.transport.store.delete('/api/v1/namespaces/dbaas-db/secrets/dbaas-backup-b1')],
    ['unknown class', (d: FakeDeps) => d.transport.store.delete('/apis/storage.k8s.io/v1/storageclasses/std')],
    ['access denied', (d: FakeDeps) => (d.transport.deny = (a) => a.resource === 'persistentvolumeclaims')],
    ['cross-namespace access denied', (d: FakeDeps) => (d.transport.deny = (a) => a.resource === 'volumesnapshotcontents')],
  ])('refusal: %s', async (_, seed) => {
    const d = world()
    seed(d)
    const cross = _.startsWith('cross')
    const err = await restoreBackup({ ...base, ...(cross ? { namespace: 'dbaas-copy', namespaceExplicit: false } : {}), ...(_ === 'unknown class' ? { storageClass: 'std' } : {}) }, d).catch((e) => e)
    expect({ exit: err.exitCode, message: err.message, hint: err.hint, writes: d.transport.writes.length }).toMatchSnapshot()
  })
})

describe('backup create, step by step (pinned)', () => {
  it.each([
    ['defaults', {}],
    ['named, with retention and class', { name: 'db-nightly', retention: { text: '7d', ms: 7 * 86_400_000 }, snapshotClass: 'snap' }],
    ['dry-run=client', { dryRun: 'client' as const }],
    ['dry-run=server', { dryRun: 'server' as const }],
  ])('%s', async (_, extra) => {
    const d = world()
    const r = await createBackup({ instance: 'db', quiesce: false, wait: true, timeoutMs: 5_000, dryRun: 'none', cluster: {}, ...extra }, d)
    expect(stable({ result: { ...r, timings: undefined }, journal: journal(d) })).toMatchSnapshot()
  })

  it.each([
    ['volume not Bound', (d: FakeDeps) => d.transport.seed(R.pvcs, { metadata: { name: 'data-db-0', namespace: 'dbaas-db' }, spec: {}, status: { phase: 'Pending' } })],
    ['no credentials', (d: FakeDeps) => d.transport.store.delete('/api/v1/namespaces/dbaas-db/secrets/db-credentials')],
    ['class of another driver', (d: FakeDeps) => d.transport.seed(R.volumeSnapshotClasses, { metadata: { name: 'other' }, driver: 'csi.y' })],
    ['no default class for the driver', (d: FakeDeps) => d.transport.store.delete('/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses/snap')],
    ['name taken', (d: FakeDeps) => d.transport.seed(R.volumeSnapshots, { metadata: { name: 'db-taken', namespace: 'dbaas-db' } })],
  ])('refusal: %s', async (why, seed) => {
    const d = world()
    seed(d)
    const err = await createBackup(
      { instance: 'db', quiesce: false, wait: true, timeoutMs: 5_000, dryRun: 'none', cluster: {}, ...(why === 'class of another driver' ? { snapshotClass: 'other' } : {}), ...(why === 'name taken' ? { name: 'db-taken' } : {}) },
      d,
    ).catch((e) => e)
    expect({ exit: err.exitCode, message: err.message, hint: err.hint, writes: d.transport.writes.length }).toMatchSnapshot()
  })
})
