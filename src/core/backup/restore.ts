// dbaas restore <backup> --to <new>: a new instance whose data volume starts as the backup.
// Same namespace: a PVC with the backup's VolumeSnapshot as dataSource. Another namespace (Velero's way):
// a pre-provisioned VolumeSnapshotContent (Retain) with the source content's snapshotHandle, bound to a new
// VolumeSnapshot there, and the PVC from that. Then the instance is installed through createInstance (same
// path as `create`) with the backup's credentials; once the PVC is Bound the helper snapshot and content are
// removed (Retain: the physical snapshot stays with its backup). Every check runs before the first write; a
// failure after it removes what this restore created.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { ClusterError, ConflictError, DbaasError, NotFoundError, PreconditionError, UsageError } from '../../errors.ts'
import { orForbidden } from '../../k8s/errors.ts'
import { R, type AccessCheck, type Kube, type KubeObject, type ResourceType } from '../../k8s/kube.ts'
import type { Secret, VolumeSnapshot, VolumeSnapshotContent } from '../../k8s/types.ts'
import { ANN, ENGINE, ENGINE_VERSION, KIND, MANAGED_BY, SOURCE_INSTANCE } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import { engineFromLabel } from '../../engines/registry.ts'
import { buildNamespace, createInstance, redact, type CreateOptions, type CreateResult } from '../create.ts'
import { deleteInstance, planDelete } from '../delete.ts'
import { findInstance, HaClusterError } from '../find.ts'
import { validateStorage } from '../names.ts'
import { mergePlacement, readPlacement, type Placement } from '../placement.ts'
import { checkOperatorNamespace } from '../system-namespaces.ts'
import type { InstanceView } from '../instances.ts'
import { SNAPSHOT_GROUP } from '../detect/snapshots.ts'
import { findBackup, haUsage, requireSnapshots, settle, unwrap, type Settled } from './common.ts'
import { waitSnapshot } from './create.ts'
import {
  BACKUP_ANN,
  backupCredentialsName,
  buildRestoreContent,
  buildRestorePvc,
  buildRestoreSnapshot,
  checkDriver,
  checkRestoreSize,
  decodeSecretData,
  isHaSnapshot,
  RESTORE_SOURCE_KIND,
  RESTORE_TARGET,
  restorePvcName,
} from './model.ts'

export interface RestoreOptions {
  backup: string
  /** Where the backup is (--backup-namespace); found by name when absent. */
  backupNamespace?: string | undefined
  to: string
  /** Target namespace (-n); dbaas-<to> when absent. */
  namespace: string
  namespaceExplicit: boolean
  storage?: string | undefined
  storageClass?: string | undefined
  cpu?: string | undefined
  memory?: string | undefined
  wait: boolean
  timeoutMs: number
  dryRun: 'none' | 'client' | 'server'
  cluster: ClusterFlags
  /** Placement flags given to restore: each replaces the source's (kept on the backup); the rest is the source's. */
  placement?: Placement | undefined
  /** --openshift (discovery decides otherwise, as on create). */
  openshift?: boolean | undefined
  /** --allow-system-namespace: an operator's own namespace is refused otherwise (before anything is written). */
  allowSystemNamespace?: boolean | undefined
}

export interface RestoreResult {
  instance: InstanceView
  action: 'restored' | 'dry-run'
  backup: { name: string; namespace: string; instance: string }
  crossNamespace: boolean
  objects: KubeObject[]
  /** Helper objects removed once the restored volume was Bound. */
  removed: string[]
  notes: string[]
  timings: { start: number; installStart?: number; installEnd?: number; end: number }
}

interface RestorePlan {
  vs: VolumeSnapshot
  backupNs: string
  sourceInstance: string
  cross: boolean
  engine: NonNullable<ReturnType<typeof engineFromLabel>>
  version: string
  storage: string
  storageClass: string | undefined
  snapshotClass: string | undefined
  credentials: Record<string, string>
  content?: VolumeSnapshotContent
  driver?: string
  nsExists: boolean
  notes: string[]
  helperName: string
  contentName: string
}

function b64(n: number, deps: Deps): string {
  return deps.randomBytes(n).toString('hex').slice(0, n)
}

