import { describe, expect, it } from 'vitest'
import { HelmError, PreconditionError } from '../../../src/errors.ts'
import { commandLine, HelmCli, helmEnv, helmMessage, type InstallRequest, type Runner } from '../../../src/helm/helm.ts'

interface Run {
  file: string
  args: string[]
  opts: { input?: string; env: Record<string, string> }
}

function recorder(answer: (args: string[]) => { stdout: string } | Error = () => ({ stdout: '' }), version = 'v3.19.0') {
  const runs: Run[] = []
  const run: Runner = async (file, args, opts) => {
    runs.push({ file, args, opts })
    if (args[0] === 'version') return { stdout: version }
    const a = answer(args)
    if (a instanceof Error) throw a
    return a
  }
  return { runs, run }
}

const PASSWORD = 'Very-Secret-Pa55word-42'

function request(o: Partial<InstallRequest> = {}): InstallRequest {
  return {
    release: 'orders',
    chart: 'postgresql',
    namespace: 'dbaas-orders',
    values: { image: { tag: '18' }, auth: { existingSecret: 'orders-credentials' }, flag: 'on' },
    labels: { 'app.kubernetes.io/managed-by': 'dbaas', 'dbaas.io/kind': 'release' },
    timeoutSeconds: 600,
    target: { context: 'kind-lab', kubeconfig: '/tmp/kc' },
    ...o,
  }
}

describe('HelmCli.upgradeInstall', () => {
  it('runs helm upgrade --install with an argument array, values as JSON on stdin, labels and kube target', async () => {
    const { runs, run } = recorder()
    await new HelmCli({ bin: 'helm', run }).upgradeInstall(request())
    const install = runs.find((r) => r.args[0] === 'upgrade')!
    expect(install.file).toBe('helm')
    const a = install.args
    expect(a.slice(0, 3)).toEqual(['upgrade', '--install', 'orders'])
    expect(a[3]).toMatch(/templates\/charts\/postgresql$/)
    const flag = (f: string) => a[a.indexOf(f) + 1]
    expect(flag('--namespace')).toBe('dbaas-orders')
    expect(flag('--values')).toBe('-')
    expect(flag('--labels')).toBe('app.kubernetes.io/managed-by=dbaas,dbaas.io/kind=release')
    expect(flag('--timeout')).toBe('600s')
    expect(flag('--kube-context')).toBe('kind-lab')
    expect(flag('--kubeconfig')).toBe('/tmp/kc')
    expect(a).not.toContain('--atomic')
    expect(a).not.toContain('--set')
    expect(JSON.parse(install.opts.input!)).toEqual(request().values)
    expect(install.opts.input).toContain('"on"')
  })

  it('omits --kube-context and --kubeconfig when the target names none', async () => {
    const { runs, run } = recorder()
    await new HelmCli({ run }).upgradeInstall(request({ target: {} }))
    const a = runs.find((r) => r.args[0] === 'upgrade')!.args
    expect(a).not.toContain('--kube-context')
    expect(a).not.toContain('--kubeconfig')
  })

  it('never puts a password in argv, even one smuggled into values', async () => {
    const { runs, run } = recorder()
    await new HelmCli({ run }).upgradeInstall(request({ values: { password: PASSWORD } }))
    for (const r of runs) expect(r.args.join(' ')).not.toContain(PASSWORD)
  })

  it('detects the version once per client', async () => {
    const { runs, run } = recorder()
    const helm = new HelmCli({ run })
    await helm.upgradeInstall(request())
    await helm.uninstall('orders', 'dbaas-orders', {})
    await helm.version()
    expect(runs.filter((r) => r.args[0] === 'version')).toHaveLength(1)
  })
})

describe('HelmCli other commands', () => {
  it('template passes values on stdin and returns stdout', async () => {
    const { runs, run } = recorder(() => ({ stdout: 'kind: StatefulSet' }))
    const out = await new HelmCli({ run }).template({ release: 'x', chart: 'mysql', namespace: 'n', values: { a: 1 } })
    expect(out).toBe('kind: StatefulSet')
    const t = runs.find((r) => r.args[0] === 'template')!
    expect(t.args).toEqual(['template', 'x', expect.stringMatching(/charts\/mysql$/), '--namespace', 'n', '--values', '-'])
    expect(t.opts.input).toBe('{"a":1}')
  })

  it('uninstall: --no-hooks only when asked, timeout default 300s, target flags', async () => {
    const { runs, run } = recorder()
    const helm = new HelmCli({ run })
    await helm.uninstall('x', 'n', { context: 'c' }, { noHooks: true, timeoutSeconds: 42 })
    await helm.uninstall('x', 'n', {})
    const [a, b] = runs.filter((r) => r.args[0] === 'uninstall').map((r) => r.args)
    expect(a).toEqual(['uninstall', 'x', '--namespace', 'n', '--no-hooks', '--timeout', '42s', '--kube-context', 'c'])
    expect(b).toEqual(['uninstall', 'x', '--namespace', 'n', '--timeout', '300s'])
  })

  it('rollback', async () => {
    const { runs, run } = recorder()
    await new HelmCli({ run }).rollback('x', 'n', { kubeconfig: '/k' })
    expect(runs.at(-1)!.args).toEqual(['rollback', 'x', '--namespace', 'n', '--kubeconfig', '/k'])
  })
})

