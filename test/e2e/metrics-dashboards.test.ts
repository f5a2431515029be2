// The Grafana dashboards: every PromQL query (and every templating query) names only metrics the exporter
// really exposes — postgres_exporter and mysqld_exporter as they run against the lab's databases, and
// CloudNativePG's instance manager as its pinned module defines them (its default monitoring queries and
// its built-in collector) — read with Prometheus's own PromQL grammar. Then `metrics dashboards install`
// writes them as ConfigMaps with the sidecar's label, and again in place.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parser } from '@prometheus-io/lezer-promql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { loadDashboards } from '../../src/core/metrics/dashboards.ts'
import { metricNames, parseExposition } from '../../src/core/metrics/exposition.ts'
import { FIGURE_METRICS } from '../../src/core/metrics/exporters.ts'
import { mariadbAdmin, psqlAdmin } from '../lab/fixtures/database.ts'
import { kubectl, kubectlJson, kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { onLab } from '../lab/tags.ts'
import { exportersMissing, startMysqldExporter, startPostgresExporter, type RunningExporter } from './fixtures/exporters.ts'
import { dbaas, dbaasOk } from './helpers.ts'

interface Panel {
  title: string
  targets: Array<{ expr: string }>
}
interface DashboardJson {
  uid: string
  panels: Panel[]
  templating: { list: Array<{ type: string; query?: string | { query: string } }> }
}

/** Metric names in a PromQL expression, by its syntax tree (Grafana's $__ macros and $variables replaced first). */
function promqlMetrics(expr: string): string[] {
  const text = expr.replace(/\$__\w+/g, '5m').replace(/\$(\w+)/g, 'x')
  const tree = parser.parse(text)
  const names: string[] = []
  let error = false
  tree.iterate({
    enter: (n) => {
      if (n.type.isError) error = true
      if (n.name === 'VectorSelector') {
        const id = n.node.getChild('Identifier')
        if (id) names.push(text.slice(id.from, id.to))
      }
    },
  })
  if (error) throw new Error(`not PromQL: ${expr}`)
  return names
}

/** Every metric name a dashboard's panels and templating queries read. */
function dashboardMetrics(d: DashboardJson): Map<string, string> {
  const where = new Map<string, string>()
  for (const p of d.panels) for (const t of p.targets) for (const m of promqlMetrics(t.expr)) where.set(m, p.title)
  for (const v of d.templating.list) {
    if (v.type !== 'query') continue
    const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? '')
    const inner = /^label_values\((.*),\s*\w+\)$/.exec(q)?.[1]
    if (!inner) throw new Error(`a templating query dbaas does not read: ${q}`)
    for (const m of promqlMetrics(inner)) where.set(m, `variable ${q}`)
  }
  return where
}

const dashboards = Object.fromEntries(loadDashboards().map((d) => [d.file, JSON.parse(d.json) as DashboardJson]))

describe('the dashboards parse as PromQL', () => {
  it('the PromQL reader finds names in the shapes the dashboards use', () => {
    expect(promqlMetrics('sum by (pod) (rate(a_total{x="$y"}[$__rate_interval])) / (b + on(pod) group_left c{d=~"e"})')).toEqual(['a_total', 'b', 'c'])
    expect(() => promqlMetrics('sum(rate(x[5m])')).toThrow(/not PromQL/)
  })

  it.each(Object.keys(dashboards))('%s: every query is PromQL and names at least one metric', (file) => {
    const d = dashboards[file] as DashboardJson
    expect(d.panels.length).toBeGreaterThan(5)
    for (const p of d.panels) for (const t of p.targets) expect(promqlMetrics(t.expr).length, `${p.title}: ${t.expr}`).toBeGreaterThan(0)
  })
})

