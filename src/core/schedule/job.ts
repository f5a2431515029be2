// What one scheduled run does, in the cluster, under the schedule's ServiceAccount: for a single instance,
// a backup exactly as `dbaas backup create` takes it (createBackup itself: same labels, credentials copy,
// expiry annotation, quiescing), then pruning by --keep and --retention; for an HA cluster, pruning only
// (CloudNativePG's ScheduledBackup takes the backups). Built into dist/job/backup-job.js by scripts/build.ts.
import type { Deps } from '../../deps.ts'
import { Kube, type KubeObject, type ResourceType } from '../../k8s/kube.ts'
import { createBackup } from '../backup/create.ts'
import { parseRetention } from '../backup/model.ts'
import { SCHEDULE_LABEL, type JobConfig } from './model.ts'
import { pruneCnpgBackups, pruneInstanceBackups, type PruneOutcome } from './prune.ts'

/**
 * The job's API client: every object it creates (the VolumeSnapshot and its credentials copy) carries the
 * schedule's label from the moment it exists, so `backup list` can say which schedule made a backup and pruning
 * never counts a manual one. Everything else is the plain client.
 */
export class ScheduleKube extends Kube {
  readonly schedule: string

  constructor(base: Kube, schedule: string) {
    super(base.transport, base.contextNamespace)
    this.schedule = schedule
  }

  override async create<T extends KubeObject>(r: ResourceType<T>, obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<T> {
    const labelled = { ...obj, metadata: { ...obj.metadata, labels: { ...(obj.metadata.labels ?? {}), [SCHEDULE_LABEL]: this.schedule } } }
    return super.create(r, labelled, opts)
  }
}

export interface JobResult {
  schedule: string
  instance: string
  namespace: string
  mode: 'backup' | 'prune'
  /** The backup this run took (mode backup). */
  backup: { name: string; ready: boolean } | null
  pruned: string[]
  kept: Array<{ name: string; reason: string }>
  skipped: Array<{ name: string; reason: string }>
  notes: string[]
}

export async function runScheduleJob(cfg: JobConfig, deps: Deps): Promise<JobResult> {
  const kube = await deps.kube({})
  const result: JobResult = { schedule: cfg.schedule, instance: cfg.instance, namespace: cfg.namespace, mode: cfg.mode, backup: null, pruned: [], kept: [], skipped: [], notes: [] }
  let pruned: PruneOutcome
  if (cfg.mode === 'backup') {
    const created = await createBackup(
      {
        instance: cfg.instance,
        namespace: cfg.namespace,
        snapshotClass: cfg.snapshotClass,
        retention: cfg.retention ? { text: cfg.retention, ms: parseRetention(cfg.retention) } : undefined,
        quiesce: cfg.quiesce,
        wait: true,
        timeoutMs: cfg.timeoutMs,
        dryRun: 'none',
        cluster: {},
        // The schedule's Role may not patch the instance's Secret; the run is recorded on its Job.
        recordHistory: false,
      },
      deps,
    )
    result.backup = { name: created.backup.name, ready: created.backup.ready }
    result.notes.push(...created.notes)
    pruned = await pruneInstanceBackups({ schedule: cfg.schedule, instance: cfg.instance, namespace: cfg.namespace, keep: cfg.keep, timeoutMs: cfg.timeoutMs }, kube, deps)
  } else {
    pruned = await pruneCnpgBackups(
      { scheduledBackup: cfg.scheduledBackup ?? cfg.schedule, namespace: cfg.namespace, keep: cfg.keep, retention: cfg.retention, timeoutMs: cfg.timeoutMs },
      kube,
      deps,
    )
  }
  result.pruned = pruned.deleted
  result.kept = pruned.kept
  result.skipped = pruned.skipped
  deps.ui.done()
  return result
}

/** The one line the job leaves as its pod's termination message (what `status` shows as the run's result). */
export function summary(r: JobResult): string {
  const took = r.backup ? `backup ${r.backup.name}${r.backup.ready ? '' : ' (not ready)'}` : 'no backup (pruning only)'
  const skipped = r.skipped.length ? `; kept ${r.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}` : ''
  return `${took}; pruned ${r.pruned.length ? r.pruned.join(', ') : 'nothing'}${skipped}`
}
