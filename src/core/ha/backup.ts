// ha backup create | list | delete | prune and ha restore, for the HA engines with volume-snapshot backups
// (CloudNativePG Backup with method volumeSnapshot; the MariaDB operator's PhysicalBackup with
// storage.volumeSnapshot). Percona XtraDB Cluster backs up to object storage only: exit 7 saying so.
// A restore is a new cluster bootstrapped from the backup's VolumeSnapshot. Across namespaces the snapshot is
// brought over the way that works on every CSI driver — a pre-provisioned VolumeSnapshotContent (Retain) with
// the same snapshot handle and a VolumeSnapshot bound to it — and both are removed once the restored volumes
// are Bound (the physical snapshot stays with its backup).
import { haHistoryTarget, recordOutcome } from '../day2/history.ts'
import type { ClusterFlags, Deps } from '../../deps.ts'
import { ConflictError, NotFoundError, OperationError, PreconditionError, UsageError } from '../../errors.ts'
import { apiInfo, isApiNotFound } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject, type ResourceType } from '../../k8s/kube.ts'
import type { Secret, VolumeSnapshot } from '../../k8s/types.ts'
import { ANN, ENGINE, ENGINE_VERSION, INSTANCE, KIND, Kinds, MANAGED, MANAGED_BY, SOURCE_INSTANCE } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import { BACKUP_ANN, backupCredentialsName, backupLabels, expiresAt, isExpired } from '../backup/model.ts'
import { generatePassword } from '../create.ts'
import { checkOperatorNamespace } from '../system-namespaces.ts'
import { mergePlacement, readPlacement, type Placement } from '../placement.ts'
import type { DeletionResult } from '../deletion.ts'
import { createHaCluster, buildHaNamespace, createParams } from './create.ts'
import type { BackupCapability, HaBackupView, HaEngine, HaSpec, HaView, Topology } from './engine.ts'
import { openCluster, requireOperator, requireSomeOperator, type HaTarget } from './find.ts'
import { HA_BACKUP_TEMPLATE, HA_RESTORE_SOURCE, haLabels } from './model.ts'
import { HA_ENGINES, engineOfLabel, requireCapability, requireFlag } from './registry.ts'
import { waitHealthy } from './wait.ts'

export type { HaBackupView }
/** Kept for the Writers' imports. */
export type BackupView = HaBackupView

/** Recorded on each backup, so a restore after its cluster is gone still knows what to build. */
export const TOPOLOGY_ANN = 'dbaas.io/ha-topology'
export const INSTANCES_ANN = 'dbaas.io/instances'
/** On the helper VolumeSnapshot(Content)s of a cross-namespace restore: the cluster it was for. */
export const RESTORE_TARGET = 'dbaas.io/restore-target'

/** `<cluster>-YYYYMMDDhhmmss`, a DNS label like CNPG's own scheduled backups. */
export function backupName(cluster: string, now: number): string {
  return `${cluster}-${new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14)}`
}

async function listSnapshots(kube: Kube, ns: string): Promise<VolumeSnapshot[]> {
  try {
    return (await kube.list(R.volumeSnapshots, ns)).items
  } catch (err) {
    if (isApiNotFound(err) || apiInfo(err)?.httpCode === 403) return []
    throw err
  }
}

function matches(o: KubeObject, selector: string): boolean {
  return selector.split(',').every((kv) => {
    const [k, v] = kv.split('=')
    return o.metadata.labels?.[k as string] === v
  })
}

/** The VolumeSnapshots a backup's operator took for it. */
function snapshotsOf(cap: BackupCapability<KubeObject>, b: KubeObject, snaps: KubeObject[]): KubeObject[] {
  const listed = new Set(cap.view(b, []).snapshots.map((s) => s.name))
  return snaps.filter((s) => matches(s, cap.snapshotSelector(b)) || listed.has(s.metadata.name))
}

const isTemplate = (b: KubeObject) => b.metadata.labels?.[KIND] === HA_BACKUP_TEMPLATE

export interface HaBackupCreateOptions extends HaTarget {
  backupName?: string | undefined
  online?: boolean | undefined
  /** --retention, in ms: `ha backup prune` deletes the backup once it has passed. */
  retentionMs?: number | undefined
  retention?: string | undefined
  wait: boolean
  timeoutMs: number
}

