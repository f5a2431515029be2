// dbaas backup schedule set <name>: find what is backed up (a single instance, else an HA cluster), refuse
// what cannot work before writing anything, then install the backup-schedule chart with helm (and, for an HA
// cluster, CloudNativePG's ScheduledBackup), and return once the CronJob exists — or, with --wait-first-run,
// once its first run has finished.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClusterFlags, Deps } from '../../deps.ts'
import { ClusterError, NotFoundError, PreconditionError, UsageError } from '../../errors.ts'
import { isApiNotFound } from '../../k8s/errors.ts'
import type { AccessCheck, Kube } from '../../k8s/kube.ts'
import type { CnpgCluster } from '../../k8s/types.ts'
import { ENGINE } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import { findHaCluster, requireSnapshots } from '../backup/common.ts'
import { findInstance, HaClusterError } from '../find.ts'
import { mergePlacement, readPlacement, type Placement } from '../placement.ts'
import { nextRuns, type CronSpec } from './cron.ts'
import {
  buildScheduledBackup,
  buildScheduleValues,
  DEFAULT_JOB_TIMEOUT_S,
  releaseLabels,
  releaseName,
  runView,
  SCHEDULE_CHART,
  scheduleName,
  SR,
  toScheduleView,
  type RunView,
  type ScheduleSpec,
  type ScheduleTarget,
  type ScheduleView,
} from './model.ts'

export interface ScheduleSetOptions {
  instance: string
  namespace?: string | undefined
  cron: CronSpec
  timeZone?: string | undefined
  keep?: number | undefined
  retention?: { text: string; ms: number } | undefined
  quiesce: boolean
  snapshotClass?: string | undefined
  /** Placement flags given (each replaces that field of the instance's own placement, which the job takes otherwise). */
  placement: Placement
  waitFirstRun: boolean
  timeoutMs: number
  cluster: ClusterFlags
}

export interface ScheduleSetResult {
  schedule: ScheduleView
  action: 'created' | 'updated'
  /** The next three run times (ISO), computed in the schedule's zone. */
  nextRuns: string[]
  /** With --wait-first-run: how the first run ended. */
  firstRun: RunView | null
  notes: string[]
}

/** The job script (dist/job/backup-job.js) beside this installation; DBAAS_JOB_BUNDLE names another. */
export function jobBundlePath(env: NodeJS.ProcessEnv): string {
  if (env.DBAAS_JOB_BUNDLE) return env.DBAAS_JOB_BUNDLE
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    for (const candidate of [join(dir, 'dist', 'job', 'backup-job.js'), join(dir, 'job', 'backup-job.js')]) if (existsSync(candidate)) return candidate
    dir = dirname(dir)
  }
  throw new PreconditionError('the backup job script (dist/job/backup-job.js) is not part of this installation; nothing was written', {
    hint: 'build dbaas (`npm run build`), or set DBAAS_JOB_BUNDLE to the script',
  })
}

export function readJobBundle(env: NodeJS.ProcessEnv): { text: string; sha256: string } {
  const path = jobBundlePath(env)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new PreconditionError(`cannot read the backup job script ${path}: ${(err as Error).message}; nothing was written`, { hint: 'rebuild dbaas (`npm run build`)' })
  }
  return { text, sha256: createHash('sha256').update(text).digest('hex') }
}

interface Target {
  kind: ScheduleTarget
  namespace: string
  engine: string
  cluster?: CnpgCluster
  /** The instance's (StatefulSet's) or HA cluster's annotations: its placement is there. */
  annotations?: Record<string, string> | undefined
}

