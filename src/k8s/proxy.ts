// Proxies, as client-go chooses and uses them. A cluster's `proxy-url` wins; otherwise HTTPS_PROXY/HTTP_PROXY
// and NO_PROXY apply with Go's rules (golang.org/x/net/http/httpproxy): the upper-case name first, a value
// without a scheme is http://, localhost and loopback addresses are never proxied, and NO_PROXY entries are
// `*`, IPs, CIDRs, domains (matching the domain and its subdomains; a leading "." or "*." only subdomains),
// each optionally with a port. The tunnel itself is an HTTP CONNECT (to an http:// or https:// proxy) or a
// SOCKS5 CONNECT, opened inside an http(s).Agent so that plain requests, watches and the client library's
// WebSockets all go the same way.
import type * as Http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import { ClusterError } from '../errors.ts'

// Not `import http from 'node:http'`: building that module's ESM facade reads its lazy WebSocket getters,
// which load Node's bundled undici (≈ 100 ms on every command). The CommonJS object has no such cost.
const http = process.getBuiltinModule('node:http')

export interface ProxyChoice {
  /** The proxy URL (credentials included when given: used for Proxy-Authorization / SOCKS auth). */
  url: string
  /** Where it came from: the kubeconfig's proxy-url or an environment variable's name. */
  source: string
}

const SCHEMES = new Set(['http:', 'https:', 'socks5:'])

/** The proxy URL without user:password, for messages and traces. */
export function displayProxy(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    return u.href.replace(/\/$/, '')
  } catch {
    return '(unparseable proxy URL)'
  }
}

/** A kubeconfig proxy-url: http, https or socks5 (client-go's parseProxyURL), or a kubeconfig error. */
export function parseProxyUrl(raw: string, where: string): URL {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    throw new ClusterError('kubeconfig', `${where}: proxy-url "${raw}" is not a URL`, {
      hint: 'write it as http://host:port, https://host:port or socks5://host:port',
    })
  }
  if (!SCHEMES.has(u.protocol) || u.hostname === '') {
    throw new ClusterError('kubeconfig', `${where}: proxy-url scheme "${u.protocol.replace(/:$/, '')}" is not supported`, {
      hint: 'kubectl and dbaas accept http://, https:// and socks5:// proxies',
    })
  }
  return u
}

/** An environment proxy value as Go reads it: a URL with a known scheme, else "http://" + the value. */
function parseEnvProxy(raw: string): URL | undefined {
  try {
    const u = new URL(raw)
    if (SCHEMES.has(u.protocol) && u.hostname !== '') return u
  } catch {
    // fall through: Go prepends http://
  }
  try {
    const u = new URL(`http://${raw}`)
    return u.hostname === '' ? undefined : u
  } catch {
    return undefined
  }
}

function envAny(env: NodeJS.ProcessEnv, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]
    if (value !== undefined && value !== '') return { name, value }
  }
  return undefined
}

/** The bare host of a URL (IPv6 without brackets), lower-cased. */
function bareHost(u: URL): string {
  return u.hostname.replace(/^\[|\]$/g, '').toLowerCase()
}

function defaultPort(u: URL): string {
  return u.port !== '' ? u.port : u.protocol === 'https:' ? '443' : u.protocol === 'socks5:' ? '1080' : '80'
}

function isLoopback(ip: string): boolean {
  const c = canonicalIp(ip)
  return c.v4 ? c.n >> 24n === 127n : c.n === 1n
}

function ipToBigInt(ip: string): bigint {
  if (net.isIPv4(ip)) return ip.split('.').reduce((acc, p) => (acc << 8n) + BigInt(Number(p)), 0n)
  // IPv6: expand "::" and an embedded IPv4 tail.
  let s = ip
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (v4) {
    const n = ipToBigInt(v4[1]!)
    s = s.slice(0, -v4[1]!.length) + `${((n >> 16n) & 0xffffn).toString(16)}:${(n & 0xffffn).toString(16)}`
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined]
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || '0', 16)), 0n)
}

