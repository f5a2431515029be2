// The day-2 verbs of HA clusters (CloudNativePG): `ha scale --cpu/--memory`, `ha resize`, `ha stop`,
// `ha start`, `ha restart`. Each plans from the Cluster as it is (refusing what the operator would not do),
// then — under the cluster's Lease, planned again — writes one merge patch carrying the resourceVersion it
// read, and waits until the operator and the pods prove it done (healthy, every pod updated, every volume at
// its size, hibernated or back).
import type { Deps } from '../../deps.ts'
import { PreconditionError, UsageError } from '../../errors.ts'
import { isApiConflict } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../../k8s/kube.ts'
import type { CnpgCluster, PersistentVolumeClaim, Pod } from '../../k8s/types.ts'
import { ANN } from '../../k8s/labels.ts'
import { openCluster, type HaTarget } from '../ha/find.ts'
import { CNPG, inProgress, isHealthy, MAJORS } from '../ha/model.ts'
import { haBackupCreate } from '../ha/backup.ts'
import { whereItStands } from '../ha/wait.ts'
import * as cnpg from './cnpg.ts'
import { haHistoryTarget } from './history.ts'
import { busyError, holderOf, leaseFree, leaseName, ownHolder } from './lease.ts'
import { resultOf, type Change, type ChangeOptions, type Day2Plan, type Day2Result } from './model.ts'
import { runOperation } from './op.ts'
import { formatBytes, parseQuantityBytes, sameBytes, sameCpu } from './quantities.ts'
import { checkExpandable, checkNotSmaller, pvcWhere } from './resize.ts'
import { checkChange, classify, parseVersion, seriesOf, tagVersion } from './versions.ts'
import { waitUntil } from './wait.ts'

export type HaChangeOptions = ChangeOptions & HaTarget

export interface HaPlan {
  plan: Day2Plan
  kube: Kube
  cluster: CnpgCluster
  /** The merge patch (resourceVersion added when it is sent). */
  patch: Record<string, unknown>
  /** Proves it done, from the Cluster, its pods and its data PVCs; may throw to fail fast. */
  done(c: CnpgCluster, pods: Pod[], pvcs: PersistentVolumeClaim[]): boolean
  /** Where it stopped, for a timeout. */
  where(c: CnpgCluster | undefined, pods: Pod[], pvcs: PersistentVolumeClaim[]): string
  waitFor: string
  /** The PVCs are part of the proof (resize). */
  watchPvcs?: boolean
  /** Runs under the Lease before the patch (a major upgrade's backup); what it returns goes in the result. */
  before?: () => Promise<{ extra: Record<string, unknown>; notes: string[] }>
}

function basePlan(c: CnpgCluster, verb: string, changes: Change[]): Day2Plan {
  return { kind: 'ha-cluster', verb, name: c.metadata.name, namespace: c.metadata.namespace as string, engine: 'postgresql', changes, effects: [], noop: changes.length === 0, notes: [], warnings: [] }
}

function refuseBusy(c: CnpgCluster, verb: string): void {
  const busy = inProgress(c)
  if (busy) throw new PreconditionError(`HA cluster ${c.metadata.name} cannot ${verb} now: ${busy}`, { hint: `wait until \`dbaas ha status ${c.metadata.name} -n ${c.metadata.namespace}\` shows it healthy, then run the command again` })
}

function refuseHibernated(c: CnpgCluster, verb: string): void {
  if (cnpg.hibernationRequested(c)) {
    throw new PreconditionError(`HA cluster ${c.metadata.name} is stopped (hibernated): there is nothing to ${verb}`, { hint: `start it with \`dbaas ha start ${c.metadata.name} -n ${c.metadata.namespace}\`` })
  }
}

async function open(o: HaChangeOptions, deps: Deps): Promise<{ kube: Kube; cluster: CnpgCluster }> {
  const opened = await openCluster(o, deps)
  const ns = opened.cluster.metadata.namespace as string
  // Another day-2 verb runs on it: that, before anything else, is why this one cannot (4).
  const lease = await opened.kube.find(R.leases, ns, leaseName(opened.cluster.metadata.name)).catch(() => undefined)
  if (lease && !leaseFree(lease, deps.now()) && !ownHolder(lease.spec?.holderIdentity ?? '')) throw busyError('HA cluster', opened.cluster.metadata.name, ns, holderOf(lease))
  return opened
}