export async function haBackupCreate(t: HaBackupCreateOptions, deps: Deps): Promise<HaBackupView> {
  const { kube, engine, cluster } = await openCluster(t, deps)
  const cap = requireCapability(engine, 'backups', 'ha backup create') as BackupCapability<KubeObject>
  if (t.online !== undefined) requireFlag(engine, '--offline')
  const ns = cluster.metadata.namespace as string
  const name = cluster.metadata.name
  const refused = cap.refuse(cluster)
  if (refused) throw new PreconditionError(refused.message, { hint: refused.hint })
  const bname = t.backupName ?? backupName(name, deps.now())
  const view = engine.view(cluster)
  const ann = cluster.metadata.annotations ?? {}
  const exp = expiresAt(deps.now(), t.retentionMs)
  const annotations = {
    ...(ann[ANN.database] ? { [ANN.database]: ann[ANN.database] } : {}),
    ...(ann[ANN.user] ? { [ANN.user]: ann[ANN.user] } : {}),
    ...(ann[ANN.storage] ? { [ANN.storage]: ann[ANN.storage] } : {}),
    ...(ann[ANN.placement] ? { [ANN.placement]: ann[ANN.placement] } : {}),
    [TOPOLOGY_ANN]: view.topology,
    [INSTANCES_ANN]: String(view.instances),
    ...(exp ? { [BACKUP_ANN.expiresAt]: exp, [BACKUP_ANN.retention]: t.retention ?? '' } : {}),
  }
  const labels = haLabels({ name: cluster.metadata.labels?.[INSTANCE] ?? name, version: cluster.metadata.labels?.[ENGINE_VERSION], engine: engine.id }, Kinds.backup)
  deps.ui.step(`Requesting backup ${bname} of ${name}`)
  let b: KubeObject
  try {
    b = await kube.create(cap.resource, cap.build(cluster, bname, { online: t.online, labels, annotations }))
  } catch (err) {
    if (apiInfo(err)?.httpCode === 409) throw new ConflictError(`backup ${ns}/${bname} already exists`, { code: 'already_exists', hint: 'pick another --backup-name' })
    throw err
  }
  if (engine.id !== 'cnpg') await copyCredentials(kube, engine, cluster, b)
  // The cluster's history records the backup, or how waiting for it ended.
  const op = { verb: 'ha backup create', params: { backup: bname, ...(t.retention ? { retention: t.retention } : {}) }, startedMs: deps.now() }
  const target = haHistoryTarget(engine.resource as ResourceType, name, ns)
  if (t.wait) {
    deps.ui.step(`Waiting for backup ${bname} to complete`)
    b = await waitFor(
      kube,
      cap.resource,
      ns,
      { fieldSelector: `metadata.name=${bname}` },
      (items) => {
        const x = items[0]
        if (!x) return undefined
        const v = cap.view(x, [])
        deps.ui.update(`(${v.phase})`)
        if (v.phase === 'failed') throw new OperationError(`backup ${bname} failed: ${v.error ?? 'no reason given'}`, { hint: `\`kubectl describe ${cap.object} ${bname} -n ${ns}\`` })
        return v.phase === 'completed' ? x : undefined
      },
      {
        timeoutMs: t.timeoutMs,
        signal: deps.signal,
        describe: (items) => `backup ${bname} is ${items[0] ? cap.view(items[0], []).phase : 'gone'}`,
        timeoutHint: `it goes on: \`dbaas ha backup list ${name} -n ${ns}\` follows it`,
      },
    ).catch(async (err: unknown) => {
      await recordOutcome(kube, target, op, { error: err }, deps)
      throw err
    })
  }
  await recordOutcome(kube, target, op, { message: t.wait ? 'completed' : 'requested (not waited for)' }, deps)
  deps.ui.done()
  return cap.view(b, await listSnapshots(kube, ns))
}

/**
 * MySQL-family operators restore the source's data directory, users and passwords included, so the backup
 * keeps a copy of the credentials (a Secret it owns, deleted with it) for a restore after the cluster is gone.
 */
