// dbaas backup list | delete | prune: backups read back from their VolumeSnapshots' labels alone, so
// backups of deleted instances are listed (and restorable) like any other.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { PreconditionError } from '../../errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import type { PersistentVolumeClaim, VolumeSnapshot } from '../../k8s/types.ts'
import { INSTANCE, KIND, Kinds, MANAGED } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import { BACKUP_SELECTOR, findBackup, listBackupObjects } from './common.ts'
import { backupCredentialsName, isExpired, toBackupView, type BackupView } from './model.ts'
import type { DeletionResult } from '../deletion.ts'

export interface BackupListOptions {
  cluster: ClusterFlags
  /** -n given: only there; otherwise every namespace the user may list. */
  namespace?: string | undefined
  instance?: string | undefined
}

export interface BackupListResult {
  items: BackupView[]
  fellBackTo?: string
  /** The listing covers more than one namespace (no -n, and not fallen back to the context's). */
  acrossNamespaces: boolean
  notes: string[]
}

/** Which (namespace/instance) pairs still have their StatefulSet, for INSTANCE "(deleted)". */
async function liveInstances(kube: Kube, namespace: string | undefined): Promise<Set<string> | undefined> {
  try {
    const sts = await kube.list(R.statefulSets, namespace, { labelSelector: `${MANAGED},${KIND}=${Kinds.instance}`, metadataOnly: true })
    return new Set(sts.items.map((s) => `${s.metadata.namespace}/${s.metadata.labels?.[INSTANCE] ?? s.metadata.name}`))
  } catch {
    return undefined
  }
}

export async function listBackups(o: BackupListOptions, deps: Deps): Promise<BackupListResult> {
  const kube = await deps.kube(o.cluster)
  const [found, live] = await Promise.all([listBackupObjects(kube, o.namespace, o.instance), liveInstances(kube, o.namespace)])
  const notes: string[] = []
  if (found.noCrds) notes.push('this cluster has no VolumeSnapshot CRDs, so it holds no backups')
  const now = deps.now()
  const items = found.items
    .map((vs) => toBackupView(vs, now, live ? live.has(`${vs.metadata.namespace}/${vs.metadata.labels?.['dbaas.io/source-instance'] ?? ''}`) : null))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || String(a.createdAt).localeCompare(String(b.createdAt)) || a.name.localeCompare(b.name))
  return { items, ...(found.fellBackTo ? { fellBackTo: found.fellBackTo } : {}), acrossNamespaces: o.namespace === undefined && !found.fellBackTo, notes }
}

export interface BackupDeleteOptions {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  dryRun: boolean
  /** Wait until the snapshot controller has released its finalizers and the VolumeSnapshot is gone. */
  wait?: boolean
  timeoutMs?: number
}

/** The snapshot controller removes its finalizers (and the physical snapshot, per deletionPolicy) before the object goes. */
async function waitGone(kube: Kube, ns: string, names: string[], timeoutMs: number, deps: Deps): Promise<void> {
  if (names.length === 0) return
  deps.ui.step(`Waiting for ${names.length === 1 ? `backup ${names[0]}` : `${names.length} backups`} to be gone`)
  const want = new Set(names)
  await waitFor(kube, R.volumeSnapshots, ns, { labelSelector: BACKUP_SELECTOR }, (items) => (items.some((i) => want.has(i.metadata.name)) ? undefined : true), {
    timeoutMs,
    signal: deps.signal,
    describe: (items) => `still there: ${items.filter((i) => want.has(i.metadata.name)).map((i) => `volumesnapshot/${i.metadata.name} (finalizers: ${(i.metadata as { finalizers?: string[] }).finalizers?.join(', ') ?? 'none'})`).join(', ')}`,
    timeoutHint: 'the snapshot controller has not finished deleting it; `kubectl describe volumesnapshot` says why',
  })
}

