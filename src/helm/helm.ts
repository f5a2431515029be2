// Helm through execa: argument arrays only (never a shell), values by standard input (never --set, never a
// file others can read), and no password ever in the values. Helm 3 and helm 4 differ in a few flags; the
// major version is detected once per process.
//
// Helm acts as the same identity on the same cluster as dbaas's own requests: it gets the kubeconfig dbaas
// read (--kubeconfig, or KUBECONFIG passed through as it was, since it may list several files), the context
// (--kube-context) and --kube-as-user/--kube-as-group when --as/--as-group were given; otherwise it reads
// impersonation from the same user entry. Nothing from the shell can redirect it: HELM_KUBE* (token, API
// server, context, impersonation, CA …), HELM_NAMESPACE and HELM_DRIVER are removed from its environment,
// and it always stores releases in Secrets (HELM_DRIVER=secret), the storage dbaas reads.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HelmError, PreconditionError } from '../errors.ts'

export interface KubeTarget {
  /** --kubeconfig: the one file dbaas read (from --kubeconfig, or ~/.kube/config). */
  kubeconfig?: string | undefined
  /** KUBECONFIG as dbaas read it (possibly several files): passed through in helm's environment. */
  kubeconfigEnv?: string | undefined
  context?: string | undefined
  /** --as / --as-group: helm gets --kube-as-user / --kube-as-group. */
  asUser?: string | undefined
  asGroups?: string[] | undefined
  /** kubectl's -v: at 6 and above, helm's command line (never its values) goes to stderr. */
  verbosity?: number | undefined
}

export interface InstallRequest {
  release: string
  chart: string
  namespace: string
  values: Record<string, unknown>
  labels: Record<string, string>
  timeoutSeconds: number
  target: KubeTarget
}

export interface TemplateRequest {
  release: string
  chart: string
  namespace: string
  values: Record<string, unknown>
  verbosity?: number | undefined
}

export interface Helm {
  /** "v3.19.5"; throws a PreconditionError when helm is not installed. */
  version(): Promise<string>
  upgradeInstall(req: InstallRequest): Promise<void>
  template(req: TemplateRequest): Promise<string>
  uninstall(release: string, namespace: string, target: KubeTarget, opts?: { noHooks?: boolean; timeoutSeconds?: number }): Promise<void>
  rollback(release: string, namespace: string, target: KubeTarget): Promise<void>
  /** The values the release was installed or last upgraded with (`helm get values -o json`). */
  getValues(release: string, namespace: string, target: KubeTarget): Promise<Record<string, unknown>>
}

/** Runs a command with an argument array and exactly this environment; resolves stdout. Injected so tests can record argv. */
export type Runner = (file: string, args: string[], opts: { input?: string; env: Record<string, string> }) => Promise<{ stdout: string }>

export const execaRunner: Runner = async (file, args, opts) => {
  const { execa } = await import('execa')
  const r = await execa(file, args, {
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    env: opts.env,
    extendEnv: false,
    stripFinalNewline: true,
  })
  return { stdout: r.stdout }
}

/** Shell variables through which helm could reach another cluster, namespace, identity or storage. */
export function isRedirectingHelmVar(name: string): boolean {
  return name.startsWith('HELM_KUBE') || name === 'HELM_NAMESPACE' || name === 'HELM_DRIVER'
}

/** Helm's environment: the shell's, without the variables that redirect it, with dbaas's kubeconfig and storage. */
export function helmEnv(base: NodeJS.ProcessEnv, target: KubeTarget | undefined): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined && !isRedirectingHelmVar(k)) env[k] = v
  }
  env.HELM_DEBUG = 'false'
  env.HELM_DRIVER = 'secret'
  if (target?.kubeconfigEnv !== undefined) env.KUBECONFIG = target.kubeconfigEnv
  return env
}

/** A command line for the -v trace: arguments quoted for a POSIX shell where needed. */
export function commandLine(bin: string, args: string[]): string {
  return [bin, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')
}

/** The repository's templates/charts directory, found from this file whether bundled (dist/) or not (src/). */
export function chartsDir(): string {
  if (process.env.DBAAS_CHARTS_DIR) return process.env.DBAAS_CHARTS_DIR
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'templates', 'charts')
    if (existsSync(candidate)) return candidate
    dir = dirname(dir)
  }
  throw new HelmError('cannot find the charts directory (templates/charts) next to the dbaas installation', {
    hint: 'reinstall dbaas, or set DBAAS_CHARTS_DIR',
  })
}

function targetArgs(t: KubeTarget): string[] {
  return [
    ...(t.kubeconfig ? ['--kubeconfig', t.kubeconfig] : []),
    ...(t.context ? ['--kube-context', t.context] : []),
    ...(t.asUser ? ['--kube-as-user', t.asUser] : []),
    ...(t.asGroups ?? []).flatMap((g) => ['--kube-as-group', g]),
  ]
}

/** The last meaningful lines of helm's stderr, without its "Error: " prefix. */
export function helmMessage(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^(WARNING|walk\.go|install\.go|upgrade\.go)/.test(l))
  const last = lines.slice(-2).join(' ')
  return last.replace(/^Error:\s*/i, '').replace(/\bError:\s*/g, '')
}

