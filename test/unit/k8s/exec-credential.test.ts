// Exec credential plugins run by dbaas: real child processes (small shell scripts) that record how they were
// started — the KUBERNETES_EXEC_INFO they got, what their stdin is — and print an ExecCredential.
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { beforeAll, describe, expect, it } from 'vitest'
import { ClusterError } from '../../../src/errors.ts'
import { parseExecCredential, runExecPlugin, type ExecConfig } from '../../../src/k8s/exec-credential.ts'

let dir: string
let plugin: string

/** A plugin that records its invocation and prints whatever $OUT holds. */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dbaas-exec-'))
  plugin = join(dir, 'plugin.sh')
  writeFileSync(
    plugin,
    [
      '#!/bin/sh',
      'echo run >> "$REC/count"',
      'printf %s "$KUBERNETES_EXEC_INFO" > "$REC/info"',
      'readlink /proc/$$/fd/0 > "$REC/stdin" 2>/dev/null || echo closed > "$REC/stdin"',
      'printf %s "$EXTRA" > "$REC/extra"',
      'echo "plugin says hello" >&2',
      'if [ -n "$READ_STDIN" ]; then cat > /dev/null; fi',
      'if [ -n "$FAIL" ]; then echo "token expired, run: login" >&2; exit 3; fi',
      'cat "$OUT"',
    ].join('\n'),
  )
  chmodSync(plugin, 0o755)
})

function rec(): string {
  return mkdtempSync(join(dir, 'rec-'))
}

function cfg(r: string, o: Partial<ExecConfig> = {}, env: Record<string, string> = {}): ExecConfig {
  const out = join(r, 'out.json')
  if (!existsSync(out)) {
    writeFileSync(out, JSON.stringify({ apiVersion: o.apiVersion ?? 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'tok-1' } }))
  }
  return {
    apiVersion: 'client.authentication.k8s.io/v1',
    command: plugin,
    args: [],
    env: Object.entries({ REC: r, OUT: out, ...env }).map(([name, value]) => ({ name, value })),
    interactiveMode: 'IfAvailable',
    provideClusterInfo: false,
    ...o,
  }
}

function sink(): Writable & { text: string } {
  const w = new Writable({
    write(c, _e, cb) {
      w.text += c.toString()
      cb()
    },
  }) as Writable & { text: string }
  w.text = ''
  return w
}

const info = (r: string) => JSON.parse(readFileSync(join(r, 'info'), 'utf8'))
const runs = (r: string) => (existsSync(join(r, 'count')) ? readFileSync(join(r, 'count'), 'utf8').trim().split('\n').length : 0)

describe('interactiveMode', () => {
  it('Always without a terminal fails at once with exit 5, and the plugin is not run', async () => {
    const r = rec()
    const t0 = Date.now()
    const err = await runExecPlugin(cfg(r, { interactiveMode: 'Always' }), undefined, { isTerminal: false }).catch((e) => e)
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(err).toBeInstanceOf(ClusterError)
    expect(err.exitCode).toBe(5)
    expect(err.message).toBe('the credential plugin "plugin.sh" needs a terminal (interactiveMode: Always), and standard input is not one')
    expect(err.hint).toMatch(/terminal/)
    expect(runs(r)).toBe(0)
  })

  it('IfAvailable without a terminal runs with stdin closed (a plugin reading it gets EOF, never hangs) and interactive=false', async () => {
    const r = rec()
    const errOut = sink()
    const cred = await runExecPlugin(cfg(r, {}, { READ_STDIN: '1' }), undefined, { isTerminal: false, stderr: errOut })
    expect(cred.token).toBe('tok-1')
    expect(info(r)).toEqual({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } })
    expect(readFileSync(join(r, 'stdin'), 'utf8').trim()).toBe('/dev/null')
    // Its messages are passed on to our stderr.
    expect(errOut.text).toContain('plugin says hello')
  })

  it('on a terminal (IfAvailable or Always) the plugin inherits our stdin and is told interactive=true', async () => {
    for (const mode of ['IfAvailable', 'Always'] as const) {
      const r = rec()
      await runExecPlugin(cfg(r, { interactiveMode: mode }), undefined, { isTerminal: true })
      expect(info(r).spec.interactive).toBe(true)
      let ours = 'closed'
      try {
        ours = readlinkSync('/proc/self/fd/0')
      } catch {
        // no /proc: the comparison below still holds for "closed"
      }
      expect(readFileSync(join(r, 'stdin'), 'utf8').trim()).toBe(ours)
    }
  })

  it('Never: not interactive even on a terminal, stdin closed', async () => {
    const r = rec()
    await runExecPlugin(cfg(r, { interactiveMode: 'Never' }), undefined, { isTerminal: true })
    expect(info(r).spec.interactive).toBe(false)
    expect(readFileSync(join(r, 'stdin'), 'utf8').trim()).toBe('/dev/null')
  })
})