describe('HelmCli errors', () => {
  it('ENOENT → PreconditionError (exit 7) with an install hint', async () => {
    const run: Runner = async () => {
      throw Object.assign(new Error('spawn helm ENOENT'), { code: 'ENOENT' })
    }
    const err = await new HelmCli({ bin: 'helm', run }).version().catch((e) => e)
    expect(err).toBeInstanceOf(PreconditionError)
    expect(err.exitCode).toBe(7)
    expect(err.message).toContain('helm is not installed')
    expect(err.hint).toMatch(/helm\.sh\/docs\/intro\/install|DBAAS_HELM/)
  })

  it.each(['v3.12.3', 'v2.17.0', '3.0.0'])('refuses helm %s as too old', async (v) => {
    const { run } = recorder(undefined, v)
    const err = await new HelmCli({ run }).version().catch((e) => e)
    expect(err).toBeInstanceOf(PreconditionError)
    expect(err.hint).toContain('3.13')
  })

  it.each(['v3.13.0', 'v3.19.5', 'v4.0.1', 'v4.1.0+g1234'])('accepts helm %s', async (v) => {
    const { run } = recorder(undefined, v)
    await expect(new HelmCli({ run }).version()).resolves.toBe(v)
  })

  it('an unparseable version is a HelmError', async () => {
    const { run } = recorder(undefined, 'garbage')
    await expect(new HelmCli({ run }).version()).rejects.toBeInstanceOf(HelmError)
  })

  it('translates stderr and never shows argv or execa\'s message', async () => {
    const argvLine = `Command failed with exit code 1: helm upgrade --install orders /x --kube-context kind-lab ${PASSWORD}`
    const { run } = recorder((args) =>
      args[0] === 'upgrade'
        ? Object.assign(new Error(argvLine), {
            stderr: 'WARNING: Kubernetes configuration file is group-readable\nError: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress',
            exitCode: 1,
            command: argvLine,
          })
        : { stdout: '' },
    )
    const err = await new HelmCli({ run }).upgradeInstall(request()).catch((e) => e)
    expect(err).toBeInstanceOf(HelmError)
    expect(err.exitCode).toBe(1)
    expect(err.message).toBe('helm install failed: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress')
    expect(JSON.stringify({ m: err.message, h: err.hint, j: err.toJSON() })).not.toMatch(/--install|--kube-context|kind-lab|Command failed|Very-Secret/)
  })

  it('without stderr, reports the exit code only', async () => {
    const { run } = recorder(() => Object.assign(new Error('Command failed: helm rollback x --token SECRET'), { exitCode: 3 }))
    const err = await new HelmCli({ run }).rollback('x', 'n', {}).catch((e) => e)
    expect(err.message).toBe('helm rollback failed (exit 3)')
  })
})

describe('helmMessage', () => {
  it('keeps the last two meaningful lines, without Error: prefixes and noise', () => {
    expect(helmMessage('Error: INSTALLATION FAILED: timed out')).toBe('INSTALLATION FAILED: timed out')
    expect(helmMessage('WARNING: group-readable\nwalk.go:74: found symbolic link\n\nline one\nError: line two\n')).toBe('line one line two')
    expect(helmMessage('a\nb\nc')).toBe('b c')
    expect(helmMessage('')).toBe('')
    expect(helmMessage('install.go:225: debug\nupgrade.go:1: debug')).toBe('')
  })
})

describe('helm 3 vs 4', () => {
  it('neither gets --force-conflicts: dbaas writes nothing onto what helm installed, so there is no conflict to force', async () => {
    for (const v of ['v3.19.0', 'v4.0.1']) {
      const { runs, run } = recorder(undefined, v)
      await new HelmCli({ run }).upgradeInstall(request())
      expect(runs.find((r) => r.args[0] === 'upgrade')!.args).not.toContain('--force-conflicts')
    }
  })
})

