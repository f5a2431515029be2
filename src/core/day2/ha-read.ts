// dbaas ha history: an HA cluster's operations, kept on its Cluster object.
import type { Deps } from '../../deps.ts'
import { openCluster, type HaTarget } from '../ha/find.ts'
import { CNPG } from '../ha/model.ts'
import { clusterHistory, type HistoryView } from './read.ts'

export async function haHistory(t: HaTarget, deps: Deps): Promise<HistoryView> {
  const { kube, cluster } = await openCluster(t, deps)
  return clusterHistory(kube, CNPG.clusters, cluster.metadata.name, cluster.metadata.namespace as string, deps)
}