describe('running the plugin', () => {
  it('passes env entries and, with provideClusterInfo, the cluster', async () => {
    const r = rec()
    const cluster = { server: 'https://api.example:6443', 'certificate-authority-data': 'Q0E=', config: { audience: 'x' } }
    await runExecPlugin(cfg(r, { provideClusterInfo: true }, { EXTRA: 'from-kubeconfig' }), cluster, { isTerminal: false })
    expect(readFileSync(join(r, 'extra'), 'utf8')).toBe('from-kubeconfig')
    expect(info(r).spec.cluster).toEqual(cluster)
    const r2 = rec()
    await runExecPlugin(cfg(r2), cluster, { isTerminal: false })
    expect(info(r2).spec.cluster).toBeUndefined()
  })

  it('a failing plugin → exit 5 with its last stderr line and how to see more', async () => {
    const r = rec()
    const err = await runExecPlugin(cfg(r, {}, { FAIL: '1' }), undefined, { isTerminal: false, stderr: sink() }).catch((e) => e)
    expect(err).toBeInstanceOf(ClusterError)
    expect(err.exitCode).toBe(5)
    expect(err.message).toBe('the credential plugin "plugin.sh" failed (exit 3): token expired, run: login')
    expect(err.hint).toContain(plugin)
  })

  it('a missing plugin → exit 5 with the kubeconfig\'s installHint', async () => {
    const c = { ...cfg(rec()), command: 'kubelogin-not-installed', installHint: 'brew install kubelogin\nor see the docs' }
    const err = await runExecPlugin(c, undefined, { isTerminal: false }).catch((e) => e)
    expect(err).toBeInstanceOf(ClusterError)
    expect(err.exitCode).toBe(5)
    expect(err.message).toBe('the credential plugin "kubelogin-not-installed" named in your kubeconfig was not found')
    expect(err.hint).toBe('brew install kubelogin')
  })

  it('v1beta1 works the same way', async () => {
    const r = rec()
    const cred = await runExecPlugin(cfg(r, { apiVersion: 'client.authentication.k8s.io/v1beta1' }), undefined, { isTerminal: false })
    expect(cred.token).toBe('tok-1')
    expect(info(r).apiVersion).toBe('client.authentication.k8s.io/v1beta1')
  })
})

describe('parseExecCredential', () => {
  const v1 = { apiVersion: 'client.authentication.k8s.io/v1' as const, command: 'p' }
  const doc = (status: unknown, apiVersion = v1.apiVersion) => JSON.stringify({ apiVersion, kind: 'ExecCredential', status })

  it('a token with its expiry', () => {
    expect(parseExecCredential(doc({ token: 't', expirationTimestamp: '2026-11-25T12:00:00Z' }), v1)).toEqual({ token: 't', expiresAt: Date.parse('2026-11-25T12:00:00Z') })
  })
  it('a client certificate and key', () => {
    const c = parseExecCredential(doc({ clientCertificateData: 'CERT', clientKeyData: 'KEY' }), v1)
    expect(c.certData?.toString()).toBe('CERT')
    expect(c.keyData?.toString()).toBe('KEY')
    expect(c.expiresAt).toBeUndefined()
  })
  it.each([
    ['not JSON', 'hello', /not JSON/],
    ['another kind', JSON.stringify({ apiVersion: v1.apiVersion, kind: 'Pod' }), /not an ExecCredential/],
    ['another version', doc({ token: 't' }, 'client.authentication.k8s.io/v1beta1' as never), /asks for client.authentication.k8s.io\/v1/],
    ['nothing usable', doc({}), /neither a token nor a client certificate/],
    ['a certificate without key', doc({ clientCertificateData: 'C' }), /without its key/],
    ['a bad expiry', doc({ token: 't', expirationTimestamp: 'soon' }), /not a time/],
  ])('refuses %s (exit 5)', (_, text, msg) => {
    let err: unknown
    try {
      parseExecCredential(text, v1)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ClusterError)
    expect((err as ClusterError).exitCode).toBe(5)
    expect((err as ClusterError).message).toMatch(msg)
  })
})
