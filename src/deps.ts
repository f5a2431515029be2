// Everything a command needs from the outside world, in one object, so the core can run against fakes.
import { randomBytes } from 'node:crypto'
import { HelmCli, type Helm, type KubeTarget } from './helm/helm.ts'
import { Kube } from './k8s/kube.ts'
import { HttpTransport } from './k8s/http.ts'
import { loadKubeconfig, type KubeconfigFlags, type ResolvedConfig } from './k8s/kubeconfig.ts'
import { Printer, type Streams } from './output/output.ts'
import { silentUi, type Ui } from './output/ui.ts'
import { parseRequestTimeout } from './core/names.ts'

export interface ClusterFlags extends KubeconfigFlags {
  requestTimeout?: string | undefined
}

export interface Deps {
  env: NodeJS.ProcessEnv
  streams: Streams
  printer: Printer
  /** Progress on stderr; silent unless the command turns it on (see commands/shared.ts). */
  ui: Ui
  helm: Helm
  /** The API client for these flags; resolved (and the kubeconfig read) on first use only. */
  kube(flags: ClusterFlags): Promise<Kube>
  /** The resolved kubeconfig (context, namespace) for these flags. */
  kubeconfig(flags: ClusterFlags): ResolvedConfig
  /** What helm must be told to reach the same cluster as the API client. */
  kubeTarget(flags: ClusterFlags): KubeTarget
  now(): number
  randomBytes(n: number): Buffer
  /** Aborted on Ctrl-C. */
  signal: AbortSignal
  /** Standard input is a terminal and prompting is allowed (not CI, not --no-input). */
  interactive: boolean
  readStdin(): Promise<string>
}

export function realDeps(opts: { streams?: Streams; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Deps {
  const env = opts.env ?? process.env
  const streams: Streams = opts.streams ?? { out: process.stdout, err: process.stderr }
  const configs = new Map<string, ResolvedConfig>()
  const clients = new Map<string, Kube>()
  const key = (f: ClusterFlags) => JSON.stringify([f.kubeconfig, f.context, f.namespace, f.requestTimeout, f.as, f.asGroups])
  const kubeconfig = (flags: ClusterFlags): ResolvedConfig => {
    const k = key(flags)
    let cfg = configs.get(k)
    if (!cfg) {
      cfg = loadKubeconfig(flags, env)
      configs.set(k, cfg)
    }
    return cfg
  }
  const trace = env.DBAAS_TRACE ? (line: string) => streams.err.write(`[api] ${line}\n`) : undefined
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0'
  return {
    env,
    streams,
    printer: new Printer(streams, env),
    ui: silentUi,
    helm: new HelmCli({ env, log: (line) => streams.err.write(`${line}\n`) }),
    kubeconfig,
    async kube(flags) {
      const k = key(flags)
      let client = clients.get(k)
      if (!client) {
        const cfg = kubeconfig(flags)
        const timeoutMs = flags.requestTimeout === undefined ? 30_000 : parseRequestTimeout(flags.requestTimeout)
        // -v N (kubectl's): the lead's pipeline puts it on the cluster flags.
        const verbosity = (flags as { verbosity?: number }).verbosity ?? 0
        const log = (line: string) => streams.err.write(`${line}\n`)
        client = new Kube(new HttpTransport(cfg, { timeoutMs, verbosity, log, ...(trace ? { trace } : {}) }), cfg.contextNamespace)
        clients.set(k, client)
      }
      return client
    },
    kubeTarget(flags) {
      const cfg = kubeconfig(flags)
      // helm reads the same kubeconfig (one file by flag, or KUBECONFIG as it was: it may list several), the
      // same context, and --as/--as-group when given; otherwise the same user entry's impersonation.
      const src = cfg.source
      return {
        context: cfg.files.length ? cfg.contextName : undefined,
        kubeconfig: src?.kind === 'flag' || src?.kind === 'default' ? src.value : undefined,
        kubeconfigEnv: src?.kind === 'env' ? src.value : undefined,
        asUser: flags.as || undefined,
        asGroups: flags.asGroups?.length ? flags.asGroups : undefined,
        verbosity: (flags as { verbosity?: number }).verbosity,
      }
    },
    now: () => Date.now(),
    randomBytes: (n) => randomBytes(n),
    signal: opts.signal ?? new AbortController().signal,
    interactive: process.stdin.isTTY === true && !ci,
    async readStdin() {
      const chunks: Buffer[] = []
      for await (const c of process.stdin) chunks.push(c as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
  }
}
