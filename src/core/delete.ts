// dbaas delete, in named steps: plan (find the instance, its volumes, and whether its namespace would go) →
// uninstall the release → remove what it did not own → the credentials → the data (only with --delete-data)
// → wait for the pods → the namespace, only when dbaas created it for this instance and nothing dbaas
// manages is left in it. A dry run reports exactly what the real run would remove, the namespace included.
import type { ClusterFlags, Deps } from '../deps.ts'
import { apiInfo, isApiNotFound, orForbidden } from '../k8s/errors.ts'
import { R, type Kube, type ResourceType } from '../k8s/kube.ts'
import type { Namespace, PersistentVolumeClaim, VolumeSnapshot } from '../k8s/types.ts'
import { ANN, INSTANCE, KIND, Kinds, MANAGED, instanceSelector } from '../k8s/labels.ts'
import { waitFor } from '../k8s/wait.ts'
import type { DeletionResult } from './deletion.ts'
import { credentialsSecretName } from './create.ts'
import { findInstance } from './find.ts'
import { latestRelease, toView, type InstanceParts, type InstanceView } from './instances.ts'
import { findSchedule, removeSchedule } from './schedule/manage.ts'
import { releaseName } from './schedule/model.ts'

export type { DeletionResult } from './deletion.ts'

export interface DeleteOptions {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  deleteData: boolean
  wait: boolean
  timeoutMs: number
  dryRun: boolean
}

export interface DeletePlan {
  instance: InstanceView
  parts: InstanceParts
  pvcs: PersistentVolumeClaim[]
  /** The namespace dbaas created for this instance (undefined otherwise, or when it may not be read). */
  ownNamespace: Namespace | undefined
}

export const KEEP_DATA_REASON = 'holds data (pass --delete-data to remove it)'

/** Finds what delete would remove (before the confirmation; reads only). */
export async function planDelete(o: Pick<DeleteOptions, 'name' | 'namespace' | 'cluster'>, deps: Deps): Promise<DeletePlan> {
  const kube = await deps.kube(o.cluster)
  const parts = await findInstance(kube, { name: o.name, namespace: o.namespace, haVerb: 'ha delete' })
  const [pvcs, nsObj] = await Promise.all([
    kube.list(R.pvcs, parts.namespace, { labelSelector: instanceSelector(o.name) }).then((l) => l.items),
    // A user who may not read namespaces cannot have had dbaas create one: it is left alone.
    orForbidden(kube.find(R.namespaces, undefined, parts.namespace)),
  ])
  const ns = nsObj === 'forbidden' ? undefined : nsObj
  const created = ns?.metadata.annotations?.[ANN.namespaceCreated] === 'true' && ns.metadata.labels?.[INSTANCE] === o.name && !ns.metadata.deletionTimestamp
  return { instance: toView(parts, deps.now()), parts, pvcs, ownNamespace: created ? ns : undefined }
}

/** What dbaas manages in the namespace besides this instance's own objects (which delete removes). */
async function leftovers(kube: Kube, ns: string, name: string, deleteData: boolean): Promise<Array<{ object: string; reason: string }>> {
  const [pvcs, secrets, snaps] = await Promise.all([
    kube.list(R.pvcs, ns, { labelSelector: MANAGED }).then((l) => l.items),
    kube.list(R.secrets, ns, { labelSelector: MANAGED, metadataOnly: true }).then((l) => l.items),
    kube.list(R.volumeSnapshots, ns, { labelSelector: MANAGED }).then(
      (l) => l.items,
      (err) => {
        if (isApiNotFound(err)) return [] as VolumeSnapshot[] // no snapshot CRDs: no backups
        throw err
      },
    ),
  ])
  const out: Array<{ object: string; reason: string }> = []
  for (const p of pvcs) {
    if (p.metadata.deletionTimestamp) continue
    if (deleteData && p.metadata.labels?.[INSTANCE] === name) continue // deleted with the instance
    out.push({ object: `persistentvolumeclaim/${p.metadata.name}`, reason: KEEP_DATA_REASON })
  }
  for (const s of snaps) {
    if (s.metadata.deletionTimestamp) continue // already going
    out.push({ object: `volumesnapshot/${s.metadata.name}`, reason: 'is a backup (`dbaas backup delete` removes it)' })
  }
  for (const s of secrets) {
    const l = s.metadata.labels ?? {}
    if (l[INSTANCE] === name || s.metadata.deletionTimestamp) continue
    if (l[KIND] === Kinds.backupCredentials) continue // travels with its backup, counted above
    out.push({ object: `secret/${s.metadata.name}`, reason: `belongs to ${l[INSTANCE] ? `instance ${l[INSTANCE]}` : 'another dbaas object'}` })
  }
  return out
}

/** The namespace goes when dbaas made it for this instance and nothing else dbaas manages is left. */
async function namespaceVerdict(kube: Kube, plan: DeletePlan, o: DeleteOptions): Promise<{ remove: boolean; kept: Array<{ object: string; reason: string }> }> {
  if (!plan.ownNamespace) return { remove: false, kept: [] }
  const ns = plan.parts.namespace
  const left = await leftovers(kube, ns, o.name, o.deleteData)
  if (left.length === 0) return { remove: true, kept: [] }
  return { remove: false, kept: [{ object: `namespace/${ns}`, reason: `still holds ${left.map((l) => l.object).join(', ')}` }, ...left] }
}

