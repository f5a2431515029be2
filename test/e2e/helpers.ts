// Running the real, bundled CLI against the lab (or the cluster in DBAAS_E2E_KUBECONFIG), and reading the
// cluster back with kubectl to check what dbaas did — or that it wrote nothing.
//
// Every CLI child runs in a process group of its own and is killed (the whole group: dbaas and the helm or
// kubectl it started) before the test or hook that started it times out, and at the latest when that test
// ends: a CLI never outlives its test to keep writing to the cluster.
import { execa, type ResultPromise } from 'execa'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished, TestRunner } from 'vitest'
import { realDeps } from '../../src/deps.ts'
import type { KubeObject, ResourceType, WatchEvent } from '../../src/k8s/kube.ts'
import { kubectl, kubectlJson, kubectlOk, waitFor } from '../lab/fixtures/lab.ts'

export const cliPath = new URL('../../bin/dbaas.js', import.meta.url).pathname

/** Time kept between killing a CLI and the test's own timeout, for the test to report why. */
const MARGIN_MS = 10_000
/** For a CLI started from a hook (no current test): below the e2e project's hookTimeout. */
const HOOK_DEFAULT_MS = 240_000

/** How long a child started now may run: what is left of the current test's timeout, less a margin. */
export function remainingMs(): number {
  const t = TestRunner.getCurrentTest()
  if (!t) return HOOK_DEFAULT_MS
  const started = t.result?.startTime ?? Date.now()
  return Math.max(1_000, started + t.timeout - Date.now() - MARGIN_MS)
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return
  try {
    process.kill(-pid, signal)
  } catch {
    // already gone
  }
}

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
  /** Killed at its deadline (the test's timeout less a margin, or `timeoutMs`). */
  timedOut: boolean
  json<T = any>(): T
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv
  input?: string
  /** At most this long (still cut to what the test has left). */
  timeoutMs?: number
}

function cliEnv(env?: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...process.env, CI: 'true', NO_COLOR: '1', ...env }
}

/** A CLI child that keeps running (watch, port-forward): read its output, interrupt it, await its end. */
export interface RunningCli {
  child: ResultPromise
  out(): string
  err(): string
  /** SIGINT to its whole process group, as Ctrl-C in a terminal. */
  interrupt(): void
  /** Waits (with a deadline) until its output matches. */
  waitForOutput(re: RegExp, what: string, timeoutMs?: number, stream?: 'out' | 'err'): Promise<void>
  result(): Promise<CliResult>
}

/** Starts `dbaas …` in its own process group; it is killed at its deadline and when the current test ends. */
export function startCli(args: string[], opts: CliOptions = {}): RunningCli {
  const budget = Math.min(opts.timeoutMs ?? Number.POSITIVE_INFINITY, remainingMs())
  const child = execa(process.execPath, [cliPath, ...args], {
    reject: false,
    detached: true,
    env: cliEnv(opts.env),
    extendEnv: false,
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()))
  let timedOut = false
  let done = false
  const stop = () => {
    if (done) return
    killGroup(child.pid, 'SIGTERM')
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), 2_000).unref()
  }
  const timer = setTimeout(() => {
    timedOut = true
    stop()
  }, budget)
  timer.unref()
  void child.finally(() => {
    done = true
    clearTimeout(timer)
  })
  if (TestRunner.getCurrentTest()) onTestFinished(stop)
  const result = async (): Promise<CliResult> => {
    const r = await child
    const stdout = String(r.stdout ?? '')
    const stderr = String(r.stderr ?? '') + (timedOut ? `\n[test helper: dbaas ${args.join(' ')} killed after ${budget} ms, before its test's timeout]` : '')
    return {
      exitCode: timedOut ? -1 : (r.exitCode ?? -1),
      stdout,
      stderr,
      timedOut,
      json<T>() {
        try {
          return JSON.parse(stdout) as T
        } catch {
          throw new Error(`stdout is not JSON (exit ${r.exitCode}):\n${stdout}\n--- stderr ---\n${stderr}`)
        }
      },
    }
  }
  return {
    child,
    out: () => out,
    err: () => err,
    interrupt: () => killGroup(child.pid, 'SIGINT'),
    waitForOutput: async (re, what, timeoutMs = 60_000, stream = 'out') => {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        if (re.test(stream === 'out' ? out : err)) return
        if (done) throw new Error(`dbaas ${args.join(' ')} ended before ${what}:\n${out}\n--- stderr ---\n${err}`)
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${out}\n--- stderr ---\n${err}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    result,
  }
}

