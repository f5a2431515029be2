// The lab manager's operations: up, down, status, env, and starting or stopping one component.
// Output goes to the `out` callback (a line each), so the CLI prints it and tests can capture it.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, renameSync, lstatSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { components, waitFor, type Component, type ComponentOptions, type ProcessComponent } from './components.ts'
import { buildScript, contextName, labPaths, labSourceDir, ports, type LabPaths } from './paths.ts'
import { ensurePki, ensureServingSans, kubeconfigYaml, pkiFiles } from './pki.ts'
import { groupRssBytes, isOurs, listeningPorts, readPid, removePid, spawnDetached, stopGroup, tail, type PidRecord } from './proc.ts'
import { probe } from './kube.ts'
import { drainRealNode, imageList, leftoverShims, stopAllTasks } from './realnode-components.ts'
import { readRealNodeMarker, realNodeConfig, realNodeUnsupported, releaseRealNode, restoreHost, writeRealNodeMarker, type RealNodeOptions } from './realnode.ts'
import { withLock } from './lock.ts'

export type Out = (line: string) => void

const baseBins = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'mockcsi', 'etcd', 'helm3', 'helm4',
  'kwok', 'csi-provisioner', 'snapshot-controller', 'csi-snapshotter', 'csi-resizer']
const nodeBins = ['kubelet', 'kube-proxy', 'containerd', 'containerd-shim-runc-v2', 'ctr', 'labcsi', 'coredns', 'cnpg-manager']

