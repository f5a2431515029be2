// Pruning a schedule's backups by --keep and --retention. The choice is pure (choosePrunable); the job then
// asks the cluster, for each backup it would delete, whether a restore still reads from it, and deletes the
// others exactly as `dbaas backup delete` does (single instances) or removes the CloudNativePG Backup with its
// snapshots (HA clusters, whose snapshots CloudNativePG would otherwise keep forever).
//
// The rules, in order:
//   1. the newest ready backup of the schedule is never deleted (a failing schedule keeps its last good one);
//   2. a backup past its expiry (--retention) goes, ready or not;
//   3. ready backups beyond the newest --keep go;
//   4. a backup that never became ready goes once a newer ready one exists (superseded); younger ones stay;
//   5. a backup a restore still reads from stays (the next run tries again), whatever 1-4 say.
import type { Deps } from '../../deps.ts'
import { OperationError, PreconditionError } from '../../errors.ts'
import { apiInfo } from '../../k8s/errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import type { CnpgBackup, PersistentVolumeClaim, VolumeSnapshot, VolumeSnapshotContent } from '../../k8s/types.ts'
import { waitFor } from '../../k8s/wait.ts'
import { listBackupObjects } from '../backup/common.ts'
import { deleteBackup } from '../backup/manage.ts'
import { isExpired, parseRetention } from '../backup/model.ts'
import { CNPG } from '../ha/engines/cnpg.ts'
import { CNPG_SCHEDULED_LABEL, SCHEDULE_LABEL } from './model.ts'

export interface PruneCandidate {
  name: string
  /** ms since epoch. */
  createdAt: number
  ready: boolean
  expired: boolean
}

export interface PruneChoice {
  delete: Array<{ name: string; reason: string }>
  keep: Array<{ name: string; reason: string }>
}

/** Which of a schedule's backups rules 1-4 delete (newest first in both lists). */
export function choosePrunable(items: PruneCandidate[], o: { keep?: number | undefined }): PruneChoice {
  const sorted = [...items].sort((a, b) => b.createdAt - a.createdAt || b.name.localeCompare(a.name))
  const newestReady = sorted.find((i) => i.ready)
  const out: PruneChoice = { delete: [], keep: [] }
  let readySeen = 0
  for (const i of sorted) {
    if (i.ready) readySeen++
    if (i === newestReady) {
      out.keep.push({ name: i.name, reason: i.expired ? 'newest ready backup (kept although expired)' : 'newest ready backup' })
    } else if (i.expired) {
      out.delete.push({ name: i.name, reason: 'expired (--retention)' })
    } else if (i.ready && o.keep !== undefined && readySeen > o.keep) {
      out.delete.push({ name: i.name, reason: `beyond --keep ${o.keep}` })
    } else if (!i.ready && newestReady && i.createdAt < newestReady.createdAt) {
      out.delete.push({ name: i.name, reason: `never became ready; superseded by ${newestReady.name}` })
    } else {
      out.keep.push({ name: i.name, reason: i.ready ? `within --keep${o.keep === undefined ? '' : ` ${o.keep}`}` : 'not ready yet' })
    }
  }
  return out
}

export interface PruneOutcome {
  deleted: string[]
  kept: Array<{ name: string; reason: string }>
  skipped: Array<{ name: string; reason: string }>
}

/** The contents that read a snapshot handle besides its own content: a restore into another namespace in progress. */
export function restoreReaders(handle: string | undefined, own: string | undefined, contents: VolumeSnapshotContent[]): string[] {
  if (!handle) return []
  return contents
    .filter((c) => c.metadata.name !== own && !c.metadata.deletionTimestamp && (c.spec?.source?.snapshotHandle === handle || c.status?.snapshotHandle === handle))
    .map((c) => c.metadata.name)
}

/** Same-namespace restores: PVCs created from this snapshot that are not Bound yet. */
export function pvcReaders(snapshot: string, pvcs: PersistentVolumeClaim[]): string[] {
  return pvcs.filter((p) => p.spec?.dataSource?.kind === 'VolumeSnapshot' && p.spec.dataSource.name === snapshot && p.status?.phase !== 'Bound').map((p) => p.metadata.name)
}

async function readContents(kube: Kube): Promise<VolumeSnapshotContent[]> {
  try {
    return (await kube.list(R.volumeSnapshotContents, undefined)).items
  } catch (err) {
    if (apiInfo(err)?.httpCode === 403) {
      throw new OperationError('the job may not read VolumeSnapshotContents, so it cannot tell which backups a restore into another namespace is reading; nothing was pruned', {
        hint: "the schedule's ClusterRole grants get/list on volumesnapshotcontents: `dbaas backup schedule set` again reinstalls it",
      })
    }
    throw err
  }
}

function readersOf(vs: VolumeSnapshot, contents: VolumeSnapshotContent[], pvcs: PersistentVolumeClaim[]): string[] {
  const own = vs.status?.boundVolumeSnapshotContentName
  const handle = contents.find((c) => c.metadata.name === own)?.status?.snapshotHandle
  return [...pvcReaders(vs.metadata.name, pvcs).map((p) => `persistentvolumeclaim/${p}`), ...restoreReaders(handle, own, contents).map((c) => `volumesnapshotcontent/${c}`)]
}