// ---- scale --cpu/--memory

export interface HaResourcesOptions extends HaChangeOptions {
  cpu?: string | undefined
  memory?: string | undefined
}

export async function planHaResources(o: HaResourcesOptions, deps: Deps): Promise<HaPlan> {
  const { kube, cluster } = await open(o, deps)
  const cur = cnpg.resourcesOf(cluster)
  const changes: Change[] = []
  if (o.cpu !== undefined && !sameCpu(cur.cpu, o.cpu)) changes.push({ field: 'cpu', from: cur.cpu ?? null, to: o.cpu })
  if (o.memory !== undefined && !(sameBytes(cur.memory, o.memory) && sameBytes(cur.limitMemory, o.memory))) changes.push({ field: 'memory', from: cur.memory ?? null, to: o.memory })
  const plan = basePlan(cluster, 'ha scale', changes)
  const want = { ...(changes.some((c) => c.field === 'cpu') ? { cpu: o.cpu } : {}), ...(changes.some((c) => c.field === 'memory') ? { memory: o.memory } : {}) }
  if (!plan.noop) {
    refuseBusy(cluster, 'be scaled')
    plan.effects.push(
      cnpg.hibernationRequested(cluster)
        ? 'the cluster is stopped (hibernated): the new resources apply when `dbaas ha start` wakes it'
        : 'CloudNativePG restarts every instance with the new resources, standbys first, then the primary (a switchover or an in-place restart)',
    )
  }
  const annotations = { ...(want.cpu ? { [ANN.cpu]: want.cpu } : {}), ...(want.memory ? { [ANN.memory]: want.memory } : {}) }
  const patch = { ...cnpg.resourcesPatch(want), ...(Object.keys(annotations).length ? { metadata: { annotations } } : {}) }
  return {
    plan,
    kube,
    cluster,
    patch,
    done: (c, pods) => cnpg.resourcesDone(c, pods, want),
    where: (c, pods) => `${whereItStands(c)}; ${cnpg.podsWhere(cnpg.livePods(pods), () => false)}`,
    waitFor: 'every instance to run with the new resources',
  }
}

// ---- resize

export interface HaResizeOptions extends HaChangeOptions {
  storage: string
}

export async function planHaResize(o: HaResizeOptions, deps: Deps): Promise<HaPlan> {
  const { kube, cluster } = await open(o, deps)
  const pvcs = (await kube.list(R.pvcs, cluster.metadata.namespace, { labelSelector: cnpg.pvcSelector(cluster) })).items
  const size = cluster.spec?.storage?.size
  checkNotSmaller(cluster.metadata.name, o.storage, [size, ...pvcs.map((p) => p.spec?.resources?.requests?.storage), ...pvcs.map((p) => p.status?.capacity?.storage)])
  const bytes = parseQuantityBytes(o.storage) ?? 0
  const growing = pvcs.filter((p) => (parseQuantityBytes(p.status?.capacity?.storage) ?? 0) < bytes)
  const changes: Change[] = sameBytes(size, o.storage) && growing.length === 0 ? [] : [{ field: 'storage', from: size ?? null, to: o.storage }]
  const plan = basePlan(cluster, 'ha resize', changes)
  if (!plan.noop) {
    refuseBusy(cluster, 'be resized')
    const classes = [cluster.spec?.storage?.storageClass, ...pvcs.map((p) => p.spec?.storageClassName)].filter((x): x is string => Boolean(x))
    const unchecked = await checkExpandable(kube, classes, `HA cluster "${cluster.metadata.name}"`)
    if (unchecked) plan.notes.push(`not checked: ${unchecked}`)
    if (classes.length === 0) plan.notes.push('not checked: the storage class (the cluster uses the default class, and its volumes name none)')
    plan.effects.push('CloudNativePG expands every instance\'s data volume; the instances keep running')
  }
  return {
    plan,
    kube,
    cluster,
    patch: { ...cnpg.storagePatch(o.storage), metadata: { annotations: { [ANN.storage]: o.storage } } },
    done: (c, _pods, list) => {
      const failed = list.map((p) => cnpgResizeFailure(p)).find(Boolean)
      if (failed) throw new PreconditionError(`the volume could not be expanded: ${failed}`, { hint: `\`kubectl -n ${c.metadata.namespace} describe pvc\` shows the resizer's events` })
      return cnpg.storageDone(c, list, bytes)
    },
    where: (c, _pods, list) => `${whereItStands(c)}; ${list.map(pvcWhere).join('; ') || 'no data volume'} (want ${formatBytes(bytes)})`,
    waitFor: `every data volume to reach ${o.storage}`,
    watchPvcs: true,
  }
}

