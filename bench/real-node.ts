// How long dbaas's main operations take on the lab's real node (a kubelet running real containers, volumes
// and snapshots that hold data, the real CloudNativePG operator), each split into the cluster's own time and
// dbaas's overhead. Needs the lab up with its real node (`npm run lab:up -- --real-node`, as root on Linux) and
// a built CLI (node scripts/build.ts); the HA part runs in a namespace of its own that the real operator watches
// (`lab:up --real-node --cnpg <every lab test's namespace>`, run here, as every real-operator test does: it adds to a
// running lab and stops nothing; the set is test/lab/lib/cnpg.ts's, so it never rolls the operator under a test).
//
//   npm run bench:real-node [-- --runs 3] [--no-ha] [--keep]
//
// Each operation runs `node bin/dbaas.js …` as a user runs it (wall: spawn to exit) while this process
// watches the objects involved through the API server and records when each change arrives:
//   create → Ready      the StatefulSet appears → its pod is Ready
//   backup → ready      the VolumeSnapshot appears → readyToUse
//   restore → Ready     the restored data PVC appears → the pod on it is Ready (provisioning from the
//                       snapshot, scheduling, the container's start)
//   failover → healthy  the switchover request lands on the Cluster (targetPrimary) → the operator reports the
//                       target as currentPrimary and the cluster healthy
// The cluster's part is that interval; dbaas's overhead is the wall time minus it: start-up, the API requests
// before the first object and after the last, helm's client side, noticing the end and exiting. The objects'
// own timestamps (second resolution, microseconds for CloudNativePG's) are printed beside as a check.
import { spawn, spawnSync } from 'node:child_process'
import { delimiter, join } from 'node:path'
import { parseArgs } from 'node:util'
import { realDeps } from '../src/deps.ts'
import { median, snapshotCli } from './lib/in-process.ts'
import { CNPG } from '../src/core/ha/engines/cnpg.ts'
import { R, type Kube, type KubeObject, type ResourceType } from '../src/k8s/kube.ts'
import { pathDirFor } from '../test/lab/lib/manager.ts'
import { allLabCnpgNamespaces, labCnpgNamespaces } from '../test/lab/lib/cnpg.ts'
import { labPaths, labSourceDir } from '../test/lab/lib/paths.ts'
import { realNodeLabel, realNodeName } from '../test/lab/lib/realnode.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'no-ha': { type: 'boolean', default: false }, keep: { type: 'boolean', default: false } } })
const runs = Number(values.runs)
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`--runs "${values.runs}" is not a positive integer`)
  process.exit(2)
}

const p = labPaths()
const env: NodeJS.ProcessEnv = {
  ...process.env,
  KUBECONFIG: p.kubeconfig,
  PATH: `${pathDirFor(p, '3')}${delimiter}${process.env.PATH ?? ''}`,
  CI: 'true',
  NO_COLOR: '1',
  DBAAS_CHARTS_DIR: new URL('../templates/charts', import.meta.url).pathname,
}
const kubectl = (args: string[]) => spawnSync(join(pathDirFor(p, '3'), 'kubectl'), args, { env, encoding: 'utf8' })
const node = kubectl(['get', 'node', realNodeName, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])
if (node.status !== 0 || node.stdout.trim() !== 'True') {
  console.error(`needs the real node: no Ready node ${realNodeName} in the lab at ${p.stateDir} (${(node.stderr || node.stdout).trim() || 'not Ready'})`)
  console.error('Hint: as root on Linux, `npm run lab:up -- --real-node` adds it (to a lab already up, too)')
  process.exit(7)
}

const cli = snapshotCli()

/** Runs the CLI as a child (the event loop stays free for the watches); wall time from spawn to exit. */
function dbaas(args: string[]): Promise<{ wall: number; endAt: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now()
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (b: Buffer) => (out += b.toString()))
    child.stderr.on('data', (b: Buffer) => (err += b.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      const endAt = Date.now()
      if (code !== 0) reject(new Error(`dbaas ${args.join(' ')} exited ${code}:\n${err}`))
      else resolve({ wall: endAt - t0, endAt, stdout: out })
    })
  })
}

interface Seen<T> {
  at: number
  object: T
}

/** Every change to objects of one kind (list, then watch from there), with the time each arrived here. */
class Recorder<T extends KubeObject> {
  readonly seen: Seen<T>[] = []
  private ctrl = new AbortController()
  private failure: unknown
  private constructor() {}

  static async start<T extends KubeObject>(kube: Kube, r: ResourceType<T>, namespace: string | undefined, sel: { labelSelector?: string; fieldSelector?: string }): Promise<Recorder<T>> {
    const rec = new Recorder<T>()
    const list = await kube.list(r, namespace, sel)
    for (const o of list.items) rec.seen.push({ at: Date.now(), object: o })
    void (async () => {
      let rv = list.metadata.resourceVersion
      while (!rec.ctrl.signal.aborted) {
        try {
          await kube.watch(r, namespace, { ...sel, resourceVersion: rv, signal: rec.ctrl.signal, timeoutSeconds: 120 }, (ev) => {
            if (ev.type === 'BOOKMARK') return
            rec.seen.push({ at: Date.now(), object: ev.object })
            rv = ev.object.metadata.resourceVersion ?? rv
          })
        } catch (err) {
          if (!rec.ctrl.signal.aborted) rec.failure = err
          return
        }
      }
    })()
    return rec
  }