async function copyCredentials(kube: Kube, engine: HaEngine, cluster: KubeObject, b: KubeObject): Promise<void> {
  const ns = cluster.metadata.namespace as string
  const src = await kube.find(R.secrets, ns, engine.secretName(cluster))
  if (!src?.data) return
  const keep = Object.fromEntries(Object.entries(src.data).filter(([k]) => ['username', 'password', 'root'].includes(k)))
  const copy: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/basic-auth',
    metadata: {
      name: backupCredentialsName(b.metadata.name),
      namespace: ns,
      labels: backupLabels(cluster.metadata.labels?.[INSTANCE] ?? cluster.metadata.name, engine.engine, Kinds.backupCredentials),
      ownerReferences: [{ apiVersion: b.apiVersion as string, kind: b.kind as string, name: b.metadata.name, uid: b.metadata.uid as string }],
    },
    data: keep,
  }
  await kube.create(R.secrets, copy).catch((err) => (apiInfo(err)?.httpCode === 409 ? undefined : Promise.reject(err)))
}

export async function haBackupList(t: HaTarget, deps: Deps): Promise<HaBackupView[]> {
  const { kube, engine, cluster } = await openCluster(t, deps)
  const cap = engine.backups as BackupCapability<KubeObject> | undefined
  if (!cap) return []
  const ns = cluster.metadata.namespace as string
  const [list, snaps] = await Promise.all([kube.list(cap.resource, ns), listSnapshots(kube, ns)])
  return list.items
    .filter((b) => cap.clusterOf(b) === cluster.metadata.name && !isTemplate(b))
    .map((b) => cap.view(b, snaps))
    .sort((a, b) => (a.startedAt ?? a.name).localeCompare(b.startedAt ?? b.name))
}

export interface FoundBackup {
  engine: HaEngine
  cap: BackupCapability<KubeObject>
  backup: KubeObject
}

/** An HA backup by name, of whichever engine: in `ns` when given, else across namespaces. 3 when none, 2 when several. */
export async function findHaBackup(kube: Kube, name: string, ns: string | undefined, hint = 'list them with `dbaas ha backup list <cluster>`'): Promise<FoundBackup> {
  const hits: FoundBackup[] = []
  let forbidden: unknown
  let answered = false
  for (const engine of HA_ENGINES) {
    const cap = engine.backups as BackupCapability<KubeObject> | undefined
    if (!cap) continue
    try {
      const items = ns ? [await kube.find(cap.resource, ns, name)].filter((x): x is KubeObject => x !== undefined) : (await kube.list(cap.resource, undefined, { fieldSelector: `metadata.name=${name}` })).items
      answered = true
      for (const b of items) if (!isTemplate(b)) hits.push({ engine, cap, backup: b })
    } catch (err) {
      if (isApiNotFound(err)) continue
      if (apiInfo(err)?.httpCode === 403) {
        forbidden ??= err
        continue
      }
      throw err
    }
  }
  // As findHaCluster: a user whose Role covers one engine's kinds is answered from those; a user who may read
  // none of them gets the refusal (5) — "not found" (3) would be a guess.
  if (hits.length === 0 && forbidden && !answered) throw forbidden
  if (hits.length === 0) throw new NotFoundError(`HA backup "${name}" not found${ns ? ` in namespace ${ns}` : ''}`, { hint })
  if (hits.length > 1) {
    const where = hits.map((h) => `${h.backup.metadata.namespace}/${h.cap.object}`).sort()
    throw new UsageError(`HA backup "${name}" exists in several places: ${where.join(', ')}`, { hint: `--backup-namespace (or -n) picks one, e.g. ${hits[0]?.backup.metadata.namespace}` })
  }
  return hits[0] as FoundBackup
}

// ---- delete and prune (the shared delete flow plans, confirms, then runs these) ----

export interface HaBackupDeleteTarget {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  skipOperatorCheck: boolean
}

export interface HaBackupDeletePlan extends FoundBackup {
  view: HaBackupView
  snapshots: KubeObject[]
}

export async function planHaBackupDelete(o: HaBackupDeleteTarget, deps: Deps): Promise<HaBackupDeletePlan> {
  // No operator is needed to delete (someone who uninstalled it can still clean up), as for ha delete.
  const kube = await deps.kube(o.cluster)
  const found = await findHaBackup(kube, o.name, o.namespace, 'list them with `dbaas ha backup list <cluster>`')
  const snaps = snapshotsOf(found.cap, found.backup, await listSnapshots(kube, found.backup.metadata.namespace as string))
  return { ...found, view: found.cap.view(found.backup, snaps), snapshots: snaps }
}