/** Runs `dbaas …` as a user would: no TTY, CI=true, stdin closed unless `input` is given. */
export async function dbaas(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return startCli(args, opts).result()
}

/** Like dbaas(), but fails the test with stderr when the exit code is not the expected one. */
export async function dbaasOk(args: string[], opts: CliOptions & { expect?: number } = {}): Promise<CliResult> {
  const r = await dbaas(args, opts)
  const want = opts.expect ?? 0
  if (r.exitCode !== want) {
    throw new Error(`dbaas ${args.join(' ')} exited ${r.exitCode}, wanted ${want}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`)
  }
  return r
}

/** The kinds dbaas writes (or restores and backups create), for "nothing was written" checks. */
const WRITTEN_KINDS = [
  'namespaces',
  'secrets',
  'statefulsets',
  'services',
  'pods',
  'persistentvolumeclaims',
  'configmaps',
  'volumesnapshots',
  'volumesnapshotcontents',
  'clusters.postgresql.cnpg.io',
  'backups.postgresql.cnpg.io',
]
const LABELS_NAMING = ['app.kubernetes.io/instance', 'dbaas.io/source-instance', 'dbaas.io/restore-target', 'cnpg.io/cluster']

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Every object anywhere that exists because of `name` — the exact name the CLI was given: objects named
 * `name` or derived from it the way dbaas derives names (`name-…`, `data-name-N`, `dbaas-name`,
 * `dbaas-backup-name`, helm's `sh.helm.release.v1.name.vN`), and objects whose identity labels name it.
 * Returned as `kind/namespace/name`.
 */
export async function written(name: string, run: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }> = (a) => kubectl(a)): Promise<string[]> {
  const n = escape(name)
  const derived = new RegExp(`^(${n}|${n}-.+|data-${n}-\\d+|dbaas-${n}|dbaas-backup-${n}|sh\\.helm\\.release\\.v1\\.${n}\\.v\\d+)$`)
  const found: string[] = []
  for (const kind of WRITTEN_KINDS) {
    const r = await run(['get', kind, '-A', '-o', 'json'])
    if (r.code !== 0) {
      // A cluster without CloudNativePG or the snapshot CRDs simply has none of those (kubectl says so either
      // from discovery, or — when its discovery cache still lists a CRD just deleted — from the server's 404).
      if (/the server doesn't have a resource type|the server could not find the requested resource/.test(r.stderr)) continue
      throw new Error(`kubectl get ${kind} -A failed (exit ${r.code}): ${r.stderr}`)
    }
    for (const o of (JSON.parse(r.stdout) as { items: Array<{ metadata: { name: string; namespace?: string; labels?: Record<string, string> } }> }).items) {
      const m = o.metadata
      if (derived.test(m.name) || LABELS_NAMING.some((l) => m.labels?.[l] === name)) found.push(`${kind}/${m.namespace ?? ''}/${m.name}`)
    }
  }
  return found
}

/** Every object carrying this instance's identity (kept for readability where only labelled objects matter). */
export const objectsOf = (name: string): Promise<string[]> => written(name)

export async function namespaceExists(ns: string): Promise<boolean> {
  const r = await kubectl(['get', 'namespace', ns, '-o', 'name', '--ignore-not-found'])
  if (r.code !== 0) throw new Error(`kubectl get namespace ${ns} failed (exit ${r.code}): ${r.stderr}`)
  return r.stdout.trim() !== ''
}

/** Waits (with a deadline) until the namespace is gone. */
export async function waitNamespaceGone(ns: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(`namespace ${ns} to be gone`, timeoutMs, async () => !(await namespaceExists(ns)), 250)
}

export async function secretPassword(name: string, namespace: string): Promise<string> {
  const s = await kubectlJson(['get', 'secret', `${name}-credentials`, '-n', namespace])
  return Buffer.from(s.data.password, 'base64').toString('utf8')
}

/**
 * Removes an instance and its namespace (everything a test left behind), checking that each step worked.
 * With `wait`, returns once the namespace is gone (for a test that reuses the name).
 */
export async function cleanupInstance(name: string, namespace = `dbaas-${name}`, opts: { wait?: boolean } = {}): Promise<void> {
  const r = await dbaas(['delete', name, '-n', namespace, '--yes', '--ignore-not-found', '--delete-data', '--no-wait'], { timeoutMs: 120_000 })
  if (r.exitCode !== 0) throw new Error(`cleanup: dbaas delete ${name} -n ${namespace} exited ${r.exitCode}:\n${r.stderr}`)
  const ns = await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false'])
  if (ns.code !== 0) throw new Error(`cleanup: kubectl delete namespace ${namespace} exited ${ns.code}: ${ns.stderr}`)
  if (opts.wait) await waitNamespaceGone(namespace)
}

/** Deletes a namespace (not waiting unless asked), checking kubectl's exit code. */
export async function deleteNamespace(ns: string, opts: { wait?: boolean } = {}): Promise<void> {
  await kubectlOk(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false'])
  if (opts.wait) await waitNamespaceGone(ns)
}

/**
 * Creates an instance for the current test (`dbaas create … --storage 1Gi`, waiting until Ready) and removes
 * it when the test ends. Returns its name.
 */
export async function instanceForTest(engine: string, name: string, extra: string[] = []): Promise<string> {
  onTestFinished(() => cleanupInstance(name, extra.includes('-n') ? extra[extra.indexOf('-n') + 1] : `dbaas-${name}`))
  await dbaasOk(['create', engine, name, '--storage', '1Gi', ...extra])
  return name
}

/** A helm wrapper that records its argv (one line per call) before running the real helm. */
export function recordingHelm(): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-helm-'))
  const log = join(dir, 'argv.log')
  const bin = join(dir, 'helm')
  writeFileSync(bin, `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> '${log}'\nexec helm "$@"\n`)
  chmodSync(bin, 0o755)
  return { bin, log }
}

/** A kubeconfig file with this content, for the bad-kubeconfig cases. */
export function kubeconfigFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-kc-'))
  const file = join(dir, 'config')
  writeFileSync(file, content, { mode: 0o600 })
  return file
}

