// -v N tracing (kubectl's levels) through a real local server, and redactBody as a pure function: Secret values
// must never reach stderr, whatever the level.
import type { ServerResponse } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpTransport } from '../../../src/k8s/http.ts'
import type { ResolvedConfig } from '../../../src/k8s/kubeconfig.ts'
import { isSecretPath, REDACTED, redactBody, traceBody } from '../../../src/k8s/trace.ts'
import { configFor, failure, hasOpenssl, makePki, startServer, type Pki, type TestServer } from './net-fixtures.ts'

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'orders-credentials', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"c2VrcmV0"}}', keep: 'me' } },
  data: { password: 'c2VrcmV0', user: 'YXBw' },
  stringData: { 'root-password': 'plain-secret' },
}

describe('redactBody', () => {
  it('replaces a Secret\'s data and stringData values (keys kept) and kubectl\'s last-applied copy', () => {
    expect(redactBody(secret)).toEqual({
      ...secret,
      metadata: { name: 'orders-credentials', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': REDACTED, keep: 'me' } },
      data: { password: REDACTED, user: REDACTED },
      stringData: { 'root-password': REDACTED },
    })
    // The input is not changed.
    expect(secret.data.password).toBe('c2VrcmV0')
  })

  it('redacts every item of a SecretList (items carry no kind) and Secrets inside any list', () => {
    const list = { kind: 'SecretList', items: [{ metadata: { name: 'a' }, data: { k: 'dg==' } }] }
    expect(redactBody(list)).toEqual({ kind: 'SecretList', items: [{ metadata: { name: 'a' }, data: { k: REDACTED } }] })
    const mixed = { kind: 'List', items: [secret, { kind: 'ConfigMap', metadata: { name: 'c' }, data: { visible: 'yes' } }] }
    const out = redactBody(mixed) as { items: Array<{ data: Record<string, string> }> }
    expect(out.items[0]!.data).toEqual({ password: REDACTED, user: REDACTED })
    expect(out.items[1]!.data).toEqual({ visible: 'yes' })
  })

  it('redacts a watch event\'s Secret', () => {
    expect(redactBody({ type: 'ADDED', object: secret })).toMatchObject({ type: 'ADDED', object: { data: { password: REDACTED } } })
  })

  it('with secret: true (a body sent to a Secret\'s path) redacts a patch without kind', () => {
    expect(redactBody({ data: { password: 'bmV3' } }, { secret: true })).toEqual({ data: { password: REDACTED } })
    expect(redactBody({ data: { password: 'bmV3' } })).toEqual({ data: { password: 'bmV3' } })
  })

  it('leaves other objects, scalars and null alone', () => {
    const cm = { kind: 'ConfigMap', data: { a: 'b' } }
    expect(redactBody(cm)).toBe(cm)
    expect(redactBody('text')).toBe('text')
    expect(redactBody(null)).toBe(null)
  })

  it('isSecretPath', () => {
    expect(isSecretPath('/api/v1/namespaces/x/secrets')).toBe(true)
    expect(isSecretPath('/api/v1/namespaces/x/secrets/y?fieldManager=dbaas')).toBe(true)
    expect(isSecretPath('/api/v1/secrets')).toBe(true)
    expect(isSecretPath('/api/v1/namespaces/secrets/configmaps')).toBe(false)
    expect(isSecretPath('/apis/apps/v1/statefulsets')).toBe(false)
  })

  it('traceBody: not-JSON on a Secret path shows only its size; long bodies are truncated below -v 9', () => {
    expect(traceBody('password=x', '/api/v1/namespaces/a/secrets/b', 8)).toBe('<10 bytes that are not JSON>')
    const long = JSON.stringify({ kind: 'ConfigMap', data: { a: 'x'.repeat(20_000) } })
    expect(traceBody(long, '/api/v1/configmaps', 8)).toMatch(/\[truncated \d+ chars\]$/)
    expect(traceBody(long, '/api/v1/configmaps', 9)).toBe(long)
  })
})

describe.skipIf(!hasOpenssl())('-v tracing through the transport', () => {
  let pki: Pki
  let api: TestServer
  beforeAll(async () => {
    pki = makePki()
    api = await startServer(
      (req, res: ServerResponse) => {
        if ((req.url ?? '').includes('/secrets')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'SecretList', items: [{ metadata: { name: 's' }, data: { password: 'c2VydmVyLXNpZGU=' } }] }))
        if ((req.url ?? '').includes('/missing')) return void res.writeHead(404).end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'nope' }))
        if ((req.url ?? '').includes('watch')) {
          res.writeHead(200)
          return void res.end('{"type":"ADDED","object":{}}\n')
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"Status"}')
      },
      { pki },
    )
  })
  afterAll(async () => {
    await api?.close()
  })

  function traced(verbosity: number, user: Partial<ResolvedConfig['user']> = { token: 'bearer-secret-123' }) {
    const lines: string[] = []
    const old: string[] = []
    const t = new HttpTransport(configFor(api.url, { cluster: { caData: pki.cert }, user }), { verbosity, log: (l) => lines.push(l), trace: (l) => old.push(l) })
    return { t, lines, old }
  }

  const imp = { user: 'system:serviceaccount:team:dbaas', groups: ['devs'], extra: {} }

  it('-v 6: one line per request as kubectl prints it, with the impersonation headers, never the credential', async () => {
    const { t, lines } = traced(6, { token: 'bearer-secret-123', impersonate: imp })
    await t.request('GET', '/api/v1/namespaces/a/pods', { query: { labelSelector: 'x=y' } })
    await failure(t.request('GET', '/missing'))
    await t.stream('/api/v1/pods', { query: { watch: 1 } }, () => {})
    expect(lines[0]).toMatch(new RegExp(`^GET ${api.url}/api/v1/namespaces/a/pods\\?labelSelector=x%3Dy 200 OK in \\d+ milliseconds$`))
    expect(lines.slice(1, 3)).toEqual(['    Impersonate-User: system:serviceaccount:team:dbaas', '    Impersonate-Group: devs'])
    expect(lines[3]).toMatch(new RegExp(`^GET ${api.url}/missing 404 Not Found in \\d+ milliseconds$`))
    expect(lines.some((l) => new RegExp(`^GET ${api.url}/api/v1/pods\\?watch=1 200 OK in \\d+ milliseconds$`).test(l))).toBe(true)
    expect(lines.join('\n')).not.toMatch(/bearer-secret-123|Authorization|Request Body|Response Body/)
  })

  it('-v 6 without impersonation prints only the request lines; a failed connection is traced too', async () => {
    const { t, lines } = traced(6)
    await t.request('GET', '/x')
    expect(lines).toHaveLength(1)
    const dead = new HttpTransport(configFor('https://127.0.0.1:1', { cluster: { caData: pki.cert } }), { verbosity: 6, log: (l) => lines.push(l) })
    await failure(dead.request('GET', '/y'))
    expect(lines[1]).toMatch(/^GET https:\/\/127\.0\.0\.1:1\/y \(ECONNREFUSED\) in \d+ milliseconds$/)
  })

  it('-v 7: all request headers, the credential masked', async () => {
    const { t, lines } = traced(7)
    await t.request('GET', '/x')
    expect(lines).toContain('Request Headers:')
    expect(lines).toContain('    Authorization: Bearer <masked>')
    expect(lines).toContain('    User-Agent: dbaas')
    expect(lines.join('\n')).not.toContain('bearer-secret-123')
  })

  it('-v 8: request and response bodies, Secret values redacted both ways', async () => {
    const { t, lines } = traced(8)
    await t.request('PATCH', '/api/v1/namespaces/a/secrets/orders-credentials', { body: secret, contentType: 'application/apply-patch+yaml' })
    const all = lines.join('\n')
    expect(all).toContain('Request Body: {"apiVersion":"v1","kind":"Secret"')
    expect(all).toContain(`"password":"${REDACTED}"`)
    expect(all).toContain('Response Body: {"kind":"SecretList"')
    for (const leak of ['c2VrcmV0', 'plain-secret', 'c2VydmVyLXNpZGU=', 'bearer-secret-123']) expect(all).not.toContain(leak)
  })

  it('below 6 nothing is logged; DBAAS_TRACE\'s "[api] METHOD path" alias keeps its format', async () => {
    const { t, lines, old } = traced(0)
    await t.request('GET', '/api/v1/pods', { query: { limit: 5 } })
    await t.stream('/api/v1/pods', { query: { watch: 1 } }, () => {})
    expect(lines).toEqual([])
    expect(old).toEqual(['GET /api/v1/pods?limit=5', 'GET /api/v1/pods?watch=1'])
  })
})
