// How long backup create and restore take in the lab (or KUBECONFIG), and how much of it is the CLI's own
// overhead rather than the cluster's work. Needs the lab and a built CLI (node scripts/build.ts).
//
//   node bench/backup.ts [--runs 5] [--keep]
//
// Two measurements per operation:
//  - process: wall time of `node bin/dbaas.js …` as a user runs it (median of --runs);
//  - in-process: the same command through main() with the transport and helm wrapped, splitting its time
//    into waiting for the cluster (watches: snapshot ready, PVC bound, pods ready, finalizers released),
//    helm (the install `create` shares), API round trips, and the rest (dbaas's own work).
// Overhead = start-up (wall of `dbaas <command> --help`: node, the bundle and the command tree) + the
// in-process time not spent waiting for the cluster or in helm (API round trips and dbaas's own work),
// both medians. Goal (issue 5): ≤ 0.3 s per command beyond the cluster's own work.
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { realDeps } from '../src/deps.ts'
import { R } from '../src/k8s/kube.ts'
import { covered, median, runTimed, snapshotCli } from './lib/in-process.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, keep: { type: 'boolean', default: false } } })
const runs = Number(values.runs)
const cli = snapshotCli(30_000)
const env = { ...process.env, CI: 'true', NO_COLOR: '1', DBAAS_CHARTS_DIR: new URL('../templates/charts', import.meta.url).pathname }
const tag = Math.random().toString(36).slice(2, 6)

function proc(args: string[]): number {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' })
  const t = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`dbaas ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return t
}

interface Split {
  total: number
  /** Seconds covered by at least one interval of the kind (parallel calls are not counted twice). */
  waits: number
  helm: number
  api: number
  /** Covered by cluster waits or helm. */
  cluster: number
  /** Covered by anything outside dbaas (waits, helm, API round trips). */
  outside: number
  requests: number
}

/** Runs one command in-process with every cluster and helm call timed. */
async function inProcess(args: string[]): Promise<Split> {
  const t = await runTimed(args, env)
  const w = t.spans
  return {
    total: t.total,
    waits: covered(w.waits) / 1000,
    helm: covered(w.helm) / 1000,
    api: covered(w.api) / 1000,
    cluster: covered([...w.waits, ...w.helm]) / 1000,
    outside: covered([...w.waits, ...w.helm, ...w.api]) / 1000,
    requests: t.requests,
  }
}

function report(label: string, wall: number[], splits: Split[], startup: number): void {
  const w = median(wall)
  const waits = median(splits.map((s) => s.waits))
  const helm = median(splits.map((s) => s.helm))
  const api = median(splits.map((s) => s.api))
  const own = median(splits.map((s) => s.total - s.outside))
  const overhead = startup + median(splits.map((s) => s.total - s.cluster))
  console.log(
    `${label.padEnd(28)} wall ${w.toFixed(3)} s | cluster waits ${waits.toFixed(3)} s, helm ${helm.toFixed(3)} s | ` +
      `API ${median(splits.map((s) => s.requests))} requests ${api.toFixed(3)} s, dbaas's own work ${own.toFixed(3)} s | ` +
      `start-up ${startup.toFixed(3)} s, overhead ${overhead.toFixed(3)} s (goal ≤ 0.3) ${overhead <= 0.3 ? 'OK' : 'OVER'}`,
  )
}

const src = `bench-bk-${tag}`
const ns = `dbaas-${src}`
const cleanup: string[][] = []
proc(['--version'])
console.log(`setting up instance ${src} …`)
proc(['create', 'pg', src, '--storage', '1Gi'])
cleanup.push(['delete', src, '--yes', '--delete-data', '--no-wait', '--ignore-not-found'])
try {
  const wall = { backup: [] as number[], same: [] as number[], cross: [] as number[], create: [] as number[] }
  const splits = { backup: [] as Split[], same: [] as Split[], cross: [] as Split[], create: [] as Split[] }
  for (let i = 0; i < runs; i++) {
    for (const mode of ['p', 'i'] as const) {
      const b = `${src}-${mode}${i}`
      const same = `${src}-s${mode}${i}`
      const cross = `${src}-x${mode}${i}`
      cleanup.push(['backup', 'delete', b, '-n', ns, '--yes', '--ignore-not-found'])
      cleanup.push(['delete', same, '-n', ns, '--yes', '--delete-data', '--no-wait', '--ignore-not-found'])
      cleanup.push(['delete', cross, '--yes', '--delete-data', '--no-wait', '--ignore-not-found'])
      const plain = `${src}-c${mode}${i}`
      cleanup.push(['delete', plain, '--yes', '--delete-data', '--no-wait', '--ignore-not-found'])
      const createArgs = ['create', 'pg', plain, '--storage', '1Gi', '-o', 'json']
      const backupArgs = ['backup', 'create', src, '--name', b, '-o', 'json']
      const sameArgs = ['restore', b, '--to', same, '-n', ns, '-o', 'json']
      const crossArgs = ['restore', b, '--to', cross, '-o', 'json']
      if (mode === 'p') {
        wall.backup.push(proc(backupArgs))
        wall.same.push(proc(sameArgs))
        wall.cross.push(proc(crossArgs))
        wall.create.push(proc(createArgs))
      } else {
        splits.backup.push(await inProcess(backupArgs))
        splits.same.push(await inProcess(sameArgs))
        splits.cross.push(await inProcess(crossArgs))
        splits.create.push(await inProcess(createArgs))
      }
    }
  }
  console.log(`\n${runs} runs each, medians (lab: snapshots are in-memory, pods are simulated):`)
  const startup = (args: string[]) => median([0, 1, 2, 3, 4].map(() => proc(args)))
  report('backup create', wall.backup, splits.backup, startup(['backup', 'create', '--help']))
  const restoreStartup = startup(['restore', '--help'])
  report('restore, same namespace', wall.same, splits.same, restoreStartup)
  report('restore, new namespace', wall.cross, splits.cross, restoreStartup)
  // For comparison: a plain `create`, whose install path every restore goes through.
  report('(create, for comparison)', wall.create, splits.create, startup(['create', '--help']))
} finally {
  if (!values.keep) {
    for (const c of cleanup.reverse()) spawnSync(process.execPath, [cli, ...c], { env, encoding: 'utf8' })
    spawnSync(process.execPath, [cli, 'delete', src, '--yes', '--delete-data', '--ignore-not-found'], { env })
    // Whatever a failed run left: every namespace this run's names created.
    const kube = await realDeps({ env }).kube({})
    const nss = (await kube.list(R.namespaces, undefined)).items.map((n) => n.metadata.name).filter((n) => n === ns || n.startsWith(`${ns}-`))
    for (const n of nss) await kube.deleteIfExists(R.namespaces, undefined, n)
  }
}
