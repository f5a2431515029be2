// What one refresh of `dbaas top --watch` / `dbaas metrics <name> --watch` costs beyond the scrape itself.
// Goal (issue 18): ≤ 0.1 s of CLI overhead per refresh.
//
//   node bench/metrics.ts [--refreshes 50] [--instances 1,20] [--live <name> [-n <namespace>]]
//
// 1. Offline, always: dbaas's whole per-refresh work on the real exporters' output (captured in the lab from
//    postgres_exporter and mysqld_exporter: test/fixtures/metrics) — parsing the exposition, reading the
//    figures against the previous reading, and drawing the view with its trend lines — for 1 and for 20
//    instances at once (every instance is parsed each refresh). Medians and 95th percentiles.
// 2. With --live (the lab or KUBECONFIG, an instance whose exporter answers, e.g. after the metrics e2e
//    fixture started one): the real refresh loop through port-forwards, each refresh's wall time split into
//    the scrape (HTTP over the forward, the slowest pod) and the rest.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseExposition } from '../src/core/metrics/exposition.ts'
import { figures, READ_METRICS, type Flavor, type Reading } from '../src/core/metrics/exporters.ts'
import type { TopRow, TopView } from '../src/core/metrics/top.ts'
import { Printer } from '../src/output/printer.ts'
import { liveTopWriter } from '../src/output/writers/metrics.ts'
import type { HumanContext } from '../src/output/writer.ts'

const { values } = parseArgs({
  options: {
    refreshes: { type: 'string', default: '50' },
    instances: { type: 'string', default: '1,20' },
    live: { type: 'string' },
    namespace: { type: 'string', short: 'n' },
  },
})
const refreshes = Number(values.refreshes)

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? 0
const ms = (x: number) => `${x.toFixed(1)} ms`

/** Draws a view as the watch writer does, into a string (what a terminal would get). */
async function draw(view: TopView): Promise<string> {
  let out = ''
  const sink = { isTTY: false, write: (s: string) => ((out += s), true) }
  const printer = new Printer({ out: sink, err: sink }, { NO_COLOR: '1' })
  const c: HumanContext = { printer, style: printer.outStyle, wide: false, noHeaders: false, now: Date.now(), clock: Date.now }
  let served = false
  await liveTopWriter.human(
    {
      signal: new AbortController().signal,
      read: async () => view,
      changes: async () => void (served = true),
    },
    c,
  )
  if (!served) throw new Error('the writer did not run')
  return out
}

/** Bumps every counter a little, as a second reading of a busy server would. */
function nextText(text: string, step: number): string {
  return text.replace(/^((?:pg_stat_database_(?:xact_commit|xact_rollback|blks_hit|blks_read))|mysql_global_status_(?:questions|commands_total))(\S*) (\d+)$/gm, (_m, n: string, l: string, v: string) => `${n}${l} ${Number(v) + step * 7}`)
}

async function offline(file: string, flavor: Flavor, engine: string, instances: number): Promise<{ median: number; p95: number }> {
  const base = readFileSync(new URL(`../test/fixtures/metrics/${file}`, import.meta.url), 'utf8')
  const times: number[] = []
  const previous = new Map<number, Reading>()
  const history: NonNullable<TopView['history']> = {}
  for (let r = 0; r < refreshes + 5; r++) {
    const texts = Array.from({ length: instances }, (_, i) => nextText(base, r + i))
    const start = performance.now()
    const items: TopRow[] = texts.map((t, i) => {
      const reading: Reading = { at: Date.now() + r * 2000, exposition: parseExposition(t, READ_METRICS[flavor]) }
      const f = figures(flavor, reading, previous.get(i))
      previous.set(i, reading)
      const key = `ns/db-${i}`
      const h = (history[key] ??= { connections: [], tps: [], cacheHitRatio: [], sizeBytes: [], replicationLagSeconds: [] })
      h.connections.push(f.connections.used)
      h.tps.push(f.tps)
      h.cacheHitRatio.push(f.cacheHitRatio)
      h.sizeBytes.push(f.sizeBytes)
      h.replicationLagSeconds.push(f.replicationLagSeconds)
      for (const k of Object.keys(h) as Array<keyof typeof h>) if (h[k].length > 30) h[k].shift()
      return { kind: 'instance', name: `db-${i}`, namespace: 'ns', engine, exporter: flavor, figures: f, pods: [], error: null }
    })
    await draw({ kind: 'top', at: new Date().toISOString(), items, history })
    // The first refreshes warm the JIT up; they are not counted.
    if (r >= 5) times.push(performance.now() - start)
  }
  return { median: median(times), p95: p95(times) }
}

async function live(name: string): Promise<void> {
  const { realDeps } = await import('../src/deps.ts')
  const { liveTop } = await import('../src/core/metrics/top.ts')
  const ctrl = new AbortController()
  const deps = realDeps({ signal: ctrl.signal })
  const view = await liveTop({ name, namespace: values.namespace, cluster: { namespace: values.namespace }, windowMs: 1000, intervalMs: 1000 }, deps)
  const scrape: number[] = []
  const own: number[] = []
  for (let r = 0; r < Math.min(refreshes, 30) + 2; r++) {
    const start = performance.now()
    const v = await view.read()
    await draw(v)
    const wall = performance.now() - start
    if (v.items[0]?.error) throw new Error(`${name}: ${v.items[0].error}`)
    if (r >= 2) {
      scrape.push(v.timing?.scrapeMs ?? 0)
      own.push(wall - (v.timing?.scrapeMs ?? 0))
    }
  }
  ctrl.abort()
  await view.changes(() => {})
  console.log(`live ${name}: scrape (HTTP over the port-forward) median ${ms(median(scrape))}, p95 ${ms(p95(scrape))}; dbaas's own work per refresh median ${ms(median(own))}, p95 ${ms(p95(own))}`)
}

const cases: Array<[string, Flavor, string]> = [
  ['postgres_exporter-0.11.1.txt', 'postgres_exporter', 'postgresql'],
  ['mysqld_exporter-0.14.0.txt', 'mysqld_exporter', 'mariadb'],
]
console.log(`one refresh of \`dbaas top --watch\`, dbaas's own work (parse, figures, draw), ${refreshes} refreshes; goal ≤ 100 ms`)
for (const n of values.instances.split(',').map(Number)) {
  for (const [file, flavor, engine] of cases) {
    const lines = readFileSync(new URL(`../test/fixtures/metrics/${file}`, import.meta.url), 'utf8').split('\n').length
    const r = await offline(file, flavor, engine, n)
    console.log(`  ${flavor.padEnd(17)} ${String(lines).padStart(5)} lines × ${String(n).padStart(2)} instance${n === 1 ? ' ' : 's'}: median ${ms(r.median)}, p95 ${ms(r.p95)}`)
  }
}
if (values.live) await live(values.live)
