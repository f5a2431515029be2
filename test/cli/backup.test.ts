// dbaas backup … and dbaas restore through main(), over a FakeTransport: usage errors, listing (restoreSize
// absent, deleted instances), confirmation rules, prune, and a same-namespace restore's objects.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { R } from '../../src/k8s/kube.ts'
import { buildBackupSnapshot, type BackupSpec } from '../../src/core/backup/model.ts'
import { fakeDeps, NOW, type FakeDeps } from '../helpers/fake-deps.ts'
import { SNAPSHOT_CRDS } from '../helpers/fake-kube.ts'
import { credentials, namespace, statefulSet } from '../helpers/fixtures.ts'

const spec = (name: string, o: Partial<BackupSpec> = {}): BackupSpec => ({
  name,
  namespace: 'dbaas-orders',
  instance: 'orders',
  engine: 'postgresql',
  version: '18',
  pvc: 'data-orders-0',
  storage: '10Gi',
  database: 'app',
  user: 'app',
  quiesce: 'none',
  driver: 'csi.x',
  ...o,
})

function backup(name: string, o: Partial<BackupSpec> = {}, ready = true) {
  return { ...buildBackupSnapshot(spec(name, o)), status: { readyToUse: ready, creationTime: '2026-11-25T11:00:00Z', boundVolumeSnapshotContentName: `content-${name}` } }
}

/** A cluster with the VolumeSnapshot CRDs and the namespace of instance orders (which may be gone itself). */
async function run(argv: string[], seed: (d: FakeDeps) => void = () => {}, o: { interactive?: boolean } = {}) {
  const d = fakeDeps(o)
  d.transport.installCrd(...SNAPSHOT_CRDS).seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders' } }))
  seed(d)
  const code = await main(argv, d)
  return { d, code, out: d.out.text, err: d.err.text }
}

describe('backup list', () => {
  it('prints NAME NAMESPACE INSTANCE ENGINE READY SIZE AGE EXPIRES SCHEDULE across namespaces, the recorded size when restoreSize is absent, and deleted instances', async () => {
    const r = await run(['backup', 'list'], (d) =>
      d.transport.seed(R.volumeSnapshots, backup('orders-a', { expiresAt: new Date(NOW + 3 * 86_400_000).toISOString(), retention: '3d' }), backup('orders-b')),
    )
    expect(r.code).toBe(0)
    const lines = r.out.trim().split('\n')
    expect(lines[0]).toMatch(/^NAME\s+NAMESPACE\s+INSTANCE\s+ENGINE\s+READY\s+SIZE\s+AGE\s+EXPIRES\s+SCHEDULE$/)
    expect(lines[1]).toMatch(/^orders-a\s+dbaas-orders\s+orders \(deleted\)\s+postgresql\s+true\s+10Gi\s+60m\s+in 3d\s+-$/)
    expect(lines[2]).toMatch(/^orders-b\s+dbaas-orders\s+orders \(deleted\)\s+postgresql\s+true\s+10Gi\s+60m\s+never\s+-$/)
  })
  it('with -n: no NAMESPACE column and bare names; across namespaces -o name is namespace/name', async () => {
    const seed = (d: FakeDeps) => d.transport.seed(R.namespaces, { metadata: { name: 'team' } }).seed(R.volumeSnapshots, backup('orders-a'), { ...backup('orders-a'), metadata: { ...backup('orders-a').metadata, namespace: 'team' } })
    const one = await run(['backup', 'list', '-n', 'dbaas-orders'], seed)
    expect(one.out.split('\n')[0]).toMatch(/^NAME\s+INSTANCE\s+ENGINE/)
    expect((await run(['backup', 'list', '-n', 'dbaas-orders', '-o', 'name'], seed)).out).toBe('orders-a\n')
    expect((await run(['backup', 'list', '-o', 'name'], seed)).out).toBe('dbaas-orders/orders-a\nteam/orders-a\n')
    expect((await run(['backup', 'list', '-A', '-n', 'x', '-o', 'name'], seed)).out).toBe('dbaas-orders/orders-a\nteam/orders-a\n')
  })
  it('is empty with a note, not an error, without backups; -o json is []', async () => {
    const r = await run(['backup', 'list', '-o', 'json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toEqual([])
  })
  it('knows the source instance still exists', async () => {
    const r = await run(['backup', 'list', 'orders', '-o', 'json'], (d) => {
      d.transport.seed(R.volumeSnapshots, backup('orders-a'))
      d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1 }))
    })
    expect(JSON.parse(r.out)).toEqual([expect.objectContaining({ name: 'orders-a', instanceExists: true, restoreSize: null, size: '10Gi' })])
  })
})

