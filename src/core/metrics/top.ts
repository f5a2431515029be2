// dbaas top [name] and dbaas metrics <name>: the figures a person looks at first, read from each instance's
// exporter through an in-process port-forward. Rates (TPS, QPS) need two readings: a single run reads twice,
// `--window` apart; `--watch` reads every `--interval` and keeps a short history per figure for trend lines.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { NotFoundError, PreconditionError } from '../../errors.ts'
import { apiInfo } from '../../k8s/errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import { sleep } from '../../k8s/wait.ts'
import { ENGINE, INSTANCE, KIND, Kinds, MANAGED } from '../../k8s/labels.ts'
import type { CnpgCluster, Pod, StatefulSet } from '../../k8s/types.ts'
import { findInstance, HaClusterError } from '../find.ts'
import type { LiveView } from '../live.ts'
import { CNPG_EXPORTER, exporterFor, figures, READ_METRICS, type Figures, type Flavor, type Reading } from './exporters.ts'
import { CNPG_CLUSTER_LABEL } from './enable.ts'
import { MON, monitoringApiServed, listScrapers, judge, namespaceLabels, summary, type Verdict } from './prometheus.ts'
import { portForwardScrapers, type OpenScraper, type Scraper } from './scrape.ts'

export interface TopOptions {
  /** One instance or HA cluster; every monitored one when absent. */
  name?: string | undefined
  namespace?: string | undefined
  cluster: ClusterFlags
  /** Between the two readings of a single run (rates need two). */
  windowMs: number
  /** Between refreshes with --watch. */
  intervalMs: number
}

/** One pod's exporter, read. */
export interface PodFigures {
  pod: string
  /** CloudNativePG's role (primary, replica); null for single instances. */
  role: string | null
  figures: Figures | null
  error: string | null
}

/** One instance or HA cluster in `top` (the JSON shape; stable). */
export interface TopRow {
  kind: 'instance' | 'ha-cluster'
  name: string
  namespace: string
  engine: string
  exporter: string
  /** The figures of the primary (or only) pod. */
  figures: Figures | null
  pods: PodFigures[]
  error: string | null
}

export interface TopView {
  kind: 'top'
  /** When the (last) readings were taken. */
  at: string
  items: TopRow[]
  /** With --watch: the last readings of each figure per row (name/namespace), oldest first, for trend lines. */
  history?: Record<string, Record<TrendFigure, Array<number | null>>> | undefined
  /** Per refresh: the slowest scrape (HTTP over the port-forward) and dbaas's own time (parse, figures). */
  timing?: { scrapeMs: number; ownMs: number } | undefined
}

/** `metrics <name>`: one row, and who scrapes it. */
export interface MetricsView extends TopRow {
  endpoint: string
  monitor: { kind: string; name: string; namespace: string; scrapedBy: string[]; verdicts: Verdict[]; summary: string } | null
  prometheusOperator: boolean
}

export const TREND_FIGURES = ['connections', 'tps', 'cacheHitRatio', 'sizeBytes', 'replicationLagSeconds'] as const
export type TrendFigure = (typeof TREND_FIGURES)[number]
export const HISTORY = 30

interface Target {
  kind: 'instance' | 'ha-cluster'
  name: string
  namespace: string
  engine: string
  flavor: Flavor
  exporter: string
  port: number
  pods: Array<{ pod: string; role: string | null }>
}

const hasExporter = (s: StatefulSet) => (s.spec?.template?.spec?.containers ?? []).some((c) => c.name === 'exporter')

function instanceTarget(s: StatefulSet, pods: Pod[]): Target {
  const engine = s.metadata.labels?.[ENGINE] ?? ''
  const spec = exporterFor(engine)
  const mine = pods.filter((p) => p.metadata.labels?.[INSTANCE] === s.metadata.name && !p.metadata.deletionTimestamp)
  return {
    kind: 'instance',
    name: s.metadata.name,
    namespace: s.metadata.namespace ?? '',
    engine,
    flavor: spec.flavor,
    exporter: spec.exporter,
    port: spec.port,
    pods: mine.map((p) => ({ pod: p.metadata.name, role: null })).sort((a, b) => a.pod.localeCompare(b.pod, 'en', { numeric: true })),
  }
}