  /** The first change recorded from index `since` on matching `pred` (waits up to `timeoutMs` for it). */
  async first(what: string, pred: (o: T) => boolean, since = 0, timeoutMs = 30_000): Promise<Seen<T>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.seen.slice(since).find((s) => pred(s.object))
      if (hit) return hit
      if (this.failure) throw new Error(`the watch for ${what} failed: ${String(this.failure)}`)
      if (Date.now() > deadline) throw new Error(`${what} was not seen within ${timeoutMs / 1000} s`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  stop(): void {
    this.ctrl.abort()
  }
}

interface Sample {
  wall: number
  cluster: number
  /** What the objects' own timestamps say of the cluster's part (ms), when they say it. */
  stamped?: number
  /** What that stamped interval spans, when it is not the same as the cluster's part. */
  stampedSpan?: string
}

const results = new Map<string, Sample[]>()
const add = (op: string, s: Sample) => results.set(op, [...(results.get(op) ?? []), s])
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`
const stamp = (t: string | undefined) => (t ? Date.parse(t) : NaN)
const podReady = (pod: KubeObject & { status?: { conditions?: { type: string; status: string; lastTransitionTime?: string }[] } }) =>
  pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')

const kube = await realDeps({ env }).kube({})
const placement = ['--node-selector', `${realNodeLabel.key}=${realNodeLabel.value}`, '--toleration', `${realNodeLabel.key}=${realNodeLabel.value}:NoSchedule`]
const tag = Math.random().toString(36).slice(2, 6)
const src = `rnb-${tag}`
const cleanup: string[][] = []
const log = (line: string) => process.stderr.write(`${line}\n`)
const load = () => spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ')

/** create → Ready for one new instance on the real node. */
async function createOnce(name: string): Promise<void> {
  const ns = `dbaas-${name}`
  cleanup.push(['delete', name, '-n', ns, '--yes', '--delete-data', '--no-wait', '--ignore-not-found'])
  const sts = await Recorder.start(kube, R.statefulSets, ns, { fieldSelector: `metadata.name=${name}` })
  const pods = await Recorder.start(kube, R.pods, ns, { fieldSelector: `metadata.name=${name}-0` })
  try {
    const r = await dbaas(['create', 'postgres', name, '--version', '17', '--storage', '1Gi', ...placement, '-o', 'json'])
    const from = await sts.first('the StatefulSet', () => true)
    const to = await pods.first('the pod Ready', (o) => podReady(o) !== undefined)
    add('create → Ready', {
      wall: r.wall,
      cluster: to.at - from.at,
      stamped: stamp(podReady(to.object)?.lastTransitionTime) - stamp(from.object.metadata.creationTimestamp),
    })
  } finally {
    sts.stop()
    pods.stop()
  }
}

/** backup → ready: a VolumeSnapshot of the source's volume, copied by the lab's driver. */
async function backupOnce(name: string): Promise<void> {
  const ns = `dbaas-${src}`
  const vs = await Recorder.start(kube, R.volumeSnapshots, ns, { fieldSelector: `metadata.name=${name}` })
  try {
    const r = await dbaas(['backup', 'create', src, '--name', name, '-o', 'json'])
    const from = await vs.first('the VolumeSnapshot', () => true)
    const to = await vs.first('the VolumeSnapshot ready', (o) => (o as KubeObject & { status?: { readyToUse?: boolean } }).status?.readyToUse === true)
    add('backup → ready', { wall: r.wall, cluster: to.at - from.at })
  } finally {
    vs.stop()
  }
}

/** restore → Ready: a new instance in a new namespace whose volume starts as the backup. */
async function restoreOnce(backup: string, to: string): Promise<void> {
  const ns = `dbaas-${to}`
  cleanup.push(['delete', to, '-n', ns, '--yes', '--delete-data', '--no-wait', '--ignore-not-found'])
  const pvc = await Recorder.start(kube, R.pvcs, ns, { fieldSelector: `metadata.name=data-${to}-0` })
  const pods = await Recorder.start(kube, R.pods, ns, { fieldSelector: `metadata.name=${to}-0` })
  try {
    const r = await dbaas(['restore', backup, '--to', to, ...placement, '-o', 'json'])
    const from = await pvc.first('the restored PVC', () => true)
    const ready = await pods.first('the restored pod Ready', (o) => podReady(o) !== undefined)
    add('restore → Ready', {
      wall: r.wall,
      cluster: ready.at - from.at,
      stamped: stamp(podReady(ready.object)?.lastTransitionTime) - stamp(from.object.metadata.creationTimestamp),
    })
  } finally {
    pvc.stop()
    pods.stop()
  }
}

type Cluster = KubeObject & { spec?: { instances?: number }; status?: Record<string, any> }
const healthy = (c: Cluster) => c.status?.phase === 'Cluster in healthy state' && (c.status?.readyInstances ?? 0) >= (c.spec?.instances ?? 1)

async function haPart(): Promise<void> {
  const ns = labCnpgNamespaces.realNodeBench
  log(`the real CloudNativePG operator, watching ${ns} among the lab tests' namespaces (lab:up --real-node --cnpg …) …`)
  const up = spawnSync(process.execPath, [join(labSourceDir, 'lab.ts'), 'up', '--real-node', '--cnpg', allLabCnpgNamespaces], { env: process.env, encoding: 'utf8' })
  if (up.status !== 0) throw new Error(`lab up --cnpg ${allLabCnpgNamespaces} failed:\n${up.stdout}\n${up.stderr}`)
  const name = `rnb-ha-${tag}`
  cleanup.push(['ha', 'delete', name, '-n', ns, '--yes', '--no-wait', '--ignore-not-found', '--skip-operator-check'])
  const clusters = await Recorder.start(kube, CNPG.clusters as unknown as ResourceType<Cluster>, ns, { fieldSelector: `metadata.name=${name}` })
  try {
    log(`ha create ${name} --instances 2 …`)
    const c = await dbaas(['ha', 'create', name, '-n', ns, '--instances', '2', '--storage', '1Gi', '--version', '17', ...placement, '--timeout', '20m', '-o', 'json'])
    const made = await clusters.first('the Cluster', () => true)
    const ok = await clusters.first('the Cluster healthy', healthy)
    add('(ha create 2 → healthy)', { wall: c.wall, cluster: ok.at - made.at })
    for (let i = 0; i < runs; i++) {
      const before = clusters.seen.length
      const r = await dbaas(['ha', 'failover', name, '-n', ns, '--timeout', '15m', '-o', 'json'])
      const target: string = JSON.parse(r.stdout).primary
      const req = await clusters.first('the switchover request', (o) => o.status?.targetPrimary === target, before)
      const done = await clusters.first('the switchover done', (o) => o.status?.currentPrimary === target && healthy(o), before)
      const st = done.object.status ?? {}
      add('failover → healthy', {
        wall: r.wall,
        cluster: done.at - req.at,
        // The operator's own record: request → the target promoted (it keeps no time for "healthy again").
        stamped: stamp(st.currentPrimaryTimestamp) - stamp(st.targetPrimaryTimestamp),
        stampedSpan: 'request → target promoted',
      })
      log(`  failover ${i + 1}: → ${target} in ${secs(r.wall)} (dbaas exited ${done.at <= r.endAt ? `${r.endAt - done.at} ms after` : `${done.at - r.endAt} ms before`} the operator reported it, as seen here)`)
    }
  } finally {
    clusters.stop()
  }
}

