// dbaas history <name>: the operations recorded on an instance (or, through `ha history`, an HA cluster),
// oldest first, and the one running now if its Lease is held. An entry still "running" that no live Lease
// holds was cut short (a killed process): it reads as interrupted.
import type { ClusterFlags, Deps } from '../../deps.ts'
import type { Kube, ResourceType } from '../../k8s/kube.ts'
import { R } from '../../k8s/kube.ts'
import { findInstance } from '../find.ts'
import { parseHistory, instanceHistoryTarget, type HistoryEntry, type HistoryTarget } from './history.ts'
import { holderOf, leaseFree, leaseName, type LeaseHolder } from './lease.ts'

export interface HistoryView {
  kind: 'instance' | 'ha-cluster'
  name: string
  namespace: string
  entries: HistoryEntry[]
  /** The operation holding the instance's Lease now, if any. */
  running: LeaseHolder | null
}

export async function historyOf(kube: Kube, target: HistoryTarget, who: { kind: HistoryView['kind']; name: string; namespace: string }, now: number): Promise<HistoryView> {
  const [obj, lease] = await Promise.all([kube.find(target.resource, target.namespace, target.name), kube.find(R.leases, who.namespace, leaseName(who.name)).catch(() => undefined)])
  const live = lease && !leaseFree(lease, now) ? holderOf(lease) : null
  const entries = parseHistory(obj).map((e, i, all) => {
    if (e.result !== 'running') return e
    // The newest running entry of the verb that holds the Lease is that operation; any other was cut short.
    const newestOfVerb = all.findLastIndex((x) => x.verb === e.verb && x.result === 'running') === i
    return live && live.verb === e.verb && newestOfVerb ? e : { ...e, result: 'interrupted' as const }
  })
  return { kind: who.kind, name: who.name, namespace: who.namespace, entries, running: live }
}

export async function instanceHistory(o: { name: string; namespace?: string | undefined; cluster: ClusterFlags }, deps: Deps): Promise<HistoryView> {
  const kube = await deps.kube(o.cluster)
  const parts = await findInstance(kube, { name: o.name, namespace: o.namespace })
  return historyOf(kube, instanceHistoryTarget(parts.name, parts.namespace), { kind: 'instance', name: parts.name, namespace: parts.namespace }, deps.now())
}

export async function clusterHistory(kube: Kube, resource: ResourceType, name: string, namespace: string, deps: Pick<Deps, 'now'>): Promise<HistoryView> {
  return historyOf(kube, { resource, name, namespace }, { kind: 'ha-cluster', name, namespace }, deps.now())
}