describe('one identity and one cluster for helm and dbaas', () => {
  const shell = {
    PATH: '/usr/bin',
    HOME: '/home/u',
    HTTPS_PROXY: 'http://corp:3128',
    KUBECONFIG: '/shell/kubeconfig',
    HELM_NAMESPACE: 'default',
    HELM_KUBECONTEXT: 'nosuch',
    HELM_KUBETOKEN: 'stolen-token',
    HELM_KUBEASUSER: 'root',
    HELM_KUBEASGROUPS: 'system:masters',
    HELM_KUBEAPISERVER: 'https://elsewhere:6443',
    HELM_KUBECAFILE: '/x/ca',
    HELM_KUBEINSECURE_SKIP_TLS_VERIFY: 'true',
    HELM_KUBETLS_SERVER_NAME: 'other',
    HELM_DRIVER: 'configmap',
    HELM_CACHE_HOME: '/cache',
  }

  it('removes HELM_KUBE*, HELM_NAMESPACE and HELM_DRIVER from helm\'s environment and stores releases in Secrets', async () => {
    const { runs, run } = recorder()
    await new HelmCli({ run, env: shell }).upgradeInstall(request({ target: { context: 'lab' } }))
    for (const r of runs) {
      for (const k of Object.keys(r.opts.env)) expect(k).not.toMatch(/^HELM_KUBE|^HELM_NAMESPACE$/)
      expect(r.opts.env.HELM_DRIVER).toBe('secret')
      // What does not redirect helm stays: PATH, HOME, proxies, its own cache.
      expect(r.opts.env).toMatchObject({ PATH: '/usr/bin', HOME: '/home/u', HTTPS_PROXY: 'http://corp:3128', HELM_CACHE_HOME: '/cache' })
    }
  })

  it('KUBECONFIG is passed through as dbaas read it (it may list several files); a single file goes as --kubeconfig', async () => {
    const { runs, run } = recorder()
    const helm = new HelmCli({ run, env: shell })
    await helm.upgradeInstall(request({ target: { kubeconfigEnv: '/a/config:/b/config', context: 'ctx-a' } }))
    const a = runs.find((r) => r.args[0] === 'upgrade')!
    expect(a.opts.env.KUBECONFIG).toBe('/a/config:/b/config')
    expect(a.args).not.toContain('--kubeconfig')
    expect(a.args[a.args.indexOf('--kube-context') + 1]).toBe('ctx-a')
    await helm.uninstall('orders', 'dbaas-orders', { kubeconfig: '/home/u/.kube/config', context: 'ctx-a' })
    const u = runs.find((r) => r.args[0] === 'uninstall')!
    expect(u.args.slice(-4)).toEqual(['--kubeconfig', '/home/u/.kube/config', '--kube-context', 'ctx-a'])
  })

  it('--as/--as-group become --kube-as-user/--kube-as-group (one per group); without them none is passed', async () => {
    const { runs, run } = recorder()
    const helm = new HelmCli({ run, env: {} })
    await helm.upgradeInstall(request({ target: { context: 'c', asUser: 'system:serviceaccount:t:sa', asGroups: ['g1', 'g2'] } }))
    await helm.rollback('orders', 'n', { context: 'c' })
    const a = runs.find((r) => r.args[0] === 'upgrade')!.args
    expect(a.slice(a.indexOf('--kube-as-user'))).toEqual(['--kube-as-user', 'system:serviceaccount:t:sa', '--kube-as-group', 'g1', '--kube-as-group', 'g2'])
    expect(runs.find((r) => r.args[0] === 'rollback')!.args.join(' ')).not.toMatch(/kube-as/)
  })

  it('helmEnv without a target keeps KUBECONFIG as the shell has it', () => {
    expect(helmEnv({ KUBECONFIG: '/k', HELM_NAMESPACE: 'x' }, undefined)).toEqual({ KUBECONFIG: '/k', HELM_DEBUG: 'false', HELM_DRIVER: 'secret' })
  })

  it('at -v 6 the command line goes to the log, never the values; below 6 nothing', async () => {
    const lines: string[] = []
    const { run } = recorder()
    const helm = new HelmCli({ run, env: {}, log: (l) => lines.push(l) })
    await helm.upgradeInstall(request({ values: { password: PASSWORD }, target: { context: 'kind lab', verbosity: 6 } }))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^helm upgrade --install orders \S+\/templates\/charts\/postgresql --namespace dbaas-orders --values - /)
    expect(lines[0]).toContain("--kube-context 'kind lab'")
    expect(lines[0]).not.toContain(PASSWORD)
    await helm.uninstall('orders', 'dbaas-orders', { verbosity: 5 })
    await helm.template({ release: 'x', chart: 'mysql', namespace: 'n', values: { password: PASSWORD }, verbosity: 6 })
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatch(/^helm template x /)
    expect(lines.join('\n')).not.toContain(PASSWORD)
  })

  it('commandLine quotes what a shell would split', () => {
    expect(commandLine('helm', ['a', 'b c', "it's", '--x=1,2'])).toBe(`helm a 'b c' 'it'\\''s' --x=1,2`)
  })
})