function haTarget(c: CnpgCluster, pods: Pod[]): Target {
  const mine = pods.filter((p) => p.metadata.labels?.[CNPG_CLUSTER_LABEL] === c.metadata.name && !p.metadata.deletionTimestamp)
  const role = (p: Pod) => p.metadata.labels?.['cnpg.io/instanceRole'] ?? p.metadata.labels?.role ?? null
  return {
    kind: 'ha-cluster',
    name: c.metadata.name,
    namespace: c.metadata.namespace ?? '',
    engine: 'postgresql',
    flavor: CNPG_EXPORTER.flavor,
    exporter: CNPG_EXPORTER.exporter,
    port: CNPG_EXPORTER.port,
    // The primary first: its figures are the cluster's.
    pods: mine
      .map((p) => ({ pod: p.metadata.name, role: role(p) }))
      .sort((a, b) => Number(b.role === 'primary') - Number(a.role === 'primary') || a.pod.localeCompare(b.pod, 'en', { numeric: true })),
  }
}

async function cnpgClusters(kube: Kube, namespace: string | undefined, name?: string): Promise<CnpgCluster[]> {
  const { CNPG } = await import('../ha/engines/cnpg.ts')
  try {
    const sel = `${MANAGED},${KIND}=${Kinds.haCluster}${name ? `,${INSTANCE}=${name}` : ''}`
    return (await kube.list(CNPG.clusters, namespace, { labelSelector: sel })).items
  } catch (err) {
    if (err instanceof NotFoundError || apiInfo(err)?.httpCode === 404) return [] // no CloudNativePG CRDs
    throw err
  }
}

/** The one target of `metrics <name>` / `top <name>`: a single instance with its exporter, or an HA cluster. */
async function oneTarget(kube: Kube, name: string, namespace: string | undefined): Promise<Target> {
  try {
    const parts = await findInstance(kube, { name, namespace })
    const sts = parts.statefulSet
    if (!sts) throw new PreconditionError(`instance "${name}" is not complete (it has no StatefulSet)`, { hint: `see \`dbaas status ${name} -n ${parts.namespace}\`` })
    exporterFor(sts.metadata.labels?.[ENGINE] ?? '')
    if (!hasExporter(sts)) {
      throw new PreconditionError(`instance "${name}" has no metrics exporter`, { hint: `add one with \`dbaas metrics enable ${name} -n ${parts.namespace}\`` })
    }
    const pods = (await kube.list(R.pods, parts.namespace, { labelSelector: `${MANAGED},${INSTANCE}=${name}` })).items
    return instanceTarget(sts, pods)
  } catch (err) {
    // Not an instance: findInstance says so (3), or names the HA cluster it found (2) — metrics serve both.
    if (!(err instanceof NotFoundError) && !(err instanceof HaClusterError)) throw err
    const [c] = namespace ? await cnpgClusters(kube, namespace, name) : await cnpgClusters(kube, undefined, name)
    if (!c) throw err
    const pods = (await kube.list(R.pods, c.metadata.namespace, { labelSelector: `${CNPG_CLUSTER_LABEL}=${name}` })).items
    return haTarget(c, pods)
  }
}

/** Every instance with an exporter, and every dbaas HA cluster, in the namespace or all. */
async function allTargets(kube: Kube, namespace: string | undefined): Promise<Target[]> {
  const [sts, pods, clusters] = await Promise.all([
    kube.list(R.statefulSets, namespace, { labelSelector: `${MANAGED},${KIND}=${Kinds.instance}` }).then((l) => l.items),
    kube.list(R.pods, namespace, { labelSelector: `${MANAGED},${KIND}=${Kinds.pod}` }).then((l) => l.items),
    cnpgClusters(kube, namespace),
  ])
  const haPods = clusters.length ? (await kube.list(R.pods, namespace, { labelSelector: CNPG_CLUSTER_LABEL })).items : []
  const targets = [
    ...sts.filter((s) => hasExporter(s) && s.metadata.labels?.[ENGINE] !== undefined).map((s) => instanceTarget(s, pods)),
    ...clusters.map((c) => haTarget(c, haPods)),
  ]
  return targets.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))
}

/** Keeps one scraper per pod open for the whole command, and each pod's previous reading. */
class Readings {
  private readonly scrapers = new Map<string, Promise<Scraper>>()
  private readonly previous = new Map<string, Reading>()
  readonly history = new Map<string, Record<TrendFigure, Array<number | null>>>()
  timing = { scrapeMs: 0, ownMs: 0 }