async function waitSnapshotsGone(kube: Kube, ns: string, names: string[], timeoutMs: number, deps: Deps): Promise<void> {
  if (names.length === 0) return
  const want = new Set(names)
  await waitFor(kube, R.volumeSnapshots, ns, {}, (items) => (items.some((i) => want.has(i.metadata.name)) ? undefined : true), {
    timeoutMs,
    signal: deps.signal,
    describe: (items) => `still there: ${items.filter((i) => want.has(i.metadata.name)).map((i) => `volumesnapshot/${i.metadata.name}`).join(', ')}`,
    timeoutHint: 'the snapshot controller has not finished deleting them; `kubectl describe volumesnapshot` says why',
  })
}

/** Deletes the backup object and the VolumeSnapshots its operator took (their content goes per its class's deletionPolicy). */
export async function haBackupDelete(p: HaBackupDeletePlan, o: { dryRun: boolean; wait: boolean; timeoutMs: number; cluster: ClusterFlags }, deps: Deps): Promise<DeletionResult> {
  const ns = p.backup.metadata.namespace as string
  const name = p.backup.metadata.name
  const deleted = [`${p.cap.object}/${name}`, ...p.snapshots.map((s) => `volumesnapshot/${s.metadata.name}`)]
  const result = (dryRun: boolean): DeletionResult => ({ name, namespace: ns, found: true, dryRun, deleted, kept: [], namespaceDeleted: false })
  if (o.dryRun) return result(true)
  const kube = await deps.kube(o.cluster)
  await checkNotRestoring(kube, ns, p.snapshots.map((s) => s.metadata.name))
  deps.ui.step(`Deleting backup ${ns}/${name}`)
  await kube.deleteIfExists(p.cap.resource, ns, name)
  for (const s of p.snapshots) await kube.deleteIfExists(R.volumeSnapshots, ns, s.metadata.name)
  if (o.wait) await waitSnapshotsGone(kube, ns, p.snapshots.map((s) => s.metadata.name), o.timeoutMs, deps)
  deps.ui.done()
  return result(false)
}

/** Refuses while a restore in the same namespace still reads from these snapshots (a PVC from one not Bound yet). */
async function checkNotRestoring(kube: Kube, ns: string, snaps: string[]): Promise<void> {
  const pvcs = await kube.list(R.pvcs, ns).then(
    (l) => l.items,
    () => [],
  )
  const busy = pvcs.filter((p) => p.spec?.dataSource?.kind === 'VolumeSnapshot' && snaps.includes(p.spec.dataSource.name) && p.status?.phase !== 'Bound')
  if (busy.length) {
    throw new PreconditionError(`the backup is being restored into ${busy.map((p) => `persistentvolumeclaim/${p.metadata.name}`).join(', ')}, which is not Bound yet; nothing was deleted`, {
      hint: 'wait for the restore to finish, then delete the backup',
    })
  }
}

export interface HaPruneOptions {
  cluster: ClusterFlags
  namespace?: string | undefined
  /** Only this HA cluster's backups. */
  of?: string | undefined
  dryRun: boolean
  wait: boolean
  timeoutMs: number
  skipOperatorCheck: boolean
}

export interface HaPruneResult {
  dryRun: boolean
  deleted: HaBackupView[]
  kept: number
}