/** Everything restore reads before it decides: two round trips (the backup's own objects depend on it). */
interface RestoreReads {
  vs: VolumeSnapshot
  support: Settled<{ notes: string[] }>
  denied: Settled<AccessCheck[]>
  target: Settled<unknown>
  pvc: Settled<KubeObject | 'forbidden' | undefined>
  namespace: Settled<KubeObject | 'forbidden' | undefined>
  classes: Settled<KubeObject[] | 'forbidden'>
  secret: Settled<Secret | undefined>
  content: Settled<VolumeSnapshotContent | 'forbidden' | undefined>
}

/** What restore must be allowed to write: the cluster-scoped content (another namespace), then the target's objects. */
function accessChecksFor(o: RestoreOptions): AccessCheck[] {
  return [
    { verb: 'create', group: SNAPSHOT_GROUP, resource: 'volumesnapshotcontents' },
    { verb: 'delete', group: SNAPSHOT_GROUP, resource: 'volumesnapshotcontents' },
    { verb: 'create', resource: 'namespaces' },
    { verb: 'create', resource: 'persistentvolumeclaims', namespace: o.namespace },
    { verb: 'create', resource: 'secrets', namespace: o.namespace },
    { verb: 'create', group: 'apps', resource: 'statefulsets', namespace: o.namespace },
    { verb: 'create', group: SNAPSHOT_GROUP, resource: 'volumesnapshots', namespace: o.namespace },
  ]
}

/** Step 1, read: what does not depend on the backup is read while the backup is looked up (one round trip). */
async function readState(kube: Kube, o: RestoreOptions, deps: Deps): Promise<RestoreReads> {
  const early = Promise.all([
    settle(requireSnapshots(kube, deps.now())),
    settle(kube.denied(accessChecksFor(o))),
    // The target must not exist: neither an instance nor the data PVC the StatefulSet would adopt.
    settle(findInstance(kube, { name: o.to, namespace: o.namespace })),
    settle(orForbidden(kube.find(R.pvcs, o.namespace, restorePvcName(o.to)))),
    settle(orForbidden(kube.find(R.namespaces, undefined, o.namespace))),
    settle(orForbidden(kube.list(R.storageClasses, undefined).then((l) => l.items))),
    settle(checkOperatorNamespace(kube, o.namespace, o.allowSystemNamespace === true)),
  ])
  const found = await settle(findBackup(kube, o.backup, o.backupNamespace, 'dbaas ha restore', '--backup-namespace'))
  const [support, denied, target, pvc, namespace, classes, operatorNs] = await early
  unwrap(operatorNs)
  const vs = unwrap(found)
  refuseForeignBackup(vs, o)
  const cross = o.namespace !== (vs.metadata.namespace ?? '')
  const contentName = vs.status?.boundVolumeSnapshotContentName
  const [secret, content] = await Promise.all([
    settle(kube.find(R.secrets, vs.metadata.namespace ?? '', backupCredentialsName(o.backup))),
    settle(contentName && (cross || !vs.metadata.annotations?.[BACKUP_ANN.driver]) ? orForbidden(kube.find(R.volumeSnapshotContents, undefined, contentName)) : Promise.resolve(undefined)),
  ])
  // A restore into the backup's own namespace needs no snapshot or content of its own.
  const relevant: Settled<AccessCheck[]> = denied.ok
    ? { ok: true, value: denied.value.filter((d) => cross || (d.resource !== 'volumesnapshotcontents' && d.resource !== 'volumesnapshots')) }
    : denied
  return { vs, support, denied: relevant, target, pvc, namespace, classes, secret, content }
}

/** An HA cluster's snapshot is restored by `dbaas ha restore`; a backup must name an engine dbaas knows. */
function refuseForeignBackup(vs: VolumeSnapshot, o: RestoreOptions): void {
  if (isHaSnapshot(vs)) throw haUsage(`"${o.backup}" is a backup of an HA cluster`, `dbaas ha restore ${o.backup}`)
  if (!engineFromLabel(vs.metadata.labels?.[ENGINE])) throw new PreconditionError(`backup "${o.backup}" names no engine dbaas knows (label ${ENGINE})`)
}

