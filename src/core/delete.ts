// dbaas delete: uninstall the release, remove the credentials, keep the data unless asked, and remove the
// namespace only when dbaas created it and nothing dbaas manages is left in it.
import type { ClusterFlags, Deps } from '../deps.ts'
import { apiInfo, isApiNotFound, orForbidden } from '../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../k8s/kube.ts'
import { ANN, INSTANCE, KIND, Kinds, MANAGED, instanceSelector } from '../k8s/labels.ts'
import { waitFor } from '../k8s/wait.ts'
import { credentialsSecretName } from './create.ts'
import { findInstance } from './find.ts'
import { latestRelease, toView, type InstanceParts, type InstanceView } from './instances.ts'

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
  pvcs: KubeObject[]
}

export interface DeleteResult {
  name: string
  namespace: string
  dryRun: boolean
  deleted: string[]
  kept: Array<{ object: string; reason: string }>
  namespaceDeleted: boolean
}

/** Finds what delete would remove (used for the confirmation prompt before anything is removed). */
export async function planDelete(o: DeleteOptions, deps: Deps): Promise<DeletePlan> {
  const kube = await deps.kube(o.cluster)
  const parts = await findInstance(kube, { name: o.name, namespace: o.namespace })
  const pvcs = (await kube.list(R.pvcs, parts.namespace, { labelSelector: instanceSelector(o.name) })).items
  return { instance: toView(parts, deps.now()), parts, pvcs }
}

async function leftovers(kube: Kube, ns: string, name: string): Promise<Array<{ object: string; reason: string }>> {
  const [pvcs, secrets, snaps] = await Promise.all([
    kube.list(R.pvcs, ns, { labelSelector: MANAGED }).then((l) => l.items),
    kube.list(R.secrets, ns, { labelSelector: MANAGED, metadataOnly: true }).then((l) => l.items),
    kube.list(R.volumeSnapshots, ns, { labelSelector: MANAGED }).then(
      (l) => l.items,
      (err) => {
        if (isApiNotFound(err)) return [] as KubeObject[] // no snapshot CRDs: no backups
        throw err
      },
    ),
  ])
  const out: Array<{ object: string; reason: string }> = []
  for (const p of pvcs) {
    if (p.metadata.deletionTimestamp) continue
    out.push({ object: `persistentvolumeclaim/${p.metadata.name}`, reason: 'holds data (pass --delete-data to remove it)' })
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

export async function deleteInstance(plan: DeletePlan, o: DeleteOptions, deps: Deps): Promise<DeleteResult> {
  const kube = await deps.kube(o.cluster)
  const { parts } = plan
  const ns = parts.namespace
  const deleted: string[] = []
  const kept: Array<{ object: string; reason: string }> = []
  const release = latestRelease(parts.releases)

  if (o.dryRun) {
    if (release) deleted.push(`helm release ${o.name} (statefulset, services, pods)`)
    else if (parts.statefulSet) deleted.push(`statefulset/${o.name}`)
    if (parts.credentials) deleted.push(`secret/${credentialsSecretName(o.name)}`)
    for (const p of plan.pvcs) {
      if (o.deleteData) deleted.push(`persistentvolumeclaim/${p.metadata.name}`)
      else kept.push({ object: `persistentvolumeclaim/${p.metadata.name}`, reason: 'holds data (pass --delete-data to remove it)' })
    }
    return { name: o.name, namespace: ns, dryRun: true, deleted, kept, namespaceDeleted: false }
  }

  if (release) {
    deps.ui.step(`Uninstalling helm release ${o.name}`)
    await deps.helm.uninstall(o.name, ns, deps.kubeTarget(o.cluster), { timeoutSeconds: Math.max(1, Math.round(o.timeoutMs / 1000)) })
    deleted.push(`helm release ${o.name}`)
  }
  // Whatever the release did not own (or a release that is gone already) goes by label.
  for (const r of [R.statefulSets, R.services]) {
    const left = (await kube.list(r, ns, { labelSelector: instanceSelector(o.name) })).items
    for (const obj of left) {
      if (await kube.deleteIfExists(r, ns, obj.metadata.name)) deleted.push(`${r.kind.toLowerCase()}/${obj.metadata.name}`)
    }
  }
  if (await kube.deleteIfExists(R.secrets, ns, credentialsSecretName(o.name))) deleted.push(`secret/${credentialsSecretName(o.name)}`)

  for (const p of plan.pvcs) {
    if (o.deleteData) {
      if (await kube.deleteIfExists(R.pvcs, ns, p.metadata.name)) deleted.push(`persistentvolumeclaim/${p.metadata.name}`)
    } else {
      kept.push({ object: `persistentvolumeclaim/${p.metadata.name}`, reason: 'holds data (pass --delete-data to remove it)' })
    }
  }

  if (o.wait) {
    deps.ui.step(`Waiting for ${o.name}'s pods to be gone`)
    await waitFor(kube, R.pods, ns, { labelSelector: instanceSelector(o.name) }, (pods) => (pods.length === 0 ? true : undefined), {
      timeoutMs: o.timeoutMs,
      signal: deps.signal,
      describe: (pods) => `still there: ${pods.map((p) => `pod/${p.metadata.name}`).join(', ')}`,
      timeoutHint: `run \`dbaas delete ${o.name} -n ${ns}\` again later`,
    })
  }

  let namespaceDeleted = false
  // A user who may not read namespaces cannot have had dbaas create one: leave it alone.
  const readable = await orForbidden(kube.find(R.namespaces, undefined, ns))
  const nsObj = readable === 'forbidden' ? undefined : readable
  const created = nsObj?.metadata.annotations?.[ANN.namespaceCreated] === 'true' && nsObj.metadata.labels?.[INSTANCE] === o.name
  if (nsObj && created && !nsObj.metadata.deletionTimestamp) {
    const left = await leftovers(kube, ns, o.name)
    if (left.length === 0) {
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
    } else {
      kept.push({ object: `namespace/${ns}`, reason: `still holds ${left.map((l) => l.object).join(', ')}` })
      for (const l of left) if (!kept.some((k) => k.object === l.object)) kept.push(l)
    }
  }
  deps.ui.done()
  return { name: o.name, namespace: ns, dryRun: false, deleted, kept, namespaceDeleted }
}