export async function haBackupPrune(o: HaPruneOptions, deps: Deps): Promise<HaPruneResult> {
  // Like ha backup delete, pruning needs no operator: the kinds that are not served hold no backups (404).
  const kube = await deps.kube(o.cluster)
  const engines = HA_ENGINES.filter((e) => e.backups)
  const now = deps.now()
  const expired: Array<{ cap: BackupCapability<KubeObject>; b: KubeObject }> = []
  let total = 0
  for (const e of engines) {
    const cap = e.backups as BackupCapability<KubeObject>
    const items = await kube.list(cap.resource, o.namespace, { labelSelector: `${MANAGED},${KIND}=${Kinds.backup}${o.of ? `,${INSTANCE}=${o.of}` : ''}` }).then(
      (l) => l.items,
      (err) => (isApiNotFound(err) ? [] : Promise.reject(err)),
    )
    total += items.length
    for (const b of items) if (isExpired(b, now) && !b.metadata.deletionTimestamp) expired.push({ cap, b })
  }
  const deleted: HaBackupView[] = []
  const byNs = new Map<string, string[]>()
  for (const { cap, b } of expired) {
    const ns = b.metadata.namespace as string
    const snaps = snapshotsOf(cap, b, await listSnapshots(kube, ns))
    if (!o.dryRun) {
      deps.ui.step(`Deleting expired backup ${ns}/${b.metadata.name}`)
      await kube.deleteIfExists(cap.resource, ns, b.metadata.name)
      for (const s of snaps) await kube.deleteIfExists(R.volumeSnapshots, ns, s.metadata.name)
      byNs.set(ns, [...(byNs.get(ns) ?? []), ...snaps.map((s) => s.metadata.name)])
    }
    deleted.push(cap.view(b, snaps))
  }
  if (!o.dryRun && o.wait) for (const [ns, names] of byNs) await waitSnapshotsGone(kube, ns, names, o.timeoutMs, deps)
  deps.ui.done()
  return { dryRun: o.dryRun, deleted, kept: total - expired.length }
}

// ---- restore ----

export interface RestoreOptions {
  backup: string
  /** Where the backup is; found by name across namespaces otherwise. */
  backupNamespace?: string | undefined
  to: string
  namespace: string
  namespaceExplicit: boolean
  instances?: number | undefined
  storage?: string | undefined
  password?: string | undefined
  wait: boolean
  timeoutMs: number
  cluster: ClusterFlags
  skipOperatorCheck: boolean
  /** Placement flags given to ha restore; the rest is the source cluster's (kept on the backup). */
  placement?: Placement | undefined
  /** --allow-system-namespace: an operator's own namespace is refused otherwise. */
  allowSystemNamespace?: boolean | undefined
}

export interface RestoreResult {
  cluster: HaView
  from: string
  /** The helper VolumeSnapshot(Content)s of a cross-namespace restore, removed once the restored volumes were Bound. */
  removed: string[]
  notes: string[]
}

/** Makes a VolumeSnapshot of another namespace available in `targetNs` under the same name (pre-provisioned content). */
export async function bringSnapshot(kube: Kube, srcNs: string, vsName: string, targetNs: string, labels: Record<string, string>): Promise<{ content: string }> {
  const vs = await kube.get(R.volumeSnapshots, srcNs, vsName)
  const contentName: string | undefined = vs.status?.boundVolumeSnapshotContentName
  if (!contentName || vs.status?.readyToUse !== true) throw new PreconditionError(`snapshot ${srcNs}/${vsName} is not ready to use yet`, { hint: 'wait for the backup to complete' })
  const content = await kube.get(R.volumeSnapshotContents, undefined, contentName)
  const handle: string | undefined = content.status?.snapshotHandle
  if (!handle) throw new PreconditionError(`snapshot content ${contentName} has no snapshot handle yet`, { hint: 'wait for the backup to complete' })
  const copyName = `${targetNs}-${vsName}`.slice(0, 253)
  // The operators read their own labels and annotations on the snapshot (CNPG's backup label file, MariaDB's GTID).
  const keep = (m: Record<string, string> | undefined) => Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => k.startsWith('cnpg.io/') || k.startsWith('k8s.mariadb.com/')))
  await kube.create(R.volumeSnapshotContents, {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: { name: copyName, labels },
    spec: {
      deletionPolicy: 'Retain',
      driver: content.spec?.driver,
      source: { snapshotHandle: handle },
      ...(content.spec?.volumeSnapshotClassName ? { volumeSnapshotClassName: content.spec.volumeSnapshotClassName } : {}),
      volumeSnapshotRef: { namespace: targetNs, name: vsName },
    },
  })
  await kube.create(R.volumeSnapshots, {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name: vsName, namespace: targetNs, labels: { ...keep(vs.metadata.labels), ...labels }, annotations: keep(vs.metadata.annotations) },
    spec: {
      source: { volumeSnapshotContentName: copyName },
      ...(vs.spec?.volumeSnapshotClassName ? { volumeSnapshotClassName: vs.spec.volumeSnapshotClassName } : {}),
    },
  })
  return { content: copyName }
}

