// Backups are CSI VolumeSnapshots of an instance's data PVC, and these are their pure parts: names,
// retention and expiry, labels and annotations, the objects backup and restore send (VolumeSnapshot, its
// credentials Secret, the pre-provisioned VolumeSnapshotContent, the restore PVC), the view `backup list`
// prints, and the checks restore makes (size, driver). No IO, no clock: callers pass `now`.
import { PreconditionError, UsageError } from '../../errors.ts'
import type { KubeObject } from '../../k8s/kube.ts'
import type { PersistentVolumeClaim, Secret, VolumeSnapshot, VolumeSnapshotContent } from '../../k8s/types.ts'
import { ANN, ENGINE, ENGINE_VERSION, KIND, Kinds, MANAGED_BY, SOURCE_INSTANCE, identityLabels, withKind } from '../../k8s/labels.ts'
import { parseBytes, parseDuration } from '../names.ts'
import { SNAPSHOT_GROUP } from '../detect/snapshots.ts'
import { POD_CLUSTER_LABEL } from '../ha/engines/cnpg.ts'

/** Annotations a backup carries: what a restore needs, and its expiry. */
export const BACKUP_ANN = {
  engine: ENGINE,
  version: ENGINE_VERSION,
  storage: ANN.storage,
  storageClass: ANN.storageClass,
  database: ANN.database,
  user: ANN.user,
  cpu: ANN.cpu,
  memory: ANN.memory,
  placement: ANN.placement,
  driver: 'dbaas.io/snapshot-driver',
  expiresAt: 'dbaas.io/expires-at',
  retention: 'dbaas.io/retention',
  quiesced: 'dbaas.io/quiesced',
} as const

/** The label on the helper VolumeSnapshot and VolumeSnapshotContent of a cross-namespace restore. */
export const RESTORE_SOURCE_KIND = 'restore-source'
export const RESTORE_TARGET = 'dbaas.io/restore-target'
/** VolumeSnapshots CloudNativePG takes for an HA cluster carry the cluster's label, as its pods do. */
export const CNPG_CLUSTER_LABEL = POD_CLUSTER_LABEL

export type QuiesceMode = 'none' | 'checkpoint' | 'read-lock'

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/

export function validateBackupName(name: string): string {
  if (!DNS1123_LABEL.test(name) || name.length > 63) {
    throw new UsageError(`the backup name "${name}" is not valid`, {
      hint: 'use at most 63 lower-case letters, digits and dashes, starting and ending with a letter or digit',
    })
  }
  return name
}

/** `<instance>-<UTC yyyymmdd-hhmmss>`. */
export function defaultBackupName(instance: string, now: number): string {
  const iso = new Date(now).toISOString() // 2026-11-25T21:22:00.000Z
  return `${instance}-${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`
}

/** The Secret holding a copy of the instance's credentials, owned by (and deleted with) the backup. */
export function backupCredentialsName(backup: string): string {
  return `dbaas-backup-${backup}`
}

/** --retention: 90m, 12h, 7d, 2w (weeks), or kubectl-style combinations such as 1d12h. At least one minute. */
/** Every value it names is one parseRetention accepts (a unit test checks). */
export const RETENTION_HINT = 'use e.g. --retention 7d, --retention 2w, --retention 12h or --retention 30m'

export function parseRetention(text: string): number {
  const t = text.trim()
  const weeks = /^([0-9]+)w$/.exec(t)
  let ms: number
  try {
    ms = weeks ? Number(weeks[1]) * 7 * 86_400_000 : parseDuration(t, '--retention')
  } catch {
    throw new UsageError(`--retention "${text}" is not a duration`, { hint: RETENTION_HINT })
  }
  if (!(ms >= 60_000)) throw new UsageError(`--retention "${text}" is too short`, { hint: `keep a backup at least 1m; ${RETENTION_HINT}` })
  return ms
}

export function expiresAt(createdAt: number, retentionMs: number | undefined): string | undefined {
  return retentionMs === undefined ? undefined : new Date(createdAt + retentionMs).toISOString()
}