function cnpgResizeFailure(p: PersistentVolumeClaim): string | undefined {
  const st = p.status?.allocatedResourceStatuses?.storage
  if (st && /Infeasible$/.test(st)) return `${p.metadata.name}: ${st}`
  return undefined
}

// ---- stop / start / restart

export async function planHaStop(o: HaChangeOptions, deps: Deps): Promise<HaPlan> {
  const { kube, cluster } = await open(o, deps)
  const on = cnpg.hibernationRequested(cluster)
  const plan = basePlan(cluster, 'ha stop', on ? [] : [{ field: cnpg.HIBERNATION, from: cluster.metadata.annotations?.[cnpg.HIBERNATION] ?? null, to: 'on' }])
  if (!plan.noop) {
    refuseBusy(cluster, 'be stopped')
    if (!isHealthy(cluster)) {
      throw new PreconditionError(`HA cluster ${cluster.metadata.name} is not healthy, and CloudNativePG hibernates only a healthy cluster: ${whereItStands(cluster)}`, {
        hint: `wait until \`dbaas ha status ${cluster.metadata.name} -n ${cluster.metadata.namespace}\` shows it healthy`,
      })
    }
    plan.effects.push('every instance is shut down and its pod deleted (the primary first); the volumes are kept; nothing starts it again but `dbaas ha start`')
  } else if (!cnpg.hibernationCondition(cluster)) {
    // Asked before, not done yet (an interrupted stop): only the wait is left.
    plan.noop = false
    plan.changes = [{ field: cnpg.HIBERNATION, from: 'on', to: 'on' }]
    plan.notes.push('hibernation was already asked for; waiting for CloudNativePG to finish it')
  }
  return {
    plan,
    kube,
    cluster,
    patch: cnpg.hibernatePatch(true),
    done: (c, pods) => cnpg.hibernated(c, pods),
    where: (c, pods) => `condition ${cnpg.HIBERNATION_CONDITION}: ${JSON.stringify(c ? (cnpg.hibernationCondition(c) ?? null) : null)}; ${cnpg.podsWhere(pods, () => false)}`,
    waitFor: 'CloudNativePG to hibernate the cluster',
  }
}

export async function planHaStart(o: HaChangeOptions, deps: Deps): Promise<HaPlan> {
  const { kube, cluster } = await open(o, deps)
  const on = cnpg.hibernationRequested(cluster)
  const plan = basePlan(cluster, 'ha start', on ? [{ field: cnpg.HIBERNATION, from: 'on', to: 'off' }] : [])
  if (!on && cnpg.hibernationCondition(cluster)) {
    plan.noop = false
    plan.changes = [{ field: cnpg.HIBERNATION, from: 'off', to: 'off' }]
    plan.notes.push('hibernation was already turned off; waiting for CloudNativePG to bring the instances back')
  }
  if (!plan.noop) plan.effects.push('CloudNativePG starts the instances again on their kept volumes')
  return {
    plan,
    kube,
    cluster,
    patch: cnpg.hibernatePatch(false),
    done: (c, pods) => cnpg.resumed(c, pods),
    where: (c, pods) => `${whereItStands(c)}; ${cnpg.podsWhere(pods, () => true)}`,
    waitFor: 'every instance to be back and the cluster healthy',
  }
}

