// Deps for tests: captured stdout/stderr, a fixed clock, deterministic random bytes, no terminal, and a
// FakeTransport/FakeHelm in place of the cluster and the helm binary.
import type { ClusterFlags, Deps } from '../../src/deps.ts'
import { Kube } from '../../src/k8s/kube.ts'
import type { ResolvedConfig } from '../../src/k8s/kubeconfig.ts'
import { Printer } from '../../src/output/printer.ts'
import type { Prompter } from '../../src/prompts.ts'
import { silentUi } from '../../src/output/ui.ts'
import { FakeHelm } from './fake-helm.ts'
import { FakeTransport } from './fake-kube.ts'
import { noPrompter } from './fake-prompter.ts'

export const NOW = Date.parse('2026-11-25T12:00:00Z')

export class Capture {
  chunks: string[] = []
  isTTY: boolean
  constructor(isTTY = false) {
    this.isTTY = isTTY
  }
  write(s: string): boolean {
    this.chunks.push(s)
    return true
  }
  get text(): string {
    return this.chunks.join('')
  }
}

/** Deterministic bytes: a counter, so every value 0..255 comes round and the output is reproducible. */
export function counterRandom(start = 0): (n: number) => Buffer {
  let i = start
  return (n) => {
    const b = Buffer.alloc(n)
    for (let k = 0; k < n; k++) b[k] = (i++ * 7 + 3) & 0xff
    return b
  }
}

export interface FakeDepsOptions {
  transport?: FakeTransport
  helm?: FakeHelm
  env?: NodeJS.ProcessEnv
  now?: number
  interactive?: boolean
  stdin?: string
  contextNamespace?: string
  tty?: boolean
  random?: (n: number) => Buffer
  /** Answers questions (default: any question fails the test). */
  prompter?: Prompter
  verbosity?: number
}

export type FakeDeps = Deps & {
  out: Capture
  err: Capture
  transport: FakeTransport
  fakeHelm: FakeHelm
  /** The flags each kube() call was made with. */
  kubeCalls: ClusterFlags[]
}

export function fakeDeps(o: FakeDepsOptions = {}): FakeDeps {
  const out = new Capture(o.tty ?? false)
  const err = new Capture(o.tty ?? false)
  const env = o.env ?? {}
  const transport = o.transport ?? new FakeTransport()
  const helm = o.helm ?? new FakeHelm()
  const ctxNs = o.contextNamespace ?? 'default'
  const now = o.now ?? NOW
  transport.clock = () => now
  const kubeCalls: ClusterFlags[] = []
  const streams = { out, err }
  const kubeconfig = (flags: ClusterFlags): ResolvedConfig => ({
    files: ['/fake/kubeconfig'],
    contextName: 'fake',
    contextNamespace: ctxNs,
    namespaceExplicit: flags.namespace !== undefined,
    namespace: flags.namespace ?? ctxNs,
    cluster: { server: transport.server, insecureSkipTLSVerify: false },
    user: { needsPlugin: false, token: 'fake-token' },
    raw: { clusters: [], users: [], contexts: [] },
  })
  return {
    env,
    streams,
    printer: new Printer(streams, env),
    ui: silentUi,
    helm,
    kube: async (flags) => {
      kubeCalls.push(flags)
      return new Kube(transport, ctxNs)
    },
    kubeconfig: async (flags) => kubeconfig(flags),
    kubeTarget: async (flags) => ({ context: 'fake', kubeconfig: flags.kubeconfig }),
    now: () => now,
    randomBytes: o.random ?? counterRandom(),
    signal: new AbortController().signal,
    interactive: o.interactive ?? false,
    prompter: o.prompter ?? noPrompter,
    verbosity: o.verbosity ?? 0,
    readStdin: async () => o.stdin ?? '',
    out,
    err,
    transport,
    fakeHelm: helm,
    kubeCalls,
  }
}
