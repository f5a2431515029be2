// Backup schedules, the pure parts: names and labels, the chart values `set` sends, CloudNativePG's
// ScheduledBackup, the job's configuration (from the environment the chart gives it), and the view `schedule
// list` and `status` print. No IO, no clock: callers pass `now`.
import type { V1CronJob, V1Job } from '@kubernetes/client-node'
import { resource, type KubeObject } from '../../k8s/kube.ts'
import type { ObjectMeta, Pod, Wire } from '../../k8s/types.ts'
import { ENGINE, KIND, MANAGED_BY, SOURCE_INSTANCE } from '../../k8s/labels.ts'
import { UsageError } from '../../errors.ts'
import type { Placement } from '../placement.ts'
import { formatInZone, nextRuns, parseCron, toCnpgSchedule, type CronSpec } from './cron.ts'

export type CronJob = Omit<Wire<V1CronJob>, 'metadata'> & { metadata: ObjectMeta }
export type Job = Omit<Wire<V1Job>, 'metadata'> & { metadata: ObjectMeta }

export interface CnpgScheduledBackup extends KubeObject {
  spec?: {
    schedule?: string
    cluster?: { name: string }
    method?: string
    backupOwnerReference?: 'none' | 'self' | 'cluster'
    immediate?: boolean
    suspend?: boolean
    online?: boolean
  }
  status?: { lastCheckTime?: string; lastScheduleTime?: string; nextScheduleTime?: string }
}