/** Prunes a single instance's backups taken by this schedule (VolumeSnapshots labelled dbaas.io/schedule). */
export async function pruneInstanceBackups(
  o: { schedule: string; instance: string; namespace: string; keep?: number | undefined; timeoutMs: number },
  kube: Kube,
  deps: Deps,
): Promise<PruneOutcome> {
  deps.ui.step(`Pruning the backups of schedule ${o.schedule}`)
  const now = deps.now()
  const found = await listBackupObjects(kube, o.namespace, o.instance)
  const mine = found.items.filter((vs) => vs.metadata.labels?.[SCHEDULE_LABEL] === o.schedule && !vs.metadata.deletionTimestamp)
  const choice = choosePrunable(
    mine.map((vs) => ({
      name: vs.metadata.name,
      createdAt: Date.parse(vs.status?.creationTime ?? vs.metadata.creationTimestamp ?? '') || 0,
      ready: vs.status?.readyToUse === true,
      expired: isExpired(vs, now),
    })),
    { keep: o.keep },
  )
  const out: PruneOutcome = { deleted: [], kept: choice.keep, skipped: [] }
  if (choice.delete.length === 0) return out
  const [contents, pvcs] = await Promise.all([readContents(kube), kube.list(R.pvcs, o.namespace).then((l) => l.items)])
  for (const victim of choice.delete) {
    const vs = mine.find((b) => b.metadata.name === victim.name) as VolumeSnapshot
    const readers = readersOf(vs, contents, pvcs)
    if (readers.length) {
      out.skipped.push({ name: victim.name, reason: `a restore is reading it (${readers.join(', ')})` })
      continue
    }
    deps.ui.step(`Deleting backup ${victim.name}: ${victim.reason}`)
    try {
      // Exactly `dbaas backup delete`: the snapshot, its credentials copy, and the wait until it is gone.
      await deleteBackup(vs, { name: victim.name, namespace: o.namespace, cluster: {}, dryRun: false, wait: true, timeoutMs: o.timeoutMs }, deps)
      out.deleted.push(victim.name)
    } catch (err) {
      // checkNotRestoring's refusal: a PVC from it is not Bound yet.
      if (!(err instanceof PreconditionError)) throw err
      out.skipped.push({ name: victim.name, reason: err.message })
    }
  }
  return out
}

const CNPG_DONE = new Set(['completed', 'failed'])

/** Prunes the CloudNativePG Backups a ScheduledBackup made, with their VolumeSnapshots. */
export async function pruneCnpgBackups(
  o: { scheduledBackup: string; namespace: string; keep?: number | undefined; retention?: string | undefined; timeoutMs: number },
  kube: Kube,
  deps: Deps,
): Promise<PruneOutcome> {
  const sel = `${CNPG_SCHEDULED_LABEL}=${o.scheduledBackup}`
  // This run starts when CloudNativePG's does: wait for the backup it is taking, so --keep counts it.
  deps.ui.step(`Waiting for the running backups of ${o.scheduledBackup} to finish`)
  const backups = await waitFor(kube, CNPG.backups, o.namespace, { labelSelector: sel }, (items) => (items.every((b) => CNPG_DONE.has(b.status?.phase ?? '') || b.metadata.deletionTimestamp) ? items : undefined), {
    timeoutMs: o.timeoutMs,
    signal: deps.signal,
    describe: (items) => `still running: ${items.filter((b) => !CNPG_DONE.has(b.status?.phase ?? '')).map((b) => `${b.metadata.name} (${b.status?.phase ?? 'pending'})`).join(', ')}`,
  })
  deps.ui.step(`Pruning the backups of ${o.scheduledBackup}`)
  const now = deps.now()
  const retentionMs = o.retention ? parseRetention(o.retention) : undefined
  const live = backups.filter((b) => !b.metadata.deletionTimestamp)
  const created = (b: CnpgBackup) => Date.parse(b.status?.stoppedAt ?? b.status?.startedAt ?? b.metadata.creationTimestamp ?? '') || 0
  const choice = choosePrunable(
    live.map((b) => ({ name: b.metadata.name, createdAt: created(b), ready: b.status?.phase === 'completed', expired: retentionMs !== undefined && created(b) + retentionMs <= now })),
    { keep: o.keep },
  )
  const out: PruneOutcome = { deleted: [], kept: choice.keep, skipped: [] }
  if (choice.delete.length === 0) return out
  const [contents, pvcs, snapshots] = await Promise.all([
    readContents(kube),
    kube.list(R.pvcs, o.namespace).then((l) => l.items),
    kube.list(R.volumeSnapshots, o.namespace).then((l) => l.items),
  ])
  for (const victim of choice.delete) {
    const b = live.find((x) => x.metadata.name === victim.name) as CnpgBackup
    const names = (b.status?.snapshotBackupStatus?.elements ?? []).map((e) => e.name)
    const vss = snapshots.filter((s) => names.includes(s.metadata.name))
    const readers = vss.flatMap((s) => readersOf(s, contents, pvcs))
    if (readers.length) {
      out.skipped.push({ name: victim.name, reason: `a restore is reading it (${readers.join(', ')})` })
      continue
    }
    deps.ui.step(`Deleting backup ${victim.name}: ${victim.reason}`)
    await kube.deleteIfExists(CNPG.backups, o.namespace, victim.name)
    for (const s of vss) await kube.deleteIfExists(R.volumeSnapshots, o.namespace, s.metadata.name)
    out.deleted.push(victim.name)
  }
  return out
}