log(`real node ${realNodeName}: lab ${p.stateDir}, ${runs} run(s) each; load average ${load()}`)
const started = Date.now()
try {
  log(`setting up ${src} (PostgreSQL 17 on the real node) …`)
  await createOnce(src)
  results.delete('create → Ready') // the first one also warms caches; measured again below
  for (let i = 0; i < runs; i++) {
    await createOnce(`${src}-c${i}`)
    const b = `${src}-b${i}`
    await backupOnce(b)
    await restoreOnce(b, `${src}-r${i}`)
    log(`  run ${i + 1} of ${runs} done`)
  }
  if (!values['no-ha']) await haPart()

  const row = (op: string, xs: Sample[]) => {
    const wall = median(xs.map((x) => x.wall))
    const cluster = median(xs.map((x) => x.cluster))
    const over = median(xs.map((x) => x.wall - x.cluster))
    const stamped = xs.map((x) => x.stamped).filter((x): x is number => x !== undefined && Number.isFinite(x))
    return (
      `${op.padEnd(26)} wall ${secs(wall).padStart(8)} | cluster ${secs(cluster).padStart(8)} | dbaas overhead ${secs(over).padStart(7)}` +
      (stamped.length ? ` | objects' timestamps${xs[0]?.stampedSpan ? ` (${xs[0].stampedSpan})` : ''}: ${secs(median(stamped))}` : '') +
      `   (runs: ${xs.map((x) => `${secs(x.wall)}/${secs(x.cluster)}`).join(', ')})`
    )
  }
  console.log(`\nOn the lab's real node, ${new Date().toISOString().slice(0, 10)}, load average ${load()}; medians of ${runs} (wall/cluster per run):`)
  for (const [op, xs] of results) console.log(row(op, xs))
  console.log(`(${secs(Date.now() - started)} in all)`)
} finally {
  if (!values.keep) {
    log('cleaning up …')
    for (const c of cleanup.reverse()) spawnSync(process.execPath, [cli, ...c], { env, encoding: 'utf8' })
    const ours = (n: string) => n.startsWith(`dbaas-${src}`) || (n === labCnpgNamespaces.realNodeBench && !values['no-ha'])
    for (const n of (await kube.list(R.namespaces, undefined)).items.map((x) => x.metadata.name).filter(ours)) {
      await kube.deleteIfExists(R.namespaces, undefined, n)
    }
  }
}
