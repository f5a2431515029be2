// A small HTTP transport for the Kubernetes API. Listing and reading are the hot path of every command,
// and @kubernetes/client-node costs 130–170 ms to import before the first request (see bench/), so plain
// requests go through node:https (node:http for an http:// server such as `kubectl proxy`) with what
// connection.ts makes of the kubeconfig: TLS material, credentials (exec plugins included), impersonation
// headers and the proxy. The client library is loaded only for auth-provider plugins and the WebSocket
// streams of exec and port-forward.
import type * as Http from 'node:http'
import https from 'node:https'
import { URL } from 'node:url'
import type { ResolvedConfig } from './kubeconfig.ts'
import { apiError, networkError } from './errors.ts'
import { connectionFor, type Connection, type Material } from './connection.ts'
import { headerLines, isImpersonationHeader, traceBody } from './trace.ts'

// Not `import http from 'node:http'`: building that module's ESM facade reads its lazy WebSocket getters,
// which load Node's bundled undici (≈ 100 ms on every command). The CommonJS object has no such cost.
const http = process.getBuiltinModule('node:http')

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

export interface HttpTransportOptions {
  timeoutMs?: number
  /** kubectl's -v: 6 logs each request (method, URL, status, latency, impersonation), 7 its headers, 8 bodies. */
  verbosity?: number
  /** Where trace lines go (stderr by default). */
  log?: (line: string) => void
  /** The old DBAAS_TRACE format (`[api] METHOD path`), kept as an alias until it is removed. */
  trace?: (line: string) => void
  /** The connection to use (tests); by default the one shared with the client library for this config. */
  connection?: Connection
  /** How long to wait at most for one Retry-After (tests shorten it). */
  maxRetryWaitMs?: number
}

