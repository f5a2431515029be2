// The standard client library, for what plain HTTP requests cannot do: the WebSocket streams of exec and
// port-forward. Imported lazily: it costs 130-170 ms to load. Its KubeConfig names the same server, but how it
// connects is dbaas's own (connection.ts): the same credentials (an exec plugin is not run twice), the same
// impersonation headers, the same proxy — the library's own handling knows neither Impersonate-Group nor
// interactiveMode, so it is not used for these.
import { stringify } from 'yaml'
import type { ResolvedConfig } from './kubeconfig.ts'
import { connectionFor } from './connection.ts'

export type ClientNode = typeof import('@kubernetes/client-node')

/** The library module and a KubeConfig equivalent to dbaas's resolved one (same context, same credentials). */
export async function clientNode(cfg: ResolvedConfig): Promise<{ k8s: ClientNode; kc: InstanceType<ClientNode['KubeConfig']> }> {
  const k8s = await import('@kubernetes/client-node')
  const kc = new k8s.KubeConfig()
  const ctx = { cluster: 'dbaas', user: 'dbaas', name: 'dbaas' }
  // Only the server matters to the library (it builds the WebSocket URL from it); everything that decides
  // how and as whom to connect is applied below.
  kc.loadFromString(
    stringify({
      clusters: [{ name: 'dbaas', cluster: { server: cfg.cluster.server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'dbaas', user: {} }],
      contexts: [{ name: 'dbaas', context: ctx }],
      'current-context': 'dbaas',
    }),
  )
  const conn = connectionFor(cfg)
  kc.applyToHTTPSOptions = async (opts) => {
    const m = await conn.material()
    const o = opts as { agent?: unknown; headers?: Record<string, unknown> }
    o.agent = m.streamAgent
    o.headers = { ...(o.headers ?? {}), ...m.headers }
  }
  return { k8s, kc }
}
