// Proxy choice with Go's rules (golang.org/x/net/http/httpproxy, what kubectl uses), and the tunnels
// themselves against in-process CONNECT and SOCKS5 proxies: the request must really cross the proxy, and a
// proxy that is down or refuses must fail the request (exit 5), never fall back to a direct connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ClusterError } from '../../../src/errors.ts'
import { HttpTransport } from '../../../src/k8s/http.ts'
import { bypassProxy, chooseProxy, displayProxy } from '../../../src/k8s/proxy.ts'
import { configFor, failure, hasOpenssl, makePki, startConnectProxy, startServer, startSocksProxy, type Pki, type TestServer } from './net-fixtures.ts'

const bypass = (target: string, noProxy: string) => bypassProxy(new URL(target), noProxy)

describe('NO_PROXY and loopback (Go httpproxy rules)', () => {
  it.each([
    'https://localhost:6443',
    'https://127.0.0.1:6443',
    'https://127.9.8.7',
    'https://[::1]:6443',
    'https://[::ffff:127.0.0.1]:6443',
  ])('never proxies loopback %s, whatever NO_PROXY says', (t) => {
    expect(bypass(t, '')).toBe(true)
  })

  it.each([
    // [target, NO_PROXY, bypass?]
    ['https://api.example.com', 'example.com', true],
    ['https://example.com', 'example.com', true],
    ['https://notexample.com', 'example.com', false],
    ['https://api.example.com', '.example.com', true],
    ['https://example.com', '.example.com', false],
    ['https://api.example.com', '*.example.com', true],
    ['https://example.com', '*.example.com', false],
    ['https://API.Example.COM', 'example.com', true],
    ['https://api.example.com', ' other.org , example.com ', true],
    ['https://api.example.com', 'other.org,,', false],
    ['https://api.example.com', '*', true],
    ['https://10.1.2.3:6443', '10.0.0.0/8', true],
    ['https://11.1.2.3:6443', '10.0.0.0/8', false],
    ['https://api.example.com', '10.0.0.0/8', false],
    ['https://[fd12::1]:6443', 'fd00::/8', true],
    ['https://[fe80::1]:6443', 'fd00::/8', false],
    ['https://10.1.2.3:6443', '10.1.2.3', true],
    ['https://10.1.2.3:6443', '10.1.2.3:6443', true],
    ['https://10.1.2.3:6443', '10.1.2.3:443', false],
    ['https://10.1.2.3', '10.1.2.3:443', true],
    ['https://[fd00::5]:6443', '[fd00::5]:6443', true],
    ['https://[fd00::5]:6443', 'fd00::5', true],
    ['https://api.example.com', 'example.com:443', true],
    ['https://api.example.com:6443', 'example.com:443', false],
    ['http://api.example.com', 'example.com:80', true],
  ])('%s with NO_PROXY=%j → bypass %s', (target, noProxy, want) => {
    expect(bypass(target, noProxy)).toBe(want)
  })
})

