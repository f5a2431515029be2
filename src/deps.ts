// Everything a command needs from the outside world, in one object, so the core can run against fakes.
import { randomBytes } from 'node:crypto'
import { HelmCli, type Helm, type KubeTarget } from './helm/helm.ts'
import type { Kube } from './k8s/kube.ts'
import type { KubeconfigFlags, ResolvedConfig } from './k8s/kubeconfig.ts'
import { Printer, type Streams } from './output/printer.ts'
import { silentUi, type Ui } from './output/ui.ts'
import { lazyPrompter, type Prompter } from './prompts.ts'

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
  /** The resolved kubeconfig (context, namespace) for these flags; the YAML parser loads on first use only. */
  kubeconfig(flags: ClusterFlags): Promise<ResolvedConfig>
  /** What helm must be told to reach the same cluster as the API client. */
  kubeTarget(flags: ClusterFlags): Promise<KubeTarget>
  now(): number
  randomBytes(n: number): Buffer
  /** Aborted on Ctrl-C. */
  signal: AbortSignal
  /** Standard input is a terminal and prompting is allowed (not CI, not --no-input). */
  interactive: boolean
  /** Asks on the terminal; only ever called from a verb's complete step (commands/pipeline.ts). */
  prompter: Prompter
  readStdin(): Promise<string>
  /** kubectl's -v: 6 logs every API request and helm's command line on stderr, 8 adds bodies (Secrets redacted). */
  verbosity: number
  /** Runs another dbaas command line in this process (the interactive menu); set by main(). */
  invoke?: (args: string[]) => Promise<number>
}

export function realDeps(opts: { streams?: Streams; env?: NodeJS.ProcessEnv; signal?: AbortSignal; verbosity?: number } = {}): Deps {
  const env = opts.env ?? process.env
  const streams: Streams = opts.streams ?? { out: process.stdout, err: process.stderr }
  const configs = new Map<string, Promise<ResolvedConfig>>()
  const clients = new Map<string, Promise<Kube>>()
  const key = (f: ClusterFlags) => JSON.stringify([f.kubeconfig, f.context, f.namespace, f.requestTimeout, f.as, f.asGroups])
  // The kubeconfig module (and the YAML parser it needs) and the HTTP client are loaded by the first command
  // that talks to the cluster: `--help`, `version` and `completion` never pay for them.
  const kubeconfig = (flags: ClusterFlags): Promise<ResolvedConfig> => {
    const k = key(flags)
    let cfg = configs.get(k)
    if (!cfg) {
      cfg = import('./k8s/kubeconfig.ts').then((m) => m.loadKubeconfig(flags, env))
      configs.set(k, cfg)
      cfg.catch(() => configs.delete(k))
    }
    return cfg
  }
  const verbosity = opts.verbosity ?? 0
  // kubectl's -v: the transport logs requests at 6 and more, helm's command line at 6.
  const log = (line: string) => streams.err.write(`${line}\n`)
  // The old DBAAS_TRACE (one `[api] METHOD path` line per request), kept for the benchmarks' request counts.
  const trace = env.DBAAS_TRACE ? (line: string) => streams.err.write(`[api] ${line}\n`) : undefined
  const signal = opts.signal ?? new AbortController().signal
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0'
  return {
    env,
    streams,
    printer: new Printer(streams, env),
    ui: silentUi,
    helm: new HelmCli({ env, log }),
    kubeconfig,
    kube(flags) {
      const k = key(flags)
      let client = clients.get(k)
      if (!client) {
        client = (async () => {
          const [cfg, { Kube }, { HttpTransport }, { parseRequestTimeout }] = await Promise.all([
            kubeconfig(flags),
            import('./k8s/kube.ts'),
            import('./k8s/http.ts'),
            import('./core/names.ts'),
          ])
          const timeoutMs = flags.requestTimeout === undefined ? 30_000 : parseRequestTimeout(flags.requestTimeout)
          return new Kube(new HttpTransport(cfg, { timeoutMs, verbosity, log, ...(trace ? { trace } : {}) }), cfg.contextNamespace)
        })()
        clients.set(k, client)
        // A failed resolution (no kubeconfig) is not cached: the next call says why again.
        client.catch(() => clients.delete(k))
      }
      return client
    },
    async kubeTarget(flags) {
      const cfg = await kubeconfig(flags)
      // helm reads the same kubeconfig (one file by flag, or KUBECONFIG as it was: it may list several), the
      // same context, and --as/--as-group when given; otherwise the same user entry's impersonation.
      const src = cfg.source
      return {
        context: cfg.files.length ? cfg.contextName : undefined,
        kubeconfig: src?.kind === 'flag' || src?.kind === 'default' ? src.value : undefined,
        kubeconfigEnv: src?.kind === 'env' ? src.value : undefined,
        asUser: flags.as || undefined,
        asGroups: flags.asGroups?.length ? flags.asGroups : undefined,
        verbosity,
      }
    },
    now: () => Date.now(),
    randomBytes: (n) => randomBytes(n),
    signal,
    interactive: process.stdin.isTTY === true && !ci,
    prompter: lazyPrompter({ signal }),
    verbosity,
    async readStdin() {
      const chunks: Buffer[] = []
      for await (const c of process.stdin) chunks.push(c as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
  }
}
