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
import type { VolumeSnapshot, VolumeSnapshotContent } from '../../k8s/types.ts'
import { ANN, ENGINE, ENGINE_VERSION, KIND, MANAGED_BY, SOURCE_INSTANCE } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import { engineFromLabel } from '../../engines/registry.ts'
import { buildNamespace, createInstance, redact, type CreateResult } from '../create.ts'
import { deleteInstance, planDelete } from '../delete.ts'
import { findInstance, HaClusterError } from '../find.ts'
import { validateStorage } from '../names.ts'
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

async function gather(kube: Kube, o: RestoreOptions, deps: Deps): Promise<RestorePlan> {
  // What does not depend on the backup is read while the backup is looked up (one round trip of latency).
  const vscChecks = [
    { verb: 'create', group: SNAPSHOT_GROUP, resource: 'volumesnapshotcontents' },
    { verb: 'delete', group: SNAPSHOT_GROUP, resource: 'volumesnapshotcontents' },
  ]
  const nsChecks = [
    { verb: 'create', resource: 'namespaces' },
    { verb: 'create', resource: 'persistentvolumeclaims', namespace: o.namespace },
    { verb: 'create', resource: 'secrets', namespace: o.namespace },
    { verb: 'create', group: 'apps', resource: 'statefulsets', namespace: o.namespace },
    { verb: 'create', group: SNAPSHOT_GROUP, resource: 'volumesnapshots', namespace: o.namespace },
  ]
  const early = Promise.all([
    settle(requireSnapshots(kube, deps.now())),
    settle(kube.denied([...vscChecks, ...nsChecks])),
    // The target must not exist: neither an instance nor the data PVC the StatefulSet would adopt.
    settle(findInstance(kube, { name: o.to, namespace: o.namespace })),
    settle(orForbidden(kube.find(R.pvcs, o.namespace, restorePvcName(o.to)))),
    settle(orForbidden(kube.find(R.namespaces, undefined, o.namespace))),
    settle(orForbidden(kube.list(R.storageClasses, undefined).then((l) => l.items))),
  ])
  const found = await settle(findBackup(kube, o.backup, o.backupNamespace, 'dbaas ha restore', '--backup-namespace'))
  const [support, deniedAll, target, pvcR, nsR, classesR] = await early
  const vs = unwrap(found)
  if (isHaSnapshot(vs)) throw haUsage(`"${o.backup}" is a backup of an HA cluster`, `dbaas ha restore ${o.backup}`)
  const backupNs = vs.metadata.namespace ?? ''
  const labels = vs.metadata.labels ?? {}
  const ann = vs.metadata.annotations ?? {}
  const engine = engineFromLabel(labels[ENGINE])
  if (!engine) throw new PreconditionError(`backup "${o.backup}" names no engine dbaas knows (label ${ENGINE})`)
  const cross = o.namespace !== backupNs
  const storageClass = o.storageClass ?? ann[BACKUP_ANN.storageClass]
  const contentName = vs.status?.boundVolumeSnapshotContentName as string | undefined
  const [secretR, contentR] = await Promise.all([
    settle(kube.find(R.secrets, backupNs, backupCredentialsName(o.backup))),
    settle(contentName && (cross || !ann[BACKUP_ANN.driver]) ? orForbidden(kube.find(R.volumeSnapshotContents, undefined, contentName)) : Promise.resolve(undefined)),
  ])
  const denied: Settled<AccessCheck[]> = deniedAll.ok
    ? { ok: true, value: deniedAll.value.filter((d) => cross || (d.resource !== 'volumesnapshotcontents' && d.resource !== 'volumesnapshots')) }
    : deniedAll
  const { notes } = unwrap(support)
  if (vs.metadata.deletionTimestamp) throw new PreconditionError(`backup "${o.backup}" is being deleted; nothing was created`)
  if (vs.status?.readyToUse !== true) {
    throw new PreconditionError(`backup "${o.backup}" is not ready to use${vs.status?.error?.message ? ` (${vs.status.error.message})` : ''}; nothing was created`, {
      hint: `see \`dbaas backup list -n ${backupNs}\`; restore it once READY is true`,
    })
  }
  const refused = unwrap(denied)
  const vscDenied = refused.filter((d) => d.resource === 'volumesnapshotcontents')
  if (vscDenied.length) {
    // Before anything is written: this user may not create the cluster-scoped VolumeSnapshotContent.
    throw new ClusterError(
      'forbidden',
      `restoring into another namespace needs cluster-wide access to VolumeSnapshotContents (${vscDenied.map((d) => d.verb).join(', ')}), which you do not have; nothing was created`,
      {
        hint: `restore into the backup's own namespace, which needs none: \`dbaas restore ${o.backup} --to ${o.to} -n ${backupNs}\`; or ask a cluster admin for that access`,
        details: { denied: vscDenied },
      },
    )
  }
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
  const pvc = unwrap(pvcR)
  const nsObj = unwrap(nsR)
  const secret = unwrap(secretR)
  if (pvc && pvc !== 'forbidden') {
    throw new ConflictError(`persistentvolumeclaim/${restorePvcName(o.to)} already exists in ${o.namespace}; nothing was created`, {
      code: 'already_exists',
      hint: 'pick another --to name, or remove that volume first',
    })
  }
  if (nsObj && nsObj !== 'forbidden' && nsObj.metadata.deletionTimestamp) {
    throw new PreconditionError(`namespace ${o.namespace} is being deleted; nothing was created`, { hint: 'wait until it is gone, then restore again' })
  }
  const nsExists = nsObj === 'forbidden' ? o.namespaceExplicit : nsObj !== undefined
  if (!secret?.data) {
    throw new PreconditionError(`backup "${o.backup}" has lost its credentials Secret ${backupCredentialsName(o.backup)}; without it the restored users' passwords are unknown`, {
      hint: 'restore another backup',
    })
  }

  const storage = validateStorage(o.storage ?? ann[BACKUP_ANN.storage] ?? '10Gi')
  const content = unwrap(contentR)
  const contentObj = content && content !== 'forbidden' ? content : undefined
  const driver = contentObj?.spec?.driver ?? ann[BACKUP_ANN.driver]

  // Size: restoreSize when the driver reported one (on the snapshot or its content), else the recorded request.
  checkRestoreSize(storage, vs.status?.restoreSize ?? contentObj?.status?.restoreSize, ann[BACKUP_ANN.storage])
  const classes = unwrap(classesR)
  if (classes !== 'forbidden') {
    const sc = storageClass
      ? classes.find((c) => c.metadata.name === storageClass)
      : classes.find((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
    if (storageClass && !sc) throw new UsageError(`storage class "${storageClass}" does not exist; nothing was created`, { hint: 'pass --storage-class with an existing class' })
    if (sc) checkDriver(sc.metadata.name, (sc as { provisioner?: string }).provisioner, driver)
  }

  if (cross) {
    if (!contentObj?.status?.snapshotHandle) {
      throw new PreconditionError(`the backup's VolumeSnapshotContent ${contentName ?? '<none>'} has no snapshotHandle yet; nothing was created`, { hint: 'try again in a moment' })
    }
    if (!driver) throw new PreconditionError(`the backup's VolumeSnapshotContent names no CSI driver; nothing was created`)
  }
  const nsDenied = refused.filter((d) => d.resource !== 'volumesnapshotcontents' && !(nsExists && d.resource === 'namespaces'))
  if (nsDenied.length) {
    throw new ClusterError('forbidden', `you may not ${nsDenied.map((d) => `${d.verb} ${d.group ? `${d.resource}.${d.group}` : d.resource}`).join(', ')} in namespace ${o.namespace}; nothing was created`, {
      hint: nsExists ? 'ask a cluster admin for the Role that `dbaas rbac` prints' : `ask for namespace ${o.namespace} to be created for you, or pass -n with a namespace you may use`,
      details: { denied: nsDenied },
    })
  }

  const suffix = b64(6, deps)
  return {
    vs,
    backupNs,
    sourceInstance: labels[SOURCE_INSTANCE] ?? '',
    cross,
    engine,
    version: labels[ENGINE_VERSION] ?? ann[BACKUP_ANN.version] ?? engine.defaultVersion,
    storage,
    storageClass,
    snapshotClass: vs.spec?.volumeSnapshotClassName,
    credentials: decodeSecretData(secret.data),
    ...(contentObj ? { content: contentObj } : {}),
    ...(driver ? { driver } : {}),
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

export async function restoreBackup(o: RestoreOptions, deps: Deps): Promise<RestoreResult> {
  const start = deps.now()
  const kube = await deps.kube(o.cluster)
  deps.ui.step(`Checking backup ${o.backup}`)
  const p = await gather(kube, o, deps)
  const objs = objectsFor(p, o)
  const createOpts = {
    engine: p.engine,
    name: o.to,
    namespace: o.namespace,
    namespaceExplicit: true,
    version: p.version,
    storage: p.storage,
    storageClass: p.storageClass,
    cpu: o.cpu ?? p.vs.metadata.annotations?.[BACKUP_ANN.cpu] ?? '250m',
    memory: o.memory ?? p.vs.metadata.annotations?.[BACKUP_ANN.memory] ?? '512Mi',
    database: p.vs.metadata.annotations?.[BACKUP_ANN.database] ?? p.credentials.database ?? 'app',
    user: p.vs.metadata.annotations?.[BACKUP_ANN.user] ?? p.credentials.username ?? 'app',
    dryRun: o.dryRun,
    wait: o.wait,
    timeoutMs: o.timeoutMs,
    cluster: o.cluster,
    annotations: origin(p, o),
    credentials: p.credentials,
    // The data volume is the one this restore made from the backup.
    reuseData: true,
  } as const
  const backupRef = { name: o.backup, namespace: p.backupNs, instance: p.sourceInstance }
  const nsObj = buildNamespace({ name: o.to, engine: p.engine, version: p.version, namespace: o.namespace })
  const planned = [...(p.nsExists ? [] : [nsObj]), ...(objs.content ? [objs.content] : []), ...(objs.snapshot ? [objs.snapshot] : []), objs.pvc]

  if (o.dryRun !== 'none') {
    const notes = [...p.notes]
    const shown: KubeObject[] = []
    if (o.dryRun === 'server' && objs.content) shown.push(await kube.create(R.volumeSnapshotContents, objs.content, { dryRun: true }))
    else shown.push(...planned.filter((x) => x.kind === 'VolumeSnapshotContent'))
    for (const x of planned.filter((x) => x.kind !== 'VolumeSnapshotContent')) {
      if (o.dryRun === 'server' && p.nsExists && x.kind !== 'Namespace') {
        shown.push(await kube.create((x.kind === 'VolumeSnapshot' ? R.volumeSnapshots : R.pvcs) as ResourceType, x, { dryRun: true }))
      } else shown.push(x)
    }
    // The instance itself, as `create --dry-run` shows it (the PVC above is the one its StatefulSet adopts).
    const inst: CreateResult = p.nsExists || o.dryRun === 'client' ? await createInstance(createOpts, deps) : { instance: undefined as never, action: 'dry-run', objects: [], notes: [] }
    if (!p.nsExists && o.dryRun === 'server') notes.push(`namespace ${o.namespace} does not exist yet, so the instance's objects could not be validated by the server`)
    const extra = inst.objects.filter((x) => x.kind !== 'Namespace').map(redact)
    return {
      instance: inst.instance ?? { kind: 'instance', name: o.to, namespace: o.namespace, engine: p.engine.name, version: p.version, status: 'Creating', ready: '0/1', storage: p.storage, storageClass: p.storageClass ?? null, database: createOpts.database, user: createOpts.user, createdAt: null, release: null, restoredFrom: `${p.backupNs}/${o.backup}` },
      action: 'dry-run',
      backup: backupRef,
      crossNamespace: p.cross,
      objects: [...shown, ...extra],
      removed: [],
      notes: [...notes, ...inst.notes],
      timings: { start, end: deps.now() },
    }
  }

  // Compensations, registered before each risky step and run in reverse if a later one fails.
  const undo: Array<{ what: string; run: () => Promise<unknown> }> = []
  const removed: string[] = []
  let installStart: number | undefined
  let installEnd: number | undefined
  let instance: InstanceView
  const notes = [...p.notes]
  try {
    if (!p.nsExists) undo.push({ what: `namespace/${o.namespace}`, run: () => kube.deleteIfExists(R.namespaces, undefined, o.namespace) })
    if (objs.content) undo.push({ what: `volumesnapshotcontent/${p.contentName}`, run: () => kube.deleteIfExists(R.volumeSnapshotContents, undefined, p.contentName) })
    deps.ui.step(p.nsExists ? `Restoring into ${o.namespace}` : `Creating namespace ${o.namespace}`)
    // The namespace and the cluster-scoped content do not depend on each other.
    const first = await Promise.allSettled([
      p.nsExists ? Promise.resolve() : kube.create(R.namespaces, nsObj),
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
    installStart = deps.now()
    // A failed install leaves a release, a Secret, a StatefulSet: remove them the way `delete` does.
    undo.push({
      what: `instance ${o.to}`,
      run: async () => {
        try {
          const del = { name: o.to, namespace: o.namespace, cluster: o.cluster, deleteData: true, wait: false, timeoutMs: 60_000, dryRun: false }
          await deleteInstance(await planDelete(del, deps), del, deps)
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err
        }
      },
    })
    const created = await createInstance(createOpts, deps)
    installEnd = deps.now()
    instance = created.instance
    notes.push(...created.notes)
    if (p.cross) {
      // The helper snapshot may go only once the volume restored from it is Bound.
      deps.ui.step(`Waiting for ${restorePvcName(o.to)} to be Bound`)
      await waitPvcBound(kube, o.namespace, restorePvcName(o.to), o.timeoutMs, deps)
    }
  } catch (err) {
    deps.ui.fail()
    const failed: string[] = []
    for (const u of undo.reverse()) {
      try {
        await u.run()
      } catch {
        failed.push(u.what)
      }
    }
    if (err instanceof DbaasError) {
      const left = failed.length ? ` Could not remove: ${failed.join(', ')}.` : ''
      throw Object.assign(err, {
        message: `${err.message} (restore rolled back${undo.length ? `: removed ${undo.map((u) => u.what).filter((w) => !failed.includes(w)).join(', ')}` : ''})`,
        hint: `${err.hint ? `${err.hint}. ` : ''}${left}`.trim() || undefined,
      })
    }
    throw err
  }

  // The restored volume is Bound: it no longer needs the helper snapshot and content.
  if (objs.snapshot && objs.content) {
    deps.ui.step('Removing the helper snapshot')
    const [vsGone, vscGone] = await Promise.all([
      kube.deleteIfExists(R.volumeSnapshots, o.namespace, p.helperName),
      kube.deleteIfExists(R.volumeSnapshotContents, undefined, p.contentName),
    ])
    if (vsGone) removed.push(`volumesnapshot/${o.namespace}/${p.helperName}`)
    if (vscGone) removed.push(`volumesnapshotcontent/${p.contentName}`)
    // Both carry the snapshot controller's finalizers: gone once it has let go (Retain keeps the physical snapshot).
    await Promise.all([
      waitGone(kube, R.volumeSnapshots, o.namespace, p.helperName, o.timeoutMs, deps),
      waitGone(kube, R.volumeSnapshotContents, undefined, p.contentName, o.timeoutMs, deps),
    ])
  }
  deps.ui.done()
  return {
    instance,
    action: 'restored',
    backup: backupRef,
    crossNamespace: p.cross,
    objects: [],
    removed,
    notes,
    timings: { start, ...(installStart ? { installStart } : {}), ...(installEnd ? { installEnd } : {}), end: deps.now() },
  }
}

