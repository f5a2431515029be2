// Which CAs verify the API server: the kubeconfig's when it names one; otherwise Node's own (bundled store
// plus NODE_EXTRA_CA_CERTS) and the OS trust store, as kubectl uses the OS store. checkServerTrust says which
// one did, for `dbaas doctor`. The OS store is replaced in child processes through OpenSSL's SSL_CERT_FILE
// (what Node reads on Linux), so a CA found only there is tested for real.
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { trustCheck } from '../../../src/core/doctor.ts'
import { checkServerTrust } from '../../../src/k8s/connection.ts'
import { configFor, hasOpenssl, makePki, startServer, type Pki, type TestServer } from './net-fixtures.ts'

const src = new URL('../../../src/k8s/', import.meta.url).pathname

describe.skipIf(!hasOpenssl() || process.platform !== 'linux')('server trust', () => {
  let pki: Pki
  let other: Pki
  let api: TestServer
  let script: string
  let emptyDir: string

  beforeAll(async () => {
    pki = makePki()
    other = makePki()
    api = await startServer((_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), { pki })
    const dir = mkdtempSync(join(tmpdir(), 'dbaas-trust-'))
    emptyDir = mkdtempSync(join(tmpdir(), 'dbaas-empty-'))
    script = join(dir, 'probe.ts')
    writeFileSync(
      script,
      [
        `import { checkServerTrust } from '${src}connection.ts'`,
        `import { HttpTransport } from '${src}http.ts'`,
        `const cfg = { files: [], contextName: 't', contextNamespace: 'default', namespaceExplicit: false, namespace: 'default',`,
        `  cluster: { server: process.argv[2], insecureSkipTLSVerify: false }, user: { needsPlugin: false }, raw: { clusters: [], users: [], contexts: [] } }`,
        `const trust = await checkServerTrust(cfg)`,
        `const get = await new HttpTransport(cfg).request('GET', '/x').then(() => 'ok', (e) => e.exitCode + ' ' + e.message)`,
        `console.log(JSON.stringify({ trust, get }))`,
      ].join('\n'),
    )
  })
  afterAll(async () => {
    await api?.close()
  })

  /** Runs the probe in a child whose OS store and extra CAs are exactly what the test says (async: the server is ours). */
  function probe(env: Record<string, string>): Promise<{ trust: { verdict: string; reason?: string }; get: string }> {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SSL_CERT_|NODE_EXTRA_CA_CERTS|NODE_OPTIONS)/.test(k)))
    return new Promise((resolve, reject) =>
      execFile(process.execPath, [script, api.url], { encoding: 'utf8', env: { ...clean, SSL_CERT_DIR: emptyDir, SSL_CERT_FILE: join(emptyDir, 'none.pem'), ...env } }, (err, stdout, stderr) =>
        err ? reject(new Error(stderr || String(err))) : resolve(JSON.parse(stdout.trim().split('\n').pop()!)),
      ),
    )
  }

  it('the kubeconfig\'s CA: trusted by it; another CA: untrusted with the reason', async () => {
    expect(await checkServerTrust(configFor(api.url, { cluster: { caData: pki.cert } }))).toEqual({ verdict: 'kubeconfig' })
    const bad = await checkServerTrust(configFor(api.url, { cluster: { caData: other.cert } }))
    expect(bad.verdict).toBe('untrusted')
    expect(bad.reason).toMatch(/SELF_SIGNED|self-signed|unable to verify/i)
  })

  it('a certificate for another name is untrusted even with the right CA; tls-server-name fixes it', async () => {
    const wrongName = await checkServerTrust(configFor(api.url, { cluster: { caData: pki.cert, tlsServerName: 'api.other.example' } }))
    expect(wrongName.verdict).toBe('untrusted')
    expect(wrongName.reason).toMatch(/api\.other\.example/)
    expect(await checkServerTrust(configFor(api.url.replace('127.0.0.1', 'localhost'), { cluster: { caData: pki.cert, tlsServerName: 'localhost' } }))).toEqual({ verdict: 'kubeconfig' })
  })

  it('insecure-skip-tls-verify and http:// are reported as such', async () => {
    expect(await checkServerTrust(configFor(api.url, { cluster: { insecureSkipTLSVerify: true } }))).toEqual({ verdict: 'insecure' })
    expect(await checkServerTrust(configFor('http://127.0.0.1:8001'))).toEqual({ verdict: 'http' })
  })

  it('a CA only in the OS trust store: dbaas trusts it, as kubectl does, and says it is the OS store', async () => {
    expect(await probe({ SSL_CERT_FILE: pki.certFile })).toEqual({ trust: { verdict: 'system' }, get: 'ok' })
  })

  it('a CA given by NODE_EXTRA_CA_CERTS: trusted by Node itself', async () => {
    expect(await probe({ NODE_EXTRA_CA_CERTS: pki.certFile })).toEqual({ trust: { verdict: 'node' }, get: 'ok' })
  })

  it('a CA nobody trusts: untrusted, and requests fail with a TLS error (exit 5)', async () => {
    const r = await probe({})
    expect(r.trust.verdict).toBe('untrusted')
    expect(r.get).toMatch(/^5 cannot reach the cluster at https:\/\/127\.0\.0\.1:\d+: /)
  })

  it('doctor\'s trust check: names the kubeconfig CA, or Node and the OS store, and says what to do; nothing when it verifies', async () => {
    const wrong = await trustCheck(configFor(api.url, { cluster: { caData: other.cert } }))
    expect(wrong).toMatchObject({ id: 'tls', status: 'fail', required: false })
    expect(wrong?.message).toMatch(/^the server's certificate does not verify against the kubeconfig's certificate-authority: /)
    const none = await trustCheck(configFor(api.url))
    expect(none?.message).toMatch(/^the server's certificate chains to a CA that neither Node nor the OS trust store knows: /)
    expect(none?.fix).toContain('NODE_EXTRA_CA_CERTS')
    expect(await trustCheck(configFor(api.url, { cluster: { caData: pki.cert } }))).toBeUndefined()
    expect(await trustCheck(configFor('https://127.0.0.1:1'))).toBeUndefined()
  })
})
