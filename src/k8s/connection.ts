// How dbaas reaches one cluster as one identity: TLS material, credentials, impersonation and proxy, turned into
// http(s) agents and request headers. Shared by the plain-request transport (http.ts) and by the client
// library's WebSockets (client-node.ts), so port-forward and exec go the same way as every list and watch.
//
// Credentials, as client-go takes them: over an http:// server none are sent (client-go reads a user's
// credentials only for TLS; impersonation headers still go); otherwise an exec plugin (run here, refreshed at
// its expirationTimestamp and once after a 401), an auth-provider (through @kubernetes/client-node), a token
// file (re-read every minute and after a 401), a token, a client certificate, or a username and password.
import type * as Http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import { readFileSync } from 'node:fs'
import { ClusterError } from '../errors.ts'
import { defaultExecIo, runExecPlugin, type ExecClusterInfo, type ExecIo } from './exec-credential.ts'
import type { Impersonation, ResolvedConfig } from './kubeconfig.ts'
import { HttpProxyAgent, HttpsProxyAgent, openTunnel } from './proxy.ts'

// Not `import http from 'node:http'`: building that module's ESM facade reads its lazy WebSocket getters,
// which load Node's bundled undici (≈ 100 ms on every command). The CommonJS object has no such cost.
const http = process.getBuiltinModule('node:http')

export type Headers = Record<string, string | string[]>

interface Credential {
  source: 'none' | 'static' | 'tokenFile' | 'exec' | 'authProvider'
  authorization?: string
  cert?: Buffer | string
  key?: Buffer | string
  /** exec: when the plugin said the credential expires. */
  expiresAt?: number
  /** tokenFile: when the file was read. */
  readAt?: number
}

export interface Material {
  /** https:// server (TLS) or http:// (kubectl proxy). */
  secure: boolean
  /** Plain requests: one kept-alive connection (one TLS handshake per command, measured in bench/). */
  agent: Http.Agent
  /** Watches, log streams and WebSockets hold a connection each. */
  streamAgent: Http.Agent
  headers: Headers
  /** The credential these headers carry (compared on a 401 to refresh only once). */
  readonly credential: object
}

/** Go's legal header-name bytes (RFC 7230 tchar); anything else in an Impersonate-Extra key is %-encoded, and so is '%'. */
function escapeHeaderKey(key: string): string {
  let out = ''
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b)
    out += /^[A-Za-z0-9!#$&'*+\-.^_`|~]$/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

function checkHeaderValue(v: string, what: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]|[^\u0000-\u00ff]/.test(v)) {
    throw new ClusterError('kubeconfig', `the impersonation ${what} "${v}" cannot be sent as an HTTP header`, { hint: 'use plain ASCII names' })
  }
  return v
}

/** The Impersonate-* headers client-go sends for an impersonation config. */
export function impersonationHeaders(imp: Impersonation | undefined): Headers {
  if (!imp) return {}
  const h: Headers = { 'Impersonate-User': checkHeaderValue(imp.user, 'user') }
  if (imp.uid !== undefined) h['Impersonate-Uid'] = checkHeaderValue(imp.uid, 'uid')
  if (imp.groups.length) h['Impersonate-Group'] = imp.groups.map((g) => checkHeaderValue(g, 'group'))
  for (const [k, vs] of Object.entries(imp.extra)) {
    if (vs.length) h[`Impersonate-Extra-${escapeHeaderKey(k)}`] = vs.map((v) => checkHeaderValue(v, `extra ${k}`))
  }
  return h
}

const TOKEN_FILE_TTL_MS = 60_000
let systemCas: string[] | undefined

/**
 * The CAs that verify a server whose kubeconfig names none: Node's (bundled Mozilla store, NODE_EXTRA_CA_CERTS,
 * and the OS store under --use-system-ca) plus the OS trust store, which is what kubectl uses. Read once.
 */
export function defaultTrust(): string[] {
  systemCas ??= [...new Set([...tls.getCACertificates('default'), ...tls.getCACertificates('system')])]
  return systemCas
}

export interface ConnectionOptions {
  execIo?: ExecIo
  now?: () => number
}

export class Connection {
  readonly cfg: ResolvedConfig
  readonly secure: boolean
  private readonly execIo: ExecIo
  private readonly now: () => number
  private cred: Credential | undefined
  private pending: Promise<Credential> | undefined
  private agents: { cert: unknown; key: unknown; agent: Http.Agent; streamAgent: Http.Agent } | undefined
  private readonly materials = new WeakMap<Credential, Material>()