/** The same IP in a comparable form: IPv4-mapped IPv6 compares equal to its IPv4 address (Go's net.IP.Equal). */
function canonicalIp(ip: string): { v4: boolean; n: bigint } {
  if (net.isIPv6(ip)) {
    const n = ipToBigInt(ip)
    if (n >> 32n === 0xffffn) return { v4: true, n: n & 0xffffffffn }
    return { v4: false, n }
  }
  return { v4: true, n: ipToBigInt(ip) }
}

interface Cidr {
  v4: boolean
  n: bigint
  bits: number
}

/** Go's net.ParseCIDR: "ip/bits" with bits within the address width. */
function parseCidr(s: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s)
  if (!m || net.isIP(m[1]!) === 0) return undefined
  const v4 = net.isIPv4(m[1]!)
  const bits = Number(m[2])
  if (bits > (v4 ? 32 : 128)) return undefined
  return { v4, n: ipToBigInt(m[1]!), bits }
}

function cidrContains(c: Cidr, ip: string): boolean {
  const b = canonicalIp(ip)
  // An IPv4 network holds IPv4 (and IPv4-mapped) addresses; an IPv6 network IPv6 ones.
  if (c.v4 !== b.v4) return false
  const shift = BigInt((c.v4 ? 32 : 128) - c.bits)
  return c.n >> shift === b.n >> shift
}

/** Splits "host:port" / "[v6]:port" as Go's net.SplitHostPort; undefined when there is no port. */
function splitHostPort(s: string): { host: string; port: string } | undefined {
  const br = /^\[([^\]]*)\]:(\d*)$/.exec(s)
  if (br) return { host: br[1]!, port: br[2]! }
  const i = s.lastIndexOf(':')
  if (i < 0 || s.indexOf(':') !== i) return undefined
  return { host: s.slice(0, i), port: s.slice(i + 1) }
}

/** Whether NO_PROXY (Go's rules) says the target `u` must be reached directly. Loopback never uses a proxy. */
export function bypassProxy(u: URL, noProxy: string): boolean {
  const host = bareHost(u)
  const port = defaultPort(u)
  if (host === 'localhost') return true
  const ip = net.isIP(host) !== 0 ? host : undefined
  if (ip && isLoopback(ip)) return true
  for (const raw of noProxy.split(',')) {
    const p = raw.trim().toLowerCase()
    if (p === '') continue
    if (p === '*') return true
    const cidr = parseCidr(p)
    if (cidr) {
      if (ip && cidrContains(cidr, ip)) return true
      continue
    }
    let phost = p
    let pport = ''
    const hp = splitHostPort(p)
    if (hp) {
      if (hp.host === '') continue
      phost = hp.host
      pport = hp.port
    }
    if (net.isIP(phost) !== 0) {
      if (ip) {
        const a = canonicalIp(phost)
        const b = canonicalIp(ip)
        if (a.v4 === b.v4 && a.n === b.n && (pport === '' || pport === port)) return true
      }
      continue
    }
    if (phost === '') continue
    if (phost.startsWith('*.')) phost = phost.slice(1)
    let matchHost = false
    if (!phost.startsWith('.')) {
      matchHost = true
      phost = `.${phost}`
    }
    if (host.endsWith(phost) || (matchHost && host === phost.slice(1))) {
      if (pport === '' || pport === port) return true
    }
  }
  return false
}

/**
 * The proxy for a cluster: its kubeconfig proxy-url if set, else the environment's (HTTPS_PROXY for https://
 * servers, HTTP_PROXY for http://) unless NO_PROXY or loopback says otherwise; undefined means direct.
 */
