// ha scale and ha delete, for every HA engine.
import { haHistoryTarget, recordOutcome } from '../day2/history.ts'
import type { Deps } from '../../deps.ts'
import { OperationError, PreconditionError } from '../../errors.ts'
import { apiInfo, isApiConflict, isApiNotFound, orForbidden } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject, type ResourceType } from '../../k8s/kube.ts'
import { ANN, INSTANCE, KIND, Kinds, MANAGED } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import type { DeletionResult } from '../deletion.ts'
import type { HaEngine, HaView } from './engine.ts'
import { findHaCluster, openCluster, type HaTarget } from './find.ts'
import { HA_BACKUP_TEMPLATE, HA_CREDENTIALS, HA_RESTORE_SOURCE } from './model.ts'
import { removeRestoreHelpers, RESTORE_TARGET } from './backup.ts'
import { HA_ENGINES } from './registry.ts'
import { findSchedule, removeSchedule } from '../schedule/manage.ts'
import { releaseName as scheduleReleaseName, scheduleReleaseOf } from '../schedule/model.ts'
import { waitHealthy } from './wait.ts'

export interface ScaleResult {
  cluster: HaView
  from: number
  to: number
}

/**
 * Merge-patches an HA cluster's spec carrying its resourceVersion, so a concurrent writer (the operator,
 * another user) makes the API server answer 409; then `recheck` runs on the fresh object and the patch is
 * built again. Returns the patched object, or the fresh one when `build` says there is nothing to do.
 */
export async function patchWithRetry(
  kube: Kube,
  r: ResourceType,
  first: KubeObject,
  build: (fresh: KubeObject) => Record<string, unknown> | undefined,
  opts: { subresource?: 'status'; maxAttempts?: number; what: string },
): Promise<{ object: KubeObject; attempts: number }> {
  const ns = first.metadata.namespace as string
  const name = first.metadata.name
  let current = first
  for (let attempt = 1; ; attempt++) {
    const body = build(current)
    if (!body) return { object: current, attempts: attempt - 1 }
    try {
      const object = await kube.mergePatch(r, ns, name, { ...body, metadata: { ...((body.metadata as object) ?? {}), resourceVersion: current.metadata.resourceVersion } }, opts.subresource ? { subresource: opts.subresource } : {})
      return { object, attempts: attempt }
    } catch (err) {
      if (!isApiConflict(err)) throw err
      if (attempt >= (opts.maxAttempts ?? 5)) {
        throw new OperationError(`the ${r.kind} ${ns}/${name} kept changing under dbaas (${attempt} conflicts); ${opts.what} was not sent`, { hint: 'try again in a moment', cause: err })
      }
      current = await kube.get(r, ns, name)
    }
  }
}

/**
 * Sets the number of members (merge patch carrying resourceVersion). Refused while a switchover, failover or
 * other operation runs: the operators settle the primary first, and a scale-down could remove the target.
 */
export async function haScale(t: HaTarget & { instances: number; wait: boolean; timeoutMs: number }, deps: Deps): Promise<ScaleResult> {
  const { kube, engine, cluster } = await openCluster(t, deps)
  const ns = cluster.metadata.namespace as string
  const name = cluster.metadata.name
  const view = engine.view(cluster)
  const from = view.instances
  engine.validateInstances(t.instances, view.topology, '--instances')
  const { object } = await patchWithRetry(
    kube,
    engine.resource,
    cluster,
    (c) => {
      const busy = engine.busy(c)
      if (busy) throw new PreconditionError(`HA cluster ${name} cannot be scaled now: ${busy}`, { hint: `wait until \`dbaas ha status ${name} -n ${ns}\` shows it healthy, then scale` })
      if (engine.view(c).instances === t.instances) return undefined
      engine.scale.check?.(c, t.instances)
      deps.ui.step(`Scaling ${name} from ${from} to ${t.instances} instance(s)`)
      return engine.scale.patch(c, t.instances)
    },
    { what: 'the new size' },
  )
  // The cluster's history records a change of size (none when it already had it), or how one ended.
  const op = { verb: 'ha scale', params: { instances: String(t.instances) }, startedMs: deps.now() }
  const target = haHistoryTarget(engine.resource as ResourceType, name, ns)
  let updated = object
  try {
    if (t.wait && engine.view(object).instances === t.instances) updated = await waitHealthy(kube, engine, name, ns, t.timeoutMs, deps)
  } catch (err) {
    if (from !== t.instances) await recordOutcome(kube, target, op, { error: err }, deps)
    throw err
  }
  if (from !== t.instances) await recordOutcome(kube, target, op, { message: `instances ${from} → ${t.instances}${t.wait ? '' : ' (not waited for)'}` }, deps)
  deps.ui.done()
  return { cluster: engine.view(updated), from, to: t.instances }
}

