// Fixtures for the kubeconfig e2e tests: kubeconfigs derived from the suite's own (a proxy-url, an `as:`, an
// exec plugin, an http:// server), a real tinyproxy on loopback, kubectl proxy, and a child dbaas that keeps
// running (--watch, port-forward) with its output collected.
import { execa, type ResultPromise } from 'execa'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { labInfo } from '../lab/fixtures/lab.ts'
import { cliPath } from './helpers.ts'

export interface KubeconfigDoc {
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>
  users: Array<{ name: string; user: Record<string, unknown> }>
  contexts: Array<{ name: string; context: Record<string, unknown> }>
  'current-context': string
  [k: string]: unknown
}

/** The suite's kubeconfig, changed by `edit` (on its current context's cluster and user), written to a new file. */
export function derivedKubeconfig(edit: (cluster: Record<string, unknown>, user: Record<string, unknown>, doc: KubeconfigDoc) => void): string {
  const doc = parse(readFileSync(labInfo().kubeconfig, 'utf8')) as KubeconfigDoc
  const ctx = doc.contexts.find((c) => c.name === doc['current-context'])!.context
  const cluster = doc.clusters.find((c) => c.name === ctx.cluster)!.cluster
  const user = doc.users.find((u) => u.name === ctx.user)!.user
  edit(cluster, user, doc)
  const file = join(mkdtempSync(join(tmpdir(), 'dbaas-e2e-kc-')), 'config')
  writeFileSync(file, stringify(doc), { mode: 0o600 })
  return file
}

/** The API server's URL in the suite's kubeconfig. */
export function apiServer(): string {
  let server = ''
  derivedKubeconfig((c) => {
    server = String(c.server)
  })
  return server
}

export async function freePort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
  const port = (s.address() as net.AddressInfo).port
  await new Promise((r) => s.close(r))
  return port
}

async function until(what: string, timeoutMs: number, ok: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy()
      resolve(true)
    })
    s.on('error', () => resolve(false))
  })
}

export const hasTinyproxy = (): boolean => existsSync('/usr/bin/tinyproxy') || existsSync('/usr/sbin/tinyproxy')

export interface Tinyproxy {
  url: string
  port: number
  /** The proxy's log so far. */
  log(): string
  /** The CONNECT tunnels the log shows ("host:port" each). */
  tunnels(): string[]
  start(): Promise<void>
  stop(): Promise<void>
}

/** A real HTTP CONNECT proxy (Debian's tinyproxy) on a free loopback port, run in the foreground by the test. */
export async function tinyproxy(): Promise<Tinyproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-tinyproxy-'))
  chmodSync(dir, 0o777)
  const port = await freePort()
  const logFile = join(dir, 'tinyproxy.log')
  const conf = join(dir, 'tinyproxy.conf')
  const root = process.getuid?.() === 0
  writeFileSync(
    conf,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 600',
      `LogFile "${logFile}"`,
      'LogLevel Info',
      'MaxClients 100',
      'Allow 127.0.0.1',
      // No ConnectPort line: CONNECT to any port (the API server's is not 443).
      ...(root ? ['User nobody', 'Group nogroup'] : []),
    ].join('\n'),
  )
  const bin = existsSync('/usr/bin/tinyproxy') ? '/usr/bin/tinyproxy' : '/usr/sbin/tinyproxy'
  let child: ChildProcess | undefined
  const read = () => {
    try {
      return readFileSync(logFile, 'utf8')
    } catch {
      return ''
    }
  }
  const p: Tinyproxy = {
    url: `http://127.0.0.1:${port}`,
    port,
    log: read,
    tunnels: () => [...read().matchAll(/Request \(file descriptor \d+\): CONNECT (\S+) HTTP/g)].map((m) => m[1]!),
    async start() {
      child = spawn(bin, ['-d', '-c', conf], { stdio: 'ignore' })
      await until('tinyproxy to listen', 10_000, () => listening(port))
    },
    async stop() {
      if (!child || child.exitCode !== null) return
      const exited = new Promise((r) => child!.once('exit', r))
      child.kill('SIGTERM')
      await exited
      await until('tinyproxy to stop listening', 10_000, async () => !(await listening(port)))
    },
  }
  await p.start()
  return p
}

export interface KubectlProxy {
  url: string
  stop(): Promise<void>
}

/** `kubectl proxy` on a free loopback port (the suite's kubeconfig): an http:// API endpoint without credentials. */
export async function kubectlProxy(): Promise<KubectlProxy> {
  const port = await freePort()
  const info = labInfo()
  const bin = info.isLab ? join(info.binDir, 'kubectl') : 'kubectl'
  const child = spawn(bin, ['proxy', '--address=127.0.0.1', `--port=${port}`, `--kubeconfig=${info.kubeconfig}`], { stdio: 'ignore' })
  await until('kubectl proxy to listen', 15_000, () => listening(port))
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    },
  }
}

export interface Running {
  child: ResultPromise
  out(): string
  err(): string
  waitOut(re: RegExp, what: string, timeoutMs?: number): Promise<void>
}

/** A dbaas that keeps running (--watch, connect --forward-only); stop it with child.kill('SIGINT'). */
export function startDbaas(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = execa(process.execPath, [cliPath, ...args], { reject: false, stdin: 'ignore', env: { CI: 'true', NO_COLOR: '1', ...env } })
  let out = ''
  let err = ''
  let exited: number | undefined
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()))
  void child.then((r) => (exited = r.exitCode ?? -1))
  return {
    child,
    out: () => out,
    err: () => err,
    waitOut: (re, what, timeoutMs = 60_000) =>
      until(what, timeoutMs, () => re.test(out) || exited !== undefined).then(() => {
        if (!re.test(out)) throw new Error(`dbaas exited (${exited}) before ${what}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`)
      }),
  }
}

export { until }
