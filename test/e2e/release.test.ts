// Issue 12, "Done means" 8: the packed tarball installs and runs. `npm pack` → `npm install -g --offline` into an
// empty prefix (nothing fetched: the bundle carries its dependencies) → on a clean PATH (the prefix, node,
// kubectl; nothing else), `dbaas version`, `kubectl dbaas list` through kubectl's own plugin discovery against
// the lab, help as `kubectl dbaas`, and completion both ways. The krew archive runs the same from where krew
// would unpack it.
import { execa } from 'execa'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaasOk } from './helpers.ts'

const root = new URL('../../', import.meta.url).pathname
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }

/** A directory holding only a link to the kubectl on PATH (the lab's, or the user's). */
async function kubectlDir(): Promise<string> {
  const which = await execa('sh', ['-c', 'command -v kubectl'])
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-kubectl-'))
  symlinkSync(String(which.stdout).trim(), join(dir, 'kubectl'))
  return dir
}

/** Runs a command with only these directories on PATH and a home of its own. */
function clean(path: string[], home: string) {
  return (file: string, args: string[]) =>
    execa(file, args, {
      reject: false,
      env: { PATH: path.join(':'), HOME: home, KUBECONFIG: process.env.KUBECONFIG ?? '', CI: 'true' },
      extendEnv: false,
      timeout: 120_000,
    })
}

describe('the npm package', () => {
  let tarball = ''
  let prefix = ''
  let run: ReturnType<typeof clean>
  const name = uniqueName('pkg')
  afterAll(() => cleanupInstance(name))

  beforeAll(async () => {
    const dest = mkdtempSync(join(tmpdir(), 'dbaas-pack-'))
    const packed = await execa('npm', ['pack', '--pack-destination', dest, '--json'], { cwd: root, reject: false })
    expect(packed.exitCode, String(packed.stderr)).toBe(0)
    tarball = join(dest, JSON.parse(String(packed.stdout))[0].filename)
    prefix = mkdtempSync(join(tmpdir(), 'dbaas-prefix-'))
    const installed = await execa('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { reject: false, env: { ...process.env, npm_config_cache: join(prefix, '.npm-cache') } })
    expect(installed.exitCode, String(installed.stderr)).toBe(0)
    run = clean([join(prefix, 'bin'), dirname(process.execPath), await kubectlDir()], mkdtempSync(join(tmpdir(), 'dbaas-home-')))
    await dbaasOk(['create', 'pg', name, '--storage', '1Gi', '--no-wait'])
  }, 300_000)

  it('holds the bundle, the charts, LICENSE and README, and installs nothing else', () => {
    const lib = join(prefix, 'lib', 'node_modules', 'dbaas')
    for (const f of ['bin/dbaas.js', 'bin/kubectl_complete-dbaas', 'dist/dbaas.js', 'dist/THIRD-PARTY-LICENSES.txt', 'templates/charts/postgresql/Chart.yaml', 'LICENSE', 'README.md']) {
      expect(existsSync(join(lib, f)), f).toBe(true)
    }
    expect(existsSync(join(lib, 'dist', '.metafile.json'))).toBe(false)
    expect(existsSync(join(lib, 'node_modules'))).toBe(false)
    expect(readdirSync(join(prefix, 'bin')).sort()).toEqual(['dbaas', 'kubectl-dbaas', 'kubectl_complete-dbaas'])
  })

  it('dbaas version', async () => {
    const r = await run('dbaas', ['version'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stdout)).toContain(pkg.version)
  })

  it('kubectl finds the plugin and `kubectl dbaas list` lists the lab\'s instances', async () => {
    const plugins = await run('kubectl', ['plugin', 'list'])
    expect(String(plugins.stdout)).toContain(join(prefix, 'bin', 'kubectl-dbaas'))
    const r = await run('kubectl', ['dbaas', 'list', '-A'])
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stdout)).toMatch(/^NAME\s+KIND\s+ENGINE/)
    expect(String(r.stdout)).toMatch(new RegExp(`^${name}\\s+instance\\s+postgresql`, 'm'))
  })

  it('says `kubectl dbaas` in help when run by kubectl', async () => {
    const r = await run('kubectl', ['dbaas', 'create', '--help'])
    expect(String(r.stdout)).toMatch(/^Usage: kubectl dbaas create /m)
    expect(String(r.stdout)).toMatch(/^ {2}kubectl dbaas create postgres orders$/m)
    const plain = await run('dbaas', ['create', '--help'])
    expect(String(plain.stdout)).toMatch(/^Usage: dbaas create /m)
  })

  it('completes: `dbaas completion bash` prints the script, `kubectl dbaas <TAB>` goes through kubectl_complete-dbaas', async () => {
    const script = await run('dbaas', ['completion', 'bash'])
    expect(script.exitCode).toBe(0)
    expect(String(script.stdout)).toContain('complete ')
    const words = await run('kubectl', ['__complete', 'dbaas', 'cre'])
    expect(String(words.stdout)).toMatch(/^create\b/m)
    const names = await run('kubectl', ['__complete', 'dbaas', 'status', name.slice(0, 5)])
    expect(String(names.stdout)).toContain(name)
  })
})