export interface HaDeletePlan {
  engine: HaEngine
  cluster: KubeObject
  view: HaView
}

/** Finds the cluster to delete. No operator is needed: someone who uninstalled it can still clean up. */
export async function planHaDelete(t: HaTarget, deps: Deps): Promise<HaDeletePlan> {
  const kube = await deps.kube(t.cluster)
  const { engine, cluster } = await findHaCluster(kube, t.name, t.namespace)
  return { engine, cluster, view: engine.view(cluster) }
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
  /** This cluster's backups: kept (the operator's backup objects and their VolumeSnapshots). */
  backups: Array<{ object: string; reason: string }>
  /** Everything else dbaas manages in the namespace. */
  others: string[]
  /** Helper snapshots of a restore into this cluster (deleted with it). */
  helpers: string[]
}

const live = (o: KubeObject) => !o.metadata.deletionTimestamp

async function haLeftovers(kube: Kube, engine: HaEngine, ns: string, name: string, own: Set<string>): Promise<HaLeftovers> {
  const [snaps, secrets, clusters, backupObjects] = await Promise.all([
    tolerantList(kube, R.volumeSnapshots, ns),
    kube.list(R.secrets, ns, { labelSelector: MANAGED, metadataOnly: true }).then((l) => l.items),
    Promise.all(HA_ENGINES.map(async (e) => (await tolerantList(kube, e.resource, ns)).map((c) => ({ e, c })))).then((x) => x.flat()),
    Promise.all(HA_ENGINES.filter((e) => e.backups).map(async (e) => (await tolerantList(kube, e.backups?.resource as ResourceType, ns)).map((b) => ({ e, b })))).then((x) => x.flat()),
  ])
  const reason = 'is a backup (restore it with `dbaas ha restore`, delete it with `dbaas ha backup delete`)'
  const isTemplate = (b: KubeObject) => b.metadata.labels?.[KIND] === HA_BACKUP_TEMPLATE
  const ownBackups = backupObjects.filter((x) => x.e.id === engine.id && x.e.backups?.clusterOf(x.b) === name && live(x.b) && !isTemplate(x.b))
  const selectors = ownBackups.map((x) => x.e.backups?.snapshotSelector(x.b) ?? '')
  const matches = (v: KubeObject, sel: string) => sel.split(',').every((kv) => { const [k, val] = kv.split('='); return v.metadata.labels?.[k as string] === val })
  // CNPG also labels its backups' snapshots with the cluster's name.
  const ownSnaps = snaps.filter((v) => live(v) && (selectors.some((s) => s && matches(v, s)) || (engine.id === 'cnpg' && v.metadata.labels?.['cnpg.io/cluster'] === name)))
  // The helper snapshots of a restore into this cluster go with it.
  const helpers = snaps.filter((v) => v.metadata.labels?.[KIND] === HA_RESTORE_SOURCE && v.metadata.labels?.[RESTORE_TARGET] === name)
  const backups = [
    ...ownBackups.map((x) => ({ object: `${x.e.backups?.object}/${x.b.metadata.name}`, reason })),
    ...ownSnaps.map((v) => ({ object: `volumesnapshot/${v.metadata.name}`, reason })),
  ]
  const others = [
    ...snaps.filter((v) => !ownSnaps.includes(v) && !helpers.includes(v) && live(v)).map((v) => `volumesnapshot/${v.metadata.name}`),
    ...backupObjects.filter((x) => !ownBackups.includes(x) && live(x.b) && !(isTemplate(x.b) && x.b.metadata.labels?.[INSTANCE] === name)).map((x) => `${x.e.backups?.object}/${x.b.metadata.name}`),
    ...secrets.filter((x) => !own.has(x.metadata.name) && live(x) && x.metadata.labels?.[KIND] !== Kinds.backupCredentials && !scheduleReleaseOf(x, name)).map((x) => `secret/${x.metadata.name}`),
    ...clusters.filter((x) => !(x.e.id === engine.id && x.c.metadata.name === name) && live(x.c)).map((x) => `${x.e.object}/${x.c.metadata.name}`),
  ]
  return { backups, others, helpers: helpers.map((v) => `volumesnapshot/${v.metadata.name}`) }
}

/**
 * Deletes the cluster's resource (its operator removes pods and Services; data PVCs the operator leaves behind
 * are deleted by dbaas), its credentials Secret and any template dbaas made for it; keeps the cluster's
 * backups; removes the namespace only when dbaas created it for this cluster and nothing dbaas manages is
 * left there — backups included. A dry run reports exactly that.
 */