describe('backup usage errors (exit 2) and confirmation', () => {
  it.each([
    [['backup', 'create', 'orders', '--retention', 'forever'], /--retention "forever" is not a duration/],
    [['backup', 'create', 'orders', '--name', 'Bad_Name'], /backup name "Bad_Name" is not valid/],
    [['backup', 'create', 'Bad'], /not valid/],
    [['restore', 'b1'], /missing --to/],
    [['restore', 'b1', '--to', 'Bad_Name'], /not valid/],
    [['restore', 'b1', '--to', 'x', '--storage', 'lots'], /not a size/],
    [['backup', 'create', 'orders', '--dry-run=maybe'], /--dry-run "maybe" is not valid/],
  ])('%j', async (argv, message) => {
    const r = await run(argv)
    expect(r.code).toBe(2)
    expect(r.err).toMatch(message)
    expect(r.d.transport.writes).toEqual([])
  })
  it('backup delete refuses without --yes when it cannot ask, deleting nothing', async () => {
    const r = await run(['backup', 'delete', 'orders-a'], (d) => d.transport.seed(R.volumeSnapshots, backup('orders-a')))
    expect(r.code).toBe(2)
    expect(r.err).toContain('without confirmation')
    expect(r.d.transport.writes).toEqual([])
  })
  it('backup delete --dry-run lists, deletes nothing', async () => {
    const r = await run(['backup', 'delete', 'orders-a', '--dry-run'], (d) => d.transport.seed(R.volumeSnapshots, backup('orders-a')))
    expect(r.code).toBe(0)
    expect(r.out).toContain('would delete volumesnapshot/orders-a')
    expect(r.out).toContain('would delete secret/dbaas-backup-orders-a')
    expect(r.d.transport.writes).toEqual([])
  })
  it('backup delete of a missing backup: 3, or 0 with --ignore-not-found', async () => {
    expect((await run(['backup', 'delete', 'nope', '--yes'])).code).toBe(3)
    expect((await run(['backup', 'delete', 'nope', '--yes', '--ignore-not-found'])).code).toBe(0)
  })
})

describe('backup prune', () => {
  it('deletes only expired backups', async () => {
    const r = await run(['backup', 'prune', '--no-wait', '-o', 'json'], (d) =>
      d.transport.seed(
        R.volumeSnapshots,
        backup('old', { expiresAt: new Date(NOW - 1000).toISOString() }),
        backup('new', { expiresAt: new Date(NOW + 1000).toISOString() }),
        backup('forever'),
      ),
    )
    expect(r.code).toBe(0)
    const res = JSON.parse(r.out)
    expect(res.deleted.map((b: { name: string }) => b.name)).toEqual(['old'])
    expect(res.kept).toBe(2)
    const deletes = r.d.transport.writes.filter((w) => w.method === 'DELETE').map((w) => w.path)
    expect(deletes).toEqual(['/apis/snapshot.storage.k8s.io/v1/namespaces/dbaas-orders/volumesnapshots/old', '/api/v1/namespaces/dbaas-orders/secrets/dbaas-backup-old'])
  })
})

describe('restore into the backup\'s namespace', () => {
  it('pre-creates the PVC from the backup, then installs through create with the backup\'s credentials', async () => {
    const r = await run(['restore', 'orders-a', '--to', 'copy', '-n', 'dbaas-orders', '--no-wait', '-o', 'json'], (d) => {
      d.transport.seed(R.leases, { metadata: { name: 'snapshot-controller-leader', namespace: 'kube-system' }, spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: new Date(NOW).toISOString() } })
      d.transport.seed(R.storageClasses, { metadata: { name: 'std', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'csi.x' })
      d.transport.seed(R.volumeSnapshots, backup('orders-a'))
      const creds = credentials({ name: 'orders', password: 'the-source-password' })
      d.transport.seed(R.secrets, { ...creds, metadata: { name: 'dbaas-backup-orders-a', namespace: 'dbaas-orders' } })
    })
    expect(r.code, r.err).toBe(0)
    const pvc = r.d.transport.get(R.pvcs, 'dbaas-orders', 'data-copy-0')
    expect(pvc?.spec?.dataSource).toEqual({ apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'orders-a' })
    expect(pvc?.metadata.labels?.['app.kubernetes.io/instance']).toBe('copy')
    const secret = r.d.transport.get(R.secrets, 'dbaas-orders', 'copy-credentials')
    expect(Buffer.from(secret?.data?.password ?? '', 'base64').toString()).toBe('the-source-password')
    expect(r.d.fakeHelm.calls.find((c: { op: string }) => c.op === 'upgradeInstall')).toBeDefined()
    // No cluster-scoped helper for a same-namespace restore.
    expect(r.d.transport.writes.some((w) => w.path.includes('volumesnapshotcontents'))).toBe(false)
  })
})
