// The standard client library, for what plain HTTPS cannot do: credential plugins (exec, auth-provider)
// and the WebSocket streams of exec and port-forward. Imported lazily: it costs 130-170 ms to load.
import { stringify } from 'yaml'
import type { ResolvedConfig } from './kubeconfig.ts'

export type ClientNode = typeof import('@kubernetes/client-node')

/** The library module and a KubeConfig equivalent to dbaas's resolved one (same context, same credentials). */
export async function clientNode(cfg: ResolvedConfig): Promise<{ k8s: ClientNode; kc: InstanceType<ClientNode['KubeConfig']> }> {
  const k8s = await import('@kubernetes/client-node')
  const kc = new k8s.KubeConfig()
  if (cfg.files.length === 0) {
    kc.loadFromCluster()
  } else {
    kc.loadFromString(stringify(cfg.raw))
    kc.setCurrentContext(cfg.contextName)
  }
  return { k8s, kc }
}
