// The monitor and the monitoring user, shared by `create --metrics` and `metrics enable|disable`: which
// labels the cluster's Prometheus objects need on a monitor (and who then scrapes it), the chart's `metrics`
// values, and the monitoring user made through exec into a ready pod. Nothing here imports the create verb,
// which calls it.
import { randomBytes } from 'node:crypto'
import type { ClusterFlags, Deps } from '../../deps.ts'
import type { Engine } from '../../engines/types.ts'
import { OperationError } from '../../errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import { ENGINE, ENGINE_VERSION, INSTANCE, KIND, Kinds, MANAGED_BY, NAME } from '../../k8s/labels.ts'
import type { Secret } from '../../k8s/types.ts'
import { podReady } from '../instances.ts'
import { clientNodeExecer, type Execer } from './exec.ts'
import { exporterFor, MONITORING_PASSWORD_KEY, MONITORING_USER, userSetup } from './exporters.ts'
import { listScrapers, monitoringApiServed, namespaceLabels, planLabels, summary, type MonitorKind, type MonitorPlan } from './prometheus.ts'

/** dbaas.io/kind of the monitors dbaas writes. */
export const MONITOR_KIND = 'monitor'

/** The credentials Secret of an instance (named as create.ts names it). */
const secretName = (name: string) => `${name}-credentials`


export function endpointOf(name: string, namespace: string, port: number, headless = true): string {
  return `${headless ? `${name}-0.${name}-headless` : name}.${namespace}.svc:${port}/metrics`
}

// ---- the monitor plan ----

export interface MonitorReport {
  served: boolean
  plan?: MonitorPlan | undefined
}

/** Is the operator's API served, and which labels would make its Prometheus objects select a new monitor. */
export async function planMonitor(kube: Kube, kind: MonitorKind, namespace: string, base: Record<string, string>): Promise<MonitorReport> {
  const api = await monitoringApiServed(kube)
  if (!(kind === 'ServiceMonitor' ? api.serviceMonitor : api.podMonitor)) return { served: false }
  const [scrapers, nsLabels] = await Promise.all([listScrapers(kube), namespaceLabels(kube, namespace)])
  const plan = planLabels(scrapers.scrapers, kind, namespace, nsLabels, base)
  return { served: true, plan: { ...plan, incomplete: scrapers.incomplete } }
}

/** What to say about a planned or existing monitor: who scrapes it, or why nobody does. */
export function monitorNotes(kind: MonitorKind, name: string, namespace: string, report: MonitorReport, endpoint: string): string[] {
  if (!report.served) {
    return [`the cluster has no Prometheus Operator (monitoring.coreos.com/v1 is not served): no ${kind} was created; scrape ${endpoint}, or read it with \`dbaas metrics ${name} -n ${namespace}\``]
  }
  const plan = report.plan as MonitorPlan
  return [summary(kind, name, namespace, plan.verdicts, plan.incomplete)]
}

/** The labels a single instance's ServiceMonitor gets from the chart (the labels helper of each chart's _helpers.tpl). */
export function serviceMonitorBase(name: string, engine: string, version: string): Record<string, string> {
  return { [INSTANCE]: name, [NAME]: engine, [MANAGED_BY]: 'Helm', [KIND]: MONITOR_KIND, [ENGINE]: engine, [ENGINE_VERSION]: version }
}

/** The chart's `metrics` values: the sidecar on, and the ServiceMonitor with the labels beyond the chart's own. */
export function metricsValues(enabled: boolean, report: MonitorReport | undefined, base: Record<string, string>): Record<string, unknown> {
  const extra = Object.fromEntries(Object.entries(report?.plan?.labels ?? {}).filter(([k]) => !Object.hasOwn(base, k)))
  return { enabled, serviceMonitor: { enabled: enabled && report?.served === true, labels: extra } }
}

// ---- the monitoring user ----

export async function readyPod(kube: Kube, name: string, namespace: string): Promise<string | undefined> {
  const pods = (await kube.list(R.pods, namespace, { labelSelector: `${KIND}=${Kinds.pod},${INSTANCE}=${name}` })).items
  return pods.filter((p) => !p.metadata.deletionTimestamp && podReady(p)).map((p) => p.metadata.name).sort()[0]
}

/** Creates (or updates) the monitoring user in the instance's database through exec into its ready pod. */
export async function ensureMonitoringUser(
  t: { cluster: ClusterFlags; name: string; namespace: string; engine: string; container: string; pod: string },
  data: Record<string, string>,
  deps: Deps,
  exec: Execer = clientNodeExecer(deps),
): Promise<void> {
  const setup = userSetup(t.engine, data[MONITORING_PASSWORD_KEY] as string, { rootPassword: data['root-password'], salt: randomBytes(16) })
  deps.ui.step(`Creating the monitoring user ${MONITORING_USER} in ${t.name}`)
  await exec({ cluster: t.cluster, namespace: t.namespace, pod: t.pod, container: t.container }, setup.command, setup.stdin, `creating the monitoring user ${MONITORING_USER}`)
}

export function decode(secret: Secret): Record<string, string> {
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))
}

// ---- create --metrics ----

/**
 * The chart's `metrics` values for a new instance, and what to say about its monitor. Without a cluster
 * (--dry-run=client) no monitor is planned: whether one is created depends on the cluster.
 */
export async function planCreateMetrics(
  kube: Kube | undefined,
  o: { name: string; namespace: string; engine: string; version: string },
): Promise<{ values: Record<string, unknown>; notes: string[] }> {
  const spec = exporterFor(o.engine)
  const base = serviceMonitorBase(o.name, o.engine, o.version)
  const endpoint = endpointOf(o.name, o.namespace, spec.port)
  if (!kube) {
    return { values: metricsValues(true, undefined, base), notes: ['--dry-run=client contacts nothing: no ServiceMonitor is shown; one is created where the cluster serves the Prometheus Operator\'s API'] }
  }
  const report = await planMonitor(kube, 'ServiceMonitor', o.namespace, base)
  return { values: metricsValues(true, report, base), notes: monitorNotes('ServiceMonitor', o.name, o.namespace, report, endpoint) }
}

/** After a create --metrics is ready: the monitoring user in its database. */
export async function finishCreateMetrics(
  kube: Kube,
  o: { cluster: ClusterFlags; name: string; namespace: string; engine: Engine },
  deps: Deps,
  exec?: Execer,
): Promise<string[]> {
  const [secret, pod] = await Promise.all([kube.find(R.secrets, o.namespace, secretName(o.name)), readyPod(kube, o.name, o.namespace)])
  const data = secret ? decode(secret) : {}
  if (!pod || !data[MONITORING_PASSWORD_KEY]) {
    return [`the exporter cannot log in yet: run \`dbaas metrics enable ${o.name} -n ${o.namespace}\` once the instance is Ready, to create its monitoring user`]
  }
  try {
    await ensureMonitoringUser({ cluster: o.cluster, name: o.name, namespace: o.namespace, engine: o.engine.name, container: o.engine.container, pod }, data, deps, exec)
  } catch (err) {
    if (!(err instanceof OperationError)) throw err
    throw new OperationError(`instance "${o.name}" is created and ready, but ${err.message}`, {
      hint: `the exporter cannot log in until its user exists: \`dbaas metrics enable ${o.name} -n ${o.namespace}\` tries again`,
      cause: err,
    })
  }
  return []
}