describe('chooseProxy', () => {
  it('proxy-url wins over the environment, and applies even to loopback (as client-go)', () => {
    const p = chooseProxy('https://127.0.0.1:6443', 'http://bastion:3128', { HTTPS_PROXY: 'http://corp:8080' })
    expect(p).toEqual({ url: 'http://bastion:3128/', source: 'proxy-url' })
  })

  it('HTTPS_PROXY for https:// servers, HTTP_PROXY for http://; the upper-case name first', () => {
    const env = { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2', HTTP_PROXY: 'http://plain:3' }
    expect(chooseProxy('https://api.example.com', undefined, env)).toEqual({ url: 'http://upper:1/', source: 'HTTPS_PROXY' })
    expect(chooseProxy('https://api.example.com', undefined, { https_proxy: 'http://lower:2' })?.source).toBe('https_proxy')
    expect(chooseProxy('http://api.example.com', undefined, env)).toEqual({ url: 'http://plain:3/', source: 'HTTP_PROXY' })
    expect(chooseProxy('https://api.example.com', undefined, { HTTP_PROXY: 'http://plain:3' })).toBeUndefined()
  })

  it('a value without a scheme is http://; socks5:// and https:// are kept', () => {
    expect(chooseProxy('https://a.example', undefined, { HTTPS_PROXY: 'corp:3128' })?.url).toBe('http://corp:3128/')
    expect(chooseProxy('https://a.example', undefined, { HTTPS_PROXY: 'socks5://s:1080' })?.url).toBe('socks5://s:1080')
    expect(chooseProxy('https://a.example', undefined, { HTTPS_PROXY: 'https://p:443' })?.url).toBe('https://p/')
  })

  it('NO_PROXY (or no_proxy) and loopback keep the connection direct', () => {
    expect(chooseProxy('https://api.internal:6443', undefined, { HTTPS_PROXY: 'http://corp:1', NO_PROXY: '.internal' })).toBeUndefined()
    expect(chooseProxy('https://api.internal:6443', undefined, { HTTPS_PROXY: 'http://corp:1', no_proxy: 'api.internal' })).toBeUndefined()
    expect(chooseProxy('https://127.0.0.1:6443', undefined, { HTTPS_PROXY: 'http://corp:1' })).toBeUndefined()
    expect(chooseProxy('https://api.other:6443', undefined, { HTTPS_PROXY: 'http://corp:1', NO_PROXY: '.internal' })?.url).toBe('http://corp:1/')
  })

  it('ignores HTTP_PROXY in a CGI environment (REQUEST_METHOD), as Go does', () => {
    expect(chooseProxy('http://api.example', undefined, { HTTP_PROXY: 'http://evil:1', REQUEST_METHOD: 'GET' })).toBeUndefined()
  })

  it.each(['ftp://p:21', 'socks4://p:1080', 'not a url'])('refuses proxy-url %s with a kubeconfig error (exit 5)', (u) => {
    let err: unknown
    try {
      chooseProxy('https://a.example', u, {})
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ClusterError)
    expect((err as ClusterError).exitCode).toBe(5)
    expect((err as ClusterError).message).toMatch(/proxy-url/)
  })

  it('displayProxy drops credentials', () => {
    expect(displayProxy('http://user:s3cret@proxy:3128')).toBe('http://proxy:3128')
  })
})

describe.skipIf(!hasOpenssl())('tunnels through real proxies', () => {
  let pki: Pki
  let api: TestServer
  let plain: TestServer

  beforeAll(async () => {
    pki = makePki()
    const answer = (_req: unknown, res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"Status","status":"Success"}')
    api = await startServer(answer, { pki })
    plain = await startServer(answer)
  })
  afterAll(async () => {
    await api?.close()
    await plain?.close()
  })

  it('HTTP CONNECT: the request and a stream cross the proxy; TLS is end to end with the cluster CA', async () => {
    const proxy = await startConnectProxy()
    try {
      const t = new HttpTransport(configFor(api.url, { cluster: { caData: pki.cert, proxy: { url: proxy.url, source: 'proxy-url' } } }))
      await expect(t.request('GET', '/api/v1/namespaces')).resolves.toEqual({ kind: 'Status', status: 'Success' })
      const chunks: string[] = []
      await t.stream('/api/v1/pods', { query: { watch: 1 } }, (c) => chunks.push(c.toString()))
      expect(chunks.join('')).toContain('Success')
      expect(proxy.tunnels).toEqual([`127.0.0.1:${api.port}`, `127.0.0.1:${api.port}`])
      expect(api.seen.at(-1)!.url).toBe('/api/v1/pods?watch=1')
    } finally {
      await proxy.close()
    }
  })

  it('Proxy-Authorization from the proxy URL\'s user:password', async () => {
    const proxy = await startConnectProxy({ auth: `Basic ${Buffer.from('alice:pa ss').toString('base64')}` })
    try {
      const url = proxy.url.replace('http://', 'http://alice:pa%20ss@')
      const t = new HttpTransport(configFor(api.url, { cluster: { caData: pki.cert, proxy: { url, source: 'proxy-url' } } }))
      await expect(t.request('GET', '/ok')).resolves.toBeTruthy()
      const bad = new HttpTransport(configFor(api.url, { cluster: { caData: pki.cert, proxy: { url: proxy.url, source: 'proxy-url' } } }))
      const err = await failure(bad.request('GET', '/ok'))
      expect(err).toBeInstanceOf(ClusterError)
      expect(err.message).toContain('407')
      expect(err.message).not.toContain('pa ss')
    } finally {
      await proxy.close()
    }
  })

  it('an https:// proxy (TLS to the proxy, then TLS to the server inside)', async () => {
    const proxy = await startConnectProxy({ pki })
    try {
      const t = new HttpTransport(configFor(api.url, { cluster: { caData: pki.cert, proxy: { url: proxy.url, source: 'proxy-url' } } }))
      await expect(t.request('GET', '/ok')).resolves.toBeTruthy()
      expect(proxy.tunnels).toEqual([`127.0.0.1:${api.port}`])
    } finally {
      await proxy.close()
    }
  })

  it('an http:// server (kubectl proxy) behind a proxy', async () => {
    const proxy = await startConnectProxy()
    try {
      const t = new HttpTransport(configFor(plain.url, { cluster: { proxy: { url: proxy.url, source: 'HTTP_PROXY' } } }))
      await expect(t.request('GET', '/ok')).resolves.toBeTruthy()
      expect(proxy.tunnels).toEqual([`127.0.0.1:${plain.port}`])
    } finally {
      await proxy.close()
    }
  })

  it('SOCKS5, with and without username/password; the host name goes to the proxy', async () => {
    const open = await startSocksProxy()
    const authed = await startSocksProxy({ auth: { user: 'bob', pass: 'pw' } })
    try {
      const t = new HttpTransport(configFor(`https://localhost:${api.port}`, { cluster: { caData: pki.cert, proxy: { url: open.url, source: 'proxy-url' } } }))
      await expect(t.request('GET', '/ok')).resolves.toBeTruthy()
      expect(open.tunnels).toEqual([`localhost:${api.port}`])
      const a = new HttpTransport(configFor(api.url, { cluster: { caData: pki.cert, proxy: { url: authed.url.replace('socks5://', 'socks5://bob:pw@'), source: 'proxy-url' } } }))
      await expect(a.request('GET', '/ok')).resolves.toBeTruthy()
      const wrong = new HttpTransport(configFor(api.url, { cluster: { caData: pki.cert, proxy: { url: authed.url.replace('socks5://', 'socks5://bob:nope@'), source: 'proxy-url' } } }))
      const err = await failure(wrong.request('GET', '/ok'))
      expect(err.exitCode).toBe(5)
      expect(err.message).toMatch(/rejected the username and password/)
    } finally {
      await open.close()
      await authed.close()
    }
  })

  it('a proxy that refuses the tunnel fails the request with exit 5 naming the proxy and the status', async () => {
    const proxy = await startConnectProxy({ refuse: 403 })
    try {
      const t = new HttpTransport(configFor(api.url, { cluster: { caData: pki.cert, proxy: { url: proxy.url, source: 'proxy-url' } } }))
      const err = await failure(t.request('GET', '/ok'))
      expect(err).toBeInstanceOf(ClusterError)
      expect(err.exitCode).toBe(5)
      expect(err.message).toBe(`cannot reach the cluster at ${api.url} through the proxy ${proxy.url}: the proxy refused the tunnel to 127.0.0.1:${api.port} (403 Refused)`)
    } finally {
      await proxy.close()
    }
  })

  it('a proxy that is down fails the request (exit 5): dbaas never goes direct instead', async () => {
    const proxy = await startConnectProxy()
    const url = proxy.url
    await proxy.close()
    const before = api.seen.length
    const t = new HttpTransport(configFor(api.url, { cluster: { caData: pki.cert, proxy: { url, source: 'proxy-url' } } }))
    const err = await failure(t.request('GET', '/ok'))
    expect(err.exitCode).toBe(5)
    expect(err.message).toBe(`cannot reach the cluster at ${api.url} through the proxy ${url}: connection refused`)
    const streamErr = await failure(t.stream('/watch', {}, () => {}))
    expect(streamErr.exitCode).toBe(5)
    expect(api.seen.length).toBe(before)
  })
})