export function chooseProxy(server: string, proxyUrl: string | undefined, env: NodeJS.ProcessEnv, where = 'kubeconfig'): ProxyChoice | undefined {
  if (proxyUrl !== undefined && proxyUrl !== '') {
    return { url: parseProxyUrl(proxyUrl, where).href, source: 'proxy-url' }
  }
  const target = new URL(server)
  const pick = target.protocol === 'https:' ? envAny(env, 'HTTPS_PROXY', 'https_proxy') : envAny(env, 'HTTP_PROXY', 'http_proxy')
  if (!pick) return undefined
  // Go refuses HTTP_PROXY inside a CGI handler (REQUEST_METHOD set): a client could have set it.
  if (target.protocol === 'http:' && env.REQUEST_METHOD) return undefined
  const u = parseEnvProxy(pick.value)
  if (!u) return undefined
  if (bypassProxy(target, envAny(env, 'NO_PROXY', 'no_proxy')?.value ?? '')) return undefined
  return { url: u.href, source: pick.name }
}

/** An error on the way through a proxy: names the proxy, never its credentials. */
export class ProxyError extends Error {
  readonly code: string
  readonly proxy: string
  constructor(message: string, proxy: string, code: string) {
    super(message)
    this.code = code
    this.proxy = proxy
  }
}

function once<T>(fn: (err: Error | null, v?: T) => void): (err: Error | null, v?: T) => void {
  let done = false
  return (err, v) => {
    if (done) return
    done = true
    fn(err, v)
  }
}

/** Reads from a socket until `enough(buf)` says how many bytes make the answer; leaves the rest unread. */
function readAnswer(socket: Duplex, enough: (buf: Buffer) => number | undefined, cb: (err: Error | null, answer?: Buffer) => void): void {
  let buf = Buffer.alloc(0)
  const onData = (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    const n = enough(buf)
    if (n === undefined) {
      if (buf.length > 16 * 1024) finish(new Error('proxy answer too long'))
      return
    }
    finish(null, buf.subarray(0, n), buf.subarray(n))
  }
  const onEnd = () => finish(new Error('the proxy closed the connection'))
  const onError = (err: Error) => finish(err)
  const finish = (err: Error | null, answer?: Buffer, rest?: Buffer) => {
    socket.off('data', onData)
    socket.off('end', onEnd)
    socket.off('close', onEnd)
    socket.off('error', onError)
    socket.pause()
    if (rest && rest.length) socket.unshift(rest)
    cb(err, answer)
  }
  socket.on('data', onData)
  socket.on('end', onEnd)
  socket.on('close', onEnd)
  socket.on('error', onError)
  socket.resume()
}

function connectToProxy(proxy: URL, timeoutMs: number, ca?: tls.SecureContextOptions['ca']): net.Socket {
  const port = Number(defaultPort(proxy))
  const host = bareHost(proxy)
  const s =
    proxy.protocol === 'https:'
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'], ...(ca ? { ca } : {}) })
      : net.connect({ host, port })
  if (timeoutMs > 0) {
    s.setTimeout(timeoutMs, () => s.destroy(Object.assign(new Error('timed out connecting to the proxy'), { code: 'ETIMEDOUT' })))
  }
  return s
}

function httpConnect(proxy: URL, host: string, port: number, socket: Duplex, cb: (err: Error | null) => void): void {
  const authority = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`, 'User-Agent: dbaas']
  if (proxy.username !== '' || proxy.password !== '') {
    const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`
    lines.push(`Proxy-Authorization: Basic ${Buffer.from(cred).toString('base64')}`)
  }
  socket.write(`${lines.join('\r\n')}\r\n\r\n`)
  readAnswer(
    socket,
    (buf) => {
      const i = buf.indexOf('\r\n\r\n')
      return i < 0 ? undefined : i + 4
    },
    (err, answer) => {
      if (err) return cb(err)
      const status = /^HTTP\/1\.[01] (\d{3})([^\r\n]*)/.exec(answer!.toString('latin1'))
      if (!status) return cb(new ProxyError('the proxy did not answer the CONNECT request with HTTP', displayProxy(proxy.href), 'EPROXY'))
      if (status[1] !== '200') {
        return cb(new ProxyError(`the proxy refused the tunnel to ${authority} (${status[1]}${status[2]!.trimEnd()})`, displayProxy(proxy.href), 'EPROXYREFUSED'))
      }
      cb(null)
    },
  )
}