  constructor(cfg: ResolvedConfig, opts: ConnectionOptions = {}) {
    this.cfg = cfg
    this.secure = new URL(cfg.cluster.server).protocol === 'https:'
    this.execIo = opts.execIo ?? defaultExecIo()
    this.now = opts.now ?? Date.now
  }

  /** Agents and headers for the next request; runs (or re-runs) a credential plugin when needed. */
  async material(): Promise<Material> {
    const cred = await this.credential()
    let m = this.materials.get(cred)
    if (!m) {
      const { agent, streamAgent } = this.agentsFor(cred)
      const headers: Headers = { ...impersonationHeaders(this.cfg.user.impersonate) }
      if (cred.authorization) headers.Authorization = cred.authorization
      m = { secure: this.secure, agent, streamAgent, headers, credential: cred }
      this.materials.set(cred, m)
    }
    return m
  }

  /**
   * After a 401 with `used`: gets new credentials if they can be refreshed (exec plugin re-run, token file
   * re-read). True when a retry may succeed: the credential is new (here or by a concurrent refresh).
   */
  async refreshAfter401(used: Material): Promise<boolean> {
    if (this.pending) {
      // Another request is already getting new credentials: use those.
      await this.pending
      return true
    }
    const current = this.cred
    if (!current) return false
    if (used.credential !== current) return true
    if (current.source === 'tokenFile') {
      const fresh = this.readTokenFile()
      if (fresh.authorization === current.authorization) {
        current.readAt = fresh.readAt
        return false
      }
      this.cred = fresh
      return true
    }
    if (current.source !== 'exec') return false
    this.cred = undefined
    await this.credential()
    return true
  }

  private valid(c: Credential): boolean {
    if (c.source === 'exec') return c.expiresAt === undefined || this.now() < c.expiresAt
    if (c.source === 'tokenFile') return this.now() - (c.readAt ?? 0) < TOKEN_FILE_TTL_MS
    return true
  }

  private credential(): Promise<Credential> {
    const c = this.cred
    if (c && this.valid(c)) return Promise.resolve(c)
    if (c?.source === 'tokenFile') {
      // Re-read; keep the same credential object (and agents, headers) when the token did not change.
      const fresh = this.readTokenFile()
      if (fresh.authorization === c.authorization) {
        c.readAt = fresh.readAt
        return Promise.resolve(c)
      }
      this.cred = fresh
      return Promise.resolve(fresh)
    }
    this.pending ??= this.obtain().then(
      (got) => {
        this.cred = got
        this.pending = undefined
        return got
      },
      (err) => {
        this.pending = undefined
        throw err
      },
    )
    return this.pending
  }

  private readTokenFile(): Credential {
    const file = this.cfg.user.tokenFile!
    let token: string | undefined
    try {
      token = readFileSync(file, 'utf8').trim()
    } catch {
      token = undefined
    }
    // client-go: the last successfully read value wins over `token`; an unreadable file falls back to it.
    const t = token || this.cfg.user.token
    if (!t) {
      throw new ClusterError('kubeconfig', `cannot read the token file ${file} named in the kubeconfig`, { hint: 'fix tokenFile in your kubeconfig' })
    }
    return { source: 'tokenFile', authorization: `Bearer ${t}`, readAt: this.now(), ...this.staticCert() }
  }

  private staticCert(): Pick<Credential, 'cert' | 'key'> {
    const u = this.cfg.user
    return { ...(u.certData ? { cert: u.certData } : {}), ...(u.keyData ? { key: u.keyData } : {}) }
  }

  private async obtain(): Promise<Credential> {
    const u = this.cfg.user
    if (!this.secure) return { source: 'none' }
    if (u.exec) {
      const got = await runExecPlugin(u.exec, this.execClusterInfo(), this.execIo)
      const cred: Credential = { source: 'exec', ...this.staticCert() }
      if (got.token) cred.authorization = `Bearer ${got.token}`
      if (got.certData) {
        cred.cert = got.certData
        cred.key = got.keyData!
      }
      if (got.expiresAt !== undefined) cred.expiresAt = got.expiresAt
      return cred
    }
    if (u.authProvider) return authProviderCredential(this.cfg)
    if (u.tokenFile) return this.readTokenFile()
    const cred: Credential = { source: 'static', ...this.staticCert() }
    if (u.token) cred.authorization = `Bearer ${u.token}`
    else if (u.username !== undefined && u.password !== undefined) {
      cred.authorization = `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`
    }
    return cred
  }

