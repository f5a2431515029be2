// dbaas ha history: an HA cluster's operations, kept on its own object (the CNPG Cluster, the PXC or MariaDB object).
import type { Deps } from '../../deps.ts'
import { openCluster, type HaTarget } from '../ha/find.ts'
import { clusterHistory, type HistoryView } from './read.ts'

export async function haHistory(t: HaTarget, deps: Deps): Promise<HistoryView> {
  const { kube, engine, cluster } = await openCluster(t, deps)
  return clusterHistory(kube, engine.resource, cluster.metadata.name, cluster.metadata.namespace as string, deps)
}
