// The pure parts of backups and restores: names, retention and expiry, labels, the objects sent, the
// default-class choice, size and driver checks, and the list view when restoreSize is absent.
import { describe, expect, it } from 'vitest'
import { ExitCode } from '../../../src/errors.ts'
import {
  backupCredentialsName,
  backupLabels,
  buildBackupCredentials,
  buildBackupSnapshot,
  buildRestoreContent,
  buildRestorePvc,
  buildRestoreSnapshot,
  checkDriver,
  checkRestoreSize,
  chooseDefaultClass,
  decodeSecretData,
  defaultBackupName,
  expiresAt,
  expiresIn,
  isDbaasBackup,
  isExpired,
  isHaSnapshot,
  parseRetention,
  quantityBytes,
  toBackupView,
  validateBackupName,
  type BackupSpec,
} from '../../../src/core/backup/model.ts'
import { instanceSelector } from '../../../src/k8s/labels.ts'

const NOW = Date.parse('2026-11-25T12:00:00Z')
const DAY = 86_400_000

const spec: BackupSpec = {
  name: 'orders-20261125-120000',
  namespace: 'dbaas-orders',
  instance: 'orders',
  engine: 'postgresql',
  version: '18',
  pvc: 'data-orders-0',
  snapshotClass: 'csi-snap',
  driver: 'csi.example.com',
  storage: '10Gi',
  storageClass: 'fast',
  database: 'app',
  user: 'app',
  expiresAt: '2026-12-02T12:00:00.000Z',
  retention: '7d',
  quiesce: 'checkpoint',
}

function codeOf(fn: () => unknown): number | undefined {
  try {
    fn()
  } catch (err) {
    return (err as { exitCode?: number }).exitCode
  }
  return undefined
}

describe('names', () => {
  it('defaults to <instance>-<UTC timestamp>', () => {
    expect(defaultBackupName('orders', Date.parse('2026-11-05T07:08:09.123Z'))).toBe('orders-20261105-070809')
  })
  it('accepts DNS labels only', () => {
    expect(validateBackupName('orders-1')).toBe('orders-1')
    expect(codeOf(() => validateBackupName('Orders'))).toBe(ExitCode.usage)
    expect(codeOf(() => validateBackupName('x'.repeat(64)))).toBe(ExitCode.usage)
    expect(codeOf(() => validateBackupName('-a'))).toBe(ExitCode.usage)
  })
  it('names the credentials copy apart from any instance Secret', () => {
    expect(backupCredentialsName('orders')).toBe('dbaas-backup-orders')
    expect(backupCredentialsName('orders')).not.toBe('orders-credentials')
  })
})

describe('retention and expiry', () => {
  it('parses hours, days, weeks and combinations', () => {
    expect(parseRetention('12h')).toBe(12 * 3_600_000)
    expect(parseRetention('7d')).toBe(7 * DAY)
    expect(parseRetention('2w')).toBe(14 * DAY)
    expect(parseRetention('1d12h')).toBe(1.5 * DAY)
  })
  it('refuses nonsense and durations under a minute', () => {
    expect(codeOf(() => parseRetention('soon'))).toBe(ExitCode.usage)
    expect(codeOf(() => parseRetention('30s'))).toBe(ExitCode.usage)
    expect(codeOf(() => parseRetention('0d'))).toBe(ExitCode.usage)
  })
  it('computes the expiry from the creation time, none without retention', () => {
    expect(expiresAt(NOW, 7 * DAY)).toBe('2026-12-02T12:00:00.000Z')
    expect(expiresAt(NOW, undefined)).toBeUndefined()
  })
  it('is expired at or after its expiry; a backup without one never expires', () => {
    const vs = buildBackupSnapshot(spec)
    expect(isExpired(vs, Date.parse('2026-12-02T11:59:59Z'))).toBe(false)
    expect(isExpired(vs, Date.parse('2026-12-02T12:00:00Z'))).toBe(true)
    expect(isExpired(buildBackupSnapshot({ ...spec, expiresAt: undefined }), NOW + 1000 * DAY)).toBe(false)
  })
  it('shows the expiry relative to now', () => {
    expect(expiresIn({ expiresAt: new Date(NOW + 7 * DAY).toISOString() }, NOW)).toBe('in 7d')
    expect(expiresIn({ expiresAt: new Date(NOW + 5 * 3_600_000).toISOString() }, NOW)).toBe('in 5h')
    expect(expiresIn({ expiresAt: new Date(NOW - 1).toISOString() }, NOW)).toBe('expired')
    expect(expiresIn({ expiresAt: null }, NOW)).toBe('never')
  })
})