  private execClusterInfo(): ExecClusterInfo {
    const c = this.cfg.cluster
    return {
      server: c.server,
      ...(c.tlsServerName ? { 'tls-server-name': c.tlsServerName } : {}),
      ...(c.insecureSkipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
      ...(c.caData ? { 'certificate-authority-data': c.caData.toString('base64') } : {}),
      ...(c.proxy?.source === 'proxy-url' ? { 'proxy-url': c.proxy.url } : {}),
      ...(c.execExtension !== undefined ? { config: c.execExtension } : {}),
    }
  }

  /** TLS options for the API server: the kubeconfig's CA (or Node's and the OS's), SNI name, verification. */
  tlsOptions(): https.AgentOptions {
    const c = this.cfg.cluster
    const o: https.AgentOptions = { rejectUnauthorized: !c.insecureSkipTLSVerify }
    if (c.caData) o.ca = c.caData
    else if (!c.insecureSkipTLSVerify) o.ca = defaultTrust()
    if (c.tlsServerName) o.servername = c.tlsServerName
    return o
  }

  private agentsFor(cred: Credential): { agent: Http.Agent; streamAgent: Http.Agent } {
    if (this.agents && this.agents.cert === cred.cert && this.agents.key === cred.key) return this.agents
    const proxy = this.cfg.cluster.proxy?.url
    let make: (extra: Http.AgentOptions) => Http.Agent
    if (this.secure) {
      const o: https.AgentOptions = { keepAlive: true, ...this.tlsOptions() }
      if (cred.cert) o.cert = cred.cert
      if (cred.key) o.key = cred.key
      make = (extra) => (proxy ? new HttpsProxyAgent(proxy, { ...o, ...extra }) : new https.Agent({ ...o, ...extra }))
    } else {
      const proxyCa = this.cfg.cluster.caData
      make = (extra) =>
        proxy ? new HttpProxyAgent(proxy, { keepAlive: true, ...(proxyCa ? { proxyCa } : {}), ...extra }) : new http.Agent({ keepAlive: true, ...extra })
    }
    // On a 2-core machine, three parallel TLS handshakes with client certificates cost more than three
    // sequential requests on one connection (bench/cli.bench.ts: 0.10 s against 0.20 s for a small list).
    this.agents = { cert: cred.cert, key: cred.key, agent: make({ maxSockets: 1 }), streamAgent: make({}) }
    return this.agents
  }
}

/** An auth-provider's (oidc, gcp, azure) token and certificate, through the client library's authenticators. */
async function authProviderCredential(cfg: ResolvedConfig): Promise<Credential> {
  const { KubeConfig } = await import('@kubernetes/client-node')
  const ctx = cfg.raw.contexts.find((c) => c.name === cfg.contextName)?.context
  const userName = typeof ctx?.user === 'string' ? ctx.user : ''
  const user = cfg.raw.users.find((u) => u.name === userName)?.user ?? {}
  const kc = new KubeConfig()
  // Only the user's auth-provider matters here: TLS, proxy and impersonation are dbaas's own.
  const { stringify } = await import('yaml')
  kc.loadFromString(
    stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://auth-provider.invalid', 'insecure-skip-tls-verify': true } }],
      users: [{ name: userName || 'u', user: { 'auth-provider': user['auth-provider'] } }],
      contexts: [{ name: 'c', context: { cluster: 'c', user: userName || 'u' } }],
      'current-context': 'c',
    }),
  )
  const opts: https.RequestOptions = {}
  try {
    await kc.applyToHTTPSOptions(opts)
  } catch (err) {
    throw new ClusterError('unauthorized', `the ${cfg.user.authProvider} auth-provider failed: ${(err as Error)?.message?.split('\n')[0] ?? String(err)}`, {
      hint: 'log in again with your identity provider',
      cause: err,
    })
  }
  const auth = (opts.headers as Record<string, unknown> | undefined)?.Authorization
  return {
    source: 'authProvider',
    ...(typeof auth === 'string' ? { authorization: auth } : {}),
    ...(opts.cert ? { cert: opts.cert as Buffer } : {}),
    ...(opts.key ? { key: opts.key as Buffer } : {}),
  }
}