/** Requests that may be sent twice: reads and deletes. POST and PATCH (and PUT) are never retried on 429/503. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'DELETE'])
const MAX_ATTEMPTS = 5

interface Answer {
  status: number
  statusText: string
  headers: Http.IncomingHttpHeaders
}

function httpCode(err: unknown): number | undefined {
  return (err as { details?: { httpCode?: number } })?.details?.httpCode
}

export class HttpTransport implements Transport {
  readonly server: string
  requestCount = 0
  private readonly timeoutMs: number
  private readonly trace: ((line: string) => void) | undefined
  private readonly verbosity: number
  private readonly log: (line: string) => void
  private readonly conn: Connection
  private readonly maxRetryWaitMs: number

  constructor(cfg: ResolvedConfig, opts: HttpTransportOptions = {}) {
    this.server = cfg.cluster.server
    this.timeoutMs = opts.timeoutMs ?? 30_000
    this.trace = opts.trace
    this.verbosity = opts.verbosity ?? 0
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`))
    this.conn = opts.connection ?? connectionFor(cfg)
    this.maxRetryWaitMs = opts.maxRetryWaitMs ?? 10_000
  }

  private url(path: string, query?: RequestOptions['query']): URL {
    const url = new URL(this.server + path)
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v))
    }
    return url
  }

  /**
   * Sends a request; on a 401 with refreshable credentials (an exec plugin, a token file) gets new ones and
   * sends it once more. A 429 or 503 (the API server busy, or a resource's storage re-initialising after a CRD
   * change) is retried after its Retry-After, a few times, for reads and deletes only: a POST or PATCH may
   * have been acted on, and sending it again could report dbaas's own write as a conflict.
   */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return this.withRetries(method, opts, (m) => this.once<T>(method, path, opts, m))
  }

  async stream(path: string, opts: RequestOptions, onChunk: (chunk: Buffer) => void): Promise<void> {
    return this.withRetries('GET', opts, (m) => this.openStream(path, opts, onChunk, m))
  }

  private async withRetries<T>(method: string, opts: RequestOptions, send: (m: Material) => Promise<T>): Promise<T> {
    let refreshed = false
    for (let attempt = 1; ; attempt++) {
      const m = await this.conn.material()
      try {
        return await send(m)
      } catch (err) {
        const code = httpCode(err)
        if (code === 401 && !refreshed && (await this.conn.refreshAfter401(m))) {
          refreshed = true
          attempt--
          continue
        }
        const info = (err as { details?: { retryAfter?: number } }).details
        if (attempt >= MAX_ATTEMPTS || (code !== 429 && code !== 503) || !IDEMPOTENT.has(method) || opts.signal?.aborted) throw err
        const waitMs = Math.min(Math.max(info?.retryAfter ?? 1, 1) * 1000, this.maxRetryWaitMs)
        await sleep(waitMs, opts.signal)
      }
    }
  }

  private headersFor(m: Material, opts: RequestOptions, body: Buffer | undefined): Http.OutgoingHttpHeaders {
    return {
      ...m.headers,
      Accept: opts.accept ?? 'application/json',
      'User-Agent': 'dbaas',
      ...(body ? { 'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': body.length } : {}),
    }
  }

  private traceRequest(method: string, url: URL, headers: Http.OutgoingHttpHeaders, body: Buffer | undefined, path: string): void {
    this.requestCount++
    this.trace?.(`${method} ${url.pathname}${url.search}`)
    if (this.verbosity >= 7) {
      this.log(`${method} ${url.href}`)
      this.log('Request Headers:')
      for (const l of headerLines(headers as Record<string, string | string[] | number | undefined>)) this.log(l)
    }
    if (this.verbosity >= 8 && body) this.log(`Request Body: ${traceBody(body, path, this.verbosity)}`)
  }

  private traceAnswer(method: string, url: URL, headers: Http.OutgoingHttpHeaders, started: number, answer: Answer | undefined, err?: unknown): void {
    if (this.verbosity < 6) return
    const ms = Math.round(performance.now() - started)
    const status = answer ? `${answer.status} ${answer.statusText}` : `(${(err as NodeJS.ErrnoException)?.code ?? (err as Error)?.message ?? 'failed'})`
    this.log(`${method} ${url.href} ${status} in ${ms} milliseconds`)
    // At 6 only the impersonation headers (who dbaas acts as); from 7 all headers were printed above.
    if (this.verbosity === 6) {
      for (const l of headerLines(headers as Record<string, string | string[] | number | undefined>, isImpersonationHeader)) this.log(l)
    }
  }

  private send(url: URL, options: Http.RequestOptions, m: Material, onResponse: (res: Http.IncomingMessage) => void): Http.ClientRequest {
    return (m.secure ? https : http).request(url, options, onResponse)
  }

  private once<T>(method: string, path: string, opts: RequestOptions, m: Material): Promise<T> {
    const url = this.url(path, opts.query)
    const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body))
    const headers = this.headersFor(m, opts, body)
    this.traceRequest(method, url, headers, body, path)
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs
    const started = performance.now()
    return new Promise<T>((resolve, reject) => {
      const fail = (err: unknown) => {
        this.traceAnswer(method, url, headers, started, undefined, err)
        reject(networkError(err, this.server))
      }
      const req = this.send(url, { method, agent: m.agent, headers, ...(opts.signal ? { signal: opts.signal } : {}) }, m, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', fail)
        res.on('end', () => {
          const raw = Buffer.concat(chunks)
          const text = raw.toString('utf8')
          const status = res.statusCode ?? 0
          this.traceAnswer(method, url, headers, started, { status, statusText: res.statusMessage ?? '', headers: res.headers })
          if (this.verbosity >= 8) this.log(`Response Body: ${traceBody(raw, path, this.verbosity)}`)
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
      })
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => {
          req.destroy(Object.assign(new Error(`request timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }))
        })
      }
      req.on('error', fail)
      if (body) req.write(body)
      req.end()
    })
  }

  private openStream(path: string, opts: RequestOptions, onChunk: (chunk: Buffer) => void, m: Material): Promise<void> {
    const url = this.url(path, opts.query)
    const headers = this.headersFor(m, opts, undefined)
    this.traceRequest('GET', url, headers, undefined, path)
    const started = performance.now()
    return new Promise<void>((resolve, reject) => {
      const req = this.send(url, { method: 'GET', agent: m.streamAgent, headers, ...(opts.signal ? { signal: opts.signal } : {}) }, m, (res) => {
        const status = res.statusCode ?? 0
        this.traceAnswer('GET', url, headers, started, { status, statusText: res.statusMessage ?? '', headers: res.headers })
        if (status < 200 || status >= 300) {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            if (this.verbosity >= 8) this.log(`Response Body: ${traceBody(text, path, this.verbosity)}`)
            const err = apiError(status, text, 'GET', path)
            const retryAfter = Number(res.headers['retry-after'])
            if (Number.isFinite(retryAfter) && err.details) err.details.retryAfter = retryAfter
            reject(err)
          })
          return
        }
        res.on('data', onChunk)
        res.on('error', (err) => reject(networkError(err, this.server)))
        res.on('end', () => resolve())
        res.on('close', () => resolve())
      })
      req.on('error', (err) => {
        if (opts.signal?.aborted) resolve()
        else {
          this.traceAnswer('GET', url, headers, started, undefined, err)
          reject(networkError(err, this.server))
        }
      })
      req.end()
    })
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