/** CloudNativePG's metric names from its pinned module: cnpg_<query>_<column> for every GAUGE/COUNTER column, cnpg_collector_<name> built in. */
function cnpgMetricNames(): Set<string> | string {
  const mods = join(new URL('../lab/go/crds', import.meta.url).pathname)
  let dir: string
  try {
    const out = execFileSync('go', ['mod', 'download', '-json', 'github.com/cloudnative-pg/cloudnative-pg'], { cwd: mods, env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod' }, encoding: 'utf8' })
    dir = (JSON.parse(out) as { Dir: string }).Dir
  } catch (err) {
    return `the CloudNativePG module could not be read with go (${(err as Error).message.split('\n')[0]})`
  }
  const queries = parseYaml(parseYaml(readFileSync(join(dir, 'config/manager/default-monitoring.yaml'), 'utf8')).data.queries) as Record<string, { metrics: Array<Record<string, { usage: string }>> }>
  const names = new Set<string>()
  for (const [q, def] of Object.entries(queries)) {
    for (const col of def.metrics) for (const [c, spec] of Object.entries(col)) if (spec.usage === 'GAUGE' || spec.usage === 'COUNTER') names.add(`cnpg_${q}_${c}`)
  }
  const collector = readFileSync(join(dir, 'pkg/management/postgres/webserver/metricserver/pg_collector.go'), 'utf8')
  for (const m of collector.matchAll(/Subsystem:\s*subsystem,\s*Name:\s*"(\w+)"/g)) names.add(`cnpg_collector_${m[1]}`)
  return names
}

describe('CloudNativePG dashboard and figures against the instance manager\'s own metric definitions (v1.30.0)', () => {
  const names = cnpgMetricNames()
  it.skipIf(typeof names === 'string')(`every metric it reads is one CloudNativePG exposes${typeof names === 'string' ? ` [skipped: ${names}]` : ''}`, () => {
    const known = names as Set<string>
    expect(known.has('cnpg_collector_up')).toBe(true)
    const read = dashboardMetrics(dashboards['cloudnative-pg.json'] as DashboardJson)
    expect([...read].filter(([m]) => !known.has(m))).toEqual([])
    expect(FIGURE_METRICS.cnpg.filter((m) => !known.has(m))).toEqual([])
  })
})

const noExporters = onLab() ? exportersMissing() : "lab only: runs the Debian exporters against the lab's own databases"

describe.skipIf(noExporters !== undefined)(`dashboards against the real exporters${noExporters ? ` [skipped: ${noExporters}]` : ''}`, () => {
  const password = `Dash${Date.now()}x`
  let pg: RunningExporter
  let my: RunningExporter
  beforeAll(async () => {
    // A monitoring user as dbaas makes it (the e2e of `metrics enable` proves that part).
    await psqlAdmin(["DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dbaas_monitor') THEN CREATE ROLE dbaas_monitor LOGIN; END IF; END$$", `ALTER ROLE dbaas_monitor LOGIN PASSWORD '${password}'`, 'GRANT pg_monitor TO dbaas_monitor'])
    await mariadbAdmin(`CREATE USER IF NOT EXISTS 'dbaas_monitor'@'127.0.0.1' IDENTIFIED BY '${password}'; ALTER USER 'dbaas_monitor'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT PROCESS, REPLICATION CLIENT, SLAVE MONITOR, SELECT ON *.* TO 'dbaas_monitor'@'127.0.0.1'`)
    // A table, so the table-size metrics have a row.
    await mariadbAdmin('CREATE DATABASE IF NOT EXISTS dash_check; CREATE TABLE IF NOT EXISTS dash_check.t (i int)')
    ;[pg, my] = await Promise.all([startPostgresExporter(password), startMysqldExporter(password)])
    await waitFor('both exporters up', 20_000, async () => /^pg_up 1$/m.test(await pg.scrape()) && /^mysql_up 1$/m.test(await my.scrape()))
  })
  afterAll(async () => {
    await Promise.all([pg?.stop(), my?.stop()])
    await psqlAdmin(['DROP ROLE IF EXISTS dbaas_monitor'])
    await mariadbAdmin("DROP USER IF EXISTS 'dbaas_monitor'@'127.0.0.1'; DROP DATABASE IF EXISTS dash_check")
  })

  it.each([
    ['postgresql.json', () => pg],
    ['mysql.json', () => my],
  ])('%s: every metric its queries name is in the exporter\'s output', async (file, exporter) => {
    const exposed = metricNames(parseExposition(await exporter().scrape()))
    const read = dashboardMetrics(dashboards[file] as DashboardJson)
    expect(read.size).toBeGreaterThan(5)
    expect([...read].filter(([m]) => !exposed.has(m)).map(([m, where]) => `${m} (${where})`)).toEqual([])
  })
})

describe('metrics dashboards install', () => {
  const ns = uniqueName('grafana')
  beforeAll(async () => void (await kubectlOk(['create', 'namespace', ns])))
  afterAll(async () => void (await kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false'])))

  it("writes one ConfigMap per dashboard with the sidecar's label, and again in place", async () => {
    const dry = (await dbaasOk(['metrics', 'dashboards', 'install', '-n', ns, '--dry-run', '-o', 'json'])).json()
    expect(dry.dryRun).toBe(true)
    expect((await kubectl(['get', 'configmaps', '-n', ns, '-l', 'grafana_dashboard=1', '-o', 'name'])).stdout.trim()).toBe('')
    const r = (await dbaasOk(['metrics', 'dashboards', 'install', '-n', ns, '-o', 'json'])).json()
    expect(r).toMatchObject({ kind: 'dashboards', namespace: ns, label: 'grafana_dashboard=1', dryRun: false })
    expect(r.dashboards.map((d: { configMap: string }) => d.configMap).sort()).toEqual(['dbaas-dashboard-cloudnative-pg', 'dbaas-dashboard-mysql', 'dbaas-dashboard-postgresql'])
    const cms = await kubectlJson(['get', 'configmaps', '-n', ns, '-l', 'grafana_dashboard=1'])
    expect(cms.items).toHaveLength(3)
    for (const cm of cms.items) {
      const [key, json] = Object.entries(cm.data as Record<string, string>)[0] as [string, string]
      expect(JSON.parse(json).uid).toBe(`dbaas-${key.replace('.json', '')}`)
      expect(cm.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'dbaas', 'dbaas.io/kind': 'dashboard' })
    }
    // Again, with another label and a folder: the same three ConfigMaps, updated.
    await dbaasOk(['metrics', 'dashboards', 'install', '-n', ns, '--label', 'grafana_dashboard=true', '--folder', 'Databases'])
    const again = await kubectlJson(['get', 'configmaps', '-n', ns, '-l', 'dbaas.io/kind=dashboard'])
    expect(again.items).toHaveLength(3)
    expect(again.items.every((c: { metadata: { labels: Record<string, string>; annotations: Record<string, string> } }) => c.metadata.labels.grafana_dashboard === 'true' && c.metadata.annotations.grafana_folder === 'Databases')).toBe(true)
  })

  it('a namespace that does not exist: exit 7, nothing written', async () => {
    const r = await dbaas(['metrics', 'dashboards', 'install', '-n', uniqueName('nowhere')])
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toContain('does not exist')
  })
})