/** The labels of the helper snapshots: never a backup of their own (`backup list` and completion skip them). */
export function restoreSourceLabels(engine: HaEngine, to: string, from: string): Record<string, string> {
  return { [MANAGED_BY]: 'dbaas', [KIND]: HA_RESTORE_SOURCE, [ENGINE]: engine.engine, [SOURCE_INSTANCE]: from, [RESTORE_TARGET]: to }
}

async function waitGone<T extends KubeObject>(kube: Kube, r: ResourceType<T>, ns: string | undefined, name: string, timeoutMs: number, deps: Deps): Promise<void> {
  await waitFor(kube, r, ns, { fieldSelector: `metadata.name=${name}` }, (items) => (items.length === 0 ? true : undefined), {
    timeoutMs,
    signal: deps.signal,
    describe: () => `${r.kind} ${name} is still being deleted`,
  })
}

/** Removes the helper snapshots of a cross-namespace restore into `to` (after its volumes are Bound, or when it is deleted). */
export async function removeRestoreHelpers(kube: Kube, ns: string, to: string, timeoutMs: number, deps: Deps): Promise<string[]> {
  const sel = `${MANAGED},${KIND}=${HA_RESTORE_SOURCE},${RESTORE_TARGET}=${to}`
  const [vss, vscs] = await Promise.all([
    kube.list(R.volumeSnapshots, ns, { labelSelector: sel }).then((l) => l.items, (err) => (isApiNotFound(err) ? [] : Promise.reject(err))),
    kube.list(R.volumeSnapshotContents, undefined, { labelSelector: sel }).then((l) => l.items, (err) => (isApiNotFound(err) || apiInfo(err)?.httpCode === 403 ? [] : Promise.reject(err))),
  ])
  const removed: string[] = []
  for (const v of vss) if (await kube.deleteIfExists(R.volumeSnapshots, ns, v.metadata.name)) removed.push(`volumesnapshot/${ns}/${v.metadata.name}`)
  for (const c of vscs) if (await kube.deleteIfExists(R.volumeSnapshotContents, undefined, c.metadata.name)) removed.push(`volumesnapshotcontent/${c.metadata.name}`)
  // Both carry the snapshot controller's finalizers: gone once it has let go (Retain keeps the physical snapshot).
  await Promise.all([
    ...vss.map((v) => waitGone(kube, R.volumeSnapshots, ns, v.metadata.name, timeoutMs, deps)),
    ...vscs.map((c) => waitGone(kube, R.volumeSnapshotContents, undefined, c.metadata.name, timeoutMs, deps)),
  ])
  return removed
}

function paramsOf(engine: HaEngine, c: KubeObject | undefined): Record<string, string> {
  return c ? engine.paramsOf(c) : {}
}

