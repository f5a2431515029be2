// The Prometheus Operator as dbaas meets it: whether the cluster serves monitoring.coreos.com/v1, which
// Prometheus (and PrometheusAgent) objects exist, and — the point of it all — whether they would select a
// monitor of dbaas's in a given namespace. A ServiceMonitor that lacks the label a Prometheus selects on is
// never scraped and nobody is told (prometheus-operator#3636, cloudnative-pg/charts#279); dbaas copies the
// labels the Prometheus objects ask for and says which of them still would not select it, and why.
//
// The operator's rules (the CRD's own descriptions, v0.85.0): a monitor selector that is null selects no
// monitor, an empty one ({}) every monitor; a namespace selector that is null means the Prometheus object's
// own namespace only, an empty one every namespace.
import { apiInfo, isApiNotFound } from '../../k8s/errors.ts'
import { R, resource, type Kube, type KubeObject } from '../../k8s/kube.ts'
import { describeSelector, isEmptySelector, labelsToMatch, matches, unmet, type LabelSelector } from './selectors.ts'

export const MONITORING_GROUP = 'monitoring.coreos.com'

export interface MonitorObject extends KubeObject {
  spec?: {
    selector?: LabelSelector
    namespaceSelector?: { matchNames?: string[]; any?: boolean }
    endpoints?: Array<{ port?: string; path?: string; interval?: string }>
    podMetricsEndpoints?: Array<{ port?: string; path?: string; interval?: string }>
  }
}

export interface PrometheusObject extends KubeObject {
  spec?: {
    serviceMonitorSelector?: LabelSelector | null
    serviceMonitorNamespaceSelector?: LabelSelector | null
    podMonitorSelector?: LabelSelector | null
    podMonitorNamespaceSelector?: LabelSelector | null
  }
}

export const MON = {
  serviceMonitors: resource<MonitorObject>({ group: MONITORING_GROUP, version: 'v1', plural: 'servicemonitors', kind: 'ServiceMonitor', namespaced: true }),
  podMonitors: resource<MonitorObject>({ group: MONITORING_GROUP, version: 'v1', plural: 'podmonitors', kind: 'PodMonitor', namespaced: true }),
  prometheuses: resource<PrometheusObject>({ group: MONITORING_GROUP, version: 'v1', plural: 'prometheuses', kind: 'Prometheus', namespaced: true }),
  prometheusAgents: resource<PrometheusObject>({ group: MONITORING_GROUP, version: 'v1alpha1', plural: 'prometheusagents', kind: 'PrometheusAgent', namespaced: true }),
}

export type MonitorKind = 'ServiceMonitor' | 'PodMonitor'

/** Does the cluster serve ServiceMonitor and PodMonitor (monitoring.coreos.com/v1)? Asked through discovery, which every user may read. */
export async function monitoringApiServed(kube: Kube): Promise<{ serviceMonitor: boolean; podMonitor: boolean }> {
  try {
    const list = await kube.transport.request<{ resources?: Array<{ name: string }> }>('GET', `/apis/${MONITORING_GROUP}/v1`)
    const names = new Set((list?.resources ?? []).map((r) => r.name))
    return { serviceMonitor: names.has('servicemonitors'), podMonitor: names.has('podmonitors') }
  } catch (err) {
    if (isApiNotFound(err)) return { serviceMonitor: false, podMonitor: false }
    throw err
  }
}

export interface Scraper {
  kind: 'Prometheus' | 'PrometheusAgent'
  namespace: string
  name: string
  spec: NonNullable<PrometheusObject['spec']>
}

export interface Scrapers {
  scrapers: Scraper[]
  /** Set when some could not be listed (forbidden cluster-wide): said with every verdict. */
  incomplete?: string | undefined
}

async function listKind(kube: Kube, r: typeof MON.prometheuses, kind: Scraper['kind']): Promise<Scraper[] | 'forbidden'> {
  try {
    const items = (await kube.list(r, undefined)).items
    return items.map((p) => ({ kind, namespace: p.metadata.namespace ?? '', name: p.metadata.name, spec: p.spec ?? {} }))
  } catch (err) {
    if (isApiNotFound(err)) return [] // the kind is not served (PrometheusAgent came later)
    if (apiInfo(err)?.httpCode === 403) return 'forbidden'
    throw err
  }
}