export async function planHaRestart(o: HaChangeOptions, deps: Deps): Promise<HaPlan> {
  const { kube, cluster } = await open(o, deps)
  refuseHibernated(cluster, 'restart')
  refuseBusy(cluster, 'be restarted')
  const at = new Date(deps.now()).toISOString()
  const plan = basePlan(cluster, 'ha restart', [{ field: cnpg.RESTARTED_AT, from: cluster.metadata.annotations?.[cnpg.RESTARTED_AT] ?? null, to: at }])
  plan.effects.push('CloudNativePG restarts every instance, standbys first, then the primary (a switchover or an in-place restart)')
  return {
    plan,
    kube,
    cluster,
    patch: cnpg.restartPatch(at),
    done: (c, pods) => cnpg.restartDone(c, pods, at),
    where: (c, pods) => `${whereItStands(c)}; ${cnpg.podsWhere(cnpg.livePods(pods), (p) => p.metadata.annotations?.[cnpg.RESTARTED_AT] === at || Date.parse(p.metadata.creationTimestamp ?? '') >= Date.parse(at) - 1000)}`,
    waitFor: 'every instance to be restarted and the cluster healthy',
  }
}

// ---- apply

/** The Cluster as the patch would leave it (a client dry run): a JSON merge patch applied locally. */
export function mergeLocally(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {}
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k]
    else out[k] = mergeLocally(out[k], v)
  }
  return out
}

function forPrinting(c: CnpgCluster): KubeObject {
  const { managedFields: _m, ...metadata } = c.metadata
  void _m
  return { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata, spec: c.spec }
}

async function patchWithLock(kube: Kube, p: HaPlan, replan: () => Promise<HaPlan>): Promise<HaPlan> {
  let q = p
  for (let attempt = 1; ; attempt++) {
    try {
      await kube.mergePatch(CNPG.clusters, q.cluster.metadata.namespace, q.cluster.metadata.name, mergeLocally(q.patch, { metadata: { resourceVersion: q.cluster.metadata.resourceVersion } }))
      return q
    } catch (err) {
      // The operator wrote the Cluster since it was read: plan again on the fresh one (its refusals included).
      if (!isApiConflict(err) || attempt >= 5) throw err
      q = await replan()
    }
  }
}

export async function executeHa(p: HaPlan, o: HaChangeOptions, params: Record<string, string>, replan: () => Promise<HaPlan>, deps: Deps): Promise<Day2Result> {
  if (p.plan.noop) return resultOf(p.plan, { action: 'unchanged', dryRun: o.dryRun })
  if (o.dryRun === 'client') return resultOf(p.plan, { action: 'dry-run', dryRun: 'client', objects: [forPrinting(mergeLocally(p.cluster, p.patch) as CnpgCluster)] })
  if (o.dryRun === 'server') {
    const partial = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', ...(mergeLocally({ metadata: { name: p.cluster.metadata.name, namespace: p.cluster.metadata.namespace } }, p.patch) as object) } as KubeObject
    const sent = await p.kube.apply(CNPG.clusters, partial, { dryRun: true })
    return resultOf(p.plan, { action: 'dry-run', dryRun: 'server', objects: [forPrinting(sent as CnpgCluster)] })
  }
  const name = p.cluster.metadata.name
  const ns = p.cluster.metadata.namespace as string
  const result = await runOperation(
    {
      kube: p.kube,
      instance: name,
      namespace: ns,
      what: 'HA cluster',
      verb: p.plan.verb,
      history: haHistoryTarget(CNPG.clusters, name, ns),
      params,
      replan,
      apply: async (q) => {
        const first = q.before ? await q.before() : undefined
        deps.ui.step(`Asking CloudNativePG: ${q.plan.changes.map((c) => `${c.field} ${c.to}`).join(', ')}`)
        const sent = await patchWithLock(q.kube, q, replan)
        const carried = first ? { extra: first.extra, notes: first.notes } : {}
        if (!o.wait) return { action: 'requested', ...carried }
        deps.ui.step(`Waiting for ${sent.waitFor}`)
        const read = async () => {
          const [c, pods, pvcs] = await Promise.all([
            q.kube.get(CNPG.clusters, ns, name),
            q.kube.list(R.pods, ns, { labelSelector: cnpg.podSelector(q.cluster) }).then((l) => l.items),
            sent.watchPvcs ? q.kube.list(R.pvcs, ns, { labelSelector: cnpg.pvcSelector(q.cluster) }).then((l) => l.items) : Promise.resolve([] as PersistentVolumeClaim[]),
          ])
          deps.ui.update(`(${c.status?.phase ?? 'no phase'})`)
          return { c, pods, pvcs }
        }
        await waitUntil(
          q.kube,
          [
            { r: CNPG.clusters, namespace: ns, opts: { fieldSelector: `metadata.name=${name}` } },
            { r: R.pods, namespace: ns, opts: { labelSelector: cnpg.podSelector(q.cluster) } },
            ...(sent.watchPvcs ? [{ r: R.pvcs, namespace: ns, opts: { labelSelector: cnpg.pvcSelector(q.cluster) } }] : []),
          ],
          read,
          (s) => sent.done(s.c, s.pods, s.pvcs),
          {
            timeoutMs: o.timeoutMs,
            signal: deps.signal,
            describe: (s) => `${sent.waitFor} did not happen; where it stopped: ${sent.where(s?.c, s?.pods ?? [], s?.pvcs ?? [])}`,
            hint: `the change is applied and CloudNativePG goes on: \`dbaas ha status ${name} -n ${ns}\` follows it; running the same command again waits for it`,
          },
        )
        return { action: 'changed', ...carried }
      },
    },
    deps,
  )
  deps.ui.done()
  return result
}

