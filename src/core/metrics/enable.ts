// dbaas metrics enable|disable <name> (and create --metrics): the exporter sidecar through the chart, the
// least-privilege monitoring user through exec, and a monitor the cluster's Prometheus objects really select.
//
// Single instance: plan (find it, its exporter, the Prometheus Operator and its Prometheus objects, the
// Secret, a ready pod) → write (the monitoring password into the Secret, the user into the database, a helm
// upgrade with the values the release has plus `metrics`, which adds the sidecar, its Service port and the
// ServiceMonitor) → wait for the StatefulSet's rollout (the pod restarts with the sidecar).
// HA cluster (CloudNativePG): its instance manager always serves metrics on 9187; dbaas adds (or removes) a
// PodMonitor selecting cnpg.io/cluster, owned by the Cluster so it goes when the Cluster goes.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { NotFoundError, PreconditionError, UsageError } from '../../errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import { ENGINE, ENGINE_VERSION, INSTANCE, KIND, MANAGED_BY } from '../../k8s/labels.ts'
import type { CnpgCluster, Secret, StatefulSet } from '../../k8s/types.ts'
import { waitFor } from '../../k8s/wait.ts'
import { credentialsSecretName, generatePassword, releaseLabels } from '../create.ts'
import { engineFromLabel } from '../../engines/registry.ts'
import type { Engine } from '../../engines/types.ts'
import { findInstance, HaClusterError } from '../find.ts'
import { clientNodeExecer, type Execer } from './exec.ts'
import { CNPG_EXPORTER, exporterFor, MONITORING_PASSWORD_KEY, MONITORING_USER, userRemoval, type ExporterSpec } from './exporters.ts'
import { MON, monitoringApiServed, type MonitorKind, type MonitorObject, type Verdict } from './prometheus.ts'
import { decode, endpointOf, ensureMonitoringUser, metricsValues, MONITOR_KIND, monitorNotes, planMonitor, readyPod, serviceMonitorBase, type MonitorReport } from './monitor.ts'


export interface MetricsTarget {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
}

export interface EnableOptions extends MetricsTarget {
  wait: boolean
  timeoutMs: number
}

export interface MonitorView {
  kind: MonitorKind
  name: string
  namespace: string
  labels: Record<string, string>
}

/** The result of enable and disable (the JSON shape `metrics enable|disable -o json` prints; stable). */
export interface MetricsChange {
  kind: 'metrics'
  name: string
  namespace: string
  /** `instance` or `ha-cluster`. */
  target: 'instance' | 'ha-cluster'
  engine: string
  enabled: boolean
  exporter: { name: string; port: number }
  /** Where to scrape it from inside the cluster. */
  endpoint: string
  /** Whether the cluster serves the Prometheus Operator's monitoring.coreos.com/v1. */
  prometheusOperator: boolean
  monitor: MonitorView | null
  /** Each Prometheus object's verdict on the monitor. */
  verdicts: Verdict[]
  /** The Prometheus objects that select it. */
  scrapedBy: string[]
  monitoringUser: string | null
  /** Whether this run changed anything (enabling twice changes nothing the second time but the user's password check). */
  changed: boolean
  notes: string[]
}
// ---- waiting for the rollout ----

/** Waits until the StatefulSet runs its latest template on every replica and they are ready. */
export async function waitRollout(kube: Kube, name: string, namespace: string, timeoutMs: number, deps: Deps): Promise<void> {
  deps.ui.step(`Waiting for ${name} to restart with its new pod template`)
  await waitFor(
    kube,
    R.statefulSets,
    namespace,
    { fieldSelector: `metadata.name=${name}` },
    (items: StatefulSet[]) => {
      const s = items[0]
      if (!s) return undefined
      const want = s.spec?.replicas ?? 1
      const st = s.status
      const done =
        (st?.observedGeneration ?? 0) >= (s.metadata.generation ?? 0) &&
        st?.updateRevision !== undefined &&
        st.currentRevision === st.updateRevision &&
        (st.updatedReplicas ?? 0) >= want &&
        (st.readyReplicas ?? 0) >= want
      return done ? true : undefined
    },
    {
      timeoutMs,
      signal: deps.signal,
      describe: (items) => {
        const st = items[0]?.status
        return `${st?.updatedReplicas ?? 0} of ${items[0]?.spec?.replicas ?? 1} pods updated, ${st?.readyReplicas ?? 0} ready`
      },
      timeoutHint: `the change is applied and goes on rolling out: follow it with \`dbaas status ${name} -n ${namespace}\``,
    },
  )
}

// ---- single instances ----

