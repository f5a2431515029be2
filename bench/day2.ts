// Each day-2 verb's overhead beyond the cluster's own work, in the lab (or KUBECONFIG). Needs a built CLI.
//
//   node bench/day2.ts [--runs 3] [--keep]
//
// For each verb on one PostgreSQL instance: the wall time of `node dbaas.js …` as a user runs it, and the same
// command in-process through main() with the API transport and helm timed, so its time splits into the
// cluster's work (watches and polls waiting for the rollout, the resizer, the operator; helm) and the rest
// (API round trips and dbaas's own work). Overhead = start-up (`dbaas <verb> --help`: node, the bundle, the
// command tree) + in-process time outside the cluster's work. Goal (issue 15): ≤ 0.3 s per verb.
//
// In the lab pods are simulated (a rollout is kwok's few hundred milliseconds) and `config set` runs with
// --no-wait (a simulated pod never sees the mounted file); the API round trips are real.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { main } from '../src/cli.ts'
import { realDeps, type Deps } from '../src/deps.ts'
import { Kube } from '../src/k8s/kube.ts'
import type { Transport } from '../src/k8s/http.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } } })
const runs = Number(values.runs)

/** A private copy of the built CLI (others may rebuild dist/ meanwhile). */
function snapshotCli(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-bench-day2-'))
  cpSync(new URL('../dist', import.meta.url).pathname, join(dir, 'dist'), { recursive: true })
  mkdirSync(join(dir, 'bin'))
  writeFileSync(join(dir, 'bin', 'dbaas.js'), "import '../dist/dbaas.js'\n")
  return join(dir, 'bin', 'dbaas.js')
}
const cli = snapshotCli()
const env = { ...process.env, CI: 'true', NO_COLOR: '1', DBAAS_CHARTS_DIR: new URL('../templates/charts', import.meta.url).pathname }
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

function proc(args: string[]): number {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`dbaas ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return (performance.now() - t0) / 1000
}

type Interval = [number, number]
function covered(xs: Interval[]): number {
  let total = 0
  let end = -Infinity
  for (const [a, b] of [...xs].sort((x, y) => x[0] - y[0])) {
    if (b <= end) continue
    total += b - Math.max(a, end)
    end = b
  }
  return total
}

interface Split {
  total: number
  cluster: number
  api: number
  requests: number
}

/** One command in-process: cluster waits (watch streams and the polls between them) and helm, API round trips. */
async function inProcess(args: string[]): Promise<Split> {
  const sink = { write: () => true }
  const base = realDeps({ streams: { out: sink, err: sink }, env })
  const spans = { cluster: [] as Interval[], api: [] as Interval[] }
  let requests = 0
  const timed = async <T>(p: () => Promise<T>, kind: keyof typeof spans): Promise<T> => {
    const t0 = performance.now()
    try {
      return await p()
    } finally {
      spans[kind].push([t0, performance.now()])
    }
  }
  const kubes = new Map<Kube, Kube>()
  const deps: Deps = {
    ...base,
    async kube(flags) {
      const inner = await base.kube(flags)
      let k = kubes.get(inner)
      if (!k) {
        const t = inner.transport
        const wrapped: Transport = {
          server: t.server,
          get requestCount() {
            return t.requestCount
          },
          request: (m, p, o) => {
            requests++
            return timed(() => t.request(m, p, o), 'api')
          },
          stream: (p, o, on) => timed(() => t.stream(p, o, on), 'cluster'),
        }
        k = new Kube(wrapped, inner.contextNamespace)
        kubes.set(inner, k)
      }
      return k
    },
    helm: new Proxy(base.helm, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv)
        return typeof v === 'function' ? (...a: unknown[]) => timed(() => v.apply(target, a) as Promise<unknown>, 'cluster') : v
      },
    }),
  }
  const t0 = performance.now()
  const code = await main(args, deps)
  const total = (performance.now() - t0) / 1000
  if (code !== 0) throw new Error(`dbaas ${args.join(' ')} exited ${code}`)
  return { total, cluster: covered(spans.cluster) / 1000, api: covered(spans.api) / 1000, requests }
}

const name = `bench-d2-${Math.random().toString(36).slice(2, 6)}`
const ns = `dbaas-${name}`
console.log(`setting up instance ${name} …`)
proc(['create', 'pg', name, '--version', '17', '--storage', '1Gi', '--memory', '256Mi'])
try {
  // Each step's arguments for run i: every run changes something (an unchanged verb is a no-op).
  const steps: Array<{ label: string; verb: string[]; args: (i: number) => string[] }> = [
    { label: 'scale', verb: ['scale'], args: (i) => ['scale', name, '-n', ns, '--memory', `${256 + 32 * (i + 1)}Mi`, '--yes'] },
    { label: 'resize', verb: ['resize'], args: (i) => ['resize', name, '-n', ns, '--storage', `${i + 2}Gi`, '--yes'] },
    { label: 'restart', verb: ['restart'], args: () => ['restart', name, '-n', ns, '--yes'] },
    { label: 'stop', verb: ['stop'], args: () => ['stop', name, '-n', ns, '--yes'] },
    { label: 'start', verb: ['start'], args: () => ['start', name, '-n', ns] },
    { label: 'upgrade (minor)', verb: ['upgrade'], args: (i) => ['upgrade', name, '-n', ns, '--version', `17.${i + 1}`, '--yes'] },
    { label: 'config set (--no-wait)', verb: ['config', 'set'], args: (i) => ['config', 'set', name, '-n', ns, `max_connections=${110 + i}`, '--no-wait'] },
    { label: 'history', verb: ['history'], args: () => ['history', name, '-n', ns] },
  ]
  const wall = new Map<string, number[]>()
  const splits = new Map<string, Split[]>()
  let k = 0
  for (let i = 0; i < runs; i++) {
    for (const mode of ['process', 'in-process'] as const) {
      for (const s of steps) {
        const args = s.args(k)
        if (mode === 'process') wall.set(s.label, [...(wall.get(s.label) ?? []), proc(args)])
        else splits.set(s.label, [...(splits.get(s.label) ?? []), await inProcess(args)])
      }
      k++
    }
  }
  console.log(`\n${runs} runs each, medians (lab: pods simulated, volumes in memory):`)
  let worst = 0
  for (const s of steps) {
    const startup = median([0, 1, 2].map(() => proc([...s.verb, '--help'])))
    const sp = splits.get(s.label) ?? []
    const cluster = median(sp.map((x) => x.cluster))
    const overhead = startup + median(sp.map((x) => x.total - x.cluster))
    worst = Math.max(worst, overhead)
    console.log(
      `${s.label.padEnd(24)} wall ${median(wall.get(s.label) ?? []).toFixed(3)} s | cluster's work ${cluster.toFixed(3)} s | ` +
        `API ${median(sp.map((x) => x.requests))} requests ${median(sp.map((x) => x.api)).toFixed(3)} s | start-up ${startup.toFixed(3)} s, ` +
        `overhead ${overhead.toFixed(3)} s (goal ≤ 0.3) ${overhead <= 0.3 ? 'OK' : 'OVER'}`,
    )
  }
  console.log(`worst overhead ${worst.toFixed(3)} s`)
} finally {
  if (!values.keep) spawnSync(process.execPath, [cli, 'delete', name, '-n', ns, '--yes', '--delete-data', '--no-wait', '--ignore-not-found'], { env, encoding: 'utf8' })
}