function merge(into: Array<{ object: string; reason: string }>, more: Array<{ object: string; reason: string }>): void {
  for (const k of more) if (!into.some((x) => x.object === k.object)) into.push(k)
}

export async function deleteInstance(plan: DeletePlan, o: DeleteOptions, deps: Deps): Promise<DeletionResult> {
  const kube = await deps.kube(o.cluster)
  const { parts } = plan
  const ns = parts.namespace
  const deleted: string[] = []
  const kept: Array<{ object: string; reason: string }> = []
  const release = latestRelease(parts.releases)
  const done = (namespaceDeleted: boolean): DeletionResult => ({ name: o.name, namespace: ns, found: true, dryRun: o.dryRun, deleted, kept, namespaceDeleted })

  if (o.dryRun) {
    // Its backup schedule goes first (its Jobs would fail forever without the instance).
    const schedule = await findSchedule(kube, { instance: o.name, namespace: ns }).catch(() => undefined)
    if (schedule) deleted.push(`helm release ${releaseName(o.name)} (backup schedule cronjob/${schedule.metadata.name})`)
    if (release) deleted.push(`helm release ${o.name} (statefulset, services, pods)`)
    else if (parts.statefulSet) deleted.push(`statefulset/${o.name}`)
    if (parts.credentials) deleted.push(`secret/${credentialsSecretName(o.name)}`)
    for (const p of plan.pvcs) {
      if (o.deleteData) deleted.push(`persistentvolumeclaim/${p.metadata.name}`)
      else kept.push({ object: `persistentvolumeclaim/${p.metadata.name}`, reason: KEEP_DATA_REASON })
    }
    const verdict = await namespaceVerdict(kube, plan, o)
    if (verdict.remove) deleted.push(`namespace/${ns}`)
    merge(kept, verdict.kept)
    return done(verdict.remove)
  }

  // 0. its backup schedule, so no Job runs against an instance that is gone (the backups themselves stay)
  deleted.push(...(await removeSchedule(kube, ns, o.name, o.cluster, o.timeoutMs, deps)))
  // 1. the release (helm removes the StatefulSet, Services and pods it installed)
  if (release) {
    deps.ui.step(`Uninstalling helm release ${o.name}`)
    await deps.helm.uninstall(o.name, ns, await deps.kubeTarget(o.cluster), { timeoutSeconds: Math.max(1, Math.round(o.timeoutMs / 1000)) })
    deleted.push(`helm release ${o.name}`)
  }
  // 2. whatever the release did not own (or a release that is gone already), by label
  for (const r of [R.statefulSets, R.services] as ResourceType[]) {
    const left = (await kube.list(r, ns, { labelSelector: instanceSelector(o.name) })).items
    for (const obj of left) {
      if (await kube.deleteIfExists(r, ns, obj.metadata.name)) deleted.push(`${r.kind.toLowerCase()}/${obj.metadata.name}`)
    }
  }
  // 3. the credentials, 4. the data (only when asked)
  if (await kube.deleteIfExists(R.secrets, ns, credentialsSecretName(o.name))) deleted.push(`secret/${credentialsSecretName(o.name)}`)
  for (const p of plan.pvcs) {
    if (o.deleteData) {
      if (await kube.deleteIfExists(R.pvcs, ns, p.metadata.name)) deleted.push(`persistentvolumeclaim/${p.metadata.name}`)
    } else {
      kept.push({ object: `persistentvolumeclaim/${p.metadata.name}`, reason: KEEP_DATA_REASON })
    }
  }
  // 5. wait for the pods
  if (o.wait) {
    deps.ui.step(`Waiting for ${o.name}'s pods to be gone`)
    await waitFor(kube, R.pods, ns, { labelSelector: instanceSelector(o.name) }, (pods) => (pods.length === 0 ? true : undefined), {
      timeoutMs: o.timeoutMs,
      signal: deps.signal,
      describe: (pods) => `still there: ${pods.map((p) => `pod/${p.metadata.name}`).join(', ')}`,
      timeoutHint: `run \`dbaas delete ${o.name} -n ${ns}\` again later`,
    })
  }
  // 6. the namespace, judged on what is really left now
  const verdict = await namespaceVerdict(kube, plan, o)
  merge(kept, verdict.kept)
  let namespaceDeleted = false
  if (verdict.remove) {
    deps.ui.step(`Removing namespace ${ns}`)
    try {
      await kube.delete(R.namespaces, undefined, ns)
      namespaceDeleted = true
      deleted.push(`namespace/${ns}`)
    } catch (err) {
      if (apiInfo(err)?.httpCode !== 404) throw err
    }
    if (namespaceDeleted && o.wait) {
      await waitFor(kube, R.namespaces, undefined, { fieldSelector: `metadata.name=${ns}` }, (items) => (items.length === 0 ? true : undefined), {
        timeoutMs: o.timeoutMs,
        signal: deps.signal,
        describe: () => `namespace ${ns} is still terminating`,
      })
    }
  }
  deps.ui.done()
  return done(namespaceDeleted)
}