/** Every Prometheus and PrometheusAgent in the cluster, sorted by namespace/name. */
export async function listScrapers(kube: Kube): Promise<Scrapers> {
  const [proms, agents] = await Promise.all([listKind(kube, MON.prometheuses, 'Prometheus'), listKind(kube, MON.prometheusAgents, 'PrometheusAgent')])
  const scrapers = [...(proms === 'forbidden' ? [] : proms), ...(agents === 'forbidden' ? [] : agents)].sort((a, b) =>
    `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
  )
  const incomplete = proms === 'forbidden' ? 'you may not list Prometheus objects across namespaces, so dbaas could not check which of them select the monitor' : undefined
  return { scrapers, incomplete }
}

function selectorsFor(s: Scraper, kind: MonitorKind): { monitor: LabelSelector | null | undefined; namespace: LabelSelector | null | undefined; field: string; nsField: string } {
  return kind === 'ServiceMonitor'
    ? { monitor: s.spec.serviceMonitorSelector, namespace: s.spec.serviceMonitorNamespaceSelector, field: 'serviceMonitorSelector', nsField: 'serviceMonitorNamespaceSelector' }
    : { monitor: s.spec.podMonitorSelector, namespace: s.spec.podMonitorNamespaceSelector, field: 'podMonitorSelector', nsField: 'podMonitorNamespaceSelector' }
}

export interface Verdict {
  /** `Prometheus monitoring/kube-prometheus-stack-prometheus` */
  scraper: string
  selects: boolean
  reason: string
}

/** undefined: the namespace's labels could not be read. */
export type NamespaceLabels = Record<string, string> | undefined

/** Whether the scraper looks for monitors of this kind in the namespace: true, or why not. */
function namespaceAdmits(s: Scraper, kind: MonitorKind, namespace: string, nsLabels: NamespaceLabels): true | string {
  const { namespace: sel, nsField } = selectorsFor(s, kind)
  if (sel === null || sel === undefined) {
    return s.namespace === namespace ? true : `it looks for ${kind}s in its own namespace ${s.namespace} only (its ${nsField} is not set)`
  }
  if (isEmptySelector(sel)) return true
  if (nsLabels === undefined) return `dbaas could not read namespace ${namespace}'s labels to check its ${nsField} (${describeSelector(sel)})`
  return matches(sel, nsLabels) ? true : `namespace ${namespace} does not match its ${nsField} (${describeSelector(sel)})`
}

const scraperName = (s: Scraper) => `${s.kind} ${s.namespace}/${s.name}`

/** Each scraper's verdict on a monitor of this kind, these labels, in this namespace. */
export function judge(scrapers: Scraper[], kind: MonitorKind, namespace: string, nsLabels: NamespaceLabels, labels: Record<string, string>): Verdict[] {
  return scrapers.map((s) => {
    const { monitor, field } = selectorsFor(s, kind)
    const ns = namespaceAdmits(s, kind, namespace, nsLabels)
    if (monitor === null || monitor === undefined) return { scraper: scraperName(s), selects: false, reason: `its ${field} is not set, so it selects no ${kind}` }
    if (ns !== true) return { scraper: scraperName(s), selects: false, reason: ns }
    const missing = unmet(monitor, labels)
    if (missing.length) return { scraper: scraperName(s), selects: false, reason: `the ${kind} does not meet its ${field}: it lacks ${missing.join(', ')}` }
    return { scraper: scraperName(s), selects: true, reason: `its ${field} (${describeSelector(monitor)}) matches` }
  })
}

export interface MonitorPlan {
  /** The labels to put on the monitor: `base` plus what the Prometheus objects ask for. */
  labels: Record<string, string>
  verdicts: Verdict[]
  incomplete?: string | undefined
}

/**
 * The labels that make the cluster's Prometheus objects select a new monitor in `namespace`, added to `base`
 * (which wins: identity labels are never changed). Scrapers are served in name order; one whose selector
 * conflicts with labels already chosen is left out, and its verdict says so.
 */
export function planLabels(scrapers: Scraper[], kind: MonitorKind, namespace: string, nsLabels: NamespaceLabels, base: Record<string, string>): MonitorPlan {
  let labels: Record<string, string> = { ...base }
  for (const s of scrapers) {
    const { monitor } = selectorsFor(s, kind)
    if (monitor === null || monitor === undefined || namespaceAdmits(s, kind, namespace, nsLabels) !== true) continue
    const need = labelsToMatch(monitor, labels)
    if ('labels' in need) labels = { ...labels, ...need.labels }
  }
  return { labels, verdicts: judge(scrapers, kind, namespace, nsLabels, labels) }
}

/** A namespace's labels, or undefined when they may not be read. */
export async function namespaceLabels(kube: Kube, namespace: string): Promise<NamespaceLabels> {
  try {
    const ns = await kube.find(R.namespaces, undefined, namespace)
    return ns?.metadata.labels ?? { 'kubernetes.io/metadata.name': namespace }
  } catch (err) {
    if (apiInfo(err)?.httpCode === 403) return undefined
    throw err
  }
}

/** One sentence on who scrapes a monitor: for notes, `metrics status` and doctor. */
export function summary(kind: MonitorKind, name: string, namespace: string, verdicts: Verdict[], incomplete?: string): string {
  const yes = verdicts.filter((v) => v.selects)
  if (yes.length) return `${kind} ${namespace}/${name} is selected by ${yes.map((v) => v.scraper).join(', ')}`
  if (verdicts.length === 0) return `${kind} ${namespace}/${name} is selected by no Prometheus: ${incomplete ?? 'the cluster has no Prometheus object (the operator\'s CRDs are there, a Prometheus is not)'}`
  return `${kind} ${namespace}/${name} is selected by no Prometheus: ${verdicts.map((v) => `${v.scraper}: ${v.reason}`).join('; ')}`
}
