// A small HTTPS transport for the Kubernetes API. Listing and reading are the hot path of every command,
// and @kubernetes/client-node costs 130–170 ms to import before the first request (see bench/), so plain
// requests go through node:https with the kubeconfig's TLS material. The client library is still used,
// lazily, for what it does better: exec/auth-provider credential plugins, port-forward and exec streams.
import https from 'node:https'
import { URL } from 'node:url'
import type { ResolvedConfig } from './kubeconfig.ts'
import { ClusterError } from '../errors.ts'
import { apiError, networkError } from './errors.ts'
import { clientNode } from './client-node.ts'

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>
  body?: unknown
  contentType?: string
  accept?: string
  /** Overrides the client's per-request timeout; 0 disables it (streams). */
  timeoutMs?: number
  signal?: AbortSignal
}

export interface Transport {
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<T>
  /** Opens a streaming GET and calls onChunk for each chunk of the body; resolves when the stream ends. */
  stream(path: string, opts: RequestOptions, onChunk: (chunk: Buffer) => void): Promise<void>
  readonly server: string
  /** How many requests this transport has sent (for `DBAAS_TRACE` and the benchmarks). */
  readonly requestCount: number
}

interface AuthMaterial {
  /** Plain requests share one kept-alive connection: one TLS handshake per command (measured in bench/). */
  agent: https.Agent
  /** Watches and log streams hold a connection each. */
  streamAgent: https.Agent
  headers: Record<string, string>
}

export class HttpTransport implements Transport {
  readonly server: string
  requestCount = 0
  private auth: Promise<AuthMaterial> | undefined
  private readonly cfg: ResolvedConfig
  private readonly timeoutMs: number
  private readonly trace: ((line: string) => void) | undefined

  constructor(cfg: ResolvedConfig, opts: { timeoutMs?: number; trace?: (line: string) => void } = {}) {
    this.cfg = cfg
    this.server = cfg.cluster.server
    this.timeoutMs = opts.timeoutMs ?? 30_000
    this.trace = opts.trace
  }

  private material(): Promise<AuthMaterial> {
    this.auth ??= buildAuth(this.cfg)
    return this.auth
  }

  private url(path: string, query?: RequestOptions['query']): URL {
    const url = new URL(this.server + path)
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v))
    }
    return url
  }

  /**
   * Like client-go: a 429 or 503 (the API server busy, or a resource's storage re-initialising after a CRD
   * change) is retried after its Retry-After, a few times, before it becomes the caller's error. Writes are
   * retried too: the server answered before acting on them.
   */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(method, path, opts)
      } catch (err) {
        const info = (err as { details?: { httpCode?: number; retryAfter?: number } }).details
        if (attempt >= 5 || (info?.httpCode !== 429 && info?.httpCode !== 503) || opts.signal?.aborted) throw err
        const waitS = Math.min(Math.max(info.retryAfter ?? 1, 1), 10)
        await new Promise((r) => setTimeout(r, waitS * 1000))
      }
    }
  }

  private async once<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    const { agent, headers } = await this.material()
    const url = this.url(path, opts.query)
    const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body))
    this.requestCount++
    this.trace?.(`${method} ${url.pathname}${url.search}`)
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs
    return new Promise<T>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method,
          agent,
          headers: {
            ...headers,
            Accept: opts.accept ?? 'application/json',
            'User-Agent': 'dbaas',
            ...(body ? { 'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': body.length } : {}),
          },
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', (err) => reject(networkError(err, this.server)))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            const status = res.statusCode ?? 0
            if (status >= 200 && status < 300) {
              try {
                resolve((text === '' ? undefined : JSON.parse(text)) as T)
              } catch {
                reject(apiError(status, text, method, path))
              }
            } else {
              const err = apiError(status, text, method, path)
              const retryAfter = Number(res.headers['retry-after'])
              if (Number.isFinite(retryAfter) && err.details) err.details.retryAfter = retryAfter
              reject(err)
            }
          })
        },
      )
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => {
          req.destroy(Object.assign(new Error(`request timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }))
        })
      }
      req.on('error', (err) => reject(networkError(err, this.server)))
      if (body) req.write(body)
      req.end()
    })
  }

  async stream(path: string, opts: RequestOptions, onChunk: (chunk: Buffer) => void): Promise<void> {
    const { streamAgent: agent, headers } = await this.material()
    const url = this.url(path, opts.query)
    this.requestCount++
    this.trace?.(`GET ${url.pathname}${url.search}`)
    return new Promise<void>((resolve, reject) => {
      const req = https.request(
        url,
        {
          method: 'GET',
          agent,
          headers: { ...headers, Accept: opts.accept ?? 'application/json', 'User-Agent': 'dbaas' },
          ...(opts.signal ? { signal: opts.signal } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0
          if (status < 200 || status >= 300) {
            const chunks: Buffer[] = []
            res.on('data', (c: Buffer) => chunks.push(c))
            res.on('end', () => reject(apiError(status, Buffer.concat(chunks).toString('utf8'), 'GET', path)))
            return
          }
          res.on('data', onChunk)
          res.on('error', (err) => reject(networkError(err, this.server)))
          res.on('end', () => resolve())
          res.on('close', () => resolve())
        },
      )
      req.on('error', (err) => {
        if (opts.signal?.aborted) resolve()
        else reject(networkError(err, this.server))
      })
      req.end()
    })
  }
}

async function buildAuth(cfg: ResolvedConfig): Promise<AuthMaterial> {
  const headers: Record<string, string> = {}
  const agentOpts: https.AgentOptions = {
    keepAlive: true,
    rejectUnauthorized: !cfg.cluster.insecureSkipTLSVerify,
  }
  if (cfg.cluster.caData) agentOpts.ca = cfg.cluster.caData
  if (cfg.cluster.tlsServerName) agentOpts.servername = cfg.cluster.tlsServerName
  if (cfg.user.needsPlugin) {
    // exec and auth-provider plugins (cloud IAM, OIDC): let the standard client run them.
    const { kc } = await clientNode(cfg)
    const opts: https.RequestOptions = {}
    await kc.applyToHTTPSOptions(opts)
    if (opts.cert) agentOpts.cert = opts.cert
    if (opts.key) agentOpts.key = opts.key
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (typeof v === 'string') headers[k] = v
    }
  } else {
    if (cfg.user.certData) agentOpts.cert = cfg.user.certData
    if (cfg.user.keyData) agentOpts.key = cfg.user.keyData
    if (cfg.user.token) headers.Authorization = `Bearer ${cfg.user.token}`
    else if (cfg.user.username !== undefined && cfg.user.password !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${cfg.user.username}:${cfg.user.password}`).toString('base64')}`
    }
  }
  const url = new URL(cfg.cluster.server)
  if (url.protocol !== 'https:') {
    throw new ClusterError('kubeconfig', `the cluster server ${cfg.cluster.server} is not an https:// URL`, {
      hint: 'dbaas talks to the API server over TLS only; fix the server in your kubeconfig',
    })
  }
  // On a 2-core machine, three parallel TLS handshakes with client certificates cost more than three
  // sequential requests on one connection (bench/cli.bench.ts: 0.10 s against 0.20 s for a small list).
  return { agent: new https.Agent({ ...agentOpts, maxSockets: 1 }), streamAgent: new https.Agent(agentOpts), headers }
}