interface InstancePlan {
  kube: Kube
  name: string
  namespace: string
  engine: string
  version: string
  spec: ExporterSpec
  engineDef: Engine
  container: string
  secret: Secret
  data: Record<string, string>
  enabledNow: boolean
}

async function planInstance(kube: Kube, t: MetricsTarget): Promise<InstancePlan> {
  const parts = await findInstance(kube, { name: t.name, namespace: t.namespace })
  const sts = parts.statefulSet
  if (!sts) {
    throw new PreconditionError(`instance "${t.name}" is not complete (it has no StatefulSet)`, { hint: `finish it with \`dbaas create\` again, or see \`dbaas status ${t.name} -n ${parts.namespace}\`` })
  }
  const engineName = sts.metadata.labels?.[ENGINE] ?? ''
  const spec = exporterFor(engineName)
  const engine = engineFromLabel(engineName)
  if (!engine) throw new PreconditionError(`instance "${t.name}" has an unknown engine "${engineName}"`)
  const secret = await kube.find(R.secrets, parts.namespace, credentialsSecretName(t.name))
  if (!secret) throw new PreconditionError(`instance "${t.name}" has no credentials Secret ${credentialsSecretName(t.name)}`, { hint: `see \`dbaas status ${t.name} -n ${parts.namespace}\`` })
  const enabledNow = (sts.spec?.template?.spec?.containers ?? []).some((c) => c.name === 'exporter')
  return {
    kube,
    name: t.name,
    namespace: parts.namespace,
    engine: engineName,
    version: sts.metadata.labels?.[ENGINE_VERSION] ?? '',
    spec,
    engineDef: engine,
    container: engine.container,
    secret,
    data: decode(secret),
    enabledNow,
  }
}

async function upgradeMetrics(p: InstancePlan, metrics: Record<string, unknown>, o: MetricsTarget & { timeoutMs: number }, deps: Deps): Promise<void> {
  const target = await deps.kubeTarget(o.cluster)
  const values = await deps.helm.getValues(p.name, p.namespace, target)
  deps.ui.step(`Upgrading helm release ${p.name}`)
  await deps.helm.upgradeInstall({
    release: p.name,
    chart: p.engineDef.chart,
    namespace: p.namespace,
    values: { ...values, metrics: { ...((values.metrics as Record<string, unknown> | undefined) ?? {}), ...metrics } },
    labels: releaseLabels({ name: p.name, engine: p.engineDef, version: p.version }),
    timeoutSeconds: Math.max(1, Math.round(o.timeoutMs / 1000)),
    target,
  })
}

function instanceChange(p: InstancePlan, enabled: boolean, report: MonitorReport, changed: boolean, notes: string[]): MetricsChange {
  const endpoint = endpointOf(p.name, p.namespace, p.spec.port)
  const verdicts = enabled ? (report.plan?.verdicts ?? []) : []
  return {
    kind: 'metrics',
    name: p.name,
    namespace: p.namespace,
    target: 'instance',
    engine: p.engine,
    enabled,
    exporter: { name: p.spec.exporter, port: p.spec.port },
    endpoint,
    prometheusOperator: report.served,
    monitor: enabled && report.served ? { kind: 'ServiceMonitor', name: p.name, namespace: p.namespace, labels: report.plan?.labels ?? {} } : null,
    verdicts,
    scrapedBy: verdicts.filter((v) => v.selects).map((v) => v.scraper),
    monitoringUser: enabled ? MONITORING_USER : null,
    changed,
    notes,
  }
}

async function enableInstance(kube: Kube, o: EnableOptions, deps: Deps, exec?: Execer): Promise<MetricsChange> {
  deps.ui.step(`Checking ${o.name}`)
  const p = await planInstance(kube, o)
  const base = serviceMonitorBase(p.name, p.engine, p.version)
  const [report, pod] = await Promise.all([planMonitor(kube, 'ServiceMonitor', p.namespace, base), readyPod(kube, p.name, p.namespace)])
  if (!pod) {
    throw new PreconditionError(`instance "${p.name}" has no ready pod, and the monitoring user is created in its running database`, {
      hint: `wait until \`dbaas status ${p.name} -n ${p.namespace}\` says Ready, then run this again`,
    })
  }
  const notes: string[] = []
  // 1. The monitoring password, kept where every credential of the instance is.
  let data = p.data
  if (!data[MONITORING_PASSWORD_KEY]) {
    const password = generatePassword(deps.randomBytes)
    await kube.mergePatch(R.secrets, p.namespace, p.secret.metadata.name, { stringData: { [MONITORING_PASSWORD_KEY]: password } })
    data = { ...data, [MONITORING_PASSWORD_KEY]: password }
  }
  // 2. The user, in the running database (before the restart: the exporter can log in as soon as it starts).
  await ensureMonitoringUser({ cluster: o.cluster, name: p.name, namespace: p.namespace, engine: p.engine, container: p.container, pod }, data, deps, exec)
  // 3. The sidecar, its port and the ServiceMonitor, through the chart.
  const metrics = metricsValues(true, report, base)
  await upgradeMetrics(p, metrics, o, deps)
  if (!p.enabledNow) notes.push(`the pod of ${p.name} restarts to add the exporter container`)
  if (o.wait) await waitRollout(kube, p.name, p.namespace, o.timeoutMs, deps)
  deps.ui.done()
  notes.push(...monitorNotes('ServiceMonitor', p.name, p.namespace, report, endpointOf(p.name, p.namespace, p.spec.port)))
  return instanceChange(p, true, report, true, notes)
}