/** The instance, else the HA cluster, of this name; NotFound (3) naming both when there is neither. */
export async function findTarget(kube: Kube, name: string, namespace: string | undefined): Promise<Target> {
  try {
    const parts = await findInstance(kube, { name, namespace })
    if (parts.statefulSet) return { kind: 'instance', namespace: parts.namespace, engine: parts.statefulSet.metadata.labels?.[ENGINE] ?? 'unknown', annotations: parts.statefulSet.metadata.annotations }
    const ha = await findHaCluster(kube, name, parts.namespace)
    if (ha) return { kind: 'ha-cluster', namespace: ha.metadata.namespace ?? parts.namespace, engine: 'postgresql', cluster: ha, annotations: ha.metadata.annotations }
    throw new PreconditionError(`instance "${name}" in ${parts.namespace} is incomplete (it has no StatefulSet), so it has nothing to back up`, { hint: `see \`dbaas status ${name} -n ${parts.namespace}\`` })
  } catch (err) {
    // Not a single instance (an HA cluster's name is said so by find): the HA cluster of that name.
    if (!(err instanceof NotFoundError) && !(err instanceof HaClusterError)) throw err
    const ha = await findHaCluster(kube, name, namespace)
    if (ha) return { kind: 'ha-cluster', namespace: ha.metadata.namespace ?? '', engine: 'postgresql', cluster: ha, annotations: ha.metadata.annotations }
    throw new NotFoundError(`no instance or HA cluster "${name}"${namespace ? ` in namespace ${namespace}` : ''}`, { hint: 'see them with `dbaas list`' })
  }
}

/** What installing the chart (and the ScheduledBackup) writes, checked before anything is. */
export function scheduleAccessChecks(ns: string, target: ScheduleTarget): AccessCheck[] {
  const rbac = 'rbac.authorization.k8s.io'
  return [
    { verb: 'create', group: 'batch', resource: 'cronjobs', namespace: ns },
    { verb: 'create', resource: 'configmaps', namespace: ns },
    { verb: 'create', resource: 'serviceaccounts', namespace: ns },
    { verb: 'create', resource: 'secrets', namespace: ns },
    { verb: 'create', group: rbac, resource: 'roles', namespace: ns },
    { verb: 'create', group: rbac, resource: 'rolebindings', namespace: ns },
    { verb: 'create', group: rbac, resource: 'clusterroles' },
    { verb: 'create', group: rbac, resource: 'clusterrolebindings' },
    ...(target === 'ha-cluster' ? [{ verb: 'create', group: 'postgresql.cnpg.io', resource: 'scheduledbackups', namespace: ns }] : []),
  ]
}

async function checkAccess(kube: Kube, ns: string, target: ScheduleTarget): Promise<void> {
  const denied = await kube.denied(scheduleAccessChecks(ns, target))
  if (denied.length) {
    const what = denied.map((d) => `${d.verb} ${d.group ? `${d.resource}.${d.group}` : d.resource}`).join(', ')
    throw new ClusterError('forbidden', `you may not ${what}${denied.some((d) => d.namespace) ? ` in namespace ${ns}` : ''}; nothing was written`, {
      hint: 'ask a cluster admin for what `dbaas rbac --verbs schedule` prints',
      details: { denied },
    })
  }
}

async function preflight(kube: Kube, o: ScheduleSetOptions, t: Target, deps: Deps): Promise<string[]> {
  const notes: string[] = []
  if (t.kind === 'ha-cluster') {
    if (o.timeZone) {
      throw new UsageError(`"${o.instance}" is an HA cluster, and CloudNativePG's ScheduledBackup has no time zone; nothing was written`, {
        hint: 'leave out --time-zone: the schedule runs in the operator\'s zone (UTC as a rule); shift the hours in --cron instead',
      })
    }
    if (o.quiesce) throw new UsageError(`--quiesce applies to single instances; CloudNativePG takes "${o.instance}"'s backups itself`, { hint: 'leave out --quiesce' })
    if (o.snapshotClass) throw new UsageError('--class applies to single instances; an HA cluster\'s backups use its spec.backup.volumeSnapshot.className', { hint: 'leave out --class' })
    if (!t.cluster?.spec?.backup?.volumeSnapshot?.className) {
      throw new PreconditionError(`HA cluster ${o.instance} has no spec.backup.volumeSnapshot.className, so CloudNativePG cannot take volume-snapshot backups; nothing was written`, {
        hint: 'mark a VolumeSnapshotClass for its storage as default (snapshot.storage.kubernetes.io/is-default-class: "true") and recreate it, or set the field on the Cluster',
      })
    }
    try {
      await kube.list(SR.scheduledBackups, t.namespace, { limit: 1 })
    } catch (err) {
      if (isApiNotFound(err)) throw new PreconditionError('the CloudNativePG ScheduledBackup CRD is not installed; nothing was written', { hint: 'install CloudNativePG (`dbaas doctor` says how)' })
      throw err
    }
  } else {
    notes.push(...(await requireSnapshots(kube, deps.now())).notes)
  }
  return notes
}