export async function haDelete(plan: HaDeletePlan, o: HaTarget & { dryRun: boolean; wait: boolean; timeoutMs: number }, deps: Deps): Promise<DeletionResult> {
  const kube = await deps.kube(o.cluster)
  const { engine, cluster: c } = plan
  const ns = c.metadata.namespace as string
  const name = c.metadata.name
  const secretName = engine.secretName(c)
  const [ownSecret, nsObj, templates, pvcs] = await Promise.all([
    orForbidden(kube.find(R.secrets, ns, secretName)),
    orForbidden(kube.find(R.namespaces, undefined, ns)),
    engine.backups ? tolerantList(kube, engine.backups.resource, ns, `${MANAGED},${KIND}=${HA_BACKUP_TEMPLATE},${INSTANCE}=${name}`) : Promise.resolve([]),
    engine.dataSelector ? tolerantList(kube, R.pvcs, ns, engine.dataSelector(c)) : Promise.resolve([]),
  ])
  const deleteSecret = ownSecret !== 'forbidden' && ownSecret?.metadata.labels?.[INSTANCE] === name && ownSecret.metadata.labels?.[KIND] === HA_CREDENTIALS
  const own = new Set([secretName])
  const left = await haLeftovers(kube, engine, ns, name, own)
  const kept = [...left.backups]
  const deleted = [
    `${engine.object}/${name} (${engine.dataSelector ? 'its pods and services' : 'its pods, PVCs and services'})`,
    ...pvcs.map((p) => `persistentvolumeclaim/${p.metadata.name}`),
    ...templates.map((t) => `${engine.backups?.object}/${t.metadata.name}`),
    ...(deleteSecret ? [`secret/${secretName}`] : []),
    ...left.helpers,
  ]
  const createdHere = nsObj !== 'forbidden' && nsObj !== undefined && nsObj.metadata.annotations?.[ANN.namespaceCreated] === 'true' && nsObj.metadata.labels?.[INSTANCE] === name && !nsObj.metadata.deletionTimestamp
  const stays = [...left.backups.map((b) => b.object), ...left.others]
  const removeNamespace = createdHere && stays.length === 0
  if (createdHere && !removeNamespace) kept.push({ object: `namespace/${ns}`, reason: `still holds ${stays.join(', ')}` })
  const result = (dryRun: boolean, namespaceDeleted: boolean): DeletionResult => ({ name, namespace: ns, found: true, dryRun, deleted, kept, namespaceDeleted })
  if (o.dryRun) {
    // Its backup schedule goes first (CloudNativePG would go on making Backups of a cluster that is gone).
    const schedule = await findSchedule(kube, { instance: name, namespace: ns }).catch(() => undefined)
    if (schedule) deleted.unshift(`helm release ${scheduleReleaseName(name)} (backup schedule cronjob/${schedule.metadata.name}, scheduledbackup/${schedule.metadata.name})`)
    if (removeNamespace) deleted.push(`namespace/${ns}`)
    return result(true, removeNamespace)
  }

  // 0. its backup schedule, so neither CloudNativePG nor the pruning Job acts on a cluster that is gone.
  deleted.unshift(...(await removeSchedule(kube, ns, name, o.cluster, o.timeoutMs, deps)))
  deps.ui.step(`Deleting HA cluster ${name}`)
  await kube.deleteIfExists(engine.resource, ns, name)
  for (const t of templates) await kube.deleteIfExists(engine.backups?.resource as ResourceType, ns, t.metadata.name)
  // Claims in use stay (pvc-protection) until their pods are gone, then go.
  for (const p of pvcs) await kube.deleteIfExists(R.pvcs, ns, p.metadata.name)
  // A restore that did not wait left its helper snapshot (and content) for this cluster: they go with it.
  if (left.helpers.length) await removeRestoreHelpers(kube, ns, name, o.timeoutMs, deps)
  // The Secret goes last — `dbaas list` finds HA clusters through it, so one still being deleted stays listed —
  // and also when the wait times out, so nothing of the cluster is left for a rerun that finds no cluster.
  try {
    if (o.wait) {
      await waitFor(kube, engine.resource, ns, { fieldSelector: `metadata.name=${name}` }, (items) => (items.length === 0 ? true : undefined), {
        timeoutMs: o.timeoutMs,
        signal: deps.signal,
        describe: () => `the ${engine.resource.kind} ${ns}/${name} is still being deleted`,
        timeoutHint: `it goes on; \`dbaas ha list -n ${ns}\` shows when it is gone`,
      })
    }
  } finally {
    if (deleteSecret) await kube.deleteIfExists(R.secrets, ns, secretName)
  }
  let namespaceDeleted = false
  if (removeNamespace) {
    // Judged again on what is left now: something may have been added since the plan.
    const now = await haLeftovers(kube, engine, ns, name, own)
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
