// A small HTTPS client for the lab's own health checks (admin cert, no client library: `up` stays quick),
// and a runner for the lab's kubectl.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import { connect } from 'node:net'
import { request as httpRequest } from 'node:http'
import { pkiFiles } from './pki.ts'
import { ports, type LabPaths } from './paths.ts'

export interface HttpResult {
  status: number
  body: string
}

/** GET over HTTPS; `auth` presents the admin cert and verifies the lab CA, otherwise TLS is not verified. */
export function httpsGet(url: string, opts: { pkiDir?: string; timeoutMs?: number } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const pki = opts.pkiDir ? pkiFiles(opts.pkiDir) : undefined
    const req = request(
      url,
      {
        method: 'GET',
        ca: pki ? readFileSync(pki.caCert) : undefined,
        cert: pki ? readFileSync(pki.adminCert) : undefined,
        key: pki ? readFileSync(pki.adminKey) : undefined,
        rejectUnauthorized: pki !== undefined,
        timeout: opts.timeoutMs ?? 2000,
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)))
    req.on('error', reject)
    req.end()
  })
}

export function httpGet(url: string, timeoutMs = 2000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)))
    req.on('error', reject)
    req.end()
  })
}

/** True when the check resolves true; any error counts as false. */
export async function probe(check: () => Promise<boolean>): Promise<boolean> {
  try {
    return await check()
  } catch {
    return false
  }
}

/** Reads an object from the lab's apiserver as the admin; undefined on 404. */
export async function apiGet<T = any>(paths: LabPaths, path: string): Promise<T | undefined> {
  const r = await httpsGet(`https://127.0.0.1:${ports.apiserver}${path}`, { pkiDir: paths.pkiDir })
  if (r.status === 404) return undefined
  if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status}: ${r.body.slice(0, 300)}`)
  return JSON.parse(r.body) as T
}

/** Connects to a TCP port or a unix socket; resolves true when something accepts. */
export function canConnect(target: { port: number; host?: string } | { path: string }, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = 'path' in target ? connect(target.path) : connect(target.port, target.host ?? '127.0.0.1')
    const done = (ok: boolean) => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(timeoutMs, () => done(false))
    sock.on('connect', () => done(true))
    sock.on('error', () => done(false))
  })
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs a program; never throws for a non-zero exit (the caller looks at `code`). */
export function run(bin: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      bin,
      args,
      { env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0
        resolve({ code, stdout: String(stdout), stderr: String(stderr) || (err && code !== 0 && !stderr ? String(err.message) : '') })
      },
    )
    if (opts.input !== undefined) child.stdin?.end(opts.input)
  })
}

/** The lab's kubectl as the lab admin. */
export function labKubectl(paths: LabPaths, args: string[], input?: string): Promise<RunResult> {
  return run(`${paths.binDir}/kubectl`, ['--kubeconfig', paths.kubeconfig, '--cache-dir', paths.kubectlCacheDir, ...args], { input })
}
