// dbaas backup schedule list | delete | suspend | resume | run, and what `status`, `doctor` and `delete` ask of
// schedules. A schedule is read back from its CronJob (labels dbaas.io/kind=backup-schedule), its Jobs and their
// pods, and for an HA cluster CloudNativePG's ScheduledBackup of the same name.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { NotFoundError, OperationError, UsageError } from '../../errors.ts'
import { apiInfo, isApiNotFound } from '../../k8s/errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import type { CnpgBackup, Pod } from '../../k8s/types.ts'
import { SOURCE_INSTANCE } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import type { DeletionResult } from '../deletion.ts'
import { CNPG } from '../ha/engines/cnpg.ts'
import { haLabels } from '../ha/model.ts'
import { Kinds } from '../../k8s/labels.ts'
import {
  CNPG_SCHEDULED_LABEL,
  releaseName,
  runView,
  SCHEDULE_ANN,
  scheduleName,
  scheduleSelector,
  SR,
  toScheduleView,
  type CnpgScheduledBackup,
  type CronJob,
  type Job,
  type RunView,
  type ScheduleView,
} from './model.ts'

export interface ScheduleListOptions {
  cluster: ClusterFlags
  namespace?: string | undefined
  instance?: string | undefined
}

export interface ScheduleListResult {
  items: ScheduleView[]
  fellBackTo?: string
  notes: string[]
}

async function tolerantList<T>(p: Promise<{ items: T[] }>): Promise<T[]> {
  try {
    return (await p).items
  } catch (err) {
    const code = apiInfo(err)?.httpCode
    if (code === 404 || code === 403) return []
    throw err
  }
}

/** Every schedule (with its Jobs, their pods and ScheduledBackups) in one namespace or all. */
async function readSchedules(kube: Kube, namespace: string | undefined, instance: string | undefined, now: number): Promise<ScheduleView[]> {
  const sel = scheduleSelector(instance)
  const [cjs, jobs, pods, sbs] = await Promise.all([
    kube.list(SR.cronJobs, namespace, { labelSelector: sel }).then((l) => l.items),
    tolerantList(kube.list(SR.jobs, namespace, { labelSelector: sel })),
    tolerantList(kube.list(R.pods, namespace, { labelSelector: sel })),
    tolerantList(kube.list(SR.scheduledBackups, namespace, { labelSelector: sel })),
  ])
  return cjs
    .map((cj) => {
      const ns = cj.metadata.namespace
      const sb = sbs.find((s) => s.metadata.namespace === ns && s.metadata.name === cj.metadata.name)
      return toScheduleView(cj, jobs.filter((j) => j.metadata.namespace === ns), pods.filter((p) => p.metadata.namespace === ns), now, sb)
    })
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.instance.localeCompare(b.instance))
}

/** The schedules in one namespace or all (falling back to the context's namespace when listing everywhere is forbidden). */
export async function scheduleViews(kube: Kube, namespace: string | undefined, instance: string | undefined, now: number): Promise<ScheduleListResult> {
  try {
    return { items: await readSchedules(kube, namespace, instance, now), notes: [] }
  } catch (err) {
    if (apiInfo(err)?.httpCode !== 403 || namespace !== undefined) throw err
    return { items: await readSchedules(kube, kube.contextNamespace, instance, now), fellBackTo: kube.contextNamespace, notes: [] }
  }
}

export async function listSchedules(o: ScheduleListOptions, deps: Deps): Promise<ScheduleListResult> {
  return scheduleViews(await deps.kube(o.cluster), o.namespace, o.instance, deps.now())
}

/** The schedule of one instance in its namespace, or undefined (for `status`). */
export async function scheduleOf(kube: Kube, namespace: string, instance: string, now: number): Promise<ScheduleView | undefined> {
  try {
    return (await readSchedules(kube, namespace, instance, now))[0]
  } catch (err) {
    const code = apiInfo(err)?.httpCode
    if (code === 403 || code === 404) return undefined
    throw err
  }
}

export interface ScheduleTargetOptions {
  instance: string
  namespace?: string | undefined
  cluster: ClusterFlags
}