/** Finds the backup to delete (for the confirmation prompt, before anything is removed). */
export async function planBackupDelete(o: BackupDeleteOptions, deps: Deps): Promise<VolumeSnapshot> {
  const kube = await deps.kube(o.cluster)
  return findBackup(kube, o.name, o.namespace, 'dbaas ha backup delete')
}

/** Refuses while a restore is still reading from this snapshot (a PVC from it that is not Bound yet). */
async function checkNotRestoring(kube: Kube, vs: VolumeSnapshot): Promise<void> {
  const ns = vs.metadata.namespace ?? ''
  let pvcs: PersistentVolumeClaim[] = []
  try {
    pvcs = (await kube.list(R.pvcs, ns)).items
  } catch {
    return
  }
  const busy = pvcs.filter((p) => p.spec?.dataSource?.kind === 'VolumeSnapshot' && p.spec?.dataSource?.name === vs.metadata.name && p.status?.phase !== 'Bound')
  if (busy.length) {
    throw new PreconditionError(`backup "${vs.metadata.name}" is being restored into ${busy.map((p) => `persistentvolumeclaim/${p.metadata.name}`).join(', ')}, which is not Bound yet; nothing was deleted`, {
      hint: 'wait for the restore to finish, then delete the backup',
    })
  }
}

export async function deleteBackup(vs: VolumeSnapshot, o: BackupDeleteOptions, deps: Deps): Promise<DeletionResult> {
  const kube = await deps.kube(o.cluster)
  const ns = vs.metadata.namespace ?? ''
  const name = vs.metadata.name
  const deleted = [`volumesnapshot/${name}`, `secret/${backupCredentialsName(name)}`]
  const result = (dryRun: boolean): DeletionResult => ({ name, namespace: ns, found: true, dryRun, deleted, kept: [], namespaceDeleted: false })
  if (o.dryRun) return result(true)
  await checkNotRestoring(kube, vs)
  await kube.deleteIfExists(R.volumeSnapshots, ns, name)
  // Owned by the snapshot (garbage-collected anyway); removed now so nothing lingers for the collector.
  await kube.deleteIfExists(R.secrets, ns, backupCredentialsName(name))
  if (o.wait !== false) await waitGone(kube, ns, [name], o.timeoutMs ?? 120_000, deps)
  deps.ui.done()
  return result(false)
}

export interface PruneOptions {
  cluster: ClusterFlags
  namespace?: string | undefined
  instance?: string | undefined
  dryRun: boolean
  wait?: boolean
  timeoutMs?: number
}

export interface PruneResult {
  dryRun: boolean
  deleted: BackupView[]
  kept: number
}

export async function pruneBackups(o: PruneOptions, deps: Deps): Promise<PruneResult> {
  const kube = await deps.kube(o.cluster)
  const found = await listBackupObjects(kube, o.namespace, o.instance)
  const now = deps.now()
  const expired = found.items.filter((vs) => isExpired(vs, now) && !vs.metadata.deletionTimestamp)
  const deleted: BackupView[] = []
  for (const vs of expired) {
    if (!o.dryRun) {
      deps.ui.step(`Deleting expired backup ${vs.metadata.namespace}/${vs.metadata.name}`)
      await kube.deleteIfExists(R.volumeSnapshots, vs.metadata.namespace, vs.metadata.name)
      await kube.deleteIfExists(R.secrets, vs.metadata.namespace, backupCredentialsName(vs.metadata.name))
    }
    deleted.push(toBackupView(vs, now))
  }
  if (!o.dryRun && o.wait !== false) {
    const byNs = new Map<string, string[]>()
    for (const vs of expired) byNs.set(vs.metadata.namespace ?? '', [...(byNs.get(vs.metadata.namespace ?? '') ?? []), vs.metadata.name])
    for (const [ns, names] of byNs) await waitGone(kube, ns, names, o.timeoutMs ?? 120_000, deps)
  }
  deps.ui.done()
  return { dryRun: o.dryRun, deleted, kept: found.items.length - expired.length }
}

export { BACKUP_SELECTOR }