/** A backup whose expiry has passed; backups without one never expire. */
export function isExpired(vs: KubeObject, now: number): boolean {
  const at = Date.parse(vs.metadata.annotations?.[BACKUP_ANN.expiresAt] ?? '')
  return Number.isFinite(at) && at <= now
}

/** Labels of a backup: never `app.kubernetes.io/instance`, so an instance's selectors never match its backups. */
export function backupLabels(instance: string, engine: string, kind: string = Kinds.backup): Record<string, string> {
  return { [MANAGED_BY]: 'dbaas', [KIND]: kind, [SOURCE_INSTANCE]: instance, [ENGINE]: engine }
}

export interface BackupSpec {
  name: string
  namespace: string
  instance: string
  engine: string
  version: string
  pvc: string
  snapshotClass?: string | undefined
  driver?: string | undefined
  storage: string
  storageClass?: string | undefined
  database: string
  user: string
  cpu?: string | undefined
  memory?: string | undefined
  /** The instance's dbaas.io/placement, copied as it is: a restore runs where the source ran. */
  placement?: string | undefined
  expiresAt?: string | undefined
  retention?: string | undefined
  quiesce: QuiesceMode
}

export function buildBackupSnapshot(b: BackupSpec): VolumeSnapshot {
  const annotations: Record<string, string> = {
    [BACKUP_ANN.engine]: b.engine,
    [BACKUP_ANN.version]: b.version,
    [BACKUP_ANN.storage]: b.storage,
    [BACKUP_ANN.database]: b.database,
    [BACKUP_ANN.user]: b.user,
    [BACKUP_ANN.quiesced]: b.quiesce,
  }
  if (b.storageClass) annotations[BACKUP_ANN.storageClass] = b.storageClass
  if (b.driver) annotations[BACKUP_ANN.driver] = b.driver
  if (b.cpu) annotations[BACKUP_ANN.cpu] = b.cpu
  if (b.memory) annotations[BACKUP_ANN.memory] = b.memory
  if (b.placement) annotations[BACKUP_ANN.placement] = b.placement
  if (b.expiresAt) annotations[BACKUP_ANN.expiresAt] = b.expiresAt
  if (b.retention) annotations[BACKUP_ANN.retention] = b.retention
  return {
    apiVersion: `${SNAPSHOT_GROUP}/v1`,
    kind: 'VolumeSnapshot',
    metadata: { name: b.name, namespace: b.namespace, labels: backupLabels(b.instance, b.engine), annotations },
    spec: {
      ...(b.snapshotClass ? { volumeSnapshotClassName: b.snapshotClass } : {}),
      source: { persistentVolumeClaimName: b.pvc },
    },
  }
}

/** The credentials copy: the instance Secret's data as it is (base64), owned by the VolumeSnapshot. */
export function buildBackupCredentials(
  b: Pick<BackupSpec, 'name' | 'namespace' | 'instance' | 'engine'>,
  data: Record<string, string>,
  owner?: { uid: string },
): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: backupCredentialsName(b.name),
      namespace: b.namespace,
      labels: backupLabels(b.instance, b.engine, Kinds.backupCredentials),
      annotations: { 'dbaas.io/backup': b.name },
      ...(owner
        ? { ownerReferences: [{ apiVersion: `${SNAPSHOT_GROUP}/v1`, kind: 'VolumeSnapshot', name: b.name, uid: owner.uid, blockOwnerDeletion: false }] }
        : {}),
    },
    data,
  }
}

/** Pre-provisioned content for a cross-namespace restore (Velero's way): Retain, so deleting it keeps the snapshot. */
export function buildRestoreContent(o: {
  name: string
  driver: string
  snapshotHandle: string
  snapshotClass?: string | undefined
  targetNamespace: string
  snapshotName: string
  labels: Record<string, string>
}): VolumeSnapshotContent {
  return {
    apiVersion: `${SNAPSHOT_GROUP}/v1`,
    kind: 'VolumeSnapshotContent',
    metadata: { name: o.name, labels: o.labels },
    spec: {
      deletionPolicy: 'Retain',
      driver: o.driver,
      ...(o.snapshotClass ? { volumeSnapshotClassName: o.snapshotClass } : {}),
      source: { snapshotHandle: o.snapshotHandle },
      volumeSnapshotRef: { namespace: o.targetNamespace, name: o.snapshotName },
    },
  }
}

