// Metrics: `metrics enable|disable` (MetricsChange), `top` (TopView), `metrics <name>` (MetricsView) and
// `metrics dashboards install` (DashboardsResult). The JSON shapes are the core's views, documented in the
// README as stable. With --watch the same tables are redrawn in place with a trend line per figure.
import type { DashboardsResult } from '../../core/metrics/dashboards.ts'
import type { MetricsChange } from '../../core/metrics/enable.ts'
import type { Figures } from '../../core/metrics/exporters.ts'
import type { MetricsView, TopRow, TopView, TrendFigure } from '../../core/metrics/top.ts'
import type { Column } from '../printer.ts'
import type { HumanContext, Writer } from '../writer.ts'
import { liveWriter } from './live.ts'

const DASH = '-'

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return DASH
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
  let v = n
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${i === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)}${units[i]}`
}

export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return DASH
  if (s < 1) return `${Math.round(s * 1000)}ms`
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)}s`
  if (s < 7200) return `${Math.floor(s / 60)}m`
  if (s < 172800) return `${Math.floor(s / 3600)}h`
  return `${Math.floor(s / 86400)}d`
}

const num = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? DASH : Number.isInteger(v) ? String(v) : v.toFixed(digits))
const pct = (v: number | null | undefined) => (v === null || v === undefined ? DASH : `${(v * 100).toFixed(1)}%`)
const up = (f: Figures | null, error: string | null) => (f ? (f.up === null ? '?' : f.up ? 'yes' : 'no') : error ? 'error' : DASH)
const conns = (f: Figures | null) => (f ? `${num(f.connections.used, 0)}/${num(f.connections.max, 0)}` : DASH)

/** A trend line of the last values (▁ lowest … █ highest of the window; a gap where there was no value). */
export function sparkline(values: Array<number | null>, width = 20): string {
  const v = values.slice(-width)
  const known = v.filter((x): x is number => x !== null)
  if (known.length === 0) return ''
  const lo = Math.min(...known)
  const hi = Math.max(...known)
  const bars = '▁▂▃▄▅▆▇█'
  return v.map((x) => (x === null ? ' ' : bars[hi === lo ? 0 : Math.round(((x - lo) / (hi - lo)) * (bars.length - 1))])).join('')
}

function topColumns(history?: TopView['history']): Column<TopRow>[] {
  const trend = (r: TopRow, k: TrendFigure) => (history ? ` ${sparkline(history[`${r.namespace}/${r.name}`]?.[k] ?? [], 10)}` : '')
  return [
    { header: 'NAME', get: (r) => r.name },
    { header: 'NAMESPACE', get: (r) => r.namespace },
    { header: 'ENGINE', get: (r) => (r.kind === 'ha-cluster' ? `${r.engine} (ha)` : r.engine) },
    { header: 'UP', get: (r) => up(r.figures, r.error) },
    { header: 'CONNECTIONS', get: (r) => `${conns(r.figures)}${trend(r, 'connections')}` },
    { header: 'TPS', get: (r) => `${num(r.figures?.tps)}${trend(r, 'tps')}` },
    { header: 'CACHE-HIT', get: (r) => `${pct(r.figures?.cacheHitRatio)}${trend(r, 'cacheHitRatio')}` },
    { header: 'SIZE', get: (r) => `${bytes(r.figures?.sizeBytes)}${trend(r, 'sizeBytes')}` },
    { header: 'REPL-LAG', get: (r) => `${seconds(r.figures?.replicationLagSeconds)}${trend(r, 'replicationLagSeconds')}` },
    { header: 'SLOW', get: (r) => slow(r.figures) },
    { header: 'QPS', get: (r) => num(r.figures?.qps), wide: true },
    { header: 'UPTIME', get: (r) => seconds(r.figures?.uptimeSeconds), wide: true },
    { header: 'EXPORTER', get: (r) => r.exporter, wide: true },
    { header: 'ERROR', get: (r) => r.error ?? '', wide: true },
  ]
}

/** MySQL/MariaDB count slow queries; PostgreSQL shows its longest running transaction instead. */
function slow(f: Figures | null): string {
  if (!f) return DASH
  if (f.slowQueries !== null) return String(f.slowQueries)
  if (f.longestTransactionSeconds !== null) return f.longestTransactionSeconds > 0 ? `longest ${seconds(f.longestTransactionSeconds)}` : 'none running'
  return DASH
}

function printTop(v: TopView, c: HumanContext): void {
  c.printer.table(v.items, topColumns(v.history), { wide: c.wide, noHeaders: c.noHeaders, empty: 'No instance has a metrics exporter (add one with `dbaas metrics enable <name>`).' })
  for (const r of v.items) if (r.error && !c.wide) c.printer.note(`${r.namespace}/${r.name}: ${r.error}`)
}

export const topWriter: Writer<TopView> = {
  data: (v) => ({ kind: v.kind, at: v.at, items: v.items }),
  names: (v) => v.items.map((r) => r.name),
  human: (v, c) => printTop(v, c),
}

