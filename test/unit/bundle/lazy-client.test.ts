// The bundled CLI must not load the cluster client (or the spinner and prompt libraries) for commands that
// do not talk to the cluster: `--version`, `--help`, `create --dry-run=client`. A loader hook records every
// module the process loads.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureFreshBundle } from '../../helpers/bundle.ts'
import { findHelm } from '../../helpers/find-helm.ts'

const root = new URL('../../../', import.meta.url).pathname
const bin = join(root, 'bin/dbaas.js')

/** The chunk that holds @kubernetes/client-node, found by a string only that library contains. */
function clientChunk(): string {
  const dir = join(root, 'dist/chunks')
  const hit = readdirSync(dir).find((f) => readFileSync(join(dir, f), 'utf8').includes('KubernetesObjectApi'))
  if (!hit) throw new Error('no chunk contains @kubernetes/client-node')
  return hit
}

function loadedModules(args: string[]): { files: string[]; stdout: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-hook-'))
  const log = join(dir, 'loaded.txt')
  const hooks = join(dir, 'hooks.mjs')
  writeFileSync(hooks, `import { appendFileSync } from 'node:fs'\nexport async function load(url, ctx, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, ctx) }\n`)
  const register = join(dir, 'register.mjs')
  writeFileSync(register, `import { register } from 'node:module'\nregister(${JSON.stringify(`file://${hooks}`)})\n`)
  const r = spawnSync(process.execPath, ['--import', register, bin, ...args], { encoding: 'utf8', env: { ...process.env, DBAAS_HELM: helm, KUBECONFIG: '/nonexistent', CI: 'true' } })
  const files = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []
  return { files, stdout: r.stdout, status: r.status }
}

let helm = ''

describe('the bundle loads the cluster client lazily', () => {
  beforeAll(async () => {
    helm = await findHelm()
    // The bundle under test is built from the sources being tested, not left over from another checkout.
    ensureFreshBundle()
  }, 60_000)

  it.each([[['--version']], [['--help']], [['create', '--help']], [['create', 'postgres', 'demo', '--dry-run=client']]])('%j does not load it', (args) => {
    const chunk = clientChunk()
    const r = loadedModules(args)
    expect(r.status, r.stdout).toBe(0)
    expect(r.files.length).toBeGreaterThan(0)
    expect(r.files.some((f) => f.endsWith(chunk))).toBe(false)
    expect(r.files.some((f) => /\/(ora|inquirer)/.test(f))).toBe(false)
  })

  function kubeconfigWith(user: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'dbaas-kc-'))
    const kc = join(dir, 'config')
    writeFileSync(kc, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: ${user}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`)
    return kc
  }

  it('the hook does see the client when a command needs it (the check has teeth)', () => {
    // connect and exec-based commands import it; so does a kubeconfig with an auth-provider (oidc, gcp, azure).
    const jwt = ['{"alg":"none"}', '{"exp":4102444800}'].map((p) => Buffer.from(p).toString('base64url')).join('.') + '.x'
    const kc = kubeconfigWith(`{auth-provider: {name: oidc, config: {client-id: x, idp-issuer-url: "https://127.0.0.1:1", id-token: "${jwt}"}}}`)
    const r = loadedModules(['list', '--kubeconfig', kc])
    expect(r.files.some((f) => f.endsWith(clientChunk()))).toBe(true)
  })

  it('an exec credential plugin is run by dbaas itself: the client is not loaded for it', () => {
    const kc = kubeconfigWith('{exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/false, interactiveMode: Never}}')
    const r = loadedModules(['list', '--kubeconfig', kc])
    expect(r.status).toBe(5)
    expect(r.files.length).toBeGreaterThan(0)
    expect(r.files.some((f) => f.endsWith(clientChunk()))).toBe(false)
  })
})