export function buildRestoreSnapshot(o: { name: string; namespace: string; contentName: string; snapshotClass?: string | undefined; labels: Record<string, string> }): VolumeSnapshot {
  return {
    apiVersion: `${SNAPSHOT_GROUP}/v1`,
    kind: 'VolumeSnapshot',
    metadata: { name: o.name, namespace: o.namespace, labels: o.labels },
    spec: {
      ...(o.snapshotClass ? { volumeSnapshotClassName: o.snapshotClass } : {}),
      source: { volumeSnapshotContentName: o.contentName },
    },
  }
}

/** The chart's data PVC (volumeClaimTemplate `data`, pod 0), pre-created from the snapshot so the StatefulSet adopts it. */
export function restorePvcName(instance: string): string {
  return `data-${instance}-0`
}

export function buildRestorePvc(o: {
  instance: string
  namespace: string
  engine: string
  version: string
  storage: string
  storageClass?: string | undefined
  snapshotName: string
  annotations?: Record<string, string>
}): PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: restorePvcName(o.instance),
      namespace: o.namespace,
      labels: withKind(identityLabels({ name: o.instance, engine: o.engine, version: o.version }), Kinds.data),
      ...(o.annotations ? { annotations: o.annotations } : {}),
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(o.storageClass ? { storageClassName: o.storageClass } : {}),
      resources: { requests: { storage: o.storage } },
      dataSource: { apiGroup: SNAPSHOT_GROUP, kind: 'VolumeSnapshot', name: o.snapshotName },
    },
  }
}

export interface DefaultClassChoice {
  name?: string
  /** Why none could be chosen, for the error. */
  problem?: 'none' | 'several'
  candidates: string[]
}

/** The default VolumeSnapshotClass for a CSI driver: exactly one must be marked default. */
export function chooseDefaultClass(defaults: Array<{ name: string; driver: string }>, driver: string): DefaultClassChoice {
  const mine = defaults.filter((c) => c.driver === driver).map((c) => c.name)
  if (mine.length === 1) return { name: mine[0] as string, candidates: mine }
  return { problem: mine.length === 0 ? 'none' : 'several', candidates: mine }
}

/** Kubernetes quantities (restoreSize may be a string quantity or, on contents, a byte count). */
export function quantityBytes(q: unknown): number | undefined {
  if (typeof q === 'number') return q
  if (typeof q === 'string' && q !== '') return parseBytes(q)
  return undefined
}

/** The restored volume must be at least the backup's size: restoreSize when the driver set it, else the recorded request. */
export function checkRestoreSize(requested: string, restoreSize: unknown, recorded: string | undefined): void {
  const want = parseBytes(requested)
  const floor = quantityBytes(restoreSize) ?? (recorded ? parseBytes(recorded) : undefined)
  if (want === undefined || floor === undefined) return
  if (want < floor) {
    const what = quantityBytes(restoreSize) !== undefined ? `its restoreSize ${String(restoreSize)}` : `the ${recorded} its instance requested`
    throw new PreconditionError(`--storage ${requested} is smaller than the backup (${what}); nothing was created`, {
      hint: `pass --storage ${typeof restoreSize === 'string' ? restoreSize : (recorded ?? '')} or more, or leave --storage out`,
    })
  }
}

/** The storage class must be served by the same CSI driver that took the snapshot. */
export function checkDriver(storageClass: string, provisioner: string | undefined, snapshotDriver: string | undefined): void {
  if (!provisioner || !snapshotDriver || provisioner === snapshotDriver) return
  throw new PreconditionError(
    `storage class ${storageClass} is provisioned by ${provisioner}, but the backup was taken by ${snapshotDriver}; a volume cannot be restored across CSI drivers; nothing was created`,
    { hint: `pass --storage-class with a class whose provisioner is ${snapshotDriver}` },
  )
}

export type BackupPhase = 'Ready' | 'Pending' | 'Failed' | 'Deleting'