describe('the krew archive', () => {
  it('carries LICENSE and a launcher, matches its manifest, and runs as `kubectl dbaas` from where krew unpacks it', async () => {
    const built = await execa('npm', ['run', '-s', 'pack:krew'], { cwd: root, reject: false })
    expect(built.exitCode, String(built.stderr)).toBe(0)
    const manifest = parse(readFileSync(join(root, '.pack', 'dbaas.yaml'), 'utf8'))
    expect(manifest).toMatchObject({ apiVersion: 'krew.googlecontainertools.github.com/v1alpha2', kind: 'Plugin', metadata: { name: 'dbaas' }, spec: { version: `v${pkg.version}` } })
    expect(manifest.spec.shortDescription.length).toBeLessThanOrEqual(50)
    expect(manifest.spec.caveats).toMatch(/Node\.js.*22/)
    expect(manifest.spec.caveats).toMatch(/helm/)
    const archive = join(root, '.pack', `kubectl-dbaas-v${pkg.version}.tar.gz`)
    const sha = createHash('sha256').update(readFileSync(archive)).digest('hex')
    const selectors = manifest.spec.platforms.map((p: { selector: { matchLabels: Record<string, string> }; sha256: string; bin: string }) => {
      expect(p.sha256).toBe(sha)
      expect(p.bin).toBe('kubectl-dbaas')
      return `${p.selector.matchLabels.os}/${p.selector.matchLabels.arch}`
    })
    expect(selectors.sort()).toEqual(['darwin/amd64', 'darwin/arm64', 'linux/amd64', 'linux/arm64'])

    // Where krew puts it: the archive unpacked in its store, the bin linked from krew's bin directory.
    const store = mkdtempSync(join(tmpdir(), 'dbaas-krew-store-'))
    await execa('tar', ['-xzf', archive, '-C', store])
    for (const f of ['LICENSE', 'kubectl-dbaas', 'lib/bin/dbaas.js', 'lib/dist/dbaas.js', 'lib/templates/charts/mysql/Chart.yaml']) expect(existsSync(join(store, f)), f).toBe(true)
    const krewBin = join(mkdtempSync(join(tmpdir(), 'dbaas-krew-')), 'bin')
    mkdirSync(krewBin)
    symlinkSync(join(store, 'kubectl-dbaas'), join(krewBin, 'kubectl-dbaas'))
    const run = clean([krewBin, dirname(process.execPath), await kubectlDir()], mkdtempSync(join(tmpdir(), 'dbaas-home-')))
    const v = await run('kubectl', ['dbaas', 'version'])
    expect(v.exitCode, String(v.stderr)).toBe(0)
    expect(String(v.stdout)).toContain(pkg.version)
    const help = await run('kubectl', ['dbaas', '--help'])
    expect(String(help.stdout)).toMatch(/^Usage: kubectl dbaas /m)
    const list = await run('kubectl', ['dbaas', 'list', '-n', 'default'])
    expect(list.exitCode, String(list.stderr)).toBe(0)
  }, 180_000)
})
