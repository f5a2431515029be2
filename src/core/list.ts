// dbaas list: two requests whatever the number of instances — the instances' StatefulSets (dbaas.io/kind
// instance, labelled by the charts) and the metadata of the credentials Secrets, single instances' and HA
// clusters' (dbaas writes them first, so an interrupted create still shows, as Incomplete) — plus one request
// per HA kind (CloudNativePG Cluster, PerconaXtraDBCluster, MariaDB) that the listed namespaces hold dbaas HA
// clusters of: each HA cluster's credentials Secret says its engine, so kinds with no cluster (or no CRD) cost
// nothing. With -l, every HA kind is read (the selector may name the clusters' own labels). Never helm's
// release records. Across every namespace the user may list, or one namespace with -n.
import type { ClusterFlags, Deps } from '../deps.ts'
import { apiInfo } from '../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../k8s/kube.ts'
import { ANN, ENGINE, KIND, Kinds } from '../k8s/labels.ts'
import { groupInstances, toView, type InstanceView } from './instances.ts'
import { listHaClusters } from './ha/read.ts'
import { HA_CREDENTIALS, haInstanceViewOf } from './ha/model.ts'
import { HA_ENGINES } from './ha/registry.ts'
import { watchSources, type LiveView, type WatchSource } from './live.ts'

export interface ListOptions {
  cluster: ClusterFlags
  /** -n given: list only there. -A or nothing: every namespace the user may list. */
  namespace?: string | undefined
  /** -l: an extra label selector, ANDed with dbaas's own. */
  selector?: string | undefined
}

export interface ListResult {
  items: InstanceView[]
  /** Set when cluster-wide listing was forbidden and the context's namespace was listed instead. */
  fellBackTo?: string
}

async function fetch(kube: Kube, namespace: string | undefined, extra: string | undefined): Promise<[KubeObject[], KubeObject[], InstanceView[]]> {
  const and = extra ? `,${extra}` : ''
  const [sts, secrets] = await Promise.all([
    kube.list(R.statefulSets, namespace, { labelSelector: `${KIND}=${Kinds.instance}${and}` }),
    kube.list(R.secrets, namespace, { labelSelector: `${KIND} in (${Kinds.credentials},${HA_CREDENTIALS})${and}`, metadataOnly: true }),
  ])
  const inUse = new Set(secrets.items.filter((s) => s.metadata.labels?.[KIND] === HA_CREDENTIALS).map((s) => s.metadata.labels?.[ENGINE]))
  const engines = extra ? HA_ENGINES : HA_ENGINES.filter((e) => inUse.has(e.engine))
  const ha = await Promise.all(
    engines.map((e) =>
      // A user who may list everything else but not this kind just does not see its clusters.
      listHaClusters(kube, e, namespace, extra).then(
        (items) => items.map((c) => haInstanceViewOf(e.view(c), c.metadata.annotations?.[ANN.storageClass] ?? null)),
        (err) => {
          if (apiInfo(err)?.httpCode === 403) return [] as InstanceView[]
          throw err
        },
      ),
    ),
  )
  return [sts.items, secrets.items, ha.flat()]
}

export async function listInstances(o: ListOptions, deps: Deps): Promise<ListResult> {
  const kube = await deps.kube(o.cluster)
  let fellBackTo: string | undefined
  let found: [KubeObject[], KubeObject[], InstanceView[]]
  try {
    found = await fetch(kube, o.namespace, o.selector)
  } catch (err) {
    if (o.namespace !== undefined || apiInfo(err)?.httpCode !== 403) throw err
    fellBackTo = kube.contextNamespace
    found = await fetch(kube, fellBackTo, o.selector)
  }
  const now = deps.now()
  const items = [...groupInstances(found[0], found[1]).map((p) => toView(p, now)), ...found[2]].sort(
    (a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind),
  )
  return { items, ...(fellBackTo ? { fellBackTo } : {}) }
}

/** `list --watch`: the same list, read again whenever an instance's StatefulSet or pods change. */
export async function liveList(o: ListOptions, deps: Deps): Promise<LiveView<ListResult>> {
  const kube = await deps.kube(o.cluster)
  // The first read settles the namespace (a fall-back when cluster-wide listing is refused).
  const first = await listInstances(o, deps)
  const namespace = first.fellBackTo ?? o.namespace
  const extra = o.selector ? `,${o.selector}` : ''
  const sources: WatchSource[] = [
    { r: R.statefulSets, namespace, opts: { labelSelector: `${KIND}=${Kinds.instance}${extra}` } },
    { r: R.pods, namespace, opts: { labelSelector: `${KIND}=${Kinds.pod}${extra}` } },
  ]
  let pending: ListResult | undefined = first
  return {
    signal: deps.signal,
    read: async () => {
      const r = pending ?? (await listInstances({ ...o, namespace }, deps))
      pending = undefined
      return r
    },
    changes: (onChange) => watchSources(kube, sources, deps.signal, onChange),
  }
}