export async function haRestore(o: RestoreOptions, deps: Deps): Promise<RestoreResult> {
  const kube = await deps.kube(o.cluster)
  let found: FoundBackup
  try {
    found = await findHaBackup(kube, o.backup, o.backupNamespace)
  } catch (err) {
    if (err instanceof NotFoundError) await requireSomeOperator(kube, o.skipOperatorCheck, deps)
    throw err
  }
  const { engine, cap, backup: b } = found
  await requireOperator(kube, engine, o.skipOperatorCheck, deps, o.namespace)
  await checkOperatorNamespace(kube, o.namespace, o.allowSystemNamespace === true)
  if (o.password !== undefined && engine.id !== 'cnpg') {
    throw new UsageError(`--password-stdin is not supported for restoring ${engine.displayName}`, {
      hint: 'the restored data directory keeps the backup\'s users and passwords, so the new cluster uses the credentials the backup kept; --password-stdin works for postgresql restores',
    })
  }
  const srcNs = b.metadata.namespace as string
  const snaps = await listSnapshots(kube, srcNs)
  const view = cap.view(b, snaps)
  if (view.phase !== 'completed') throw new PreconditionError(`backup ${srcNs}/${o.backup} is ${view.phase}, not completed`, { hint: 'restore a completed backup (`dbaas ha backup list <cluster>`)' })
  if (view.method !== 'volumeSnapshot') throw new PreconditionError(`backup ${o.backup} was taken with ${view.method}; dbaas restores volumeSnapshot backups only`)
  const { data, wal } = cap.restoreSnapshots(view, snaps)
  if (!data) throw new PreconditionError(`backup ${o.backup} lists no data snapshot`, { hint: `\`kubectl describe ${cap.object} ${o.backup} -n ${srcNs}\`` })
  const source = await kube.find(engine.resource, srcNs, view.cluster).catch((err) => (isApiNotFound(err) ? undefined : Promise.reject(err)))
  const sv = source ? engine.view(source) : undefined
  const ann = { ...(source?.metadata.annotations ?? {}), ...(b.metadata.annotations ?? {}) }
  const topology = (ann[TOPOLOGY_ANN] as Topology | undefined) ?? sv?.topology ?? (engine.topologies[0] as Topology)
  const recordedInstances = Number(ann[INSTANCES_ANN])
  const version = b.metadata.labels?.[ENGINE_VERSION] ?? source?.metadata.labels?.[ENGINE_VERSION]
  const spec: HaSpec = {
    engine: engine.id,
    topology,
    name: o.to,
    namespace: o.namespace,
    instances: o.instances ?? sv?.instances ?? (Number.isInteger(recordedInstances) && recordedInstances > 0 ? recordedInstances : engine.id === 'cnpg' ? 1 : topology === 'galera' ? 3 : 2),
    database: ann[ANN.database] ?? sv?.database ?? 'app',
    user: ann[ANN.user] ?? sv?.user ?? 'app',
    storage: o.storage ?? sv?.storage ?? ann[ANN.storage] ?? '10Gi',
    storageClass: source?.metadata.annotations?.[ANN.storageClass],
    version: version && version !== 'default' ? version : undefined,
    params: paramsOf(engine, source),
    recovery: { dataSnapshot: data, walSnapshot: wal, source: `${srcNs}/${o.backup}` },
    // The source's placement (dbaas.io/placement, copied onto the backup); each flag given to ha restore replaces its field.
    placement: mergePlacement(readPlacement(ann), o.placement ?? {}),
  }
  engine.validateName(spec.name)
  engine.validateInstances(spec.instances, topology, '--instances')
  let password = o.password
  if (engine.id !== 'cnpg') {
    // The restored data keeps the source's users: the new cluster must use the passwords the backup kept.
    const copy = (await kube.find(R.secrets, srcNs, backupCredentialsName(o.backup))) ?? (source ? await kube.find(R.secrets, srcNs, engine.secretName(source)) : undefined)
    const dec = (k: string) => (copy?.data?.[k] ? Buffer.from(copy.data[k] as string, 'base64').toString('utf8') : undefined)
    if (!dec('password') || !dec('root')) {
      throw new PreconditionError(`the credentials of backup ${srcNs}/${o.backup} are gone (secret ${backupCredentialsName(o.backup)}), and the restored data only accepts them`, { hint: 'restore a backup whose credentials copy is still there' })
    }
    password = dec('password')
    deps.ui.step('Using the credentials the backup kept')
    return restoreInto(kube, engine, spec, { password: password as string, root: dec('root') as string }, o, srcNs, [data], deps, view.cluster)
  }
  return restoreInto(kube, engine, spec, { password: password ?? generatePassword(deps.randomBytes), root: generatePassword(deps.randomBytes) }, o, srcNs, [data, ...(wal ? [wal] : [])], deps, view.cluster)
}