  private readonly open: OpenScraper

  constructor(open: OpenScraper) {
    this.open = open
  }

  private scraper(namespace: string, pod: string, port: number): Promise<Scraper> {
    const key = `${namespace}/${pod}:${port}`
    let s = this.scrapers.get(key)
    if (!s) {
      s = this.open({ namespace, pod, port })
      this.scrapers.set(key, s)
      s.catch(() => this.scrapers.delete(key))
    }
    return s
  }

  async readPod(t: Target, p: { pod: string; role: string | null }): Promise<PodFigures> {
    const key = `${t.namespace}/${p.pod}`
    try {
      const r = await (await this.scraper(t.namespace, p.pod, t.port)).read(READ_METRICS[t.flavor])
      const reading: Reading = { at: r.at, exposition: r.exposition }
      const ownStart = performance.now()
      const f = figures(t.flavor, reading, this.previous.get(key))
      this.previous.set(key, reading)
      this.timing.scrapeMs = Math.max(this.timing.scrapeMs, r.scrapeMs)
      this.timing.ownMs += r.parseMs + (performance.now() - ownStart)
      return { pod: p.pod, role: p.role, figures: f, error: null }
    } catch (err) {
      return { pod: p.pod, role: p.role, figures: null, error: (err as Error).message }
    }
  }

  async row(t: Target): Promise<TopRow> {
    const pods = await Promise.all(t.pods.map((p) => this.readPod(t, p)))
    const first = pods[0]
    const row: TopRow = {
      kind: t.kind,
      name: t.name,
      namespace: t.namespace,
      engine: t.engine,
      exporter: t.exporter,
      figures: first?.figures ?? null,
      pods,
      error: pods.length === 0 ? 'no pod is running' : (first?.error ?? null),
    }
    if (row.figures && t.kind === 'ha-cluster') {
      // The cluster's replication lag is its worst standby's.
      const lags = pods.map((p) => p.figures?.replicationLagSeconds).filter((v): v is number => typeof v === 'number')
      row.figures = { ...row.figures, replicationLagSeconds: lags.length ? Math.max(...lags) : row.figures.replicationLagSeconds }
    }
    this.remember(`${t.namespace}/${t.name}`, row.figures)
    return row
  }

  private remember(key: string, f: Figures | null): void {
    const h = this.history.get(key) ?? { connections: [], tps: [], cacheHitRatio: [], sizeBytes: [], replicationLagSeconds: [] }
    const push = (k: TrendFigure, v: number | null) => {
      h[k].push(v)
      if (h[k].length > HISTORY) h[k].shift()
    }
    push('connections', f?.connections.used ?? null)
    push('tps', f?.tps ?? null)
    push('cacheHitRatio', f?.cacheHitRatio ?? null)
    push('sizeBytes', f?.sizeBytes ?? null)
    push('replicationLagSeconds', f?.replicationLagSeconds ?? null)
    this.history.set(key, h)
  }

  async close(): Promise<void> {
    await Promise.all([...this.scrapers.values()].map((s) => s.then((x) => x.close()).catch(() => {})))
  }
}


export interface TopDeps {
  /** How exporters are reached (tests: a local server). */
  openScraper?: OpenScraper
}

async function targets(kube: Kube, o: TopOptions): Promise<Target[]> {
  return o.name ? [await oneTarget(kube, o.name, o.namespace)] : allTargets(kube, o.namespace)
}

async function readAll(readings: Readings, ts: Target[], now: number, timed = false): Promise<TopView> {
  readings.timing = { scrapeMs: 0, ownMs: 0 }
  const items = await Promise.all(ts.map((t) => readings.row(t)))
  return { kind: 'top', at: new Date(now).toISOString(), items, ...(timed ? { timing: { ...readings.timing } } : {}) }
}