export class LabError extends Error {
  override name = 'LabError'
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const pad = (s: string, n = 24) => s.padEnd(n)

/** What this lab runs beyond the base: the real node (recorded in the state by `up --real-node`). */
export function labOptions(p: LabPaths = labPaths()): ComponentOptions {
  const realNode = readRealNodeMarker(p)
  return realNode ? { realNode } : {}
}

export function processComponents(opts: ComponentOptions = labOptions()): ProcessComponent[] {
  return components(opts).filter((c): c is ProcessComponent => c.kind === 'process')
}

export function findComponent(name: string, opts: ComponentOptions = labOptions()): Component {
  const c = components(opts).find((x) => x.name === name)
  if (!c) throw new LabError(`unknown component "${name}"; components: ${components(opts).map((x) => x.name).join(', ')}`)
  return c
}

/**
 * Builds the binaries (and, for the real node, its images) when any is missing; a warm cache builds nothing.
 * Each component has its own cache entry, so only what is missing is built.
 */
export function ensureBinaries(p: LabPaths, out: Out, realNode = false): number | undefined {
  const sets = realNode ? ['base', 'node'] : ['base']
  const bins = realNode ? [...baseBins, ...nodeBins] : baseBins
  const missing = bins.filter((b) => !existsSync(join(p.binDir, b)))
  const crds = existsSync(join(p.crdDir, '.done'))
  const images = realNode ? imageList(p).filter((i) => !i.built).map((i) => i.name) : []
  if (missing.length === 0 && crds && images.length === 0) return undefined
  const start = Date.now()
  if (missing.length > 0 || !crds) {
    out(`building the lab's binaries (missing: ${missing.join(', ') || 'CRDs'}); each is cached on its own (the whole set takes about 25 min cold) …`)
    const r = spawnSync('bash', [buildScript, ...sets], { stdio: ['ignore', 'inherit', 'inherit'] })
    if (r.status !== 0) throw new LabError(`${buildScript} failed (exit ${r.status})`)
  }
  if (images.length > 0) {
    out(`building the real node's images (missing: ${images.join(', ')}); about 1.5 min each …`)
    const r = spawnSync('bash', [join(labSourceDir, 'images.sh'), ...images], { stdio: ['ignore', 'inherit', 'inherit'] })
    if (r.status !== 0) throw new LabError(`${join(labSourceDir, 'images.sh')} failed (exit ${r.status})`)
  }
  return Date.now() - start
}

/** Directories holding kubectl and helm for PATH: `path/` (helm 3) and `path-helm4/`. */
export function pathDirFor(p: LabPaths, helm: '3' | '4'): string {
  return helm === '4' ? `${p.pathDir}-helm4` : p.pathDir
}

function ensurePathDirs(p: LabPaths): void {
  for (const helm of ['3', '4'] as const) {
    const dir = pathDirFor(p, helm)
    mkdirSync(dir, { recursive: true })
    const links: Record<string, string> = {
      kubectl: join(p.binDir, 'kubectl'),
      helm: join(p.binDir, `helm${helm}`),
      helm3: join(p.binDir, 'helm3'),
      helm4: join(p.binDir, 'helm4'),
    }
    for (const [name, target] of Object.entries(links)) {
      const link = join(dir, name)
      try {
        lstatSync(link)
        rmSync(link)
      } catch {
        // not there yet
      }
      symlinkSync(target, link)
    }
  }
}

/** State directories, PKI (first start only), kubeconfig and PATH links. */
function prepareState(p: LabPaths, out: Out): void {
  for (const d of [p.stateDir, p.logDir, p.pidDir]) mkdirSync(d, { recursive: true })
  if (ensurePki(p.pkiDir)) out(`${pad('pki')}created in ${p.pkiDir}`)
  else if (ensureServingSans(p.pkiDir)) out(`${pad('pki')}serving certificate re-signed (same key) with the kubernetes Service IP`)
  writeKubeconfig(p)
  ensurePathDirs(p)
}

function writeKubeconfig(p: LabPaths): void {
  const k = pkiFiles(p.pkiDir)
  writeFileSync(
    p.kubeconfig,
    kubeconfigYaml({ server: `https://127.0.0.1:${ports.apiserver}`, ca: k.caCert, cert: k.adminCert, key: k.adminKey, context: contextName, user: 'lab-admin' }),
    { mode: 0o600 },
  )
}

/** Merges the lab's context into ~/.kube/config (certificates embedded) and makes it current. */
function mergeKubeconfig(p: LabPaths, out: Out): void {
  const target = process.env.DBAAS_LAB_MERGE_TARGET ?? join(homedir(), '.kube', 'config')
  mkdirSync(join(target, '..'), { recursive: true })
  const sources = existsSync(target) ? `${p.kubeconfig}:${target}` : p.kubeconfig
  const r = spawnSync(join(p.binDir, 'kubectl'), ['config', 'view', '--flatten'], { env: { ...process.env, KUBECONFIG: sources }, encoding: 'utf8' })
  if (r.status !== 0) throw new LabError(`merging the kubeconfig failed: ${r.stderr}`)
  writeFileSync(`${target}.dbaas-lab.tmp`, r.stdout, { mode: 0o600 })
  renameSync(`${target}.dbaas-lab.tmp`, target)
  out(`merged context "${contextName}" into ${target} and made it current`)
}

async function componentHealthy(p: LabPaths, c: ProcessComponent, rec: PidRecord): Promise<boolean> {
  if (!isOurs(rec)) return false
  return probe(() => (c.healthy ?? c.ready)(p, rec))
}

/** Starts one process component (or leaves it alone when it already runs healthy) and waits until ready. */
async function startProcess(p: LabPaths, c: ProcessComponent): Promise<{ state: 'started' | 'running' | 'restarted'; rec: PidRecord }> {
  const existing = readPid(p.pidDir, c.name)
  let restarted = false
  if (existing && isOurs(existing) && c.restartWhenArgsDiffer && argsDiffer(existing.pid, c.spawn(p).args)) {
    // Started by an older lab with other flags (kwok managing every node): restart it with today's.
    await stopGroup(existing, c.stopSignal ?? 'SIGTERM', 10_000)
    removePid(p.pidDir, c.name)
    restarted = true
  } else if (existing && isOurs(existing)) {
    await waitForReady(p, c, existing, true)
    return { state: 'running', rec: existing }
  }
  if (existing) removePid(p.pidDir, c.name)
  const held = listeningPorts()
  const clash = c.ports.filter((port) => held.has(port))
  if (clash.length > 0) {
    throw new LabError(`${c.name}: port ${clash.join(', ')} is already held by a process this lab did not start (see \`ss -ltnp\`)`)
  }
  await c.prepare?.(p)
  const rec = spawnDetached(c.name, c.spawn(p), join(p.logDir, `${c.name}.log`), p.pidDir)
  await waitForReady(p, c, rec, false)
  return { state: restarted ? 'restarted' : 'started', rec }
}

function argsDiffer(pid: number, args: string[]): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(1, -1)
    return argv.join('\0') !== args.join('\0')
  } catch {
    return false
  }
}