/** Step 2, preflight: the backup is usable (snapshots work here, it is not going, it is ready). */
function checkBackup(r: RestoreReads, o: RestoreOptions): { notes: string[] } {
  const { notes } = unwrap(r.support)
  const vs = r.vs
  if (vs.metadata.deletionTimestamp) throw new PreconditionError(`backup "${o.backup}" is being deleted; nothing was created`)
  if (vs.status?.readyToUse !== true) {
    throw new PreconditionError(`backup "${o.backup}" is not ready to use${vs.status?.error?.message ? ` (${vs.status.error.message})` : ''}; nothing was created`, {
      hint: `see \`dbaas backup list -n ${vs.metadata.namespace ?? ''}\`; restore it once READY is true`,
    })
  }
  return { notes }
}

/** Preflight: another namespace needs the cluster-scoped VolumeSnapshotContent (before anything is written). */
function checkContentAccess(refused: AccessCheck[], o: RestoreOptions, backupNs: string): void {
  const vscDenied = refused.filter((d) => d.resource === 'volumesnapshotcontents')
  if (!vscDenied.length) return
  throw new ClusterError(
    'forbidden',
    `restoring into another namespace needs cluster-wide access to VolumeSnapshotContents (${vscDenied.map((d) => d.verb).join(', ')}), which you do not have; nothing was created`,
    {
      hint: `restore into the backup's own namespace, which needs none: \`dbaas restore ${o.backup} --to ${o.to} -n ${backupNs}\`; or ask a cluster admin for that access`,
      details: { denied: vscDenied },
    },
  )
}

/** Preflight: the new name is free (no instance, HA cluster or data volume of it) and the namespace usable. */
function checkTarget(r: RestoreReads, o: RestoreOptions): { nsExists: boolean; secret: Secret } {
  const target = r.target
  if (target.ok) {
    throw new ConflictError(`instance "${o.to}" already exists in namespace ${o.namespace}; nothing was created`, {
      code: 'already_exists',
      hint: 'pick another --to name',
    })
  }
  if (target.error instanceof HaClusterError) {
    throw new ConflictError(`an HA cluster named "${o.to}" exists in namespace ${o.namespace}; a restored instance cannot have the same name there; nothing was created`, {
      code: 'already_exists',
      hint: 'pick another --to name',
    })
  }
  // A namespace the user may not read holds nothing of theirs; the access checks below say what they may do.
  if (!(target.error instanceof NotFoundError) && !(target.error instanceof ClusterError && target.error.code === 'forbidden')) throw target.error
  const pvc = unwrap(r.pvc)
  const nsObj = unwrap(r.namespace)
  const secret = unwrap(r.secret)
  if (pvc && pvc !== 'forbidden') {
    throw new ConflictError(`persistentvolumeclaim/${restorePvcName(o.to)} already exists in ${o.namespace}; nothing was created`, {
      code: 'already_exists',
      hint: 'pick another --to name, or remove that volume first',
    })
  }
  if (nsObj && nsObj !== 'forbidden' && nsObj.metadata.deletionTimestamp) {
    throw new PreconditionError(`namespace ${o.namespace} is being deleted; nothing was created`, { hint: 'wait until it is gone, then restore again' })
  }
  if (!secret?.data) {
    throw new PreconditionError(`backup "${o.backup}" has lost its credentials Secret ${backupCredentialsName(o.backup)}; without it the restored users' passwords are unknown`, {
      hint: 'restore another backup',
    })
  }
  return { nsExists: nsObj === 'forbidden' ? o.namespaceExplicit : nsObj !== undefined, secret }
}

