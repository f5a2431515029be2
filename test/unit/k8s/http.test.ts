// HttpTransport against a local HTTPS server (a throw-away self-signed certificate made with openssl):
// TLS material and the bearer token are used, and no error ever carries headers, tokens or query strings.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterError, type DbaasError } from '../../../src/errors.ts'
import { HttpTransport } from '../../../src/k8s/http.ts'
import type { ResolvedConfig } from '../../../src/k8s/kubeconfig.ts'

const TOKEN = 'sekret-bearer-token-123'

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<DbaasError> {
  try {
    await p
  } catch (err) {
    return err as DbaasError
  }
  throw new Error('expected a rejection')
}

let hasOpenssl = true
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' })
} catch {
  hasOpenssl = false
}

interface Seen {
  method: string
  url: string
  auth: string | undefined
  accept: string | undefined
  body: string
}

function config(server: string, o: Partial<ResolvedConfig['cluster']> = {}): ResolvedConfig {
  return {
    files: [],
    contextName: 't',
    contextNamespace: 'default',
    namespaceExplicit: false,
    namespace: 'default',
    cluster: { server, insecureSkipTLSVerify: false, ...o },
    user: { needsPlugin: false, token: TOKEN },
    raw: { clusters: [], users: [], contexts: [] },
  }
}

