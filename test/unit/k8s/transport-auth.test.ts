// The transport against a local HTTPS API server that checks bearer tokens: exec credentials honoured until
// their expiry and refreshed once after a 401 (plain requests and streams), token files re-read, static
// credentials never retried, impersonation headers as client-go sends them, http:// servers without
// credentials, and retries on 429/503 for idempotent requests only.
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterError } from '../../../src/errors.ts'
import { clientNode } from '../../../src/k8s/client-node.ts'
import { Connection } from '../../../src/k8s/connection.ts'
import type { ExecConfig } from '../../../src/k8s/exec-credential.ts'
import { HttpTransport } from '../../../src/k8s/http.ts'
import type { ResolvedConfig } from '../../../src/k8s/kubeconfig.ts'
import { HttpsProxyAgent } from '../../../src/k8s/proxy.ts'
import { configFor, failure, hasOpenssl, makePki, startServer, type Pki, type TestServer } from './net-fixtures.ts'

const status = (res: ServerResponse, code: number, extra: Record<string, string> = {}) =>
  res.writeHead(code, { 'content-type': 'application/json', ...extra }).end(JSON.stringify({ kind: 'Status', code, reason: code === 401 ? 'Unauthorized' : 'X', message: `answer ${code}` }))

describe.skipIf(!hasOpenssl())('credentials', () => {
  let pki: Pki
  let api: TestServer
  /** Tokens the server accepts right now. */
  let accepted = new Set<string>()
  let dir: string
  let plugin: string

  beforeAll(async () => {
    pki = makePki()
    api = await startServer(
      (req, res) => {
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '')
        if (!accepted.has(token)) return status(res, 401)
        if ((req.url ?? '').startsWith('/watch')) {
          res.writeHead(200)
          return void res.end(`{"type":"ADDED","object":{"token":"${token}"}}\n`)
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }))
      },
      { pki },
    )
    dir = mkdtempSync(join(tmpdir(), 'dbaas-auth-'))
    // Hands out tok-1, tok-2, … (one more per run), with the expiry $EXPIRES if set.
    plugin = join(dir, 'plugin.sh')
    writeFileSync(
      plugin,
      [
        '#!/bin/sh',
        'echo run >> "$REC"',
        'n=$(wc -l < "$REC" | tr -d " ")',
        'if [ -n "$EXPIRES" ]; then exp=",\\"expirationTimestamp\\":\\"$EXPIRES\\""; else exp=""; fi',
        'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s"%s}}\' "$n" "$exp"',
      ].join('\n'),
    )
    chmodSync(plugin, 0o755)
  })
  afterAll(async () => {
    await api?.close()
  })

  function execUser(env: Record<string, string> = {}): { exec: ExecConfig; rec: string; runs: () => number } {
    const rec = join(mkdtempSync(join(dir, 'r-')), 'runs')
    writeFileSync(rec, '')
    return {
      rec,
      runs: () => readFileSync(rec, 'utf8').split('\n').filter(Boolean).length,
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: plugin,
        args: [],
        env: Object.entries({ REC: rec, ...env }).map(([name, value]) => ({ name, value })),
        interactiveMode: 'Never',
        provideClusterInfo: false,
      },
    }
  }

  function transport(cfg: ResolvedConfig, now?: () => number): HttpTransport {
    return new HttpTransport(cfg, { connection: new Connection(cfg, { execIo: { isTerminal: false }, ...(now ? { now } : {}) }) })
  }

  it('exec: the plugin runs once for many requests; after a 401 it runs once more and the request is retried', async () => {
    const u = execUser()
    const t = transport(configFor(api.url, { cluster: { caData: pki.cert }, user: { exec: u.exec } }))
    accepted = new Set(['tok-1'])
    expect(await t.request('GET', '/a')).toEqual({ token: 'tok-1' })
    expect(await t.request('GET', '/b')).toEqual({ token: 'tok-1' })
    expect(u.runs()).toBe(1)
    // The token is revoked (its bound Secret deleted): the next request gets 401, dbaas re-runs the plugin.
    accepted = new Set(['tok-2'])
    const before = api.seen.length
    expect(await t.request('POST', '/c', { body: {} })).toEqual({ token: 'tok-2' })
    expect(u.runs()).toBe(2)
    expect(api.seen.length - before).toBe(2)
    // A second 401 with the fresh token is the caller's error: one refresh per request, no loop.
    accepted = new Set()
    const err = await failure(t.request('GET', '/d'))
    expect(err).toBeInstanceOf(ClusterError)
    expect(err.exitCode).toBe(5)
    expect(err.code).toBe('unauthorized')
    expect(u.runs()).toBe(3)
  })

  it('exec: a watch stream answered 401 is refreshed and reopened too', async () => {
    const u = execUser()
    const t = transport(configFor(api.url, { cluster: { caData: pki.cert }, user: { exec: u.exec } }))
    accepted = new Set(['tok-1'])
    await t.request('GET', '/warm')
    accepted = new Set(['tok-2'])
    const chunks: string[] = []
    await t.stream('/watch', {}, (c) => chunks.push(c.toString()))
    expect(chunks.join('')).toContain('"token":"tok-2"')
    expect(u.runs()).toBe(2)
  })

  it('exec: concurrent 401s share one plugin run', async () => {
    const u = execUser()
    const cfg = configFor(api.url, { cluster: { caData: pki.cert }, user: { exec: u.exec } })
    const t = transport(cfg)
    accepted = new Set(['tok-1'])
    await t.request('GET', '/warm')
    accepted = new Set(['tok-2'])
    const all = await Promise.all([t.request('GET', '/1'), t.request('GET', '/2'), t.stream('/watch', {}, () => {}), t.request('GET', '/3')])
    expect(all.filter((x) => x !== undefined)).toEqual([{ token: 'tok-2' }, { token: 'tok-2' }, { token: 'tok-2' }])
    expect(u.runs()).toBe(2)
  })

  it('exec: expirationTimestamp is honoured: the plugin runs again once the credential expired', async () => {
    const expires = '2030-01-01T00:00:00Z'
    const u = execUser({ EXPIRES: expires })
    let now = Date.parse(expires) - 60_000
    const t = transport(configFor(api.url, { cluster: { caData: pki.cert }, user: { exec: u.exec } }), () => now)
    accepted = new Set(['tok-1', 'tok-2'])
    expect(await t.request('GET', '/a')).toEqual({ token: 'tok-1' })
    now = Date.parse(expires) - 1
    expect(await t.request('GET', '/b')).toEqual({ token: 'tok-1' })
    expect(u.runs()).toBe(1)
    now = Date.parse(expires)
    expect(await t.request('GET', '/c')).toEqual({ token: 'tok-2' })
    expect(u.runs()).toBe(2)
  })

  it('exec with interactiveMode Always and no terminal: the request fails with exit 5 at once, nothing is sent', async () => {
    const u = execUser()
    const before = api.seen.length
    const t = transport(configFor(api.url, { cluster: { caData: pki.cert }, user: { exec: { ...u.exec, interactiveMode: 'Always' } } }))
    const t0 = Date.now()
    const err = await failure(t.request('GET', '/a'))
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(err.exitCode).toBe(5)
    expect(err.message).toContain('needs a terminal')
    expect(u.runs()).toBe(0)
    expect(api.seen.length).toBe(before)
  })

  it('tokenFile: a rotated file is re-read after a 401 and the request retried; an unchanged one is not retried', async () => {
    const file = join(mkdtempSync(join(dir, 't-')), 'token')
    writeFileSync(file, 'file-1\n')
    const t = transport(configFor(api.url, { cluster: { caData: pki.cert }, user: { tokenFile: file, token: 'stale-inline' } }))
    accepted = new Set(['file-1'])
    expect(await t.request('GET', '/a')).toEqual({ token: 'file-1' })
    writeFileSync(file, 'file-2\n')
    accepted = new Set(['file-2'])
    expect(await t.request('GET', '/b')).toEqual({ token: 'file-2' })
    accepted = new Set()
    const before = api.seen.length
    expect((await failure(t.request('GET', '/c'))).exitCode).toBe(5)
    expect(api.seen.length - before).toBe(1)
  })

  it('auth-provider (oidc): the client library\'s authenticator supplies the token; TLS and impersonation stay dbaas\'s', async () => {
    const jwt = ['{"alg":"none"}', '{"exp":4102444800,"sub":"me"}'].map((p) => Buffer.from(p).toString('base64url')).join('.') + '.sig'
    const cfg = configFor(api.url, { cluster: { caData: pki.cert }, user: { needsPlugin: true, authProvider: 'oidc', impersonate: { user: 'bob', groups: [], extra: {} } } })
    cfg.contextName = 'ctx'
    cfg.raw = {
      clusters: [],
      users: [{ name: 'u', user: { 'auth-provider': { name: 'oidc', config: { 'client-id': 'x', 'idp-issuer-url': 'https://127.0.0.1:1', 'id-token': jwt } } } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    }
    accepted = new Set([jwt])
    expect(await transport(cfg).request('GET', '/oidc')).toEqual({ token: jwt })
    expect(api.seen.at(-1)!.headers['impersonate-user']).toBe('bob')
  })

  it('a static token answered 401 is not retried', async () => {
    const t = transport(configFor(api.url, { cluster: { caData: pki.cert }, user: { token: 'static' } }))
    accepted = new Set()
    const before = api.seen.length
    const err = await failure(t.request('GET', '/a'))
    expect(err.code).toBe('unauthorized')
    expect(api.seen.length - before).toBe(1)
  })
})