/** The schedule's CronJob for an instance name: in -n, else across namespaces. NotFound (3) / ambiguous (2). */
export async function findSchedule(kube: Kube, o: Pick<ScheduleTargetOptions, 'instance' | 'namespace'>): Promise<CronJob> {
  const name = scheduleName(o.instance)
  let found: CronJob[]
  if (o.namespace) {
    const one = await kube.find(SR.cronJobs, o.namespace, name)
    found = one && one.metadata.labels?.[SOURCE_INSTANCE] === o.instance ? [one] : []
  } else {
    try {
      found = (await kube.list(SR.cronJobs, undefined, { labelSelector: scheduleSelector(o.instance) })).items
    } catch (err) {
      if (apiInfo(err)?.httpCode !== 403) throw err
      found = (await kube.list(SR.cronJobs, kube.contextNamespace, { labelSelector: scheduleSelector(o.instance) })).items
    }
  }
  if (found.length === 0) {
    throw new NotFoundError(`"${o.instance}" has no backup schedule${o.namespace ? ` in namespace ${o.namespace}` : ''}`, {
      hint: `see the schedules with \`dbaas backup schedule list\`, or make one with \`dbaas backup schedule set ${o.instance} --cron "0 3 * * *"\``,
    })
  }
  if (found.length > 1) {
    const nss = found.map((c) => c.metadata.namespace ?? '').sort()
    throw new UsageError(`"${o.instance}" has backup schedules in several namespaces: ${nss.join(', ')}`, { hint: `pick one with -n ${nss[0]}` })
  }
  return found[0] as CronJob
}

// ---- delete ----

export interface ScheduleDeletePlan {
  cronJob: CronJob
  namespace: string
  ha: boolean
}

export async function planScheduleDelete(o: ScheduleTargetOptions, deps: Deps): Promise<ScheduleDeletePlan> {
  const kube = await deps.kube(o.cluster)
  const cj = await findSchedule(kube, o)
  return { cronJob: cj, namespace: cj.metadata.namespace ?? '', ha: cj.metadata.annotations?.[SCHEDULE_ANN.target] === 'ha-cluster' }
}

/** What deleting a schedule removes: its helm release (CronJob, its Jobs, ConfigMap, ServiceAccount, roles), and the ScheduledBackup. */
function scheduleObjects(plan: ScheduleDeletePlan, instance: string): string[] {
  return [`helm release ${releaseName(instance)} (cronjob/${plan.cronJob.metadata.name}, its jobs, configmap, serviceaccount, role and bindings)`, ...(plan.ha ? [`scheduledbackup/${plan.cronJob.metadata.name}`] : [])]
}

export async function deleteSchedule(plan: ScheduleDeletePlan, o: ScheduleTargetOptions & { dryRun: boolean; timeoutMs: number }, deps: Deps): Promise<DeletionResult> {
  const kept = [{ object: 'backups', reason: 'backups the schedule took stay (`dbaas backup list`, `dbaas backup delete`)' }]
  const deleted = scheduleObjects(plan, o.instance)
  if (!o.dryRun) {
    const kube = await deps.kube(o.cluster)
    await removeSchedule(kube, plan.namespace, o.instance, o.cluster, o.timeoutMs, deps)
  }
  deps.ui.done()
  return { name: o.instance, namespace: plan.namespace, found: true, dryRun: o.dryRun, deleted, kept, namespaceDeleted: false }
}

/**
 * Removes an instance's schedule if it has one (also for `dbaas delete`, so its Jobs do not fail forever):
 * the ScheduledBackup first (CloudNativePG stops taking backups), then the helm release. Returns what went.
 */
export async function removeSchedule(kube: Kube, namespace: string, instance: string, cluster: ClusterFlags, timeoutMs: number, deps: Deps): Promise<string[]> {
  const name = scheduleName(instance)
  const gone: string[] = []
  try {
    if (await kube.deleteIfExists(SR.scheduledBackups, namespace, name)) gone.push(`scheduledbackup/${name}`)
  } catch (err) {
    // No CloudNativePG CRDs: no ScheduledBackup to remove.
    if (!isApiNotFound(err) && apiInfo(err)?.httpCode !== 404) throw err
  }
  const releases = await kube.list(R.secrets, namespace, { labelSelector: `owner=helm,name=${releaseName(instance)}`, metadataOnly: true })
  if (releases.items.length) {
    deps.ui.step(`Removing the backup schedule of ${instance}`)
    await deps.helm.uninstall(releaseName(instance), namespace, await deps.kubeTarget(cluster), { timeoutSeconds: Math.max(1, Math.round(timeoutMs / 1000)) })
    gone.push(`helm release ${releaseName(instance)}`)
  } else if (await kube.deleteIfExists(SR.cronJobs, namespace, name)) {
    gone.push(`cronjob/${name}`)
  }
  return gone
}

// ---- suspend / resume ----

export interface ScheduleSuspendResult {
  schedule: ScheduleView
  changed: boolean
}