export async function setSchedule(o: ScheduleSetOptions, deps: Deps): Promise<ScheduleSetResult> {
  const start = deps.now()
  const kube = await deps.kube(o.cluster)
  deps.ui.step(`Checking ${o.instance}`)
  const t = await findTarget(kube, o.instance, o.namespace)
  const ns = t.namespace
  const [notes, , script, existing] = await Promise.all([
    preflight(kube, o, t, deps),
    deps.helm.version(),
    Promise.resolve().then(() => readJobBundle(deps.env)),
    kube.find(SR.cronJobs, ns, scheduleName(o.instance)),
  ])
  await checkAccess(kube, ns, t.kind)
  const spec: ScheduleSpec = {
    instance: o.instance,
    namespace: ns,
    engine: t.engine,
    target: t.kind,
    cron: o.cron,
    timeZone: o.timeZone,
    keep: o.keep,
    retention: o.retention,
    quiesce: o.quiesce,
    snapshotClass: o.snapshotClass,
    // `set` changes what was asked for; a suspended schedule stays suspended until `resume`.
    suspend: existing?.spec?.suspend === true,
    // The job runs where the instance runs (its tolerations, node selector, pull secrets, mirror) unless told otherwise.
    placement: mergePlacement(readPlacement(t.annotations), o.placement),
    timeoutSeconds: DEFAULT_JOB_TIMEOUT_S,
  }
  if (spec.suspend) notes.push(`the schedule stays suspended: \`dbaas backup schedule resume ${o.instance} -n ${ns}\` resumes it`)
  if (t.kind === 'ha-cluster') notes.push(`CloudNativePG's ScheduledBackup takes a six-field cron with seconds first: "${o.cron.fields}" became "0 ${o.cron.fields}"`)

  deps.ui.step(`${existing ? 'Updating' : 'Installing'} the backup schedule of ${o.instance}`)
  await deps.helm.upgradeInstall({
    release: releaseName(o.instance),
    chart: SCHEDULE_CHART,
    namespace: ns,
    values: buildScheduleValues(spec, script),
    labels: releaseLabels(spec),
    timeoutSeconds: Math.max(1, Math.round(o.timeoutMs / 1000)),
    target: await deps.kubeTarget(o.cluster),
  })
  let sb
  if (t.kind === 'ha-cluster') {
    deps.ui.step(`Writing ScheduledBackup ${scheduleName(o.instance)}`)
    sb = await kube.apply(SR.scheduledBackups, buildScheduledBackup(spec))
  }
  const cj = await kube.get(SR.cronJobs, ns, scheduleName(o.instance))
  let firstRun: RunView | null = null
  if (o.waitFirstRun) firstRun = await waitFirstRun(kube, ns, scheduleName(o.instance), start, o.timeoutMs, deps)
  deps.ui.done()
  const runs = nextRuns(o.cron, o.timeZone, deps.now()).map((d) => d.toISOString())
  return { schedule: toScheduleView(cj, [], [], deps.now(), sb), action: existing ? 'updated' : 'created', nextRuns: runs, firstRun, notes }
}

/** Waits for the first Job of the CronJob that started after `since` to finish. */
async function waitFirstRun(kube: Kube, ns: string, name: string, since: number, timeoutMs: number, deps: Deps): Promise<RunView> {
  deps.ui.step('Waiting for the first run')
  const sinceMinute = Math.floor(since / 60_000) * 60_000
  return waitFor(
    kube,
    SR.jobs,
    ns,
    {},
    (jobs) => {
      const mine = jobs
        .filter((j) => (j.metadata.ownerReferences ?? []).some((r) => r.kind === 'CronJob' && r.name === name) && Date.parse(j.metadata.creationTimestamp ?? '') >= sinceMinute)
        .map((j) => runView(j))
        .filter((r) => r.result !== 'Running')
        .sort((a, b) => String(a.startedAt).localeCompare(String(b.startedAt)))
      return mine[0]
    },
    {
      timeoutMs,
      signal: deps.signal,
      describe: (jobs) => (jobs.some((j) => (j.metadata.ownerReferences ?? []).some((r) => r.name === name)) ? 'the first run has not finished' : 'no run has started yet (the next run time is above)'),
      timeoutHint: `the schedule is in place; follow it with \`dbaas backup schedule list -n ${ns}\``,
    },
  )
}