describe.skipIf(!hasOpenssl())('impersonation, http:// servers, path prefixes, IPv6', () => {
  let pki: Pki
  let api: TestServer
  let plain: TestServer
  const ok = (_r: unknown, res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')

  beforeAll(async () => {
    pki = makePki()
    api = await startServer(ok, { pki })
    plain = await startServer(ok)
  })
  afterAll(async () => {
    await api?.close()
    await plain?.close()
  })

  /** Header name/value pairs as they were sent, names lower-cased. */
  const pairs = (raw: string[]) => raw.flatMap((v, i) => (i % 2 === 0 ? [[v.toLowerCase(), raw[i + 1]!] as const] : []))

  const imp = { user: 'system:serviceaccount:team:dbaas', uid: '42', groups: ['devs', 'system:authenticated'], extra: { reason: ['debugging'], 'example.com/scopes': ['a', 'b'] } }

  it('sends Impersonate-User, -Uid, one Impersonate-Group per group and Impersonate-Extra-* (key %-escaped), with the credentials', async () => {
    await new HttpTransport(configFor(api.url, { cluster: { caData: pki.cert }, user: { token: 'admin', impersonate: imp } })).request('GET', '/x')
    const h = pairs(api.seen.at(-1)!.rawHeaders).filter(([n]) => n.startsWith('impersonate-') || n === 'authorization')
    expect(h).toEqual([
      ['impersonate-user', 'system:serviceaccount:team:dbaas'],
      ['impersonate-uid', '42'],
      ['impersonate-group', 'devs'],
      ['impersonate-group', 'system:authenticated'],
      ['impersonate-extra-reason', 'debugging'],
      ['impersonate-extra-example.com%2fscopes', 'a'],
      ['impersonate-extra-example.com%2fscopes', 'b'],
      ['authorization', 'Bearer admin'],
    ])
  })

  it('the client library\'s WebSockets get the same headers and agent (port-forward, exec)', async () => {
    const cfg = configFor(api.url, { cluster: { caData: pki.cert, proxy: { url: 'http://127.0.0.1:9', source: 'proxy-url' } }, user: { token: 'admin', impersonate: imp } })
    const { kc } = await clientNode(cfg)
    const opts: { agent?: unknown; headers?: Record<string, unknown> } = {}
    await kc.applyToHTTPSOptions(opts as never)
    expect(opts.headers).toMatchObject({ Authorization: 'Bearer admin', 'Impersonate-User': imp.user, 'Impersonate-Group': imp.groups })
    expect(opts.agent).toBeInstanceOf(HttpsProxyAgent)
    expect(kc.getCurrentCluster()?.server).toBe(api.url)
  })

  it('an http:// server (kubectl proxy): requests work, credentials are not sent in clear, impersonation is', async () => {
    const t = new HttpTransport(configFor(plain.url, { user: { token: 'never-in-clear', username: 'u', impersonate: { user: 'alice', groups: [], extra: {} } } }))
    await expect(t.request('GET', '/api/v1/namespaces')).resolves.toEqual({})
    const s = plain.seen.at(-1)!
    expect(s.headers.authorization).toBeUndefined()
    expect(s.headers['impersonate-user']).toBe('alice')
  })

  it('keeps a path prefix in the server URL', async () => {
    await new HttpTransport(configFor(`${api.url}/k8s/clusters/c-1`, { cluster: { caData: pki.cert } })).request('GET', '/api/v1/pods', { query: { limit: 1 } })
    expect(api.seen.at(-1)!.url).toBe('/k8s/clusters/c-1/api/v1/pods?limit=1')
  })

  let v6 = true
  try {
    execFileSync(process.execPath, ['-e', "require('net').createServer().listen(0,'::1',function(){this.close()})"], { stdio: 'ignore' })
  } catch {
    v6 = false
  }
  it.skipIf(!v6)('reaches an IPv6 server ([::1]) and verifies its certificate by IP', async () => {
    const s = await startServer(ok, { pki, host: '::1' })
    try {
      await expect(new HttpTransport(configFor(s.url, { cluster: { caData: pki.cert } })).request('GET', '/v6')).resolves.toEqual({})
      expect(s.seen.at(-1)!.url).toBe('/v6')
    } finally {
      await s.close()
    }
  })
})

describe.skipIf(!hasOpenssl())('retries on 429/503: idempotent requests only', () => {
  let pki: Pki
  let api: TestServer
  beforeAll(async () => {
    pki = makePki()
    api = await startServer(
      (req, res) => {
        const code = (req.url ?? '').includes('429') ? 429 : 503
        status(res, code, { 'retry-after': '1' })
      },
      { pki },
    )
  })
  afterAll(async () => {
    await api?.close()
  })

  const t = () => new HttpTransport(configFor(api.url, { cluster: { caData: pki.cert } }), { maxRetryWaitMs: 5 })

  it.each([
    ['GET', 5],
    ['HEAD', 5],
    ['DELETE', 5],
    ['POST', 1],
    ['PATCH', 1],
    ['PUT', 1],
  ])('%s answered 503 is sent %i time(s)', async (method, times) => {
    const tr = t()
    const err = await failure(tr.request(method, '/x/503', method === 'GET' || method === 'HEAD' ? {} : { body: {} }))
    expect(err.message).toMatch(/503/)
    expect(tr.requestCount).toBe(times)
  })

  it('a POST answered 429 is not retried either (it is the caller\'s to decide)', async () => {
    const tr = t()
    await failure(tr.request('POST', '/x/429', { body: {} }))
    expect(tr.requestCount).toBe(1)
  })

  it('a watch (streaming GET) answered 503 is retried', async () => {
    const tr = t()
    await failure(tr.stream('/x/503', {}, () => {}))
    expect(tr.requestCount).toBe(5)
  })
})