/** Preflight: the volume — its size against the backup's, its class's driver against the snapshot's. */
function checkVolume(r: RestoreReads, o: RestoreOptions, cross: boolean): { storage: string; storageClass: string | undefined; content?: VolumeSnapshotContent; driver?: string } {
  const ann = r.vs.metadata.annotations ?? {}
  const storageClass = o.storageClass ?? ann[BACKUP_ANN.storageClass]
  const storage = validateStorage(o.storage ?? ann[BACKUP_ANN.storage] ?? '10Gi')
  const content = unwrap(r.content)
  const contentObj = content && content !== 'forbidden' ? content : undefined
  const driver = contentObj?.spec?.driver ?? ann[BACKUP_ANN.driver]
  // Size: restoreSize when the driver reported one (on the snapshot or its content), else the recorded request.
  checkRestoreSize(storage, r.vs.status?.restoreSize ?? contentObj?.status?.restoreSize, ann[BACKUP_ANN.storage])
  const classes = unwrap(r.classes)
  if (classes !== 'forbidden') {
    const sc = storageClass
      ? classes.find((c) => c.metadata.name === storageClass)
      : classes.find((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
    if (storageClass && !sc) throw new UsageError(`storage class "${storageClass}" does not exist; nothing was created`, { hint: 'pass --storage-class with an existing class' })
    if (sc) checkDriver(sc.metadata.name, (sc as { provisioner?: string }).provisioner, driver)
  }
  if (cross) {
    if (!contentObj?.status?.snapshotHandle) {
      throw new PreconditionError(`the backup's VolumeSnapshotContent ${r.vs.status?.boundVolumeSnapshotContentName ?? '<none>'} has no snapshotHandle yet; nothing was created`, { hint: 'try again in a moment' })
    }
    if (!driver) throw new PreconditionError(`the backup's VolumeSnapshotContent names no CSI driver; nothing was created`)
  }
  return { storage, storageClass, ...(contentObj ? { content: contentObj } : {}), ...(driver ? { driver } : {}) }
}

/** Preflight: the user may write what the restore writes in the target namespace. */
function checkNamespaceAccess(refused: AccessCheck[], o: RestoreOptions, nsExists: boolean): void {
  const nsDenied = refused.filter((d) => d.resource !== 'volumesnapshotcontents' && !(nsExists && d.resource === 'namespaces'))
  if (!nsDenied.length) return
  throw new ClusterError('forbidden', `you may not ${nsDenied.map((d) => `${d.verb} ${d.group ? `${d.resource}.${d.group}` : d.resource}`).join(', ')} in namespace ${o.namespace}; nothing was created`, {
    hint: nsExists ? 'ask a cluster admin for the Role that `dbaas rbac` prints' : `ask for namespace ${o.namespace} to be created for you, or pass -n with a namespace you may use`,
    details: { denied: nsDenied },
  })
}

/** Plan: read everything, refuse in a fixed order before anything is written, then say what will be made. */
async function gather(kube: Kube, o: RestoreOptions, deps: Deps): Promise<RestorePlan> {
  const r = await readState(kube, o, deps)
  const vs = r.vs
  const backupNs = vs.metadata.namespace ?? ''
  const labels = vs.metadata.labels ?? {}
  const engine = engineFromLabel(labels[ENGINE]) as NonNullable<ReturnType<typeof engineFromLabel>>
  const cross = o.namespace !== backupNs
  const { notes } = checkBackup(r, o)
  const refused = unwrap(r.denied)
  checkContentAccess(refused, o, backupNs)
  const { nsExists, secret } = checkTarget(r, o)
  const volume = checkVolume(r, o, cross)
  checkNamespaceAccess(refused, o, nsExists)
  const suffix = b64(6, deps)
  return {
    vs,
    backupNs,
    sourceInstance: labels[SOURCE_INSTANCE] ?? '',
    cross,
    engine,
    version: labels[ENGINE_VERSION] ?? vs.metadata.annotations?.[BACKUP_ANN.version] ?? engine.defaultVersion,
    storage: volume.storage,
    storageClass: volume.storageClass,
    snapshotClass: vs.spec?.volumeSnapshotClassName,
    credentials: decodeSecretData(secret.data ?? {}),
    ...(volume.content ? { content: volume.content } : {}),
    ...(volume.driver ? { driver: volume.driver } : {}),
    nsExists,
    notes,
    helperName: `${o.to}-restore-source`,
    contentName: `dbaas-restore-${o.to}-${suffix}`,
  }
}

function helperLabels(p: RestorePlan, to: string): Record<string, string> {
  return { [MANAGED_BY]: 'dbaas', [KIND]: RESTORE_SOURCE_KIND, [SOURCE_INSTANCE]: p.sourceInstance, [ENGINE]: p.engine.name, [RESTORE_TARGET]: to }
}

function origin(p: RestorePlan, o: RestoreOptions): Record<string, string> {
  return {
    [ANN.restoredFrom]: `${p.backupNs}/${o.backup}`,
    [ANN.restoredFromNamespace]: p.backupNs,
    [ANN.restoredFromInstance]: p.sourceInstance,
  }
}

function objectsFor(p: RestorePlan, o: RestoreOptions): { content?: KubeObject; snapshot?: KubeObject; pvc: KubeObject } {
  const labels = helperLabels(p, o.to)
  const content = p.cross
    ? buildRestoreContent({
        name: p.contentName,
        driver: p.driver ?? '',
        snapshotHandle: p.content?.status?.snapshotHandle ?? '',
        snapshotClass: p.snapshotClass,
        targetNamespace: o.namespace,
        snapshotName: p.helperName,
        labels,
      })
    : undefined
  const snapshot = p.cross ? buildRestoreSnapshot({ name: p.helperName, namespace: o.namespace, contentName: p.contentName, snapshotClass: p.snapshotClass, labels }) : undefined
  const pvc = buildRestorePvc({
    instance: o.to,
    namespace: o.namespace,
    engine: p.engine.name,
    version: p.version,
    storage: p.storage,
    storageClass: p.storageClass,
    snapshotName: p.cross ? p.helperName : o.backup,
    annotations: origin(p, o),
  })
  return { ...(content ? { content } : {}), ...(snapshot ? { snapshot } : {}), pvc }
}

async function waitGone(kube: Kube, r: ResourceType, ns: string | undefined, name: string, timeoutMs: number, deps: Deps): Promise<void> {
  await waitFor(kube, r, ns, { fieldSelector: `metadata.name=${name}` }, (items) => (items.length === 0 ? true : undefined), {
    timeoutMs,
    signal: deps.signal,
    describe: () => `${r.kind} ${ns ? `${ns}/` : ''}${name} is still being deleted by the snapshot controller`,
    timeoutHint: 'the restored instance is ready and does not need it; remove it later with kubectl',
  })
}

async function waitPvcBound(kube: Kube, ns: string, name: string, timeoutMs: number, deps: Deps): Promise<void> {
  await waitFor(kube, R.pvcs, ns, { fieldSelector: `metadata.name=${name}` }, (items) => (items[0]?.status?.phase === 'Bound' ? true : undefined), {
    timeoutMs,
    signal: deps.signal,
    describe: (items) => `persistentvolumeclaim ${ns}/${name} is ${items[0]?.status?.phase ?? 'missing'}`,
  })
}

/** The instance a restore installs: `create`'s own options, with the backup's engine, size and credentials. */
function instanceOptions(p: RestorePlan, o: RestoreOptions): CreateOptions {
  const ann = p.vs.metadata.annotations ?? {}
  return {
    engine: p.engine,
    name: o.to,
    namespace: o.namespace,
    namespaceExplicit: true,
    version: p.version,
    storage: p.storage,
    storageClass: p.storageClass,
    cpu: o.cpu ?? ann[BACKUP_ANN.cpu] ?? '250m',
    memory: o.memory ?? ann[BACKUP_ANN.memory] ?? '512Mi',
    database: ann[BACKUP_ANN.database] ?? p.credentials.database ?? 'app',
    user: ann[BACKUP_ANN.user] ?? p.credentials.username ?? 'app',
    dryRun: o.dryRun,
    wait: o.wait,
    timeoutMs: o.timeoutMs,
    cluster: o.cluster,
    annotations: origin(p, o),
    credentials: p.credentials,
    // The data volume is the one this restore made from the backup.
    reuseData: true,
    placement: mergePlacement(readPlacement(p.vs.metadata.annotations), o.placement ?? {}),
    openshift: o.openshift,
    // Checked (before the first write) in the plan.
    allowSystemNamespace: true,
    history: { verb: 'restore', params: { backup: `${p.backupNs}/${o.backup}`, ...(p.sourceInstance ? { from: p.sourceInstance } : {}) } },
  }
}

interface Steps {
  kube: Kube
  o: RestoreOptions
  p: RestorePlan
  objs: ReturnType<typeof objectsFor>
  nsObj: KubeObject
  createOpts: CreateOptions
  deps: Deps
}

/** Dry run: the objects restore would send (validated by the API server with =server), and the instance's. */
async function dryRun(x: Steps): Promise<{ instance: InstanceView; objects: KubeObject[]; notes: string[] }> {
  const { kube, o, p, objs, deps } = x
  const planned = [...(p.nsExists ? [] : [x.nsObj]), ...(objs.content ? [objs.content] : []), ...(objs.snapshot ? [objs.snapshot] : []), objs.pvc]
  const notes = [...p.notes]
  const shown: KubeObject[] = []
  if (o.dryRun === 'server' && objs.content) shown.push(await kube.create(R.volumeSnapshotContents, objs.content, { dryRun: true }))
  else shown.push(...planned.filter((k) => k.kind === 'VolumeSnapshotContent'))
  for (const k of planned.filter((k) => k.kind !== 'VolumeSnapshotContent')) {
    if (o.dryRun === 'server' && p.nsExists && k.kind !== 'Namespace') {
      shown.push(await kube.create((k.kind === 'VolumeSnapshot' ? R.volumeSnapshots : R.pvcs) as ResourceType, k, { dryRun: true }))
    } else shown.push(k)
  }
  // The instance itself, as `create --dry-run` shows it (the PVC above is the one its StatefulSet adopts).
  const inst: CreateResult | undefined = p.nsExists || o.dryRun === 'client' ? await createInstance(x.createOpts, deps) : undefined
  if (!p.nsExists && o.dryRun === 'server') notes.push(`namespace ${o.namespace} does not exist yet, so the instance's objects could not be validated by the server`)
  const extra = (inst?.objects ?? []).filter((k) => k.kind !== 'Namespace').map(redact)
  return {
    instance: inst?.instance ?? {
      kind: 'instance', name: o.to, namespace: o.namespace, engine: p.engine.name, version: p.version, status: 'Creating', ready: '0/1', storage: p.storage, storageClass: p.storageClass ?? null,
      database: x.createOpts.database, user: x.createOpts.user, createdAt: null, release: null, restoredFrom: `${p.backupNs}/${o.backup}`,
    },
    objects: [...shown, ...extra],
    notes: [...notes, ...(inst?.notes ?? [])],
  }
}

/** A compensation, registered before the risky step it undoes. */
interface Undo {
  what: string
  run: () => Promise<unknown>
}

/**
 * Write and wait: namespace and content → helper snapshot (ready) → PVC → the instance → (another namespace)
 * the PVC Bound. Each step registers its compensation first; a failure runs them in reverse and says what
 * was removed and what could not be.
 */
async function writeAndWait(x: Steps, timings: { installStart?: number; installEnd?: number }): Promise<{ instance: InstanceView; notes: string[] }> {
  const { kube, o, p, objs, deps } = x
  const undo: Undo[] = []
  const notes = [...p.notes]
  try {
    if (!p.nsExists) undo.push({ what: `namespace/${o.namespace}`, run: () => kube.deleteIfExists(R.namespaces, undefined, o.namespace) })
    if (objs.content) undo.push({ what: `volumesnapshotcontent/${p.contentName}`, run: () => kube.deleteIfExists(R.volumeSnapshotContents, undefined, p.contentName) })
    deps.ui.step(p.nsExists ? `Restoring into ${o.namespace}` : `Creating namespace ${o.namespace}`)
    // The namespace and the cluster-scoped content do not depend on each other.
    const first = await Promise.allSettled([
      p.nsExists ? Promise.resolve() : kube.create(R.namespaces, x.nsObj),
      objs.content ? kube.create(R.volumeSnapshotContents, objs.content) : Promise.resolve(),
    ])
    for (const r of first) if (r.status === 'rejected') throw r.reason
    if (objs.content && objs.snapshot) {
      deps.ui.step(`Binding the snapshot into ${o.namespace}`)
      undo.push({ what: `volumesnapshot/${p.helperName}`, run: () => kube.deleteIfExists(R.volumeSnapshots, o.namespace, p.helperName) })
      await kube.create(R.volumeSnapshots, objs.snapshot)
      await waitSnapshot(kube, o.namespace, p.helperName, 'ready', o.timeoutMs, deps)
    }
    deps.ui.step(`Creating volume ${restorePvcName(o.to)} from the backup`)
    undo.push({ what: `persistentvolumeclaim/${restorePvcName(o.to)}`, run: () => kube.deleteIfExists(R.pvcs, o.namespace, restorePvcName(o.to)) })
    await kube.create(R.pvcs, objs.pvc)
    timings.installStart = deps.now()
    // A failed install leaves a release, a Secret, a StatefulSet: remove them the way `delete` does.
    undo.push({ what: `instance ${o.to}`, run: () => removeInstance(o, deps) })
    const created = await createInstance(x.createOpts, deps)
    timings.installEnd = deps.now()
    notes.push(...created.notes)
    if (p.cross) {
      // The helper snapshot may go only once the volume restored from it is Bound.
      deps.ui.step(`Waiting for ${restorePvcName(o.to)} to be Bound`)
      await waitPvcBound(kube, o.namespace, restorePvcName(o.to), o.timeoutMs, deps)
    }
    return { instance: created.instance, notes }
  } catch (err) {
    deps.ui.fail()
    throw await rollback(undo, err)
  }
}

async function removeInstance(o: RestoreOptions, deps: Deps): Promise<void> {
  try {
    const del = { name: o.to, namespace: o.namespace, cluster: o.cluster, deleteData: true, wait: false, timeoutMs: 60_000, dryRun: false }
    await deleteInstance(await planDelete(del, deps), del, deps)
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err
  }
}

/** Runs the compensations in reverse; the error says what was removed and what could not be. */
async function rollback(undo: Undo[], err: unknown): Promise<unknown> {
  const failed: string[] = []
  for (const u of undo.reverse()) {
    try {
      await u.run()
    } catch {
      failed.push(u.what)
    }
  }
  if (!(err instanceof DbaasError)) return err
  const left = failed.length ? ` Could not remove: ${failed.join(', ')}.` : ''
  return Object.assign(err, {
    message: `${err.message} (restore rolled back${undo.length ? `: removed ${undo.map((u) => u.what).filter((w) => !failed.includes(w)).join(', ')}` : ''})`,
    hint: `${err.hint ? `${err.hint}. ` : ''}${left}`.trim() || undefined,
  })
}

/** The restored volume is Bound: it no longer needs the helper snapshot and content (Retain keeps the physical snapshot). */
async function removeHelpers(x: Steps): Promise<string[]> {
  const { kube, o, p, objs, deps } = x
  const removed: string[] = []
  if (!objs.snapshot || !objs.content) return removed
  deps.ui.step('Removing the helper snapshot')
  const [vsGone, vscGone] = await Promise.all([
    kube.deleteIfExists(R.volumeSnapshots, o.namespace, p.helperName),
    kube.deleteIfExists(R.volumeSnapshotContents, undefined, p.contentName),
  ])
  if (vsGone) removed.push(`volumesnapshot/${o.namespace}/${p.helperName}`)
  if (vscGone) removed.push(`volumesnapshotcontent/${p.contentName}`)
  // Both carry the snapshot controller's finalizers: gone once it has let go.
  await Promise.all([
    waitGone(kube, R.volumeSnapshots, o.namespace, p.helperName, o.timeoutMs, deps),
    waitGone(kube, R.volumeSnapshotContents, undefined, p.contentName, o.timeoutMs, deps),
  ])
  return removed
}

/** dbaas restore: plan (every refusal first) → dry run, or write and wait (rolled back on failure) → remove the helpers. */
export async function restoreBackup(o: RestoreOptions, deps: Deps): Promise<RestoreResult> {
  const start = deps.now()
  const kube = await deps.kube(o.cluster)
  deps.ui.step(`Checking backup ${o.backup}`)
  const p = await gather(kube, o, deps)
  const x: Steps = {
    kube,
    o,
    p,
    objs: objectsFor(p, o),
    nsObj: buildNamespace({ name: o.to, engine: p.engine, version: p.version, namespace: o.namespace }),
    createOpts: instanceOptions(p, o),
    deps,
  }
  const backup = { name: o.backup, namespace: p.backupNs, instance: p.sourceInstance }
  if (o.dryRun !== 'none') {
    const d = await dryRun(x)
    return { instance: d.instance, action: 'dry-run', backup, crossNamespace: p.cross, objects: d.objects, removed: [], notes: d.notes, timings: { start, end: deps.now() } }
  }
  const timings: { installStart?: number; installEnd?: number } = {}
  const { instance, notes } = await writeAndWait(x, timings)
  const removed = await removeHelpers(x)
  deps.ui.done()
  return { instance, action: 'restored', backup, crossNamespace: p.cross, objects: [], removed, notes, timings: { start, ...timings, end: deps.now() } }
}