// ---- upgrade

export interface HaUpgradeOptions extends HaChangeOptions {
  version: string
  allowMajor: boolean
  allowDowngrade: boolean
}

/** repository and tag of an image reference ("ghcr.io/cloudnative-pg/postgresql:18.1-system-trixie"). */
export function splitImage(image: string): { repo: string; tag: string } {
  const at = image.split('@')[0] as string
  const i = at.lastIndexOf(':')
  return i > at.lastIndexOf('/') ? { repo: at.slice(0, i), tag: at.slice(i + 1) } : { repo: at, tag: 'latest' }
}

function podImage(p: Pod): string | undefined {
  return ((p.spec?.containers ?? []).find((c) => c.name === cnpg.PG_CONTAINER) ?? p.spec?.containers?.[0])?.image
}

/**
 * A new imageName: a minor release rolls through the instances (standbys first); a new major is CNPG's
 * offline in-place upgrade (every instance down, pg_upgrade in a Job, the replicas re-cloned), taken only
 * with --allow-major and after a volume-snapshot backup, whose name the result carries.
 */
export async function planHaUpgrade(o: HaUpgradeOptions, deps: Deps): Promise<HaPlan> {
  const { kube, cluster } = await open(o, deps)
  const image = cluster.spec?.imageName ?? cluster.status?.image
  if (!image) throw new PreconditionError(`HA cluster ${cluster.metadata.name} reports no image yet`, { hint: `wait until \`dbaas ha status ${cluster.metadata.name}\` shows it healthy` })
  const { repo, tag } = splitImage(image)
  const cur = tagVersion(tag)
  if (!cur) throw new PreconditionError(`the image tag "${tag}" of HA cluster ${cluster.metadata.name} names no PostgreSQL version`, { hint: 'set spec.imageName to a versioned tag (e.g. 17.6) with kubectl first' })
  const wanted = parseVersion(o.version).join('.')
  const wantedMajor = seriesOf('postgresql', wanted)
  if (!(MAJORS as readonly string[]).includes(wantedMajor)) throw new UsageError(`PostgreSQL ${wanted} is not a major CloudNativePG runs`, { hint: `use one of ${MAJORS.join(', ')} (or a minor release of one)` })
  let change = classify('postgresql', cur.version, wanted)
  // A failed major upgrade is undone by going back to the old image (CNPG deletes the failed job): allowed
  // while the data files are still of that major.
  const dataMajor = Number((cluster.status?.pgDataImageInfo as { majorVersion?: number } | undefined)?.majorVersion ?? NaN)
  const backOut = change === 'major-down' && dataMajor <= Number(wantedMajor)
  if (!backOut) checkChange(change, { current: cur.version, wanted, allowMajor: o.allowMajor, allowDowngrade: o.allowDowngrade, what: `HA cluster "${cluster.metadata.name}"` })
  if (backOut) change = 'minor-pin'
  const newImage = `${repo}:${wanted}${cur.suffix}`
  const plan = basePlan(cluster, 'ha upgrade', change === 'same' ? [] : [{ field: 'image', from: image, to: newImage }])
  const major = change === 'major-up'
  let before: HaPlan['before']
  if (!plan.noop) {
    refuseBusy(cluster, 'be upgraded')
    refuseHibernated(cluster, 'upgrade')
    if (major) {
      if (!cluster.spec?.backup?.volumeSnapshot?.className) {
        throw new PreconditionError(`a major upgrade takes a backup first, and HA cluster ${cluster.metadata.name} cannot take one (no spec.backup.volumeSnapshot.className); nothing was changed`, {
          hint: 'give the cluster a VolumeSnapshotClass (`dbaas doctor` says which the cluster has), then run the upgrade again',
        })
      }
      plan.effects.push(`first a volume-snapshot backup (restorable with \`dbaas ha restore\`), then CloudNativePG's offline in-place major upgrade to ${wantedMajor}: every instance shuts down, pg_upgrade runs in a Job, the replicas are re-cloned — the cluster is unavailable meanwhile`)
      before = async () => {
        const b = await haBackupCreate({ name: cluster.metadata.name, namespace: cluster.metadata.namespace, cluster: o.cluster, skipOperatorCheck: o.skipOperatorCheck, wait: true, timeoutMs: o.timeoutMs }, deps)
        return {
          extra: { backup: b.name },
          notes: [`backup ${b.name} was taken first; to go back: dbaas ha restore ${b.name} --to ${cluster.metadata.name}-${cur.version.split('.')[0]} -n ${cluster.metadata.namespace}`],
        }
      }
    } else {
      plan.effects.push(`CloudNativePG rolls every instance onto ${newImage}, standbys first, then the primary (a switchover or an in-place restart)`)
      if (change === 'minor-pin') plan.warnings.push(`the tag "${tag}" ${backOut ? 'is going back to the major its data files still have (a failed major upgrade)' : 'floats: dbaas cannot tell whether the new one is newer or older than what runs'}`)
      if (change === 'minor-down') plan.warnings.push(`${cur.version} → ${wanted} is a downgrade (--allow-downgrade)`)
    }
  }
  return {
    plan,
    kube,
    cluster,
    patch: { spec: { imageName: newImage } },
    done: (c, pods) => {
      if (c.status?.phase === 'Cluster is unrecoverable and needs manual intervention') {
        throw new PreconditionError(`CloudNativePG gave up: ${c.status.phaseReason ?? c.status.phase}`, { hint: `set the image back with \`dbaas ha upgrade ${c.metadata.name} --version ${cur.version}\` (the data files are kept), then look at \`dbaas ha status\`` })
      }
      const live = cnpg.livePods(pods)
      const dataOk = !major || Number((c.status?.pgDataImageInfo as { majorVersion?: number } | undefined)?.majorVersion) === Number(wantedMajor)
      return dataOk && c.status?.image === newImage && isHealthy(c) && live.length >= (c.spec?.instances ?? 1) && live.every((p) => podImage(p) === newImage)
    },
    where: (c, pods) => `${whereItStands(c)}, image ${c?.status?.image ?? '?'}${major ? `, data files of major ${JSON.stringify((c?.status?.pgDataImageInfo as { majorVersion?: number } | undefined)?.majorVersion ?? null)}` : ''}; ${pods.map((p) => `pod ${p.metadata.name} ${podImage(p) ?? '?'}`).join('; ') || 'no pod'}`,
    waitFor: major ? `the major upgrade to ${wantedMajor} and the cluster healthy` : `every instance to run ${newImage}`,
    ...(before ? { before } : {}),
  }
}