export const liveTopWriter = liveWriter<TopView>((v, c) => {
  const t = v.timing ? ` (scrape ${Math.round(v.timing.scrapeMs)} ms, dbaas ${Math.round(v.timing.ownMs)} ms)` : ''
  c.printer.line(`${v.items.length} exporter${v.items.length === 1 ? '' : 's'} read at ${v.at}${t}; Ctrl-C to stop.\n`)
  printTop(v, c)
})

function printMetrics(v: MetricsView & { history?: TopView['history'] }, c: HumanContext): void {
  const f = v.figures
  const h = v.history?.[`${v.namespace}/${v.name}`]
  const t = (k: TrendFigure) => (h ? `   ${sparkline(h[k])}` : '')
  c.printer.keyValues([
    [v.kind === 'ha-cluster' ? 'HA cluster' : 'Instance', `${v.name} (${v.engine}) in ${v.namespace}`],
    ['Exporter', `${v.exporter}; in the cluster: ${v.endpoint}`],
    ['Up', `${up(f, v.error)}${f?.uptimeSeconds != null ? ` (for ${seconds(f.uptimeSeconds)})` : ''}`],
    ['Connections', `${conns(f)}${t('connections')}`],
    ['Transactions/s', `${num(f?.tps)}${t('tps')}`],
    ...(f?.qps != null ? [['Statements/s', num(f.qps)] as [string, string]] : []),
    ['Cache hit ratio', `${pct(f?.cacheHitRatio)}${t('cacheHitRatio')}`],
    ['Size', `${bytes(f?.sizeBytes)}${t('sizeBytes')}`],
    ['Replication lag', `${seconds(f?.replicationLagSeconds)}${t('replicationLagSeconds')}`],
    ['Slow queries', slow(f)],
    ['Monitor', v.monitor ? v.monitor.summary : v.prometheusOperator ? `none: \`dbaas metrics enable ${v.name} -n ${v.namespace}\` creates one` : 'no Prometheus Operator in this cluster'],
  ])
  if (v.error) c.printer.note(`Error: ${v.error}`)
  if (v.pods.length > 1) {
    c.printer.line()
    c.printer.table(v.pods, [
      { header: 'POD', get: (p) => p.pod },
      { header: 'ROLE', get: (p) => p.role ?? DASH },
      { header: 'UP', get: (p) => up(p.figures, p.error) },
      { header: 'CONNECTIONS', get: (p) => conns(p.figures) },
      { header: 'TPS', get: (p) => num(p.figures?.tps) },
      { header: 'REPL-LAG', get: (p) => seconds(p.figures?.replicationLagSeconds) },
      { header: 'ERROR', get: (p) => p.error ?? '' },
    ])
  }
}

export const metricsViewWriter: Writer<MetricsView> = {
  data: (v) => v,
  names: (v) => [v.name],
  human: (v, c) => printMetrics(v, c),
}

export const liveMetricsWriter = liveWriter<MetricsView>((v, c) => {
  c.printer.line(`${v.name} in ${v.namespace}, read from its exporter; Ctrl-C to stop.\n`)
  printMetrics(v, c)
})

export const metricsChangeWriter: Writer<MetricsChange> = {
  data: (r) => r,
  names: (r) => [r.name],
  notes: (r) => r.notes,
  human: (r, c) => {
    const what = r.target === 'ha-cluster' ? 'HA cluster' : 'instance'
    c.printer.line(`metrics ${r.enabled ? 'enabled' : 'disabled'} on ${what} "${r.name}" in namespace ${r.namespace}`)
    if (!r.enabled) return
    const rows: Array<[string, string]> = [
      ['Exporter', `${r.exporter.name}, port ${r.exporter.port}`],
      ['Endpoint', r.endpoint],
      ...(r.monitoringUser ? [['Monitoring user', r.monitoringUser] as [string, string]] : []),
      ['Monitor', r.monitor ? `${r.monitor.kind} ${r.monitor.namespace}/${r.monitor.name}` : r.prometheusOperator ? 'none' : 'none (no Prometheus Operator)'],
      ['Scraped by', r.scrapedBy.length ? r.scrapedBy.join(', ') : r.prometheusOperator ? 'no Prometheus' : DASH],
    ]
    c.printer.keyValues(rows)
    for (const v of r.verdicts.filter((x) => !x.selects)) c.printer.line(`  ${c.style.yellow('not scraped by')} ${v.scraper}: ${v.reason}`)
  },
}

export const dashboardsWriter: Writer<DashboardsResult> = {
  data: (r) => r,
  names: (r) => r.dashboards.map((d) => `configmap/${d.configMap}`),
  notes: (r) => r.notes,
  human: (r, c) => {
    c.printer.line(`${r.dryRun ? 'would install' : 'installed'} ${r.dashboards.length} Grafana dashboards in namespace ${r.namespace} (label ${r.label})`)
    c.printer.table(r.dashboards, [
      { header: 'CONFIGMAP', get: (d) => d.configMap },
      { header: 'DASHBOARD', get: (d) => d.title },
      { header: 'FOR', get: (d) => d.engines.join(', ') },
      { header: 'PANELS', get: (d) => String(d.panels) },
    ])
  },
}