async function disableInstance(kube: Kube, o: EnableOptions, deps: Deps, exec?: Execer): Promise<MetricsChange> {
  deps.ui.step(`Checking ${o.name}`)
  const p = await planInstance(kube, o)
  const served = (await monitoringApiServed(kube)).serviceMonitor
  const notes: string[] = []
  await upgradeMetrics(p, { enabled: false, serviceMonitor: { enabled: false, labels: {} } }, o, deps)
  if (p.enabledNow) notes.push(`the pod of ${p.name} restarts without the exporter container`)
  if (o.wait) await waitRollout(kube, p.name, p.namespace, o.timeoutMs, deps)
  // The user goes once no exporter logs in as it; its password leaves the Secret.
  const pod = await readyPod(kube, p.name, p.namespace)
  if (pod) {
    const removal = userRemoval(p.engine, { rootPassword: p.data['root-password'] })
    deps.ui.step(`Removing the monitoring user ${MONITORING_USER}`)
    await (exec ?? clientNodeExecer(deps))({ cluster: o.cluster, namespace: p.namespace, pod, container: p.container }, removal.command, removal.stdin, `removing the monitoring user ${MONITORING_USER}`)
  } else {
    notes.push(`no ready pod: the monitoring user ${MONITORING_USER} was left in the database; run this again once the instance is Ready to remove it`)
  }
  if (p.data[MONITORING_PASSWORD_KEY]) await kube.mergePatch(R.secrets, p.namespace, p.secret.metadata.name, { data: { [MONITORING_PASSWORD_KEY]: null } })
  deps.ui.done()
  return instanceChange(p, false, { served }, p.enabledNow, notes)
}

// ---- HA clusters (CloudNativePG) ----

export const CNPG_CLUSTER_LABEL = 'cnpg.io/cluster'

/** dbaas's PodMonitor for a CloudNativePG Cluster: its pods' `metrics` port, owned by the Cluster. */
export function buildPodMonitor(c: CnpgCluster, labels: Record<string, string>): MonitorObject {
  return {
    apiVersion: `${MON.podMonitors.group}/${MON.podMonitors.version}`,
    kind: 'PodMonitor',
    metadata: {
      name: c.metadata.name,
      namespace: c.metadata.namespace ?? '',
      labels,
      ...(c.metadata.uid
        ? { ownerReferences: [{ apiVersion: c.apiVersion ?? 'postgresql.cnpg.io/v1', kind: 'Cluster', name: c.metadata.name, uid: c.metadata.uid, blockOwnerDeletion: false }] }
        : {}),
    },
    spec: {
      selector: { matchLabels: { [CNPG_CLUSTER_LABEL]: c.metadata.name } },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    },
  }
}

/** The labels of an HA cluster's PodMonitor before the Prometheus objects' own. */
export function podMonitorBase(c: CnpgCluster): Record<string, string> {
  const id = c.metadata.labels ?? {}
  return {
    [MANAGED_BY]: 'dbaas',
    [INSTANCE]: c.metadata.name,
    ...(id[ENGINE] ? { [ENGINE]: id[ENGINE] } : {}),
    [KIND]: MONITOR_KIND,
  }
}

/**
 * The HA cluster of that name, or undefined. Only CloudNativePG's carry metrics of dbaas's: for the other HA
 * engines (Percona XtraDB Cluster, the MariaDB operator) metrics are a usage error (exit 2), as for an engine
 * without an exporter.
 */