export async function setSuspended(o: ScheduleTargetOptions & { suspend: boolean }, deps: Deps): Promise<ScheduleSuspendResult> {
  const kube = await deps.kube(o.cluster)
  const cj = await findSchedule(kube, o)
  const ns = cj.metadata.namespace ?? ''
  const ha = cj.metadata.annotations?.[SCHEDULE_ANN.target] === 'ha-cluster'
  let sb: CnpgScheduledBackup | undefined
  if (ha) sb = await kube.mergePatch(SR.scheduledBackups, ns, cj.metadata.name, { spec: { suspend: o.suspend } })
  const changed = (cj.spec?.suspend === true) !== o.suspend
  const after = changed ? await kube.mergePatch(SR.cronJobs, ns, cj.metadata.name, { spec: { suspend: o.suspend } }) : cj
  return { schedule: toScheduleView(after, [], [], deps.now(), sb), changed }
}

// ---- run ----

export interface ScheduleRunResult {
  schedule: string
  instance: string
  namespace: string
  run: RunView
  /** HA clusters: the CloudNativePG Backup this run took. */
  cnpgBackup: string | null
}

/** A Job from the CronJob's template, as `kubectl create job --from=cronjob/…` makes one. */
export function jobFromCronJob(cj: CronJob, name: string): Job {
  const tmpl = cj.spec?.jobTemplate ?? {}
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata.namespace,
      labels: { ...(tmpl.metadata?.labels ?? {}) },
      annotations: { ...(tmpl.metadata?.annotations ?? {}), 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name, uid: cj.metadata.uid ?? '', controller: true }],
    },
    spec: tmpl.spec,
  } as Job
}

async function waitJob(kube: Kube, ns: string, name: string, timeoutMs: number, deps: Deps): Promise<RunView> {
  const job = await waitFor(kube, SR.jobs, ns, { fieldSelector: `metadata.name=${name}` }, (items) => {
    const j = items[0]
    return j && runView(j).result !== 'Running' ? j : undefined
  }, {
    timeoutMs,
    signal: deps.signal,
    describe: () => `job ${ns}/${name} has not finished`,
    timeoutHint: `it goes on: \`kubectl logs -n ${ns} job/${name}\` follows it`,
  })
  let pods: Pod[] = []
  try {
    pods = (await kube.list(R.pods, ns, { labelSelector: `job-name=${name}` })).items
  } catch {
    pods = []
  }
  return runView(job, pods)
}

export async function runScheduleNow(o: ScheduleTargetOptions & { timeoutMs: number }, deps: Deps): Promise<ScheduleRunResult> {
  const kube = await deps.kube(o.cluster)
  const cj = await findSchedule(kube, o)
  const ns = cj.metadata.namespace ?? ''
  const stamp = Math.floor(deps.now() / 1000).toString(36)
  let cnpgBackup: string | null = null
  if (cj.metadata.annotations?.[SCHEDULE_ANN.target] === 'ha-cluster') {
    // CloudNativePG takes the backup (labelled as its ScheduledBackup labels them, so pruning counts it).
    cnpgBackup = `${cj.metadata.name}-${stamp}`
    deps.ui.step(`Requesting backup ${cnpgBackup} of ${o.instance}`)
    const backup: CnpgBackup = {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Backup',
      metadata: { name: cnpgBackup, namespace: ns, labels: { ...haLabels({ name: o.instance, version: undefined }, Kinds.backup), [CNPG_SCHEDULED_LABEL]: cj.metadata.name } },
      spec: { cluster: { name: o.instance }, method: 'volumeSnapshot' },
    }
    await kube.create(CNPG.backups, backup)
    deps.ui.step(`Waiting for backup ${cnpgBackup} to complete`)
    await waitFor(kube, CNPG.backups, ns, { fieldSelector: `metadata.name=${cnpgBackup}` }, (items) => {
      const b = items[0]
      if (b?.status?.phase === 'failed') throw new OperationError(`backup ${cnpgBackup} failed: ${b.status.error ?? 'no reason given'}`)
      return b?.status?.phase === 'completed' ? true : undefined
    }, { timeoutMs: o.timeoutMs, signal: deps.signal, describe: (items) => `backup ${cnpgBackup} is ${items[0]?.status?.phase ?? 'pending'}`, timeoutHint: 'is the CloudNativePG operator running? `dbaas doctor` checks' })
  }
  const name = `${cj.metadata.name}-run-${stamp}`.slice(0, 63)
  deps.ui.step(`Starting job ${name}`)
  await kube.create(SR.jobs, jobFromCronJob(cj, name))
  deps.ui.step(`Waiting for job ${name} to finish`)
  const run = await waitJob(kube, ns, name, o.timeoutMs, deps)
  deps.ui.done()
  return { schedule: cj.metadata.name, instance: o.instance, namespace: ns, run, cnpgBackup }
}