const SOCKS_REPLIES: Record<number, string> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
}

/** SOCKS5 (RFC 1928) CONNECT with no authentication or username/password (RFC 1929); the host goes to the proxy. */
function socksConnect(proxy: URL, host: string, port: number, socket: Duplex, cb: (err: Error | null) => void): void {
  const shown = displayProxy(proxy.href)
  const fail = (msg: string, code = 'EPROXY') => cb(new ProxyError(msg, shown, code))
  const user = decodeURIComponent(proxy.username)
  const pass = decodeURIComponent(proxy.password)
  const methods = user !== '' ? [0x00, 0x02] : [0x00]
  socket.write(Buffer.from([0x05, methods.length, ...methods]))
  readAnswer(socket, (b) => (b.length >= 2 ? 2 : undefined), (err, a) => {
    if (err) return cb(err)
    if (a![0] !== 0x05) return fail('the proxy is not a SOCKS5 server')
    const afterAuth = () => {
      let addr: Buffer
      if (net.isIPv4(host)) addr = Buffer.from([0x01, ...host.split('.').map(Number)])
      else if (net.isIPv6(host)) {
        const n = ipToBigInt(host)
        const b = Buffer.alloc(17)
        b[0] = 0x04
        for (let i = 0; i < 16; i++) b[16 - i] = Number((n >> BigInt(8 * i)) & 0xffn)
        addr = b
      } else {
        const name = Buffer.from(host, 'utf8')
        if (name.length > 255) return fail('host name too long for SOCKS5')
        addr = Buffer.concat([Buffer.from([0x03, name.length]), name])
      }
      const p = Buffer.alloc(2)
      p.writeUInt16BE(port)
      socket.write(Buffer.concat([Buffer.from([0x05, 0x01, 0x00]), addr, p]))
      readAnswer(
        socket,
        (b) => {
          if (b.length < 5) return undefined
          const len = b[3] === 0x01 ? 4 : b[3] === 0x04 ? 16 : 1 + b[4]!
          return b.length >= 4 + len + 2 ? 4 + len + 2 : undefined
        },
        (err2, r) => {
          if (err2) return cb(err2)
          if (r![1] !== 0x00) return fail(`the SOCKS5 proxy refused the connection to ${host}:${port} (${SOCKS_REPLIES[r![1]!] ?? `reply ${r![1]}`})`, 'EPROXYREFUSED')
          cb(null)
        },
      )
    }
    if (a![1] === 0x00) return afterAuth()
    if (a![1] === 0x02 && user !== '') {
      const u = Buffer.from(user)
      const pw = Buffer.from(pass)
      socket.write(Buffer.concat([Buffer.from([0x01, u.length]), u, Buffer.from([pw.length]), pw]))
      return readAnswer(socket, (b) => (b.length >= 2 ? 2 : undefined), (err2, r) => {
        if (err2) return cb(err2)
        if (r![1] !== 0x00) return fail('the SOCKS5 proxy rejected the username and password', 'EPROXYREFUSED')
        afterAuth()
      })
    }
    fail('the SOCKS5 proxy accepts none of the authentication methods dbaas offers', 'EPROXYREFUSED')
  })
}

/**
 * Opens a byte stream to host:port through the proxy; the caller layers TLS on top for https:// servers. An
 * https:// proxy is verified against `proxyCa` when given (as client-go verifies it with the cluster's TLS
 * configuration), else against Node's CAs.
 */