describe.skipIf(!hasOpenssl)('HttpTransport over TLS', () => {
  let dir: string
  let ca: Buffer
  let server: https.Server
  let base: string
  const seen: Seen[] = []
  let busy = 0

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dbaas-http-'))
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', 'key.pem', '-out', 'cert.pem'],
      { cwd: dir, stdio: 'ignore' },
    )
    ca = readFileSync(join(dir, 'cert.pem'))
    server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, (req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, accept: req.headers.accept, body })
        const path = (req.url ?? '').split('?')[0]
        if (path === '/ok') {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hello: 'world' }))
        } else if (path === '/forbidden') {
          res.writeHead(403, { 'content-type': 'application/json', 'x-echo-auth': req.headers.authorization ?? '' })
          res.end(JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'secrets is forbidden: User "dev" cannot list resource "secrets"' }))
        } else if (path === '/html') {
          res.writeHead(502, { 'content-type': 'text/html' }).end(`<html>bad gateway ${req.headers.authorization}</html>`)
        } else if (path === '/stream') {
          res.writeHead(200)
          res.write('one\n')
          setTimeout(() => res.end('two\n'), 5)
        } else if (path === '/busy-then-ok') {
          // Busy twice (storage re-initialising), then fine: the transport retries after Retry-After.
          busy++
          if (busy <= 2) res.writeHead(429, { 'retry-after': '1' }).end(JSON.stringify({ kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'storage is (re)initializing' }))
          else res.writeHead(200).end('{"ok":true}')
        } else if (path === '/always-busy') {
          res.writeHead(429, { 'retry-after': '1' }).end(JSON.stringify({ kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'too many requests' }))
        } else if (path === '/slow') {
          setTimeout(() => res.writeHead(200).end('{}'), 500)
        } else {
          res.writeHead(404).end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'nope' }))
        }
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    server?.closeAllConnections()
    await new Promise((r) => server?.close(r))
    rmSync(dir, { recursive: true, force: true })
  })

  it('retries a 429 after its Retry-After, and gives up after five answers', async () => {
    const t = new HttpTransport(config(base, { caData: ca }))
    const t0 = Date.now()
    expect(await t.request('GET', '/busy-then-ok')).toEqual({ ok: true })
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900)
    expect(t.requestCount).toBe(3)
    const e = await failure(t.request('GET', '/always-busy'))
    expect(e.message).toContain('429')
    expect(t.requestCount).toBe(8)
  }, 20_000)

  it('sends the bearer token, JSON body and query; parses JSON; counts requests', async () => {
    const t = new HttpTransport(config(base, { caData: ca }))
    const v = await t.request('POST', '/ok', { query: { a: 'x y', skip: undefined, n: 2 }, body: { k: 'v' } })
    expect(v).toEqual({ hello: 'world' })
    const s = seen.at(-1)!
    expect(s).toMatchObject({ method: 'POST', url: '/ok?a=x+y&n=2', auth: `Bearer ${TOKEN}`, accept: 'application/json', body: '{"k":"v"}' })
    expect(t.requestCount).toBe(1)
  })

  it('403 → ClusterError forbidden with the Status message; no token, header or query string in it', async () => {
    const t = new HttpTransport(config(base, { caData: ca }))
    const err = await failure(t.request('GET', '/forbidden', { query: { labelSelector: 'app=x', token: 'q-secret' } }))
    expect(err).toBeInstanceOf(ClusterError)
    expect(err.code).toBe('forbidden')
    expect(err.message).toContain('cannot list resource "secrets"')
    const all = JSON.stringify({ m: err.message, h: err.hint, j: err.toJSON() })
    expect(all).not.toContain(TOKEN)
    expect(all).not.toContain('q-secret')
    expect(all).not.toContain('labelSelector')
    expect(all).not.toMatch(/x-echo-auth|Bearer/i)
  })

  it('a non-JSON error body (which echoes the token here) is not shown', async () => {
    const t = new HttpTransport(config(base, { caData: ca }))
    const err = await failure(t.request('GET', '/html'))
    expect(err.exitCode).toBe(1)
    expect(err.message).toBe('the cluster answered 502 to GET /html')
    expect(JSON.stringify(err.toJSON())).not.toContain(TOKEN)
  })

  it('an unknown CA is a TLS error (exit 5); insecure-skip-tls-verify accepts it', async () => {
    const err = await failure(new HttpTransport(config(base)).request('GET', '/ok'))
    expect(err).toBeInstanceOf(ClusterError)
    expect(err.code).toBe('unreachable')
    expect(err.message).toMatch(/certificate|TLS/i)
    expect(err.message).not.toContain(TOKEN)
    await expect(new HttpTransport(config(base, { insecureSkipTLSVerify: true })).request('GET', '/ok')).resolves.toEqual({ hello: 'world' })
  })

  it('stream delivers every chunk and resolves at the end', async () => {
    const chunks: string[] = []
    await new HttpTransport(config(base, { caData: ca })).stream('/stream', { query: { follow: true } }, (c) => chunks.push(c.toString()))
    expect(chunks.join('')).toBe('one\ntwo\n')
    expect(seen.at(-1)!.url).toBe('/stream?follow=true')
  })

  it('stream of an error status is mapped like a request', async () => {
    const err = await failure(new HttpTransport(config(base, { caData: ca })).stream('/missing', {}, () => {}))
    expect(err.exitCode).toBe(3)
  })

  it('the per-request timeout ends a slow request as unreachable: timed out', async () => {
    const err = await failure(new HttpTransport(config(base, { caData: ca }), { timeoutMs: 50 }).request('GET', '/slow'))
    expect(err).toBeInstanceOf(ClusterError)
    expect(err.message).toContain('timed out')
  })
})

describe('HttpTransport without a server', () => {
  it('an http:// server (kubectl proxy) that is down is unreachable (exit 5), like an https:// one', async () => {
    const err = await failure(new HttpTransport(config('http://127.0.0.1:1')).request('GET', '/api'))
    expect(err).toBeInstanceOf(ClusterError)
    expect(err.code).toBe('unreachable')
    expect(err.message).toBe('cannot reach the cluster at http://127.0.0.1:1: connection refused')
  })

  it('connection refused → unreachable (exit 5) naming the server, not the path or query', async () => {
    const s = https.createServer()
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
    const port = (s.address() as AddressInfo).port
    await new Promise((r) => s.close(r))
    const err = await failure(new HttpTransport(config(`https://127.0.0.1:${port}`)).request('GET', '/api/v1/secrets', { query: { labelSelector: 'x=y' } }))
    expect(err).toBeInstanceOf(ClusterError)
    expect(err.exitCode).toBe(5)
    expect(err.message).toBe(`cannot reach the cluster at https://127.0.0.1:${port}: connection refused`)
  })
})
