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
import { parseArgs } from 'node:util'
import { covered, median, runTimed, snapshotCli } from './lib/in-process.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } } })
const runs = Number(values.runs)

const cli = snapshotCli()
const env = { ...process.env, CI: 'true', NO_COLOR: '1', DBAAS_CHARTS_DIR: new URL('../templates/charts', import.meta.url).pathname }

function proc(args: string[]): number {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`dbaas ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return (performance.now() - t0) / 1000
}

interface Split {
  total: number
  cluster: number
  api: number
  requests: number
}

/** One command in-process: cluster waits (watch streams and the polls between them) and helm, API round trips. */
async function inProcess(args: string[]): Promise<Split> {
  const t = await runTimed(args, env)
  return { total: t.total, cluster: covered([...t.spans.waits, ...t.spans.helm]) / 1000, api: covered(t.spans.api) / 1000, requests: t.requests }
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