export function openTunnel(
  proxyUrl: string,
  host: string,
  port: number,
  timeoutMs: number,
  cb: (err: Error | null, socket?: Duplex) => void,
  proxyCa?: tls.SecureContextOptions['ca'],
): void {
  const proxy = new URL(proxyUrl)
  const done = once(cb)
  const socket = connectToProxy(proxy, timeoutMs, proxyCa)
  const shown = displayProxy(proxy.href)
  const onError = (err: NodeJS.ErrnoException) => {
    socket.destroy()
    done(err instanceof ProxyError ? err : new ProxyError(err.message, shown, err.code ?? 'EPROXY'))
  }
  socket.once('error', onError)
  const ready = () => {
    const next = (err: Error | null) => {
      if (err) return onError(err as NodeJS.ErrnoException)
      socket.off('error', onError)
      socket.setTimeout(0)
      done(null, socket)
    }
    if (proxy.protocol === 'socks5:') socksConnect(proxy, host, port, socket, next)
    else httpConnect(proxy, host, port, socket, next)
  }
  socket.once(proxy.protocol === 'https:' ? 'secureConnect' : 'connect', ready)
}

type ConnectOptions = Http.ClientRequestArgs & tls.ConnectionOptions
type Callback = (err: Error | null, stream: Duplex) => void

function targetOf(options: ConnectOptions): { host: string; port: number } {
  const host = String(options.host ?? options.hostname ?? 'localhost').replace(/^\[|\]$/g, '')
  return { host, port: Number(options.port) }
}

/** An https.Agent whose connections go through a proxy; TLS to the API server is negotiated inside the tunnel. */
export class HttpsProxyAgent extends https.Agent {
  readonly proxyUrl: string
  private readonly connectTimeoutMs: number
  private readonly proxyCa: tls.SecureContextOptions['ca']

  constructor(proxyUrl: string, opts: https.AgentOptions & { connectTimeoutMs?: number } = {}) {
    super(opts)
    this.proxyUrl = proxyUrl
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 30_000
    this.proxyCa = opts.ca
  }

  override createConnection(options: ConnectOptions, callback?: Callback): Duplex | null | undefined {
    const { host, port } = targetOf(options)
    openTunnel(this.proxyUrl, host, port, this.connectTimeoutMs, (err, socket) => {
      if (err || !socket) return callback?.(err ?? new Error('no tunnel'), undefined as unknown as Duplex)
      const servername = options.servername !== undefined ? options.servername : net.isIP(host) ? undefined : host
      const secure = tls.connect({
        socket,
        ...(servername ? { servername } : {}),
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
        ...(options.cert !== undefined ? { cert: options.cert } : {}),
        ...(options.key !== undefined ? { key: options.key } : {}),
        rejectUnauthorized: options.rejectUnauthorized !== false,
        ALPNProtocols: ['http/1.1'],
      })
      callback?.(null, secure)
    }, this.proxyCa)
    return undefined
  }
}

/** An Http.Agent for http:// servers (kubectl proxy) behind a proxy: a CONNECT tunnel, then plain HTTP. */
export class HttpProxyAgent extends http.Agent {
  readonly proxyUrl: string
  private readonly connectTimeoutMs: number
  private readonly proxyCa: tls.SecureContextOptions['ca']

  constructor(proxyUrl: string, opts: Http.AgentOptions & { connectTimeoutMs?: number; proxyCa?: tls.SecureContextOptions['ca'] } = {}) {
    super(opts)
    this.proxyUrl = proxyUrl
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 30_000
    this.proxyCa = opts.proxyCa
  }

  override createConnection(options: ConnectOptions, callback?: Callback): Duplex | null | undefined {
    const { host, port } = targetOf(options)
    openTunnel(this.proxyUrl, host, port, this.connectTimeoutMs, (err, socket) => {
      if (err || !socket) return callback?.(err ?? new Error('no tunnel'), undefined as unknown as Duplex)
      // The tunnel was paused after the proxy's answer; the server speaks only after our request.
      socket.resume()
      callback?.(null, socket)
    }, this.proxyCa)
    return undefined
  }
}