/** The stable shape of `backup list -o json|yaml`. */
export interface BackupView {
  kind: 'backup'
  name: string
  namespace: string
  instance: string
  /** Whether the source instance still exists (null when not checked). */
  instanceExists: boolean | null
  engine: string
  version: string | null
  status: BackupPhase
  ready: boolean
  /** restoreSize when the driver reported one, else the recorded storage request. */
  size: string | null
  restoreSize: string | null
  storage: string | null
  storageClass: string | null
  snapshotClass: string | null
  database: string | null
  user: string | null
  quiesced: string | null
  createdAt: string | null
  retention: string | null
  expiresAt: string | null
  expired: boolean
  error: string | null
  content: string | null
  /** The backup schedule that took it (label dbaas.io/schedule), null for a backup taken by hand. */
  schedule: string | null
}

export function toBackupView(vs: VolumeSnapshot, now: number, instanceExists: boolean | null = null): BackupView {
  const l = vs.metadata.labels ?? {}
  const a = vs.metadata.annotations ?? {}
  const st = vs.status ?? {}
  const restoreSize = st.restoreSize === undefined || st.restoreSize === null || st.restoreSize === '' ? null : String(st.restoreSize)
  const error = typeof st.error?.message === 'string' ? st.error.message : null
  const ready = st.readyToUse === true
  const status: BackupPhase = vs.metadata.deletionTimestamp ? 'Deleting' : ready ? 'Ready' : error ? 'Failed' : 'Pending'
  return {
    kind: 'backup',
    name: vs.metadata.name,
    namespace: vs.metadata.namespace ?? '',
    instance: l[SOURCE_INSTANCE] ?? '',
    instanceExists,
    engine: l[ENGINE] ?? a[BACKUP_ANN.engine] ?? 'unknown',
    version: a[BACKUP_ANN.version] ?? null,
    status,
    ready,
    size: restoreSize ?? a[BACKUP_ANN.storage] ?? null,
    restoreSize,
    storage: a[BACKUP_ANN.storage] ?? null,
    storageClass: a[BACKUP_ANN.storageClass] ?? null,
    snapshotClass: vs.spec?.volumeSnapshotClassName ?? null,
    database: a[BACKUP_ANN.database] ?? null,
    user: a[BACKUP_ANN.user] ?? null,
    quiesced: a[BACKUP_ANN.quiesced] ?? null,
    createdAt: st.creationTime ?? vs.metadata.creationTimestamp ?? null,
    retention: a[BACKUP_ANN.retention] ?? null,
    expiresAt: a[BACKUP_ANN.expiresAt] ?? null,
    expired: isExpired(vs, now),
    error,
    content: st.boundVolumeSnapshotContentName ?? null,
    schedule: l['dbaas.io/schedule'] ?? null,
  }
}

/** "in 6d", "expired", "never" for the EXPIRES column. */
export function expiresIn(v: Pick<BackupView, 'expiresAt'>, now: number): string {
  if (!v.expiresAt) return 'never'
  const ms = Date.parse(v.expiresAt) - now
  if (!Number.isFinite(ms)) return 'never'
  if (ms <= 0) return 'expired'
  const s = Math.floor(ms / 1000)
  if (s < 120) return `in ${s}s`
  const m = Math.floor(s / 60)
  if (m < 120) return `in ${m}m`
  const h = Math.floor(m / 60)
  if (h < 48) return `in ${h}h`
  return `in ${Math.round(h / 24)}d`
}

/** Whether a VolumeSnapshot is a dbaas backup (rather than someone else's snapshot or an HA cluster's). */
export function isDbaasBackup(vs: VolumeSnapshot): boolean {
  const l = vs.metadata.labels ?? {}
  return l[MANAGED_BY] === 'dbaas' && l[KIND] === Kinds.backup
}

export function isHaSnapshot(vs: VolumeSnapshot): boolean {
  const l = vs.metadata.labels ?? {}
  // CloudNativePG labels its snapshots with the cluster, the MariaDB operator with the PhysicalBackup.
  return l[CNPG_CLUSTER_LABEL] !== undefined || l['physicalbackup.k8s.mariadb.com/name'] !== undefined || l[KIND] === Kinds.haCluster
}

/** Decodes a Secret's data (base64) into the strings createInstance writes as stringData. */
export function decodeSecretData(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))
}