async function restoreInto(
  kube: Kube,
  engine: HaEngine,
  spec: HaSpec,
  passwords: { password: string; root: string },
  o: RestoreOptions,
  srcNs: string,
  snapshotNames: string[],
  deps: Deps,
  sourceCluster: string,
): Promise<RestoreResult> {
  const notes: string[] = []
  const started = deps.now()
  const cross = srcNs !== o.namespace
  let createdNamespace = false
  let r: Awaited<ReturnType<typeof createHaCluster>>
  try {
    if (cross) {
      const existing = await kube.find(engine.resource, o.namespace, o.to).catch((err) => (isApiNotFound(err) ? undefined : Promise.reject(err)))
      if (existing) throw new ConflictError(`a ${engine.resource.kind} named ${o.to} already exists in ${o.namespace}`, { code: 'already_exists', hint: 'pick another --to name' })
      const nsExists = await kube.find(R.namespaces, undefined, o.namespace).catch((err) => (apiInfo(err)?.httpCode === 403 ? o.namespaceExplicit : Promise.reject(err)))
      if (!nsExists) {
        await kube.create(R.namespaces, buildHaNamespace(spec))
        createdNamespace = true
      }
      deps.ui.step(`Bringing the backup's snapshot${snapshotNames.length > 1 ? 's' : ''} into ${o.namespace}`)
      const labels = restoreSourceLabels(engine, o.to, sourceCluster)
      for (const s of snapshotNames) {
        const there = await kube.find(R.volumeSnapshots, o.namespace, s)
        if (!there) await bringSnapshot(kube, srcNs, s, o.namespace, labels)
      }
      await waitFor(
        kube,
        R.volumeSnapshots,
        o.namespace,
        { labelSelector: `${MANAGED},${KIND}=${HA_RESTORE_SOURCE},${RESTORE_TARGET}=${o.to}` },
        (items) => (items.length > 0 && items.every((v) => v.status?.readyToUse === true) ? true : undefined),
        { timeoutMs: o.timeoutMs, signal: deps.signal, describe: (items) => `snapshots not ready in ${o.namespace}: ${items.filter((v) => !v.status?.readyToUse).map((v) => v.metadata.name).join(', ') || 'none created'}` },
      )
    }
    r = await createHaCluster(
      { spec, namespaceExplicit: true, password: passwords.password, rootPassword: passwords.root, dryRun: 'none', wait: false, timeoutMs: o.timeoutMs, cluster: o.cluster, skipOperatorCheck: true, allowSystemNamespace: true, history: false },
      deps,
    )
  } catch (err) {
    // Nothing of the new cluster exists yet: take back what this restore made, so a rerun starts clean.
    if (cross && !(err instanceof ConflictError)) {
      await removeRestoreHelpers(kube, o.namespace, o.to, 30_000, deps).catch(() => undefined)
      if (createdNamespace) await kube.deleteIfExists(R.namespaces, undefined, o.namespace).catch(() => undefined)
    }
    throw err
  }
  // The new cluster's history starts with the restore, and how its wait ended.
  const target = haHistoryTarget(engine.resource, o.to, o.namespace)
  const op = { verb: 'ha restore', params: { backup: o.backup, from: `${srcNs}/${sourceCluster}`, ...createParams(engine, spec) }, startedMs: started }
  try {
    if (o.wait) r = { ...r, cluster: engine.view(await waitHealthy(kube, engine, o.to, o.namespace, o.timeoutMs, deps)) }
  } catch (err) {
    await recordOutcome(kube, target, op, { error: err }, deps)
    throw err
  }
  const recorded = await recordOutcome(kube, target, op, { message: o.wait ? 'restored, healthy' : 'restored (not waited for)' }, deps)
  if (recorded) notes.push(recorded)
  notes.push(...r.notes)
  let removed: string[] = []
  if (cross) {
    if (o.wait) {
      // The helper snapshots may go only once the volumes restored from them are Bound.
      deps.ui.step('Waiting for the restored volumes to be Bound')
      await waitFor(
        kube,
        R.pvcs,
        o.namespace,
        {},
        (items) => {
          const fromHelpers = items.filter((p) => p.spec?.dataSource?.kind === 'VolumeSnapshot' && snapshotNames.includes(p.spec.dataSource.name))
          return fromHelpers.length > 0 && fromHelpers.every((p) => p.status?.phase === 'Bound') ? true : undefined
        },
        { timeoutMs: o.timeoutMs, signal: deps.signal, describe: () => `the volumes restored from ${snapshotNames.join(', ')} are not Bound yet`, timeoutHint: `\`dbaas ha status ${o.to} -n ${o.namespace}\`` },
      )
      deps.ui.step('Removing the helper snapshot')
      removed = await removeRestoreHelpers(kube, o.namespace, o.to, o.timeoutMs, deps)
    } else {
      notes.push(`the helper VolumeSnapshot and VolumeSnapshotContent in ${o.namespace} stay until the restore is done; \`dbaas ha delete ${o.to}\` removes them, or run the restore with --wait`)
    }
  }
  deps.ui.done()
  return { cluster: r.cluster, from: spec.recovery?.source ?? '', removed, notes }
}

export { waitHealthy, engineOfLabel }