async function waitForReady(p: LabPaths, c: ProcessComponent, rec: PidRecord, wasRunning: boolean): Promise<void> {
  const log = join(p.logDir, `${c.name}.log`)
  const check = wasRunning ? (c.healthy ?? c.ready) : c.ready
  const deadline = Date.now() + c.timeoutMs
  for (;;) {
    if (!isOurs(rec)) {
      removePid(p.pidDir, c.name)
      throw new LabError(`${c.name} exited during start; last lines of ${log}:\n${tail(log)}`)
    }
    if (await probe(() => check(p, rec))) return
    if (Date.now() > deadline) {
      throw new LabError(`${c.name} (pid ${rec.pid}) not ready after ${secs(c.timeoutMs)}; last lines of ${log}:\n${tail(log)}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

export interface UpOptions {
  mergeKubeconfig?: boolean
  /** Add the real node (kept on later `up`s until `down`). */
  realNode?: boolean
  /** With the real node: run the real CloudNativePG operator watching these namespaces. */
  cnpgNamespaces?: string[]
  out?: Out
}

export interface UpResult {
  buildMs?: number
  totalMs: number
  steps: { name: string; ms: number; state: string }[]
}

/** Starts everything in dependency order; independent components start side by side. */
export async function up(opts: UpOptions = {}): Promise<UpResult> {
  const out = opts.out ?? ((l: string) => console.log(l))
  const p = labPaths()
  return withLock(p.stateDir, 'up', () => upLocked(p, opts, out), { out })
}

/** Removes the lab's state; the PKI (so merged kubeconfigs and signed users stay valid) stays unless purging. */
function clearState(p: LabPaths, purge: boolean): void {
  if (existsSync(p.stateDir)) {
    for (const entry of readdirSync(p.stateDir)) {
      if (!purge && (entry === 'pki' || entry === 'kubeconfig' || entry.endsWith('.lock'))) continue
      rmSync(join(p.stateDir, entry), { recursive: true, force: true })
    }
    if (purge) rmSync(p.stateDir, { recursive: true, force: true })
  }
  rmSync(p.dbDir, { recursive: true, force: true })
}

async function upLocked(p: LabPaths, opts: UpOptions, out: Out): Promise<UpResult> {
  const t0 = Date.now()
  const previous = readRealNodeMarker(p)
  let realNode: RealNodeOptions | undefined = previous
  if (opts.realNode || opts.cnpgNamespaces) {
    const why = realNodeUnsupported(p)
    if (why) throw new LabError(`--real-node: ${why}`)
    realNode = { ...(previous ?? {}) }
    if (opts.cnpgNamespaces) {
      const watch = [...new Set([...(previous?.cnpg?.watchNamespaces ?? []), ...opts.cnpgNamespaces])].sort()
      realNode.cnpg = { watchNamespaces: watch }
    }
  }
  const buildMs = ensureBinaries(p, out, realNode !== undefined)
  // Nothing of the lab is running (the machine restarted, or its processes were killed rather than taken
  // down): the mock driver's volumes died with it, so start from a clean cluster, not from stale etcd data.
  const alive = processComponents(previous ? { realNode: previous } : {}).some((c) => {
    const rec = readPid(p.pidDir, c.name)
    return rec !== undefined && isOurs(rec)
  })
  if (!alive && existsSync(p.pidDir) && readdirSync(p.pidDir).length > 0) {
    out(`${pad('state')}stale (no lab process is running): starting from a clean cluster`)
    if (existsSync(realNodeConfig(p).hostRecord)) {
      restoreHost(realNodeConfig(p), out)
      releaseRealNode(p)
    }
    clearState(p, false)
  }
  prepareState(p, out)
  if (realNode) writeRealNodeMarker(p, realNode)

  const all = components(realNode ? { realNode } : {})
  const done = new Map<string, Promise<void>>()
  const steps: UpResult['steps'] = []
  const failures: Error[] = []
  const startOne = (c: Component): Promise<void> => {
    const existing = done.get(c.name)
    if (existing) return existing
    const promise = (async () => {
      await Promise.all(c.after.map((dep) => startOne(all.find((x) => x.name === dep)!)))
      const s = Date.now()
      if (c.kind === 'task') {
        await c.run(p)
        steps.push({ name: c.name, ms: Date.now() - s, state: 'done' })
        out(`${pad(c.name)}done in ${secs(Date.now() - s)}`)
      } else {
        const r = await startProcess(p, c)
        steps.push({ name: c.name, ms: Date.now() - s, state: r.state })
        out(`${pad(c.name)}${r.state === 'running' ? 'already running' : `${r.state === 'restarted' ? 'restarted, ' : ''}ready in ${secs(Date.now() - s)}`} (pid ${r.rec.pid})`)
      }
    })()
    promise.catch((err: Error) => failures.push(err))
    done.set(c.name, promise)
    return promise
  }
  await Promise.allSettled(all.map(startOne))
  if (failures.length > 0) {
    const first = failures.find((f) => f instanceof LabError) ?? failures[0]!
    throw new LabError(`lab up failed: ${first.message}\n(components that started are still running: \`npm run lab:status\`, \`npm run lab:down\`)`)
  }
  if (opts.mergeKubeconfig) mergeKubeconfig(p, out)
  const totalMs = Date.now() - t0 - (buildMs ?? 0)
  out(`lab is up in ${secs(totalMs)}${buildMs !== undefined ? ` (after a build of ${secs(buildMs)})` : ''}. To use it:`)
  out(`  export KUBECONFIG=${p.kubeconfig}`)
  out(`  export PATH=${pathDirFor(p, '3')}:$PATH     # kubectl ${join(p.binDir, 'kubectl')}, helm → helm 3 (${pathDirFor(p, '4')} for helm 4)`)
  out('  or: eval "$(npm run -s lab:env)"')
  return { buildMs, totalMs, steps }
}

/** Stops every process the lab started (by recorded pid), checks no port is held, removes the state. */
export async function down(opts: { out?: Out; purge?: boolean } = {}): Promise<{ stillListening: number[] }> {
  const out = opts.out ?? ((l: string) => console.log(l))
  const p = labPaths()
  return withLock(p.stateDir, 'down', () => downLocked(p, opts, out), { out })
}

/** Stop order: dependents first, so the apiserver is not left waiting on a stopped etcd. */
function stopWaves(opts: ComponentOptions): ProcessComponent[][] {
  const all = components(opts)
  const byName = new Map(all.map((c) => [c.name, c]))
  const depth = new Map<string, number>()
  const level = (name: string): number => {
    const known = depth.get(name)
    if (known !== undefined) return known
    const c = byName.get(name)!
    const d = c.after.length === 0 ? 0 : 1 + Math.max(...c.after.map(level))
    depth.set(name, d)
    return d
  }
  const procs = processComponents(opts)
  const max = Math.max(...procs.map((c) => level(c.name)))
  const waves: ProcessComponent[][] = []
  for (let d = max; d >= 0; d--) {
    const wave = procs.filter((c) => level(c.name) === d)
    if (wave.length > 0) waves.push(wave)
  }
  // Every other component talks to the apiserver: stop them all before it, whatever their depth.
  const api = waves.flat().filter((c) => c.name === 'kube-apiserver' || c.name === 'etcd' || c.after.length === 0)
  const rest = waves.map((w) => w.filter((c) => !api.includes(c))).filter((w) => w.length > 0)
  return [...rest, api.filter((c) => c.name === 'kube-apiserver'), api.filter((c) => c.name !== 'kube-apiserver')]
}

async function downLocked(p: LabPaths, opts: { purge?: boolean }, out: Out): Promise<{ stillListening: number[] }> {
  const labOpts = labOptions(p)
  const node = realNodeConfig(p)
  const hasNode = labOpts.realNode !== undefined || existsSync(node.hostRecord)
  // The real node's pods go first, while its kubelet still runs: it unmounts their volumes and removes their
  // networks and cgroups itself.
  if (hasNode) {
    const kubelet = readPid(p.pidDir, 'kubelet')
    const api = readPid(p.pidDir, 'kube-apiserver')
    if (kubelet && isOurs(kubelet) && api && isOurs(api)) await drainRealNode(p, out)
    const containerd = readPid(p.pidDir, 'containerd')
    if (containerd && isOurs(containerd)) await stopAllTasks(p, out)
  }
  for (const wave of stopWaves(labOpts.realNode ? labOpts : { realNode: {} })) {
    await Promise.all(
      wave.map(async (c) => {
        const rec = readPid(p.pidDir, c.name)
        if (!rec) return
        const how = await stopGroup(rec, c.stopSignal ?? 'SIGTERM', 8_000)
        removePid(p.pidDir, c.name)
        if (how !== 'absent') out(`${pad(c.name)}${how} (pid ${rec.pid})`)
      }),
    )
  }
  if (hasNode) {
    // Shims of containers the drain could not stop run in sessions of their own: end them by pid.
    for (const pid of leftoverShims(node)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone
      }
    }
    const proxy = join(p.binDir, 'kube-proxy')
    if (existsSync(proxy)) spawnSync(proxy, ['--cleanup', '--v=0'], { stdio: 'ignore' })
    restoreHost(node, out)
    releaseRealNode(p)
  }
  const labPorts = processComponents(hasNode ? { realNode: {} } : {}).flatMap((c) => c.ports)
  let stillListening = labPorts
  for (let i = 0; i < 30; i++) {
    const held = listeningPorts()
    stillListening = labPorts.filter((port) => held.has(port))
    if (stillListening.length === 0) break
    await new Promise((r) => setTimeout(r, 100))
  }
  if (stillListening.length > 0) out(`warning: ports still held (not by this lab's recorded processes): ${stillListening.join(', ')}`)
  clearState(p, opts.purge === true)
  out(`lab is down${opts.purge ? ' (state purged)' : ` (state removed; PKI kept in ${p.pkiDir})`}`)
  return { stillListening }
}

export interface ComponentStatus {
  name: string
  pid?: number
  running: boolean
  healthy: boolean
  rssBytes: number
}

export async function status(): Promise<ComponentStatus[]> {
  const p = labPaths()
  return Promise.all(
    processComponents(labOptions(p)).map(async (c) => {
      const rec = readPid(p.pidDir, c.name)
      if (!rec) return { name: c.name, running: false, healthy: false, rssBytes: 0 }
      const running = isOurs(rec)
      const healthy = running && (await componentHealthy(p, c, rec))
      return { name: c.name, pid: rec.pid, running, healthy, rssBytes: running ? groupRssBytes(rec.pid) : 0 }
    }),
  )
}

export function formatStatus(rows: ComponentStatus[]): string[] {
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`
  const lines = rows.map((r) => {
    const state = r.healthy ? 'healthy' : r.running ? 'UNHEALTHY' : 'DOWN'
    return `${pad(r.name)}${state.padEnd(11)}${(r.pid ? `pid ${r.pid}` : '-').padEnd(12)}${r.running ? mb(r.rssBytes) : ''}`
  })
  lines.push(`${pad('total')}${''.padEnd(23)}${mb(rows.reduce((s, r) => s + r.rssBytes, 0))}`)
  const bad = rows.filter((r) => !r.healthy).map((r) => r.name)
  lines.push(bad.length === 0 ? 'all components healthy' : `not healthy: ${bad.join(', ')}`)
  return lines
}

export async function stopComponent(name: string, out: Out = console.log): Promise<void> {
  const c = findComponent(name)
  if (c.kind !== 'process') throw new LabError(`${name} is a setup step, not a process`)
  const p = labPaths()
  await withLock(p.stateDir, `stop ${name}`, async () => {
    const rec = readPid(p.pidDir, name)
    if (!rec) {
      out(`${name} is not running`)
      return
    }
    const how = await stopGroup(rec, c.stopSignal ?? 'SIGTERM', 10_000)
    removePid(p.pidDir, name)
    out(`${name} ${how === 'absent' ? 'was not running' : how} (pid ${rec.pid})`)
  }, { out })
}

export async function startComponent(name: string, out: Out = console.log): Promise<void> {
  const c = findComponent(name)
  const p = labPaths()
  await withLock(p.stateDir, `start ${name}`, async () => {
    prepareState(p, out)
    const s = Date.now()
    if (c.kind === 'task') {
      await c.run(p)
      out(`${name} done in ${secs(Date.now() - s)}`)
      return
    }
    const r = await startProcess(p, c)
    out(`${name} ${r.state === 'running' ? 'already running' : `ready in ${secs(Date.now() - s)}`} (pid ${r.rec.pid})`)
  }, { out })
}

export function envLines(helm: '3' | '4' = process.env.DBAAS_LAB_HELM === '4' ? '4' : '3'): string[] {
  const p = labPaths()
  if (existsSync(p.binDir)) ensurePathDirs(p)
  return [`export KUBECONFIG=${p.kubeconfig}`, `export PATH=${pathDirFor(p, helm)}:$PATH`]
}

export { waitFor }
