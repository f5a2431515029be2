// ha scale and ha delete.
import type { Deps } from '../../deps.ts'
import { PreconditionError } from '../../errors.ts'
import { apiInfo, isApiConflict, isApiNotFound, orForbidden } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject, type ResourceType } from '../../k8s/kube.ts'
import type { CnpgCluster } from '../../k8s/types.ts'
import { ANN, INSTANCE, KIND, Kinds, MANAGED } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import { findHaCluster, openCluster, type HaTarget } from './find.ts'
import { CNPG, haSecretName, haView, inProgress, POD_CLUSTER_LABEL, type HaView } from './model.ts'
import type { DeletionResult } from '../deletion.ts'
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
  cluster: CnpgCluster
  view: HaView
}

/** Finds the Cluster to delete. No operator is needed: a user who uninstalled CloudNativePG can still clean up. */
export async function planHaDelete(t: HaTarget, deps: Deps): Promise<HaDeletePlan> {
  const kube = await deps.kube(t.cluster)
  const cluster = await findHaCluster(kube, t.name, t.namespace)
  return { cluster, view: haView(cluster) }
}

async function tolerantList<T extends KubeObject>(kube: Kube, r: ResourceType<T>, ns: string, labelSelector?: string): Promise<T[]> {
  return kube.list(r, ns, labelSelector ? { labelSelector } : {}).then(
    (l) => l.items,
    (err) => {
      if (isApiNotFound(err)) return [] as T[] // the kind is not installed: none of them
      throw err
    },
  )
}

interface HaLeftovers {
  /** This cluster's backups: kept (snapshots and CNPG Backup objects). */
  backups: Array<{ object: string; reason: string }>
  /** Everything else dbaas manages in the namespace. */
  others: string[]
}

async function haLeftovers(kube: Kube, ns: string, name: string, secretName: string): Promise<HaLeftovers> {
  const [snaps, cnpgBackups, secrets, clusters] = await Promise.all([
    tolerantList(kube, R.volumeSnapshots, ns),
    tolerantList(kube, CNPG.backups, ns),
    kube.list(R.secrets, ns, { labelSelector: MANAGED, metadataOnly: true }).then((l) => l.items),
    tolerantList(kube, CNPG.clusters, ns),
  ])
  const live = (o: KubeObject) => !o.metadata.deletionTimestamp
  // CNPG labels the snapshots of its backups with the cluster's name; its Backup objects name the cluster.
  const own = snaps.filter((v) => v.metadata.labels?.[POD_CLUSTER_LABEL] === name && live(v))
  const ownBackups = cnpgBackups.filter((b) => b.spec?.cluster?.name === name && live(b))
  const backups = [
    ...ownBackups.map((b) => ({ object: `backup.postgresql.cnpg.io/${b.metadata.name}`, reason: 'is a backup (restore it with `dbaas ha restore`)' })),
    ...own.map((v) => ({ object: `volumesnapshot/${v.metadata.name}`, reason: 'is a backup (restore it with `dbaas ha restore`)' })),
  ]
  const others = [
    ...snaps.filter((v) => !own.includes(v) && live(v)).map((v) => `volumesnapshot/${v.metadata.name}`),
    ...cnpgBackups.filter((b) => !ownBackups.includes(b) && live(b)).map((b) => `backup.postgresql.cnpg.io/${b.metadata.name}`),
    ...secrets.filter((x) => x.metadata.name !== secretName && live(x) && x.metadata.labels?.[KIND] !== Kinds.backupCredentials).map((x) => `secret/${x.metadata.name}`),
    ...clusters.filter((x) => x.metadata.name !== name && live(x)).map((x) => `cluster.postgresql.cnpg.io/${x.metadata.name}`),
  ]
  return { backups, others }
}

/**
 * Deletes the Cluster (CNPG's pods, PVCs and Services go with it through owner references) and the initdb
 * Secret; keeps the cluster's backups (VolumeSnapshots and CNPG Backup objects); removes the namespace only
 * when dbaas created it for this cluster and nothing dbaas manages is left there — backups included. A dry
 * run reports exactly that.
 */
export async function haDelete(plan: HaDeletePlan, o: HaTarget & { dryRun: boolean; wait: boolean; timeoutMs: number }, deps: Deps): Promise<DeletionResult> {
  const kube = await deps.kube(o.cluster)
  const c = plan.cluster
  const ns = c.metadata.namespace as string
  const name = c.metadata.name
  const secretName: string = c.spec?.bootstrap?.initdb?.secret?.name ?? c.spec?.bootstrap?.recovery?.secret?.name ?? haSecretName(name)
  const [ownSecret, nsObj, left] = await Promise.all([
    orForbidden(kube.find(R.secrets, ns, secretName)),
    orForbidden(kube.find(R.namespaces, undefined, ns)),
    haLeftovers(kube, ns, name, secretName),
  ])
  const deleteSecret = ownSecret !== 'forbidden' && ownSecret?.metadata.labels?.[INSTANCE] === name && ownSecret.metadata.labels?.[KIND] !== undefined
  const kept = [...left.backups]
  const deleted = [`cluster.postgresql.cnpg.io/${name} (its pods, PVCs and services)`, ...(deleteSecret ? [`secret/${secretName}`] : [])]
  const createdHere = nsObj !== 'forbidden' && nsObj !== undefined && nsObj.metadata.annotations?.[ANN.namespaceCreated] === 'true' && nsObj.metadata.labels?.[INSTANCE] === name && !nsObj.metadata.deletionTimestamp
  const stays = [...left.backups.map((b) => b.object), ...left.others]
  const removeNamespace = createdHere && stays.length === 0
  if (createdHere && !removeNamespace) kept.push({ object: `namespace/${ns}`, reason: `still holds ${stays.join(', ')}` })
  const result = (dryRun: boolean, namespaceDeleted: boolean): DeletionResult => ({ name, namespace: ns, found: true, dryRun, deleted, kept, namespaceDeleted })
  if (o.dryRun) {
    if (removeNamespace) deleted.push(`namespace/${ns}`)
    return result(true, removeNamespace)
  }

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
  if (removeNamespace) {
    // Judged again on what is left now: something may have been added since the plan.
    const now = await haLeftovers(kube, ns, name, secretName)
    if (now.backups.length === 0 && now.others.length === 0) {
      try {
        await kube.delete(R.namespaces, undefined, ns)
        namespaceDeleted = true
        deleted.push(`namespace/${ns}`)
      } catch (err) {
        if (apiInfo(err)?.httpCode !== 404) throw err
      }
    } else {
      kept.push({ object: `namespace/${ns}`, reason: `still holds ${[...now.backups.map((b) => b.object), ...now.others].join(', ')}` })
    }
  }
  deps.ui.done()
  return result(false, namespaceDeleted)
}