export interface Recorded {
  /** When this process received the event (ms since epoch). */
  at: number
  type: WatchEvent['type']
  /** The object as the event carried it (any kind: spec and status as the server sent them). */
  object: KubeObject & { spec?: any; status?: any }
}

export interface Recorder {
  readonly events: Recorded[]
  /** Waits (with a deadline) for the first event matching `pred`, and returns it. */
  first(what: string, pred: (e: Recorded) => boolean, timeoutMs?: number): Promise<Recorded>
  stop(): void
}

/**
 * Records every change to objects of one kind (list, then watch from the list's resourceVersion: nothing
 * between the two is missed), each with the time it arrived — for ordering claims made by event order.
 * Stopped when the current test ends.
 */
export async function recordChanges(
  r: ResourceType,
  namespace: string | undefined,
  opts: { labelSelector?: string; fieldSelector?: string; kubeconfig?: string; onEvent?: (e: Recorded) => void } = {},
): Promise<Recorder> {
  const env = opts.kubeconfig ? { ...process.env, KUBECONFIG: opts.kubeconfig } : process.env
  const kube = await realDeps({ env }).kube({})
  const events: Recorded[] = []
  const ctrl = new AbortController()
  const sel = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector }
  const list = await kube.list(r, namespace, sel)
  for (const o of list.items) events.push({ at: Date.now(), type: 'ADDED', object: o })
  let failure: unknown
  const loop = async () => {
    let rv = list.metadata.resourceVersion
    while (!ctrl.signal.aborted) {
      try {
        await kube.watch(r, namespace, { ...sel, resourceVersion: rv, signal: ctrl.signal, timeoutSeconds: 120 }, (ev) => {
          if (ev.type === 'BOOKMARK') return
          const e = { at: Date.now(), type: ev.type, object: ev.object }
          events.push(e)
          opts.onEvent?.(e)
          rv = ev.object.metadata.resourceVersion ?? rv
        })
      } catch (err) {
        if (!ctrl.signal.aborted) failure = err
        return
      }
    }
  }
  void loop()
  const stop = () => ctrl.abort()
  if (TestRunner.getCurrentTest()) onTestFinished(stop)
  return {
    events,
    stop,
    async first(what, pred, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const hit = events.find(pred)
        if (hit) return hit
        if (failure) throw new Error(`the watch for ${what} failed: ${String(failure)}`)
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; seen: ${events.map((e) => `${e.type} ${e.object.metadata.name}`).join(', ') || 'nothing'}`)
        await new Promise((res) => setTimeout(res, 50))
      }
    },
  }
}
