// Issue 19, item 4, for the verbs the lab RBAC test (test/e2e/defects-rbac.test.ts) does not run: metrics
// enable|disable|show, metrics dashboards install and top. Each runs against the fake API server; every request
// it sends, mapped to a rule by permissionOf(), must be in that verb's row of the table `dbaas rbac` prints. And
// every command that talks to the cluster has a row (a new verb without one fails here).
import type { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { buildProgram, main } from '../../../src/cli.ts'
import { installDashboards } from '../../../src/core/metrics/dashboards.ts'
import { disableMetrics, enableMetrics } from '../../../src/core/metrics/enable.ts'
import { parseExposition } from '../../../src/core/metrics/exposition.ts'
import { MON } from '../../../src/core/metrics/prometheus.ts'
import type { OpenScraper } from '../../../src/core/metrics/scrape.ts'
import { metricsShow, top } from '../../../src/core/metrics/top.ts'
import { buildHaCluster, CNPG } from '../../../src/core/ha/engines/cnpg.ts'
import { permissionOf, permissions, resolveVerbs, VERBS, type Verb } from '../../../src/core/rbac.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeDeps, type FakeDeps } from '../../helpers/fake-deps.ts'
import { CNPG_CRDS } from '../../helpers/fake-kube.ts'
import { credentials, namespace, pod, statefulSet } from '../../helpers/fixtures.ts'

/** An instance (orders), with its exporter sidecar when `exporter`, and a CloudNativePG cluster (pay). */
function world(exporter = false): FakeDeps {
  const d = fakeDeps()
  const t = d.transport
  t.installCrd(...CNPG_CRDS, MON.serviceMonitors, MON.podMonitors, MON.prometheuses)
  t.seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders' } }), namespace('monitoring'), namespace('dbaas-pay'))
  const sts = statefulSet({ name: 'orders', ready: 1 })
  if (exporter) Object.assign(sts.spec ?? {}, { template: { spec: { containers: [{ name: 'postgresql' }, { name: 'exporter' }] } } })
  t.seed(R.statefulSets, sts)
  t.seed(R.secrets, credentials({ name: 'orders' }))
  t.seed(R.pods, pod({ name: 'orders', ready: true }))
  t.seed(MON.prometheuses, {
    metadata: { name: 'kps', namespace: 'monitoring' },
    spec: { serviceMonitorSelector: { matchLabels: { release: 'kube-prometheus-stack' } }, serviceMonitorNamespaceSelector: {}, podMonitorSelector: {}, podMonitorNamespaceSelector: {} },
  })
  t.seed(CNPG.clusters, {
    ...buildHaCluster({ engine: 'cnpg', topology: 'streaming', name: 'pay', namespace: 'dbaas-pay', instances: 2, database: 'app', user: 'app', storage: '1Gi', params: {} }),
    status: { phase: 'Cluster in healthy state', readyInstances: 2, currentPrimary: 'pay-1' },
  })
  t.seed(R.pods, { metadata: { name: 'pay-1', namespace: 'dbaas-pay', labels: { 'cnpg.io/cluster': 'pay', 'cnpg.io/instanceRole': 'primary' } }, status: { phase: 'Running' } })
  d.fakeHelm.values['dbaas-orders/orders'] = { engineVersion: '18', image: { repository: 'postgres', tag: '18' }, storage: { size: '10Gi' }, auth: { existingSecret: 'orders-credentials' } }
  return d
}

const exec = async () => ({ stdout: '', stderr: '' })
const scraper: OpenScraper = async () => ({
  read: async () => ({ exposition: parseExposition(''), at: 0, scrapeMs: 0, parseMs: 0 }),
  close: async () => undefined,
})
const sampling = { cluster: {}, windowMs: 0, intervalMs: 1000 }
const change = (name: string) => ({ name, cluster: {}, wait: false, timeoutMs: 60_000 })

/** The requests a run sent that the verb's row of the table lacks, as `verb resource.group`. */
async function missing(verb: Verb, run: (d: FakeDeps) => Promise<unknown>, prepare?: (d: FakeDeps) => Promise<unknown>): Promise<string[]> {
  const d = world(verb === 'metrics show' || verb === 'top')
  await prepare?.(d)
  const from = d.transport.requests.length
  await run(d)
  const sent = d.transport.requests.slice(from).flatMap((r) => {
    const query = new URLSearchParams(Object.entries(r.query ?? {}).flatMap(([k, v]): Array<[string, string]> => (v === undefined ? [] : [[k, String(v)]]))).toString()
    const p = permissionOf(r.method, `${r.path}${query ? `?${query}` : ''}`)
    return p ? [p] : []
  })
  expect(sent.length, `${verb} sent requests`).toBeGreaterThan(0)
  const row = permissions[verb]
  const held = (p: { group: string; resource: string; verb: string }) => row.some((x) => x.group === p.group && x.resource === p.resource && x.verbs.includes(p.verb))
  return [...new Set(sent.filter((p) => !held(p)).map((p) => `${p.verb} ${p.resource}${p.group ? `.${p.group}` : ''}`))]
}

describe('the rbac table holds what the metrics verbs send', () => {
  it.each([
    ['metrics enable', 'an instance', (d: FakeDeps) => enableMetrics(change('orders'), d, exec)],
    ['metrics enable', 'an HA cluster', (d: FakeDeps) => enableMetrics(change('pay'), d, exec)],
    ['metrics show', 'an instance', (d: FakeDeps) => metricsShow({ ...sampling, name: 'orders' }, d, { openScraper: scraper })],
    ['metrics show', 'an HA cluster', (d: FakeDeps) => metricsShow({ ...sampling, name: 'pay' }, d, { openScraper: scraper })],
    ['top', 'every one', (d: FakeDeps) => top(sampling, d, { openScraper: scraper })],
    ['top', 'one, with -n', (d: FakeDeps) => top({ ...sampling, name: 'orders', namespace: 'dbaas-orders' }, d, { openScraper: scraper })],
    ['metrics dashboards install', 'without -n (looking for Grafana)', (d: FakeDeps) => installDashboards({ cluster: {}, dryRun: false, label: ['grafana_dashboard', '1'] }, d)],
    ['metrics dashboards install', 'with -n', (d: FakeDeps) => installDashboards({ cluster: {}, namespace: 'monitoring', dryRun: false, label: ['grafana_dashboard', '1'] }, d)],
  ] as Array<[Verb, string, (d: FakeDeps) => Promise<unknown>]>)('%s on %s', async (verb, _what, run) => {
    expect(await missing(verb, run)).toEqual([])
  })

  it.each([
    ['create', ['create', 'postgres', 'shop', '-n', 'dbaas-orders', '--metrics', '--no-wait']],
    ['ha create', ['ha', 'create', 'postgres', 'till', '-n', 'dbaas-pay', '--metrics', '--no-wait', '--skip-operator-check']],
  ] as Array<[Verb, string[]]>)('%s --metrics', async (verb, argv) => {
    expect(
      await missing(verb, async (d) => {
        d.transport.seed(R.storageClasses, { metadata: { name: 'std', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } })
        expect(await main(argv, d), d.err.text).toBe(0)
      }),
    ).toEqual([])
  })

  it.each([
    ['an instance', 'orders'],
    ['an HA cluster', 'pay'],
  ])('metrics disable on %s', async (_what, name) => {
    expect(await missing('metrics disable', (d) => disableMetrics(change(name), d, exec), (d) => enableMetrics(change(name), d, exec))).toEqual([])
  })
})

/** Commands that send no request of their own to the cluster (doctor only asks SelfSubjectAccessReviews and reads what the others read). */
const NO_ROW = new Set(['version', 'completion', 'engines', 'images', 'rbac', 'doctor', 'interactive', '__complete'])

function leaves(cmd: Command, prefix: string[] = []): string[] {
  const subs = cmd.commands as Command[]
  if (subs.length === 0) return [prefix.join(' ')]
  // A group that runs as a verb itself (`dbaas metrics <name>`) is the verb of its default subcommand.
  return subs.flatMap((c) => leaves(c, [...prefix, c.name()]))
}

describe('every verb that talks to the cluster has a row in the rbac table', () => {
  it('each command path resolves to a row (backup schedule\'s subcommands share one)', async () => {
    const program = await buildProgram(fakeDeps(), { load: 'all' })
    const paths = leaves(program).filter((p) => !NO_ROW.has(p.split(' ')[0] as string))
    expect(paths.length).toBeGreaterThan(30)
    const rowless = paths.filter((p) => {
      const row = (VERBS as readonly string[]).includes(p) ? p : p.startsWith('backup schedule ') ? 'backup schedule' : undefined
      return row === undefined
    })
    expect(rowless).toEqual([])
  })

  it('`--verbs metrics` names the metrics verbs; a backup schedule subcommand is its row', () => {
    expect(resolveVerbs(['metrics']).verbs).toEqual(['metrics enable', 'metrics disable', 'metrics show', 'metrics dashboards install'])
    expect(resolveVerbs(['backup-schedule-set', 'backup schedule run', 'top'])).toEqual({ verbs: ['backup schedule', 'top'], unknown: [] })
    // README and docs/backups.md say `dbaas rbac --verbs schedule`.
    expect(resolveVerbs(['schedule'])).toEqual({ verbs: ['backup schedule'], unknown: [] })
  })
})
