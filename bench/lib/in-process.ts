// What the benches that split a command's time share: a private copy of the built CLI, the median, and one
// command run in-process through main() with the API transport and helm timed — so its time splits into the
// cluster's work (watch streams, helm) and API round trips, the rest being dbaas's own.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../../src/cli.ts'
import { realDeps, type Deps } from '../../src/deps.ts'
import { Kube } from '../../src/k8s/kube.ts'
import type { Transport } from '../../src/k8s/http.ts'

/** A private copy of the built CLI (others may rebuild dist/ in the same checkout meanwhile); waits up to `waitMs` for a build. */
export function snapshotCli(waitMs = 0): string {
  const dist = new URL('../../dist', import.meta.url).pathname
  const deadline = Date.now() + waitMs
  while (!existsSync(join(dist, 'dbaas.js'))) {
    if (Date.now() >= deadline) throw new Error('dist/dbaas.js is missing: run `node scripts/build.ts` first')
    spawnSync('sleep', ['0.5'])
  }
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-bench-'))
  cpSync(dist, join(dir, 'dist'), { recursive: true })
  mkdirSync(join(dir, 'bin'))
  writeFileSync(join(dir, 'bin', 'dbaas.js'), "import '../dist/dbaas.js'\n")
  return join(dir, 'bin', 'dbaas.js')
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

export type Interval = [number, number]

/** Length of the union of intervals (parallel calls are not counted twice). */
export function covered(xs: Interval[]): number {
  let total = 0
  let end = -Infinity
  for (const [a, b] of [...xs].sort((x, y) => x[0] - y[0])) {
    if (b <= end) continue
    total += b - Math.max(a, end)
    end = b
  }
  return total
}

export interface Timed {
  /** Seconds the command took in-process. */
  total: number
  /** When each kind of call ran (ms, performance.now()): watch streams, helm, API requests. */
  spans: { waits: Interval[]; helm: Interval[]; api: Interval[] }
  requests: number
}

/** Runs `dbaas <args>` in-process with every API request, watch stream and helm call timed; throws on a non-zero exit. */
export async function runTimed(args: string[], env: Record<string, string | undefined>): Promise<Timed> {
  const sink = { write: () => true }
  const base = realDeps({ streams: { out: sink, err: sink }, env })
  const spans: Timed['spans'] = { waits: [], helm: [], api: [] }
  let requests = 0
  const timed = async <T>(p: () => Promise<T>, kind: keyof Timed['spans']): Promise<T> => {
    const t0 = performance.now()
    try {
      return await p()
    } finally {
      spans[kind].push([t0, performance.now()])
    }
  }
  const kubes = new Map<Kube, Kube>()
  const deps: Deps = {
    ...base,
    async kube(flags) {
      const inner = await base.kube(flags)
      let k = kubes.get(inner)
      if (!k) {
        const t = inner.transport
        const wrapped: Transport = {
          server: t.server,
          get requestCount() {
            return t.requestCount
          },
          request: (m, p, o) => {
            requests++
            return timed(() => t.request(m, p, o), 'api')
          },
          stream: (p, o, on) => timed(() => t.stream(p, o, on), 'waits'),
        }
        k = new Kube(wrapped, inner.contextNamespace)
        kubes.set(inner, k)
      }
      return k
    },
    helm: new Proxy(base.helm, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv)
        return typeof v === 'function' ? (...a: unknown[]) => timed(() => v.apply(target, a) as Promise<unknown>, 'helm') : v
      },
    }),
  }
  const t0 = performance.now()
  const code = await main(args, deps)
  const total = (performance.now() - t0) / 1000
  if (code !== 0) throw new Error(`dbaas ${args.join(' ')} exited ${code}`)
  return { total, spans, requests }
}