describe('the backup objects', () => {
  it('labels a backup without the instance label, so instance selectors never match it', () => {
    const vs = buildBackupSnapshot(spec)
    expect(vs.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'dbaas',
      'dbaas.io/kind': 'backup',
      'dbaas.io/source-instance': 'orders',
      'dbaas.io/engine': 'postgresql',
    })
    expect(vs.metadata.labels).not.toHaveProperty(['app.kubernetes.io/instance'])
    // The instance selector's terms are not all satisfied by a backup's labels.
    const terms = instanceSelector('orders').split(',').map((t) => t.split('='))
    expect(terms.every(([k, v]) => vs.metadata.labels?.[k as string] === v)).toBe(false)
    expect(isDbaasBackup(vs)).toBe(true)
  })
  it('records what a restore needs and the expiry in annotations', () => {
    const vs = buildBackupSnapshot(spec)
    expect(vs.metadata.annotations).toMatchObject({
      'dbaas.io/engine': 'postgresql',
      'dbaas.io/engine-version': '18',
      'dbaas.io/storage': '10Gi',
      'dbaas.io/storage-class': 'fast',
      'dbaas.io/database': 'app',
      'dbaas.io/user': 'app',
      'dbaas.io/snapshot-driver': 'csi.example.com',
      'dbaas.io/expires-at': '2026-12-02T12:00:00.000Z',
      'dbaas.io/retention': '7d',
      'dbaas.io/quiesced': 'checkpoint',
    })
    expect(vs.spec).toEqual({ volumeSnapshotClassName: 'csi-snap', source: { persistentVolumeClaimName: 'data-orders-0' } })
  })
  it('leaves the class out when none was chosen (the cluster default applies), never an empty string', () => {
    expect(buildBackupSnapshot({ ...spec, snapshotClass: undefined }).spec).toEqual({ source: { persistentVolumeClaimName: 'data-orders-0' } })
  })
  it('makes the credentials copy owned by the snapshot (deleted with it)', () => {
    const s = buildBackupCredentials(spec, { password: 'cHc=' }, { uid: 'u-1' })
    expect(s.metadata.name).toBe('dbaas-backup-orders-20261125-120000')
    expect(s.metadata.labels?.['dbaas.io/kind']).toBe('backup-credentials')
    expect(s.metadata.labels).not.toHaveProperty(['app.kubernetes.io/instance'])
    expect(s.metadata.ownerReferences).toEqual([
      { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', name: spec.name, uid: 'u-1', blockOwnerDeletion: false },
    ])
    expect(s.data).toEqual({ password: 'cHc=' })
  })
  it('decodes a Secret\'s data', () => {
    expect(decodeSecretData({ a: Buffer.from('pässwörd').toString('base64') })).toEqual({ a: 'pässwörd' })
    expect(decodeSecretData(undefined)).toEqual({})
  })
})

describe('the restore objects', () => {
  it('pre-provisions a Retain content bound to the new snapshot in the target namespace', () => {
    const c = buildRestoreContent({
      name: 'dbaas-restore-copy-abc',
      driver: 'csi.example.com',
      snapshotHandle: 'snap-123',
      snapshotClass: 'csi-snap',
      targetNamespace: 'dbaas-copy',
      snapshotName: 'copy-restore-source',
      labels: { a: 'b' },
    })
    expect(c.metadata).toEqual({ name: 'dbaas-restore-copy-abc', labels: { a: 'b' } })
    expect(c.spec).toEqual({
      deletionPolicy: 'Retain',
      driver: 'csi.example.com',
      volumeSnapshotClassName: 'csi-snap',
      source: { snapshotHandle: 'snap-123' },
      volumeSnapshotRef: { namespace: 'dbaas-copy', name: 'copy-restore-source' },
    })
    const vs = buildRestoreSnapshot({ name: 'copy-restore-source', namespace: 'dbaas-copy', contentName: 'dbaas-restore-copy-abc', labels: {} })
    expect(vs.spec).toEqual({ source: { volumeSnapshotContentName: 'dbaas-restore-copy-abc' } })
  })
  it('pre-creates the PVC the StatefulSet claims, with the new identity and the snapshot as dataSource', () => {
    const pvc = buildRestorePvc({ instance: 'copy', namespace: 'dbaas-copy', engine: 'mysql', version: '8.4', storage: '20Gi', storageClass: 'fast', snapshotName: 'snap' })
    expect(pvc.metadata.name).toBe('data-copy-0')
    expect(pvc.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'copy', 'dbaas.io/kind': 'data', 'dbaas.io/engine': 'mysql' })
    expect(pvc.spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '20Gi' } },
      dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' },
    })
  })
})

