// Reading an exporter directly, no Prometheus needed: an in-process port-forward to the pod's exporter port
// (the one `dbaas connect` uses) and HTTP GET /metrics over it. The HTTP connection is kept alive, so a
// `--watch` reuses one forwarded stream per pod instead of opening one per refresh.
import { Agent, request } from 'node:http'
import type { ClusterFlags, Deps } from '../../deps.ts'
import { OperationError } from '../../errors.ts'
import { clientNodeForwarder, startForward, type ConnectPlan, type ForwardStream } from '../connect.ts'
import { parseExposition, type Exposition } from './exposition.ts'

export interface ScrapeTarget {
  namespace: string
  pod: string
  port: number
}

/** One exporter, ready to be read as often as wanted. */
export interface Scraper {
  /** Reads /metrics once (parsing only the `only` metrics when given); scrapeMs is the HTTP exchange, parseMs dbaas's parse. */
  read(only?: ReadonlySet<string>): Promise<{ exposition: Exposition; at: number; scrapeMs: number; parseMs: number }>
  close(): Promise<void>
}

export type OpenScraper = (t: ScrapeTarget) => Promise<Scraper>

const SCRAPE_TIMEOUT_MS = 15_000

function get(port: number, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent, headers: { accept: 'text/plain;version=0.0.4' } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        if ((res.statusCode ?? 0) >= 400) reject(new Error(`the exporter answered ${res.statusCode}: ${body.trim().split('\n')[0] ?? ''}`))
        else resolve(body)
      })
      res.on('error', reject)
    })
    req.setTimeout(SCRAPE_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${SCRAPE_TIMEOUT_MS / 1000} s`)))
    req.on('error', reject)
    req.end()
  })
}

/** A scraper over a port-forward (or any ForwardStream: tests give a local socket). */
export async function forwardScraper(t: ScrapeTarget, forward: ForwardStream, now: () => number): Promise<Scraper> {
  let lastError: Error | undefined
  // startForward needs only where to forward: the pod, its namespace and the port.
  const plan = { connection: { namespace: t.namespace }, pod: t.pod, podPort: t.port } as unknown as ConnectPlan
  const fwd = await startForward(plan, 0, forward, (err) => (lastError = err))
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  return {
    async read(only) {
      const start = performance.now()
      let text: string
      try {
        text = await get(fwd.port, agent)
      } catch (err) {
        const why = lastError?.message ?? (err as Error).message
        lastError = undefined
        throw new OperationError(`could not read the exporter on pod ${t.namespace}/${t.pod} port ${t.port}: ${why}`, {
          hint: 'is the exporter container running? see `kubectl describe pod` and `dbaas logs`',
        })
      }
      const fetched = performance.now()
      const exposition = parseExposition(text, only)
      return { exposition, at: now(), scrapeMs: fetched - start, parseMs: performance.now() - fetched }
    },
    async close() {
      agent.destroy()
      await fwd.close()
    },
  }
}

/** Port-forwards through the client library, loaded on first use. */
export function portForwardScrapers(deps: Deps, cluster: ClusterFlags): OpenScraper {
  let forward: Promise<ForwardStream> | undefined
  return async (t) => {
    forward ??= clientNodeForwarder(deps, cluster)
    return forwardScraper(t, await forward, deps.now)
  }
}
