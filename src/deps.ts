// Everything a command needs from the outside world, in one object, so the core can run against fakes.
import { randomBytes } from 'node:crypto'
import { HelmCli, type Helm, type KubeTarget } from './helm/helm.ts'
import { Kube } from './k8s/kube.ts'
import { HttpTransport } from './k8s/http.ts'
import { loadKubeconfig, type KubeconfigFlags, type ResolvedConfig } from './k8s/kubeconfig.ts'
import { Printer, type Streams } from './output/printer.ts'
import { silentUi, type Ui } from './output/ui.ts'
import { lazyPrompter, type Prompter } from './prompts.ts'
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
  const configs = new Map<string, ResolvedConfig>()
  const clients = new Map<string, Kube>()
  const key = (f: ClusterFlags) => JSON.stringify([f.kubeconfig, f.context, f.namespace, f.requestTimeout])
  const kubeconfig = (flags: ClusterFlags): ResolvedConfig => {
    const k = key(flags)
    let cfg = configs.get(k)
    if (!cfg) {
      cfg = loadKubeconfig(flags, env)
      configs.set(k, cfg)
    }
    return cfg
  }
  const verbosity = opts.verbosity ?? 0
  const trace = env.DBAAS_TRACE || verbosity >= 6 ? (line: string) => streams.err.write(`[api] ${line}\n`) : undefined
  const signal = opts.signal ?? new AbortController().signal
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0'
  return {
    env,
    streams,
    printer: new Printer(streams, env),
    ui: silentUi,
    helm: new HelmCli(),
    kubeconfig,
    async kube(flags) {
      const k = key(flags)
      let client = clients.get(k)
      if (!client) {
        const cfg = kubeconfig(flags)
        const timeoutMs = flags.requestTimeout === undefined ? 30_000 : parseRequestTimeout(flags.requestTimeout)
        client = new Kube(new HttpTransport(cfg, { timeoutMs, ...(trace ? { trace } : {}) }), cfg.contextNamespace)
        clients.set(k, client)
      }
      return client
    },
    kubeTarget(flags) {
      const cfg = kubeconfig(flags)
      // helm reads KUBECONFIG and ~/.kube/config itself; pin the context so both talk to the same cluster.
      return { context: cfg.files.length ? cfg.contextName : undefined, kubeconfig: flags.kubeconfig }
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