export class HelmCli implements Helm {
  private readonly bin: string
  private readonly run: Runner
  private readonly env: NodeJS.ProcessEnv
  private readonly log: (line: string) => void
  private detected: Promise<string> | undefined

  constructor(opts: { bin?: string; run?: Runner; env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}) {
    this.env = opts.env ?? process.env
    this.bin = opts.bin ?? this.env.DBAAS_HELM ?? 'helm'
    this.run = opts.run ?? execaRunner
    this.log = opts.log ?? ((line) => process.stderr.write(`${line}\n`))
  }

  private async exec(args: string[], what: string, input?: string, target?: KubeTarget, verbosity = target?.verbosity): Promise<string> {
    if ((verbosity ?? 0) >= 6) this.log(commandLine(this.bin, args))
    try {
      const env = helmEnv(this.env, target)
      const r = await this.run(this.bin, args, input === undefined ? { env } : { input, env })
      return r.stdout
    } catch (err) {
      throw this.translate(err, what)
    }
  }

  private translate(err: unknown, what: string): Error {
    const e = err as { code?: string; stderr?: string; exitCode?: number }
    if (e?.code === 'ENOENT') {
      return new PreconditionError(`helm is not installed (looked for "${this.bin}" on PATH)`, {
        hint: 'install helm 3.13+ or 4 (https://helm.sh/docs/intro/install/), or set DBAAS_HELM to its path',
        details: { code: 'helm_missing' },
      })
    }
    const msg = helmMessage(e?.stderr ?? '')
    // Never err.message: execa puts the whole command line in it.
    return new HelmError(`helm ${what} failed${msg ? `: ${msg}` : e?.exitCode !== undefined ? ` (exit ${e.exitCode})` : ''}`)
  }

  version(): Promise<string> {
    this.detected ??= this.exec(['version', '--template', '{{.Version}}'], 'version').then((v) => {
      const m = /^v?(\d+)\.(\d+)/.exec(v.trim())
      if (!m) throw new HelmError(`could not understand helm's version "${v.trim()}"`)
      const [maj, min] = [Number(m[1]), Number(m[2])]
      if (maj < 3 || (maj === 3 && min < 13)) {
        throw new PreconditionError(`helm ${v.trim()} is too old`, { hint: 'dbaas needs helm 3.13 or newer (release labels); install helm 3.13+ or 4' })
      }
      return v.trim()
    })
    return this.detected
  }

  async major(): Promise<number> {
    return Number(/^v?(\d+)/.exec(await this.version())?.[1] ?? 3)
  }

  async upgradeInstall(req: InstallRequest): Promise<void> {
    await this.version()
    const labels = Object.entries(req.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    const args = [
      'upgrade',
      '--install',
      req.release,
      join(chartsDir(), req.chart),
      '--namespace',
      req.namespace,
      '--values',
      '-',
      '--labels',
      labels,
      '--timeout',
      `${req.timeoutSeconds}s`,
      // No --force-conflicts on helm 4 (server-side apply): dbaas writes nothing onto what helm installs, so
      // helm's field manager owns every field and a second install of an interrupted one meets no conflict.
      ...targetArgs(req.target),
    ]
    // dbaas waits by watching the StatefulSet itself; helm neither waits nor rolls back (no --atomic /
    // --rollback-on-failure): a failure leaves what exists for `status` to explain.
    // JSON is YAML that helm cannot misread (an unquoted `on` or `y` would become a boolean).
    await this.exec(args, 'install', JSON.stringify(req.values), req.target)
  }

  async template(req: TemplateRequest): Promise<string> {
    await this.version()
    return this.exec(
      ['template', req.release, join(chartsDir(), req.chart), '--namespace', req.namespace, '--values', '-'],
      'template',
      JSON.stringify(req.values),
      undefined,
      req.verbosity,
    )
  }

  async uninstall(release: string, namespace: string, target: KubeTarget, opts: { noHooks?: boolean; timeoutSeconds?: number } = {}): Promise<void> {
    await this.version()
    await this.exec(
      [
        'uninstall',
        release,
        '--namespace',
        namespace,
        ...(opts.noHooks ? ['--no-hooks'] : []),
        '--timeout',
        `${opts.timeoutSeconds ?? 300}s`,
        ...targetArgs(target),
      ],
      'uninstall',
      undefined,
      target,
    )
  }

  async rollback(release: string, namespace: string, target: KubeTarget): Promise<void> {
    await this.version()
    await this.exec(['rollback', release, '--namespace', namespace, ...targetArgs(target)], 'rollback', undefined, target)
  }

  async getValues(release: string, namespace: string, target: KubeTarget): Promise<Record<string, unknown>> {
    await this.version()
    const out = await this.exec(['get', 'values', release, '--namespace', namespace, '--output', 'json', ...targetArgs(target)], 'get values', undefined, target)
    // A release installed without values prints `null`.
    const v = JSON.parse(out.trim() || 'null') as Record<string, unknown> | null
    return v ?? {}
  }
}
