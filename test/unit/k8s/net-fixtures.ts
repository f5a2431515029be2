// In-process servers for the transport's unit tests: a throw-away self-signed certificate (openssl), an
// HTTPS "API server" that records what it was sent, an HTTP CONNECT proxy and a SOCKS5 proxy that log their
// tunnels. Real sockets on loopback, nothing mocked.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ResolvedConfig } from '../../../src/k8s/kubeconfig.ts'

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export interface Pki {
  dir: string
  cert: Buffer
  key: Buffer
  certFile: string
}

/** A self-signed certificate for 127.0.0.1, ::1 and localhost. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-net-'))
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost', '-keyout', 'key.pem', '-out', 'cert.pem'],
    { cwd: dir, stdio: 'ignore' },
  )
  return { dir, cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')), certFile: join(dir, 'cert.pem') }
}

export interface Seen {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  /** Header lines as sent (repeated headers stay separate). */
  rawHeaders: string[]
  body: string
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void

export interface TestServer {
  url: string
  port: number
  seen: Seen[]
  close(): Promise<void>
}

/** An HTTPS (or plain HTTP) server on 127.0.0.1 (or ::1) that records each request and hands it to `handler`. */
export async function startServer(handler: Handler, opts: { pki?: Pki; host?: string } = {}): Promise<TestServer> {
  const seen: Seen[] = []
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body })
      handler(req, res, body)
    })
  }
  const server = opts.pki ? https.createServer({ key: opts.pki.key, cert: opts.pki.cert }, onRequest) : http.createServer(onRequest)
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((r) => server.listen(0, host, () => r()))
  const port = (server.address() as AddressInfo).port
  const h = host.includes(':') ? `[${host}]` : host
  return {
    url: `${opts.pki ? 'https' : 'http'}://${h}:${port}`,
    port,
    seen,
    close: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

export interface TestProxy {
  url: string
  port: number
  /** "host:port" of each tunnel opened, in order. */
  tunnels: string[]
  close(): Promise<void>
}

/**
 * An HTTP CONNECT proxy (or, with pki, an https:// one). `auth` requires that Proxy-Authorization;
 * `refuse` answers every CONNECT with that status instead.
 */
export async function startConnectProxy(opts: { auth?: string; refuse?: number; pki?: Pki } = {}): Promise<TestProxy> {
  const tunnels: string[] = []
  const sockets = new Set<net.Socket>()
  const server = opts.pki ? https.createServer({ key: opts.pki.key, cert: opts.pki.cert }) : http.createServer()
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client)
    if (opts.auth !== undefined && req.headers['proxy-authorization'] !== opts.auth) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n')
      return
    }
    if (opts.refuse) {
      client.end(`HTTP/1.1 ${opts.refuse} Refused\r\n\r\n`)
      return
    }
    const target = req.url ?? ''
    tunnels.push(target)
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target)
    const upstream = net.connect({ host: m?.[1] ?? '', port: Number(m?.[2]) }, () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n')
      if (head.length) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as AddressInfo).port
  return {
    url: `${opts.pki ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    tunnels,
    close: async () => {
      for (const s of sockets) s.destroy()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

/** A SOCKS5 proxy (RFC 1928; RFC 1929 username/password when `auth` is given). */
export async function startSocksProxy(opts: { auth?: { user: string; pass: string } } = {}): Promise<TestProxy> {
  const tunnels: string[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((c) => {
    sockets.add(c)
    c.on('error', () => c.destroy())
    let buf = Buffer.alloc(0)
    let stage: 'greet' | 'auth' | 'request' | 'open' = 'greet'
    c.on('data', (chunk) => {
      if (stage === 'open') return
      buf = Buffer.concat([buf, chunk])
      if (stage === 'greet') {
        if (buf.length < 2 || buf.length < 2 + buf[1]!) return
        const methods = [...buf.subarray(2, 2 + buf[1]!)]
        buf = buf.subarray(2 + buf[1]!)
        if (opts.auth) {
          if (!methods.includes(2)) return void c.end(Buffer.from([5, 0xff]))
          c.write(Buffer.from([5, 2]))
          stage = 'auth'
        } else {
          c.write(Buffer.from([5, 0]))
          stage = 'request'
        }
      }
      if (stage === 'auth') {
        if (buf.length < 2) return
        const ul = buf[1]!
        if (buf.length < 3 + ul) return
        const pl = buf[2 + ul]!
        if (buf.length < 3 + ul + pl) return
        const user = buf.subarray(2, 2 + ul).toString()
        const pass = buf.subarray(3 + ul, 3 + ul + pl).toString()
        buf = buf.subarray(3 + ul + pl)
        const ok = user === opts.auth!.user && pass === opts.auth!.pass
        c.write(Buffer.from([1, ok ? 0 : 1]))
        if (!ok) return void c.end()
        stage = 'request'
      }
      if (stage === 'request') {
        if (buf.length < 5) return
        const atyp = buf[3]!
        const len = atyp === 1 ? 4 : atyp === 4 ? 16 : 1 + buf[4]!
        if (buf.length < 4 + len + 2) return
        const host =
          atyp === 1
            ? [...buf.subarray(4, 8)].join('.')
            : atyp === 3
              ? buf.subarray(5, 5 + buf[4]!).toString()
              : Array.from({ length: 8 }, (_, i) => buf.readUInt16BE(4 + 2 * i).toString(16)).join(':')
        const port = buf.readUInt16BE(4 + len)
        const rest = buf.subarray(4 + len + 2)
        stage = 'open'
        tunnels.push(`${host}:${port}`)
        const upstream = net.connect({ host: host === 'localhost' ? '127.0.0.1' : host, port }, () => {
          c.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
          if (rest.length) upstream.write(rest)
          upstream.pipe(c)
          c.pipe(upstream)
        })
        sockets.add(upstream)
        upstream.on('error', () => c.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])))
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as AddressInfo).port
  return {
    url: `socks5://127.0.0.1:${port}`,
    port,
    tunnels,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise((r) => server.close(r))
    },
  }
}

/** A resolved config for a test server (no kubeconfig file involved). */
export function configFor(server: string, o: { cluster?: Partial<ResolvedConfig['cluster']>; user?: Partial<ResolvedConfig['user']> } = {}): ResolvedConfig {
  return {
    files: [],
    contextName: 't',
    contextNamespace: 'default',
    namespaceExplicit: false,
    namespace: 'default',
    cluster: { server, insecureSkipTLSVerify: false, ...o.cluster },
    user: { needsPlugin: false, ...o.user },
    raw: { clusters: [], users: [], contexts: [] },
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function failure<E = Error & { code?: string; exitCode?: number; hint?: string }>(p: Promise<unknown>): Promise<E> {
  try {
    await p
  } catch (err) {
    return err as E
  }
  throw new Error('expected a rejection')
}