export const SR = {
  cronJobs: resource<CronJob>({ group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', namespaced: true }),
  jobs: resource<Job>({ group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true }),
  scheduledBackups: resource<CnpgScheduledBackup>({ group: 'postgresql.cnpg.io', version: 'v1', plural: 'scheduledbackups', kind: 'ScheduledBackup', namespaced: true }),
}

/** dbaas.io/kind of the schedule's objects, and the label naming the schedule on every backup it made. */
export const SCHEDULE_KIND = 'backup-schedule'
export const SCHEDULE_LABEL = 'dbaas.io/schedule'
/** The label CloudNativePG puts on every Backup a ScheduledBackup creates (utils.ParentScheduledBackupLabelName). */
export const CNPG_SCHEDULED_LABEL = 'cnpg.io/scheduled-backup'
/** Annotations on the CronJob: what `set` was given, read back by `list` and `status`. */
export const SCHEDULE_ANN = {
  cron: 'dbaas.io/cron',
  keep: 'dbaas.io/keep',
  retention: 'dbaas.io/retention',
  quiesce: 'dbaas.io/quiesce',
  target: 'dbaas.io/schedule-target',
  cnpgSchedule: 'dbaas.io/cnpg-schedule',
} as const

/** The chart under templates/charts. */
export const SCHEDULE_CHART = 'backup-schedule'
/** The image the job runs: an official Node image (a chart value; a mirror through `image.registry`). */
export const JOB_IMAGE = { repository: 'node', tag: '24-slim' } as const
/** Without --keep or --retention a schedule keeps this many ready backups. */
export const DEFAULT_KEEP = 7
export const DEFAULT_JOB_TIMEOUT_S = 600

/** The schedule's objects (CronJob, ServiceAccount, Role, RoleBinding; ConfigMap `<name>-job`): `<instance>-backups`. */
export function scheduleName(instance: string): string {
  return `${instance}-backups`
}

/**
 * The helm release: `<instance>.backups`. The dot keeps it apart from every instance's release (instance
 * names are DNS-1035 labels, which have no dots), so no `dbaas create … <instance>-backups` can ever upgrade it.
 */
export function releaseName(instance: string): string {
  return `${instance}.backups`
}

export type ScheduleTarget = 'instance' | 'ha-cluster'

export interface ScheduleSpec {
  instance: string
  namespace: string
  engine: string
  target: ScheduleTarget
  cron: CronSpec
  timeZone?: string | undefined
  /** Ready backups kept; undefined: no count limit. */
  keep?: number | undefined
  retention?: { text: string; ms: number } | undefined
  quiesce: boolean
  snapshotClass?: string | undefined
  suspend: boolean
  /** Where the job's pods run and where the node image comes from (normalized: absent fields are not set). */
  placement?: Placement | undefined
  timeoutSeconds: number
}

export function scheduleLabels(s: Pick<ScheduleSpec, 'instance' | 'engine'>): Record<string, string> {
  return { [MANAGED_BY]: 'dbaas', [KIND]: SCHEDULE_KIND, [SOURCE_INSTANCE]: s.instance, [ENGINE]: s.engine, [SCHEDULE_LABEL]: scheduleName(s.instance) }
}

/** Labels of the schedule's helm release Secret: no app.kubernetes.io/instance, so no instance counts it as its own release. */
export function releaseLabels(s: Pick<ScheduleSpec, 'instance' | 'engine'>): Record<string, string> {
  return { ...scheduleLabels(s), [KIND]: `${SCHEDULE_KIND}-release` }
}

/** Is this (a helm release Secret) the release of that instance's backup schedule? It goes when the instance goes. */
export function scheduleReleaseOf(o: { metadata: { labels?: Record<string, string> | undefined } }, instance: string): boolean {
  return o.metadata.labels?.[KIND] === `${SCHEDULE_KIND}-release` && o.metadata.labels?.[SOURCE_INSTANCE] === instance
}

export function scheduleSelector(instance?: string): string {
  return `${KIND}=${SCHEDULE_KIND}${instance ? `,${SOURCE_INSTANCE}=${instance}` : ''}`
}

/** The values the chart gets; the job script travels in them (the chart puts it in its ConfigMap). */
export function buildScheduleValues(s: ScheduleSpec, script: { text: string; sha256: string }): Record<string, unknown> {
  const ha = s.target === 'ha-cluster'
  return {
    name: scheduleName(s.instance),
    instance: s.instance,
    mode: ha ? 'prune' : 'backup',
    // CNPG's ScheduledBackup takes the backups; the prune-only job runs at the same minutes (UTC, as CNPG).
    schedule: s.cron.fields,
    timeZone: s.timeZone ?? '',
    suspend: s.suspend,
    keep: s.keep ?? 0,
    retention: s.retention?.text ?? '',
    quiesce: s.quiesce,
    snapshotClass: s.snapshotClass ?? '',
    scheduledBackup: ha ? scheduleName(s.instance) : '',
    timeoutSeconds: s.timeoutSeconds,
    image: { registry: s.placement?.imageRegistry ?? '', repository: JOB_IMAGE.repository, tag: JOB_IMAGE.tag, pullPolicy: 'IfNotPresent' },
    nodeSelector: s.placement?.nodeSelector ?? {},
    tolerations: s.placement?.tolerations ?? [],
    priorityClassName: s.placement?.priorityClassName ?? '',
    imagePullSecrets: s.placement?.imagePullSecrets ?? [],
    labels: scheduleLabels(s),
    annotations: {
      [SCHEDULE_ANN.cron]: s.cron.text,
      [SCHEDULE_ANN.keep]: s.keep === undefined ? '' : String(s.keep),
      [SCHEDULE_ANN.retention]: s.retention?.text ?? '',
      [SCHEDULE_ANN.quiesce]: String(s.quiesce),
      [SCHEDULE_ANN.target]: s.target,
      ...(ha ? { [SCHEDULE_ANN.cnpgSchedule]: toCnpgSchedule(s.cron) } : {}),
    },
    job: { script: script.text, sha256: script.sha256 },
  }
}

/** CloudNativePG takes the HA cluster's backups itself: a ScheduledBackup, method volumeSnapshot, six-field cron. */
export function buildScheduledBackup(s: ScheduleSpec): CnpgScheduledBackup {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'ScheduledBackup',
    metadata: { name: scheduleName(s.instance), namespace: s.namespace, labels: scheduleLabels(s), annotations: { [SCHEDULE_ANN.cron]: s.cron.text } },
    spec: {
      schedule: toCnpgSchedule(s.cron),
      cluster: { name: s.instance },
      method: 'volumeSnapshot',
      // The Backups belong to the ScheduledBackup: deleting the schedule removes its Backup records (the
      // snapshots stay, as CNPG keeps them; the prune job deletes them with their Backup).
      backupOwnerReference: 'self',
      immediate: false,
      suspend: s.suspend,
    },
  }
}

// ---- the job's configuration, from the environment the chart sets ----

export interface JobConfig {
  mode: 'backup' | 'prune'
  schedule: string
  instance: string
  namespace: string
  keep?: number | undefined
  retention?: string | undefined
  quiesce: boolean
  snapshotClass?: string | undefined
  scheduledBackup?: string | undefined
  timeoutMs: number
}

/** Reads DBAAS_JOB_* (see the chart's cronjob.yaml); a UsageError names what is missing or wrong. */
export function jobConfigFromEnv(env: NodeJS.ProcessEnv): JobConfig {
  const need = (k: string): string => {
    const v = env[k]
    if (v === undefined || v === '') throw new UsageError(`the job's environment has no ${k}`, { hint: 'the job runs from the backup-schedule chart, which sets it' })
    return v
  }
  const mode = need('DBAAS_JOB_MODE')
  if (mode !== 'backup' && mode !== 'prune') throw new UsageError(`DBAAS_JOB_MODE "${mode}" is not backup or prune`)
  const keep = env.DBAAS_JOB_KEEP ? Number(env.DBAAS_JOB_KEEP) : 0
  if (!Number.isInteger(keep) || keep < 0) throw new UsageError(`DBAAS_JOB_KEEP "${env.DBAAS_JOB_KEEP}" is not a whole number`)
  const timeout = Number(env.DBAAS_JOB_TIMEOUT_SECONDS || DEFAULT_JOB_TIMEOUT_S)
  return {
    mode,
    schedule: need('DBAAS_JOB_SCHEDULE'),
    instance: need('DBAAS_JOB_INSTANCE'),
    namespace: need('DBAAS_JOB_NAMESPACE'),
    keep: keep > 0 ? keep : undefined,
    retention: env.DBAAS_JOB_RETENTION || undefined,
    quiesce: env.DBAAS_JOB_QUIESCE === 'true',
    snapshotClass: env.DBAAS_JOB_CLASS || undefined,
    scheduledBackup: env.DBAAS_JOB_SCHEDULED_BACKUP || undefined,
    timeoutMs: (Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_JOB_TIMEOUT_S) * 1000,
  }
}

// ---- the view ----

export type RunResult = 'Succeeded' | 'Failed' | 'Running'

export interface RunView {
  job: string
  startedAt: string | null
  finishedAt: string | null
  result: RunResult
  /** Why it failed (the job's last words, or the Job's condition), when it did. */
  message: string | null
  manual: boolean
}

/** The stable shape of `backup schedule list -o json|yaml` (and `status`'s `schedule`). */
export interface ScheduleView {
  kind: 'backup-schedule'
  name: string
  instance: string
  namespace: string
  target: ScheduleTarget
  /** The five fields as given. */
  cron: string
  /** For HA clusters: the six-field line CloudNativePG's ScheduledBackup got. */
  cnpgSchedule: string | null
  timeZone: string | null
  suspended: boolean
  keep: number | null
  retention: string | null
  quiesce: boolean
  image: string | null
  nextRuns: string[]
  lastScheduleAt: string | null
  lastSuccessAt: string | null
  lastRun: RunView | null
  /** Failed runs among those Kubernetes still keeps (the last three of each kind), newest first counted until a success. */
  consecutiveFailures: number
  createdAt: string | null
}

function condition(job: Job, type: string): { status?: string; reason?: string; message?: string; lastTransitionTime?: string } | undefined {
  return (job.status?.conditions ?? []).find((c) => c.type === type && c.status === 'True')
}

/** What a Job says about its run; the pod's termination message (the job's last line) when there is one. */
export function runView(job: Job, pods: Pod[] = []): RunView {
  const failed = condition(job, 'Failed')
  const complete = condition(job, 'Complete')
  const result: RunResult = failed ? 'Failed' : complete ? 'Succeeded' : 'Running'
  const pod = pods.filter((p) => p.metadata.labels?.['job-name'] === job.metadata.name || p.metadata.labels?.['batch.kubernetes.io/job-name'] === job.metadata.name)[0]
  const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated
  const said = terminated?.message?.trim()
  return {
    job: job.metadata.name,
    startedAt: job.status?.startTime ?? job.metadata.creationTimestamp ?? null,
    finishedAt: job.status?.completionTime ?? failed?.lastTransitionTime ?? null,
    result,
    message: result === 'Failed' ? (said ? lastLine(said) : (failed?.message ?? failed?.reason ?? null)) : said ? lastLine(said) : null,
    manual: job.metadata.annotations?.['cronjob.kubernetes.io/instantiate'] === 'manual',
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean)
  return lines[lines.length - 1] ?? text
}

export function imageOf(cj: CronJob): string | null {
  return cj.spec?.jobTemplate?.spec?.template?.spec?.containers?.[0]?.image ?? null
}

/** A schedule read back from its CronJob (and, for HA clusters, its ScheduledBackup), with its Jobs. */
export function toScheduleView(cj: CronJob, jobs: Job[], pods: Pod[], now: number, sb?: CnpgScheduledBackup): ScheduleView {
  const a = cj.metadata.annotations ?? {}
  const l = cj.metadata.labels ?? {}
  const target: ScheduleTarget = a[SCHEDULE_ANN.target] === 'ha-cluster' ? 'ha-cluster' : 'instance'
  const zone = cj.spec?.timeZone || undefined
  const cronText = a[SCHEDULE_ANN.cron] ?? cj.spec?.schedule ?? ''
  const mine = jobs
    .filter((j) => (j.metadata.ownerReferences ?? []).some((o) => o.kind === 'CronJob' && o.name === cj.metadata.name) || j.metadata.labels?.[SCHEDULE_LABEL] === cj.metadata.name)
    .map((j) => runView(j, pods))
    .sort((x, y) => String(y.startedAt).localeCompare(String(x.startedAt)))
  let failures = 0
  for (const r of mine) {
    if (r.result === 'Running') continue
    if (r.result === 'Succeeded') break
    failures++
  }
  const suspended = cj.spec?.suspend === true || sb?.spec?.suspend === true
  let next: string[] = []
  if (!suspended && cj.spec?.schedule) {
    try {
      next = nextRuns(parseCron(cj.spec.schedule), zone, now).map((d) => d.toISOString())
    } catch {
      next = []
    }
  }
  const keep = a[SCHEDULE_ANN.keep] ? Number(a[SCHEDULE_ANN.keep]) : null
  return {
    kind: 'backup-schedule',
    name: cj.metadata.name,
    instance: l[SOURCE_INSTANCE] ?? '',
    namespace: cj.metadata.namespace ?? '',
    target,
    cron: cronText,
    cnpgSchedule: target === 'ha-cluster' ? (sb?.spec?.schedule ?? a[SCHEDULE_ANN.cnpgSchedule] ?? null) : null,
    timeZone: zone ?? null,
    suspended,
    keep: keep !== null && Number.isFinite(keep) ? keep : null,
    retention: a[SCHEDULE_ANN.retention] || null,
    quiesce: a[SCHEDULE_ANN.quiesce] === 'true',
    image: imageOf(cj),
    nextRuns: next,
    lastScheduleAt: (target === 'ha-cluster' ? sb?.status?.lastScheduleTime : undefined) ?? cj.status?.lastScheduleTime ?? null,
    lastSuccessAt: cj.status?.lastSuccessfulTime ?? null,
    lastRun: mine[0] ?? null,
    consecutiveFailures: failures,
    createdAt: cj.metadata.creationTimestamp ?? null,
  }
}

/** "03:00 CET …" lines for people: the next run times in the schedule's zone. */
export function formatRuns(runs: string[], zone: string | null): string[] {
  return runs.map((r) => formatInZone(new Date(r), zone ?? undefined))
}
