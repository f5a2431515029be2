// ha scale and ha delete.
import type { Deps } from '../../deps.ts'
import { PreconditionError } from '../../errors.ts'
import { apiInfo, isApiConflict, isApiNotFound, orForbidden } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../../k8s/kube.ts'
import { ANN, INSTANCE, KIND, MANAGED } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import { openCluster, type HaTarget } from './find.ts'
import { CNPG, haSecretName, haView, inProgress, POD_CLUSTER_LABEL, type HaView } from './model.ts'
import type { DeleteResult } from '../delete.ts'
import { waitHealthy } from './wait.ts'

export interface ScaleResult {
  cluster: HaView
  from: number
  to: number
}

/**
 * Sets spec.instances (merge patch carrying resourceVersion). Refused while a switchover or failover runs:
 * CNPG reconciles instances only once the primary is settled, and a scale-down could remove the target.
 */
export async function haScale(t: HaTarget & { instances: number; wait: boolean; timeoutMs: number }, deps: Deps): Promise<ScaleResult> {
  const opened = await openCluster(t, deps)
  const kube = opened.kube
  let cluster = opened.cluster
  const ns = cluster.metadata.namespace as string
  const name = cluster.metadata.name
  const from: number = cluster.spec?.instances ?? 0
  let updated = cluster
  // Optimistic locking: a 409 means someone (the operator) wrote the Cluster since it was read; re-check on the fresh one.
  for (let attempt = 1; ; attempt++) {
    const busy = inProgress(cluster)
    if (busy) throw new PreconditionError(`HA cluster ${name} cannot be scaled now: ${busy}`, { hint: `wait until \`dbaas ha status ${name} -n ${ns}\` shows it healthy, then scale` })
    if ((cluster.spec?.instances ?? 0) === t.instances) break
    deps.ui.step(`Scaling ${name} from ${from} to ${t.instances} instance(s)`)
    try {
      updated = await kube.mergePatch(CNPG.clusters, ns, name, { metadata: { resourceVersion: cluster.metadata.resourceVersion }, spec: { instances: t.instances } })
      break
    } catch (err) {
      if (!isApiConflict(err) || attempt >= 5) throw err
      cluster = await kube.get(CNPG.clusters, ns, name)
      updated = cluster
    }
  }
  if (t.wait) updated = await waitHealthy(kube, name, ns, t.timeoutMs, deps)
  deps.ui.done()
  return { cluster: haView(updated), from, to: t.instances }
}

export interface HaDeletePlan {
  cluster: KubeObject
  view: HaView
}

export async function planHaDelete(t: HaTarget, deps: Deps): Promise<HaDeletePlan> {
  const { cluster } = await openCluster(t, deps)
  return { cluster, view: haView(cluster) }
}

/** The same shape as a single instance's delete. */
export type HaDeleteResult = DeleteResult

async function snapshotsIn(kube: Kube, ns: string): Promise<KubeObject[]> {
  return kube.list(R.volumeSnapshots, ns).then(
    (l) => l.items,
    (err) => {
      if (isApiNotFound(err)) return [] as KubeObject[]
      throw err
    },
  )
}

/**
 * Deletes the Cluster (CNPG removes its pods, PVCs and Services with it through owner references) and the
 * initdb Secret; keeps volume-snapshot backups; removes the namespace only when dbaas created it for this
 * cluster and nothing else dbaas manages is left there.
 */
export async function haDelete(plan: HaDeletePlan, o: HaTarget & { dryRun: boolean; wait: boolean; timeoutMs: number }, deps: Deps): Promise<HaDeleteResult> {
  const kube = await deps.kube(o.cluster)
  const c = plan.cluster
  const ns = c.metadata.namespace as string
  const name = c.metadata.name
  const secretName: string = c.spec?.bootstrap?.initdb?.secret?.name ?? c.spec?.bootstrap?.recovery?.secret?.name ?? haSecretName(name)
  const ownSecret = await orForbidden(kube.find(R.secrets, ns, secretName))
  const deleteSecret = ownSecret !== 'forbidden' && ownSecret?.metadata.labels?.[INSTANCE] === name && ownSecret.metadata.labels?.[KIND] !== undefined
  const allSnaps = await snapshotsIn(kube, ns)
  // CNPG labels the snapshots of its backups with the cluster's name.
  const snaps = allSnaps.filter((s) => s.metadata.labels?.[POD_CLUSTER_LABEL] === name)
  const kept = snaps.map((s) => ({ object: `volumesnapshot/${s.metadata.name}`, reason: 'is a backup (restore it with `dbaas ha restore`)' }))
  const deleted = [`cluster.postgresql.cnpg.io/${name} (its pods, PVCs and services)`, ...(deleteSecret ? [`secret/${secretName}`] : [])]
  if (o.dryRun) return { name, namespace: ns, dryRun: true, deleted, kept, namespaceDeleted: false }

  deps.ui.step(`Deleting HA cluster ${name}`)
  await kube.deleteIfExists(CNPG.clusters, ns, name)
  if (deleteSecret) await kube.deleteIfExists(R.secrets, ns, secretName)
  if (o.wait) {
    await waitFor(kube, CNPG.clusters, ns, { fieldSelector: `metadata.name=${name}` }, (items) => (items.length === 0 ? true : undefined), {
      timeoutMs: o.timeoutMs,
      signal: deps.signal,
      describe: () => `the Cluster ${ns}/${name} is still being deleted`,
      timeoutHint: `run \`dbaas ha delete ${name} -n ${ns}\` again later`,
    })
  }

  let namespaceDeleted = false
  const nsObj = await orForbidden(kube.find(R.namespaces, undefined, ns))
  if (nsObj !== 'forbidden' && nsObj && nsObj.metadata.annotations?.[ANN.namespaceCreated] === 'true' && nsObj.metadata.labels?.[INSTANCE] === name && !nsObj.metadata.deletionTimestamp) {
    const [secrets, clusters] = await Promise.all([
      kube.list(R.secrets, ns, { labelSelector: MANAGED, metadataOnly: true }).then((l) => l.items.filter((s) => s.metadata.name !== secretName && !s.metadata.deletionTimestamp)),
      kube.list(CNPG.clusters, ns).then((l) => l.items.filter((x) => x.metadata.name !== name)),
    ])
    const left = [
      ...allSnaps.map((v) => `volumesnapshot/${v.metadata.name}`),
      ...secrets.map((s) => `secret/${s.metadata.name}`),
      ...clusters.map((x) => `cluster.postgresql.cnpg.io/${x.metadata.name}`),
    ]
    if (left.length === 0) {
      try {
        await kube.delete(R.namespaces, undefined, ns)
        namespaceDeleted = true
        deleted.push(`namespace/${ns}`)
      } catch (err) {
        if (apiInfo(err)?.httpCode !== 404) throw err
      }
    } else {
      kept.push({ object: `namespace/${ns}`, reason: `still holds ${left.join(', ')}` })
    }
  }
  deps.ui.done()
  return { name, namespace: ns, dryRun: false, deleted, kept, namespaceDeleted }
}