/** A single run: every target read twice, `windowMs` apart, so the rates are defined. */
export async function top(o: TopOptions, deps: Deps, td: TopDeps = {}): Promise<TopView> {
  const kube = await deps.kube(o.cluster)
  const ts = await targets(kube, o)
  const readings = new Readings(td.openScraper ?? portForwardScrapers(deps, o.cluster))
  try {
    if (ts.length === 0) return { kind: 'top', at: new Date(deps.now()).toISOString(), items: [] }
    deps.ui.step(`Reading ${ts.length === 1 ? `${ts[0]?.name}'s exporter` : `${ts.length} exporters`}`)
    await readAll(readings, ts, deps.now())
    await sleep(o.windowMs, deps.signal)
    const view = await readAll(readings, ts, deps.now())
    deps.ui.done()
    return view
  } finally {
    await readings.close()
  }
}

/** --watch: a new reading every interval until Ctrl-C; the targets are looked up again every tenth refresh. */
export async function liveTop(o: TopOptions, deps: Deps, td: TopDeps = {}): Promise<LiveView<TopView>> {
  const kube = await deps.kube(o.cluster)
  let ts = await targets(kube, o)
  const readings = new Readings(td.openScraper ?? portForwardScrapers(deps, o.cluster))
  let refreshes = 0
  return {
    signal: deps.signal,
    async read() {
      if (++refreshes % 10 === 0 && !o.name) ts = await targets(kube, o)
      const view = await readAll(readings, ts, deps.now(), true)
      return { ...view, history: Object.fromEntries(readings.history) }
    },
    async changes(onChange) {
      try {
        while (!deps.signal.aborted) {
          await sleep(o.intervalMs, deps.signal)
          if (!deps.signal.aborted) onChange()
        }
      } finally {
        await readings.close()
      }
    },
  }
}

/** `metrics <name>`: one target's figures, its endpoint, and who scrapes it. */
export async function metricsShow(o: TopOptions & { name: string }, deps: Deps, td: TopDeps = {}): Promise<MetricsView> {
  const kube = await deps.kube(o.cluster)
  const [view, monitor] = await Promise.all([top(o, deps, td), monitorOf(kube, o)])
  const row = view.items[0] as TopRow
  return { ...row, ...monitor(row) }
}

/** The view with its monitor, for --watch. */
export async function liveMetricsShow(o: TopOptions & { name: string }, deps: Deps, td: TopDeps = {}): Promise<LiveView<MetricsView>> {
  const kube = await deps.kube(o.cluster)
  const [live, monitor] = await Promise.all([liveTop(o, deps, td), monitorOf(kube, o)])
  return {
    signal: live.signal,
    changes: live.changes,
    async read() {
      const v = await live.read()
      const row = v.items[0] as TopRow
      return { ...row, ...monitor(row), history: v.history, timing: v.timing } as MetricsView
    },
  }
}

/** Reads the target's monitor and the Prometheus objects once; gives the view's monitor part for a row. */
async function monitorOf(kube: Kube, o: { name: string; namespace?: string | undefined }): Promise<(row: TopRow) => Pick<MetricsView, 'endpoint' | 'monitor' | 'prometheusOperator'>> {
  const t = await oneTarget(kube, o.name, o.namespace)
  const api = await monitoringApiServed(kube)
  const kind = t.kind === 'instance' ? 'ServiceMonitor' : 'PodMonitor'
  const endpoint = t.kind === 'instance' ? `${t.name}-0.${t.name}-headless.${t.namespace}.svc:${t.port}/metrics` : `<pod>.${t.namespace}:${t.port}/metrics on each instance`
  const served = kind === 'ServiceMonitor' ? api.serviceMonitor : api.podMonitor
  if (!served) return () => ({ endpoint, monitor: null, prometheusOperator: false })
  const mon = await kube.find(kind === 'ServiceMonitor' ? MON.serviceMonitors : MON.podMonitors, t.namespace, t.name)
  if (!mon) return () => ({ endpoint, monitor: null, prometheusOperator: true })
  const [scrapers, nsLabels] = await Promise.all([listScrapers(kube), namespaceLabels(kube, t.namespace)])
  const verdicts = judge(scrapers.scrapers, kind, t.namespace, nsLabels, mon.metadata.labels ?? {})
  const monitor = {
    kind,
    name: mon.metadata.name,
    namespace: t.namespace,
    scrapedBy: verdicts.filter((v) => v.selects).map((v) => v.scraper),
    verdicts,
    summary: summary(kind, mon.metadata.name, t.namespace, verdicts, scrapers.incomplete),
  }
  return () => ({ endpoint, monitor, prometheusOperator: true })
}