describe('default class', () => {
  const defaults = [
    { name: 'a', driver: 'one' },
    { name: 'b', driver: 'two' },
    { name: 'c', driver: 'two' },
  ]
  it('picks the one default of the driver', () => expect(chooseDefaultClass(defaults, 'one')).toEqual({ name: 'a', candidates: ['a'] }))
  it('reports none and several', () => {
    expect(chooseDefaultClass(defaults, 'three')).toEqual({ problem: 'none', candidates: [] })
    expect(chooseDefaultClass(defaults, 'two')).toEqual({ problem: 'several', candidates: ['b', 'c'] })
  })
})

describe('size and driver checks', () => {
  it('compares against restoreSize when set, else the recorded request', () => {
    expect(() => checkRestoreSize('10Gi', '10Gi', '5Gi')).not.toThrow()
    expect(codeOf(() => checkRestoreSize('5Gi', '10Gi', '1Gi'))).toBe(ExitCode.precondition)
    expect(codeOf(() => checkRestoreSize('1Gi', undefined, '2Gi'))).toBe(ExitCode.precondition)
    expect(() => checkRestoreSize('2Gi', null, '2Gi')).not.toThrow()
    // A content's restoreSize is a byte count.
    expect(codeOf(() => checkRestoreSize('1Gi', 2 * 2 ** 30, undefined))).toBe(ExitCode.precondition)
    expect(() => checkRestoreSize('1Gi', undefined, undefined)).not.toThrow()
  })
  it('reads quantities and byte counts', () => {
    expect(quantityBytes('1Gi')).toBe(2 ** 30)
    expect(quantityBytes(512)).toBe(512)
    expect(quantityBytes('')).toBeUndefined()
    expect(quantityBytes(null)).toBeUndefined()
  })
  it('refuses a storage class of another CSI driver, allows unknowns', () => {
    expect(codeOf(() => checkDriver('slow', 'other.csi', 'csi.example.com'))).toBe(ExitCode.precondition)
    expect(() => checkDriver('fast', 'csi.example.com', 'csi.example.com')).not.toThrow()
    expect(() => checkDriver('fast', undefined, 'csi.example.com')).not.toThrow()
  })
})

describe('the list view', () => {
  it('shows the recorded storage when restoreSize is absent, and never crashes on a bare snapshot', () => {
    const vs = { ...buildBackupSnapshot(spec), status: { readyToUse: true, creationTime: '2026-11-25T12:00:01Z', boundVolumeSnapshotContentName: 'snapcontent-1' } }
    const v = toBackupView(vs, NOW, true)
    expect(v).toMatchObject({ name: spec.name, instance: 'orders', instanceExists: true, engine: 'postgresql', ready: true, status: 'Ready', size: '10Gi', restoreSize: null, content: 'snapcontent-1', expired: false })
    const bare = toBackupView({ metadata: { name: 'x', namespace: 'n' } }, NOW)
    expect(bare).toMatchObject({ name: 'x', ready: false, status: 'Pending', size: null, instance: '', engine: 'unknown', expiresAt: null })
  })
  it('prefers restoreSize and shows a driver error', () => {
    const v = toBackupView({ ...buildBackupSnapshot(spec), status: { readyToUse: false, restoreSize: '12Gi', error: { message: 'driver says no' } } }, NOW)
    expect(v).toMatchObject({ size: '12Gi', restoreSize: '12Gi', status: 'Failed', error: 'driver says no' })
  })
  it('tells HA clusters\' snapshots apart', () => {
    expect(isHaSnapshot({ metadata: { name: 'x', labels: { 'cnpg.io/cluster': 'pg' } } })).toBe(true)
    expect(isHaSnapshot(buildBackupSnapshot(spec))).toBe(false)
    expect(backupLabels('a', 'mysql')['dbaas.io/engine']).toBe('mysql')
  })
})