const connections = new WeakMap<ResolvedConfig, Connection>()

/** One Connection per resolved kubeconfig, so the plain transport and the client library share credentials. */
export function connectionFor(cfg: ResolvedConfig, opts?: ConnectionOptions): Connection {
  let c = connections.get(cfg)
  if (!c) {
    c = new Connection(cfg, opts)
    connections.set(cfg, c)
  }
  return c
}

export interface ServerTrust {
  /**
   * kubeconfig: its certificate-authority verifies the server; node: Node's own CAs do; system: only the OS
   * trust store does (dbaas and kubectl trust it, other Node programs need --use-system-ca); untrusted: none;
   * insecure: insecure-skip-tls-verify is set; http: the server is not TLS.
   */
  verdict: 'kubeconfig' | 'node' | 'system' | 'untrusted' | 'insecure' | 'http'
  /** Why the chain or the name did not verify (untrusted only). */
  reason?: string
}

function rawSocket(cfg: ResolvedConfig, host: string, port: number, timeoutMs: number): Promise<Duplex> {
  const proxy = cfg.cluster.proxy?.url
  if (proxy) {
    return new Promise((resolve, reject) => openTunnel(proxy, host, port, timeoutMs, (err, s) => (err || !s ? reject(err) : resolve(s)), cfg.cluster.caData))
  }
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port })
    s.setTimeout(timeoutMs, () => s.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })))
    s.once('connect', () => {
      s.setTimeout(0)
      resolve(s)
    })
    s.once('error', reject)
  })
}

/** One TLS handshake that does not reject: did the chain verify against `ca`, and does the certificate name the server? */
async function verifyWith(cfg: ResolvedConfig, ca: tls.SecureContextOptions['ca'], timeoutMs: number): Promise<{ ok: boolean; reason?: string }> {
  const url = new URL(cfg.cluster.server)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const port = Number(url.port || 443)
  const socket = await rawSocket(cfg, host, port, timeoutMs)
  const name = cfg.cluster.tlsServerName ?? host
  return new Promise((resolve, reject) => {
    const s = tls.connect({ socket, ca, rejectUnauthorized: false, ...(net.isIP(name) ? {} : { servername: name }) })
    s.setTimeout(timeoutMs, () => s.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })))
    s.once('error', reject)
    s.once('secureConnect', () => {
      // Node checks the name itself when it verifies (ERR_TLS_CERT_ALTNAME_INVALID); say which names the certificate has.
      const chainError = s.authorized ? undefined : String(s.authorizationError ?? 'not verified')
      const nameError = !chainError || chainError === 'ERR_TLS_CERT_ALTNAME_INVALID' ? tls.checkServerIdentity(name, s.getPeerCertificate()) : undefined
      s.destroy()
      resolve(nameError ? { ok: false, reason: nameError.message } : chainError ? { ok: false, reason: chainError } : { ok: true })
    })
  })
}

/**
 * Whether the API server's certificate verifies against what dbaas (and Node) trust, for `dbaas doctor`. Network
 * failures reject with the same ClusterError a request would.
 */
export async function checkServerTrust(cfg: ResolvedConfig, opts: { timeoutMs?: number } = {}): Promise<ServerTrust> {
  const timeoutMs = opts.timeoutMs ?? 10_000
  if (new URL(cfg.cluster.server).protocol !== 'https:') return { verdict: 'http' }
  if (cfg.cluster.insecureSkipTLSVerify) return { verdict: 'insecure' }
  const { networkError } = await import('./errors.ts')
  try {
    if (cfg.cluster.caData) {
      const r = await verifyWith(cfg, cfg.cluster.caData, timeoutMs)
      return r.ok ? { verdict: 'kubeconfig' } : { verdict: 'untrusted', ...(r.reason ? { reason: r.reason } : {}) }
    }
    const node = await verifyWith(cfg, tls.getCACertificates('default'), timeoutMs)
    if (node.ok) return { verdict: 'node' }
    const system = await verifyWith(cfg, tls.getCACertificates('system'), timeoutMs)
    if (system.ok) return { verdict: 'system' }
    return { verdict: 'untrusted', ...(node.reason ? { reason: node.reason } : {}) }
  } catch (err) {
    throw networkError(err, cfg.cluster.server)
  }
}