async function findHa(kube: Kube, t: MetricsTarget): Promise<CnpgCluster | undefined> {
  const { findHaCluster } = await import('../ha/find.ts')
  let found: Awaited<ReturnType<typeof findHaCluster>>
  try {
    found = await findHaCluster(kube, t.name, t.namespace)
  } catch (err) {
    if (err instanceof NotFoundError) return undefined
    throw err
  }
  if (found.engine.id !== 'cnpg') {
    throw new UsageError(`dbaas has no metrics exporter for ${found.engine.displayName} HA clusters (${found.engine.operator.name})`, {
      hint: 'metrics are available for postgresql, mysql and mariadb instances and for PostgreSQL HA clusters (CloudNativePG)',
    })
  }
  return found.cluster as CnpgCluster
}

function haChange(c: CnpgCluster, enabled: boolean, report: MonitorReport, changed: boolean, notes: string[]): MetricsChange {
  const ns = c.metadata.namespace ?? ''
  const verdicts = enabled ? (report.plan?.verdicts ?? []) : []
  return {
    kind: 'metrics',
    name: c.metadata.name,
    namespace: ns,
    target: 'ha-cluster',
    engine: 'postgresql',
    enabled,
    exporter: { name: CNPG_EXPORTER.exporter, port: CNPG_EXPORTER.port },
    endpoint: `${c.metadata.name}-1.${ns}:${CNPG_EXPORTER.port}/metrics (every instance's pod)`,
    prometheusOperator: report.served,
    monitor: enabled && report.served ? { kind: 'PodMonitor', name: c.metadata.name, namespace: ns, labels: report.plan?.labels ?? {} } : null,
    verdicts,
    scrapedBy: verdicts.filter((v) => v.selects).map((v) => v.scraper),
    monitoringUser: null,
    changed,
    notes,
  }
}

/** `ha create --metrics` and `metrics enable <ha-cluster>`: the PodMonitor (CloudNativePG serves the metrics itself). */
export async function enableHaMetrics(kube: Kube, c: CnpgCluster, deps: Deps): Promise<MetricsChange> {
  const ns = c.metadata.namespace ?? ''
  const report = await planMonitor(kube, 'PodMonitor', ns, podMonitorBase(c))
  const notes: string[] = []
  if (report.served) {
    deps.ui.step(`Creating PodMonitor ${ns}/${c.metadata.name}`)
    await kube.apply(MON.podMonitors, buildPodMonitor(c, report.plan?.labels ?? {}))
  }
  notes.push(...monitorNotes('PodMonitor', c.metadata.name, ns, report, `<pod>.${ns}:${CNPG_EXPORTER.port}/metrics on each instance`))
  deps.ui.done()
  return haChange(c, true, report, report.served, notes)
}

async function disableHaMetrics(kube: Kube, c: CnpgCluster, deps: Deps): Promise<MetricsChange> {
  const ns = c.metadata.namespace ?? ''
  const served = (await monitoringApiServed(kube)).podMonitor
  let removed = false
  if (served) {
    const existing = await kube.find(MON.podMonitors, ns, c.metadata.name)
    if (existing && existing.metadata.labels?.[MANAGED_BY] === 'dbaas') removed = await kube.deleteIfExists(MON.podMonitors, ns, c.metadata.name)
  }
  const notes = [`CloudNativePG keeps serving metrics on port ${CNPG_EXPORTER.port} of every instance (it cannot be turned off); only dbaas's PodMonitor ${removed ? 'was removed' : 'is gone'}`]
  deps.ui.done()
  return haChange(c, false, { served }, removed, notes)
}

// ---- the verbs ----

/** Runs `fn` on the single instance of that name, or on the HA cluster when there is no such instance. */
async function onTarget<T>(kube: Kube, t: MetricsTarget, single: () => Promise<T>, ha: (c: CnpgCluster) => Promise<T>): Promise<T> {
  try {
    return await single()
  } catch (err) {
    // Not an instance: findInstance says so (3), or names the HA cluster it found (2) — metrics serve both.
    if (!(err instanceof NotFoundError) && !(err instanceof HaClusterError)) throw err
    const c = await findHa(kube, t)
    if (!c) throw err
    return ha(c)
  }
}

export async function enableMetrics(o: EnableOptions, deps: Deps, exec?: Execer): Promise<MetricsChange> {
  const kube = await deps.kube(o.cluster)
  return onTarget(kube, o, () => enableInstance(kube, o, deps, exec), (c) => enableHaMetrics(kube, c, deps))
}

export async function disableMetrics(o: EnableOptions, deps: Deps, exec?: Execer): Promise<MetricsChange> {
  const kube = await deps.kube(o.cluster)
  return onTarget(kube, o, () => disableInstance(kube, o, deps, exec), (c) => disableHaMetrics(kube, c, deps))
}

