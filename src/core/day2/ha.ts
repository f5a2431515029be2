// The day-2 verbs of HA clusters, through the HA engine registry: `ha scale --cpu/--memory`, `ha resize`,
// `ha stop`, `ha start`, `ha restart`, `ha upgrade`. Each plans from the cluster object as it is (refusing
// what the operator would not do), then — under the cluster's Lease, planned again — writes one merge patch
// carrying the resourceVersion it read, and waits until the operator and the pods prove it done. An engine
// whose registry entry lacks the verb's part of the day-2 capability exits 7 naming the engines that have it.
import type { Deps } from '../../deps.ts'
import { PreconditionError, UsageError } from '../../errors.ts'
import { isApiConflict } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../../k8s/kube.ts'
import type { PersistentVolumeClaim, Pod } from '../../k8s/types.ts'
import { ANN } from '../../k8s/labels.ts'
import { poll } from '../../k8s/wait.ts'
import type { HaEngine } from '../ha/engine.ts'
import { openCluster, type HaTarget } from '../ha/find.ts'
import { HA_ENGINES } from '../ha/registry.ts'
import { haBackupCreate } from '../ha/backup.ts'
import { podReady } from '../instances.ts'
import type { HaDay2Capability } from './capability.ts'
import { haHistoryTarget } from './history.ts'
import { busyError, holderOf, leaseFree, leaseName, ownHolder } from './lease.ts'
import { resultOf, type Change, type ChangeOptions, type Day2Plan, type Day2Result } from './model.ts'
import { runOperation } from './op.ts'
import { formatBytes, parseQuantityBytes, sameBytes, sameCpu } from './quantities.ts'
import { checkExpandable, checkNotSmaller, pvcWhere } from './resize.ts'
import { checkChange, classify, parseVersion, seriesOf, tagVersion } from './versions.ts'
import { waitUntil } from './wait.ts'

export type HaChangeOptions = ChangeOptions & HaTarget

type Part = 'resources' | 'resize' | 'hibernation' | 'restart' | 'upgrade' | 'config'

export interface HaPlan {
  plan: Day2Plan
  kube: Kube
  engine: HaEngine
  cluster: KubeObject
  /** The merge patch (resourceVersion added when it is sent). */
  patch: Record<string, unknown>
  /** Proves it done, from the cluster object, its pods and its data PVCs; may throw to fail fast. */
  done(c: KubeObject, pods: Pod[], pvcs: PersistentVolumeClaim[]): boolean
  /** Where it stopped, for a timeout. */
  where(c: KubeObject | undefined, pods: Pod[], pvcs: PersistentVolumeClaim[]): string
  waitFor: string
  /** The PVCs are part of the proof (resize). */
  watchPvcs?: boolean
  /** Runs under the Lease before the patch (a major upgrade's backup); what it returns goes in the result. */
  before?: () => Promise<{ extra: Record<string, unknown>; notes: string[] }>
  /** Runs after done() held: a further proof the watch cannot give (the server's own view, through exec). */
  settle?: () => Promise<void>
  /** Carried into the result's extra. */
  extra?: Record<string, unknown>
}

/** The verb's part of the engine's day-2 capability, or exit 7 naming the engines that have it. */
export function requireDay2<K extends Part>(engine: HaEngine, part: K, verb: string): NonNullable<HaDay2Capability[K]> & { cap: HaDay2Capability } {
  const cap = engine.day2
  const it = cap?.[part]
  if (cap && it) return Object.assign(it as NonNullable<HaDay2Capability[K]>, { cap })
  const others = HA_ENGINES.filter((e) => e.day2?.[part]).map((e) => `${e.engine} (${e.operator.name})`)
  throw new PreconditionError(`dbaas ${verb} is not supported for ${engine.displayName} clusters yet; nothing was changed`, {
    hint: `dbaas ${verb} works for: ${others.join(', ') || 'no HA engine'}; for ${engine.displayName}, change the ${engine.operator.name} object with kubectl as its documentation says`,
  })
}

export function basePlan(c: KubeObject, engine: HaEngine, verb: string, changes: Change[]): Day2Plan {
  return { kind: 'ha-cluster', verb, name: c.metadata.name, namespace: c.metadata.namespace as string, engine: engine.engine, changes, effects: [], noop: changes.length === 0, notes: [], warnings: [] }
}

export function refuseBusy(engine: HaEngine, c: KubeObject, verb: string): void {
  const busy = engine.busy(c)
  if (busy) throw new PreconditionError(`HA cluster ${c.metadata.name} cannot ${verb} now: ${busy}`, { hint: `wait until \`dbaas ha status ${c.metadata.name} -n ${c.metadata.namespace}\` shows it healthy, then run the command again` })
}

export function refuseHibernated(engine: HaEngine, c: KubeObject, verb: string): void {
  if (engine.day2?.hibernation?.requested(c)) {
    throw new PreconditionError(`HA cluster ${c.metadata.name} is stopped (hibernated): there is nothing to ${verb}`, { hint: `start it with \`dbaas ha start ${c.metadata.name} -n ${c.metadata.namespace}\`` })
  }
}

interface Opened {
  kube: Kube
  engine: HaEngine
  cluster: KubeObject
}

export async function openHa(o: HaChangeOptions, deps: Deps): Promise<Opened> {
  const opened = await openCluster(o, deps)
  const ns = opened.cluster.metadata.namespace as string
  // Another day-2 verb runs on it: that, before anything else, is why this one cannot (4).
  const lease = await opened.kube.find(R.leases, ns, leaseName(opened.cluster.metadata.name)).catch(() => undefined)
  if (lease && !leaseFree(lease, deps.now()) && !ownHolder(lease.spec?.holderIdentity ?? '')) throw busyError('HA cluster', opened.cluster.metadata.name, ns, holderOf(lease))
  return opened
}

const livePods = (pods: Pod[]) => pods.filter((p) => !p.metadata.deletionTimestamp)

/** "pod x-1: ready, updated; pod x-2: not ready, not updated yet" for timeouts. */
export function podsWhere(pods: Pod[], fresh?: (p: Pod) => boolean): string {
  if (pods.length === 0) return 'no pod'
  return pods.map((p) => `pod ${p.metadata.name}: ${p.metadata.deletionTimestamp ? 'terminating' : podReady(p) ? 'ready' : 'not ready'}${fresh ? (fresh(p) ? ', updated' : ', not updated yet') : ''}`).join('; ')
}

/**
 * `ha config`'s last wait, for every engine: asks the servers (through exec) until `check` finds the change in
 * effect. `who` is what the timeout names: "the primary does" or "the members do".
 */
export function settleConfig(
  check: () => Promise<{ done: boolean; where: string }>,
  who: string,
  c: { engine: HaEngine; name: string; namespace: string; timeoutMs: number; intervalMs: number },
  deps: Deps,
): Promise<void> {
  return poll(check, {
    timeoutMs: c.timeoutMs,
    intervalMs: c.intervalMs,
    signal: deps.signal,
    timedOut: (where) => `${who} not run with the new configuration yet (${where})`,
    timeoutHint: `the change is written and ${c.engine.operator.name} goes on: \`dbaas ha config get ${c.name} -n ${c.namespace}\` shows what the server has`,
  })
}

function podContainer(p: Pod, name: string): NonNullable<Pod['spec']>['containers'][number] | undefined {
  return (p.spec?.containers ?? []).find((x) => x.name === name) ?? p.spec?.containers?.[0]
}

// ---- scale --cpu/--memory

export interface HaResourcesOptions extends HaChangeOptions {
  cpu?: string | undefined
  memory?: string | undefined
}

export async function planHaResources(o: HaResourcesOptions, deps: Deps): Promise<HaPlan> {
  const { kube, engine, cluster } = await openHa(o, deps)
  const r = requireDay2(engine, 'resources', 'ha scale --cpu/--memory')
  const cur = r.current(cluster)
  const changes: Change[] = []
  if (o.cpu !== undefined && !sameCpu(cur.cpu, o.cpu)) changes.push({ field: 'cpu', from: cur.cpu ?? null, to: o.cpu })
  if (o.memory !== undefined && !(sameBytes(cur.memory, o.memory) && sameBytes(cur.limitMemory, o.memory))) changes.push({ field: 'memory', from: cur.memory ?? null, to: o.memory })
  const plan = basePlan(cluster, engine, 'ha scale', changes)
  const want = { ...(changes.some((c) => c.field === 'cpu') ? { cpu: o.cpu } : {}), ...(changes.some((c) => c.field === 'memory') ? { memory: o.memory } : {}) }
  if (!plan.noop) {
    refuseBusy(engine, cluster, 'be scaled')
    plan.effects.push(
      engine.day2?.hibernation?.requested(cluster)
        ? 'the cluster is stopped (hibernated): the new resources apply when `dbaas ha start` wakes it'
        : `${engine.operator.name} restarts every instance with the new resources, standbys first, then the primary (a switchover or an in-place restart)`,
    )
  }
  const annotations = { ...(want.cpu ? { [ANN.cpu]: want.cpu } : {}), ...(want.memory ? { [ANN.memory]: want.memory } : {}) }
  return {
    plan,
    kube,
    engine,
    cluster,
    patch: { ...r.patch(want), ...(Object.keys(annotations).length ? { metadata: { annotations } } : {}) },
    done: (c, pods) => r.done(c, pods, want),
    where: (c, pods) => `${engine.whereItStands(c)}; ${podsWhere(livePods(pods), (p) => {
      const res = podContainer(p, r.cap.container)?.resources ?? {}
      return (want.cpu === undefined || sameCpu(res.requests?.cpu, want.cpu)) && (want.memory === undefined || sameBytes(res.requests?.memory, want.memory))
    })}`,
    waitFor: 'every instance to run with the new resources',
  }
}

// ---- resize

export interface HaResizeOptions extends HaChangeOptions {
  storage: string
}

export async function planHaResize(o: HaResizeOptions, deps: Deps): Promise<HaPlan> {
  const { kube, engine, cluster } = await openHa(o, deps)
  const r = requireDay2(engine, 'resize', 'ha resize')
  const pvcs = (await kube.list(R.pvcs, cluster.metadata.namespace, { labelSelector: r.cap.pvcSelector(cluster) })).items
  const size = r.size(cluster)
  checkNotSmaller(cluster.metadata.name, o.storage, [size, ...pvcs.map((p) => p.spec?.resources?.requests?.storage), ...pvcs.map((p) => p.status?.capacity?.storage)])
  const bytes = parseQuantityBytes(o.storage) ?? 0
  const growing = pvcs.filter((p) => (parseQuantityBytes(p.status?.capacity?.storage) ?? 0) < bytes)
  const changes: Change[] = sameBytes(size, o.storage) && growing.length === 0 ? [] : [{ field: 'storage', from: size ?? null, to: o.storage }]
  const plan = basePlan(cluster, engine, 'ha resize', changes)
  if (!plan.noop) {
    refuseBusy(engine, cluster, 'be resized')
    const classes = [r.storageClass(cluster), ...pvcs.map((p) => p.spec?.storageClassName)].filter((x): x is string => Boolean(x))
    const unchecked = await checkExpandable(kube, classes, `HA cluster "${cluster.metadata.name}"`)
    if (unchecked) plan.notes.push(`not checked: ${unchecked}`)
    if (classes.length === 0) plan.notes.push('not checked: the storage class (the cluster uses the default class, and its volumes name none)')
    plan.effects.push(`${engine.operator.name} expands every instance's data volume; the instances keep running`)
  }
  return {
    plan,
    kube,
    engine,
    cluster,
    patch: { ...r.patch(o.storage), metadata: { annotations: { [ANN.storage]: o.storage } } },
    done: (c, _pods, list) => {
      const failed = list.map((p) => {
        const st = p.status?.allocatedResourceStatuses?.storage
        return st && /Infeasible$/.test(st) ? `${p.metadata.name}: ${st}` : undefined
      }).find(Boolean)
      if (failed) throw new PreconditionError(`the volume could not be expanded: ${failed}`, { hint: `\`kubectl -n ${c.metadata.namespace} describe pvc\` shows the resizer's events` })
      return r.done(c, list, bytes)
    },
    where: (c, _pods, list) => `${engine.whereItStands(c)}; ${list.map(pvcWhere).join('; ') || 'no data volume'} (want ${formatBytes(bytes)})`,
    waitFor: `every data volume to reach ${o.storage}`,
    watchPvcs: true,
  }
}

// ---- stop / start / restart

export async function planHaStop(o: HaChangeOptions, deps: Deps): Promise<HaPlan> {
  const { kube, engine, cluster } = await openHa(o, deps)
  const h = requireDay2(engine, 'hibernation', 'ha stop')
  const on = h.requested(cluster)
  const plan = basePlan(cluster, engine, 'ha stop', on ? [] : [{ field: h.field, from: cluster.metadata.annotations?.[h.field] ?? null, to: 'on' }])
  if (!plan.noop) {
    refuseBusy(engine, cluster, 'be stopped')
    if (!engine.healthy(cluster)) {
      throw new PreconditionError(`HA cluster ${cluster.metadata.name} is not healthy, and ${engine.operator.name} hibernates only a healthy cluster: ${engine.whereItStands(cluster)}`, {
        hint: `wait until \`dbaas ha status ${cluster.metadata.name} -n ${cluster.metadata.namespace}\` shows it healthy`,
      })
    }
    plan.effects.push('every instance is shut down and its pod deleted (the primary first); the volumes are kept; nothing starts it again but `dbaas ha start`')
  } else if (!h.condition(cluster)) {
    // Asked before, not done yet (an interrupted stop): only the wait is left.
    plan.noop = false
    plan.changes = [{ field: h.field, from: 'on', to: 'on' }]
    plan.notes.push(`hibernation was already asked for; waiting for ${engine.operator.name} to finish it`)
  }
  return {
    plan,
    kube,
    engine,
    cluster,
    patch: h.patch(true),
    done: (c, pods) => h.hibernated(c, pods),
    where: (c, pods) => `condition ${h.field}: ${JSON.stringify(c ? (h.condition(c) ?? null) : null)}; ${podsWhere(pods)}`,
    waitFor: `${engine.operator.name} to hibernate the cluster`,
  }
}

export async function planHaStart(o: HaChangeOptions, deps: Deps): Promise<HaPlan> {
  const { kube, engine, cluster } = await openHa(o, deps)
  const h = requireDay2(engine, 'hibernation', 'ha start')
  const on = h.requested(cluster)
  const plan = basePlan(cluster, engine, 'ha start', on ? [{ field: h.field, from: 'on', to: 'off' }] : [])
  if (!on && h.condition(cluster)) {
    plan.noop = false
    plan.changes = [{ field: h.field, from: 'off', to: 'off' }]
    plan.notes.push(`hibernation was already turned off; waiting for ${engine.operator.name} to bring the instances back`)
  }
  if (!plan.noop) plan.effects.push(`${engine.operator.name} starts the instances again on their kept volumes`)
  return {
    plan,
    kube,
    engine,
    cluster,
    patch: h.patch(false),
    done: (c, pods) => h.resumed(c, pods),
    where: (c, pods) => `${engine.whereItStands(c)}; ${podsWhere(pods)}`,
    waitFor: 'every instance to be back and the cluster healthy',
  }
}

export async function planHaRestart(o: HaChangeOptions, deps: Deps): Promise<HaPlan> {
  const { kube, engine, cluster } = await openHa(o, deps)
  const r = requireDay2(engine, 'restart', 'ha restart')
  refuseHibernated(engine, cluster, 'restart')
  refuseBusy(engine, cluster, 'be restarted')
  const at = new Date(deps.now()).toISOString()
  const plan = basePlan(cluster, engine, 'ha restart', [{ field: r.field, from: r.last(cluster) ?? null, to: at }])
  plan.effects.push(`${engine.operator.name} restarts every instance, standbys first, then the primary (a switchover or an in-place restart)`)
  const fresh = (p: Pod) => p.metadata.annotations?.[r.field] === at || Date.parse(p.metadata.creationTimestamp ?? '') >= Date.parse(at) - 1000
  return {
    plan,
    kube,
    engine,
    cluster,
    patch: r.patch(at),
    done: (c, pods) => r.done(c, pods, at),
    where: (c, pods) => `${engine.whereItStands(c)}; ${podsWhere(livePods(pods), fresh)}`,
    waitFor: 'every instance to be restarted and the cluster healthy',
  }
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

/**
 * A new image: a minor release rolls through the instances (standbys first); a new major is the operator's
 * offline in-place upgrade (CNPG: every instance down, pg_upgrade in a Job, the replicas re-cloned), taken
 * only with --allow-major and after a volume-snapshot backup, whose name the result carries.
 */
export async function planHaUpgrade(o: HaUpgradeOptions, deps: Deps): Promise<HaPlan> {
  const { kube, engine, cluster } = await openHa(o, deps)
  const u = requireDay2(engine, 'upgrade', 'ha upgrade')
  const image = u.image(cluster)
  if (!image) throw new PreconditionError(`HA cluster ${cluster.metadata.name} reports no image yet`, { hint: `wait until \`dbaas ha status ${cluster.metadata.name}\` shows it healthy` })
  const { repo, tag } = splitImage(image)
  const cur = tagVersion(tag)
  if (!cur) throw new PreconditionError(`the image tag "${tag}" of HA cluster ${cluster.metadata.name} names no version`, { hint: 'set the image to a versioned tag (e.g. 17.6) with kubectl first' })
  const wanted = parseVersion(o.version).join('.')
  const wantedMajor = seriesOf(engine.engine, wanted)
  if (!u.majors.includes(wantedMajor)) throw new UsageError(`${engine.displayName} ${wanted} is not a version ${engine.operator.name} runs`, { hint: `use one of ${[...u.majors].join(', ')} (or a minor release of one)` })
  let change = classify(engine.engine, cur.version, wanted)
  // A failed major upgrade is undone by going back to the old image (CNPG then deletes the failed job):
  // allowed while the data files are still of that major.
  const backOut = change === 'major-down' && u.dataMajor(cluster) <= Number(wantedMajor)
  if (!backOut) checkChange(change, { current: cur.version, wanted, allowMajor: o.allowMajor, allowDowngrade: o.allowDowngrade, what: `HA cluster "${cluster.metadata.name}"` })
  if (backOut) change = 'minor-pin'
  const newImage = `${repo}:${wanted}${cur.suffix}`
  const plan = basePlan(cluster, engine, 'ha upgrade', change === 'same' ? [] : [{ field: 'image', from: image, to: newImage }])
  const major = change === 'major-up'
  let before: HaPlan['before']
  if (!plan.noop) {
    refuseBusy(engine, cluster, 'be upgraded')
    refuseHibernated(engine, cluster, 'upgrade')
    if (major && !u.offlineMajor) {
      throw new PreconditionError(`${engine.operator.name} does not upgrade ${engine.displayName} from ${seriesOf(engine.engine, cur.version)} to ${wantedMajor} in place; nothing was changed`, {
        hint: `1. a way back: dbaas ha backup create ${cluster.metadata.name}\n  2. a new cluster at the new version: dbaas ha create ${engine.engine} <new-name> --version ${wantedMajor}\n  3. dump from the old and load into the new, then switch the clients and delete the old one`,
      })
    }
    if (major) {
      if (!engine.backups?.refuse || engine.backups.refuse(cluster)) {
        const why = engine.backups?.refuse?.(cluster)
        throw new PreconditionError(`a major upgrade takes a backup first, and HA cluster ${cluster.metadata.name} cannot take one${why ? `: ${why.message}` : ''}; nothing was changed`, {
          hint: why?.hint ?? 'give the cluster a VolumeSnapshotClass (`dbaas doctor` says which the cluster has), then run the upgrade again',
        })
      }
      plan.effects.push(
        `first a volume-snapshot backup (restorable with \`dbaas ha restore\`), then ${engine.operator.name}'s offline in-place major upgrade to ${wantedMajor}: every instance shuts down, pg_upgrade runs in a Job, the replicas are re-cloned — the cluster is unavailable meanwhile`,
      )
      before = async () => {
        const b = await haBackupCreate({ name: cluster.metadata.name, namespace: cluster.metadata.namespace, cluster: o.cluster, skipOperatorCheck: o.skipOperatorCheck, wait: true, timeoutMs: o.timeoutMs }, deps)
        return {
          extra: { backup: b.name },
          notes: [`backup ${b.name} was taken first; to go back: dbaas ha restore ${b.name} --to ${cluster.metadata.name}-${seriesOf(engine.engine, cur.version)} -n ${cluster.metadata.namespace}`],
        }
      }
    } else {
      plan.effects.push(`${engine.operator.name} rolls every instance onto ${newImage}, standbys first, then the primary (a switchover or an in-place restart)`)
      if (change === 'minor-pin') plan.warnings.push(backOut ? `going back to ${wantedMajor}, the major the data files still have (a failed major upgrade)` : `the tag "${tag}" floats: dbaas cannot tell whether ${wanted} is newer or older than what runs`)
      if (change === 'minor-down') plan.warnings.push(`${cur.version} → ${wanted} is a downgrade (--allow-downgrade)`)
    }
  }
  const imageOf = (p: Pod) => podContainer(p, u.cap.container)?.image
  return {
    plan,
    kube,
    engine,
    cluster,
    patch: u.patch(newImage),
    done: (c, pods) => {
      const failed = u.failed(c)
      if (failed) throw new PreconditionError(`${engine.operator.name} gave up: ${failed}`, { hint: `set the image back with \`dbaas ha upgrade ${c.metadata.name} --version ${cur.version}\` (the data files are kept), then look at \`dbaas ha status\`` })
      return u.done(c, pods, newImage, major ? wantedMajor : undefined)
    },
    where: (c, pods) => `${engine.whereItStands(c)}; ${pods.map((p) => `pod ${p.metadata.name} ${imageOf(p) ?? '?'}`).join('; ') || 'no pod'}${major && c ? `; data files of major ${String(u.dataMajor(c))}` : ''}`,
    waitFor: major ? `the major upgrade to ${wantedMajor} and the cluster healthy` : `every instance to run ${newImage}`,
    ...(before ? { before } : {}),
  }
}

// ---- apply

/** The object as the patch would leave it (a client dry run): a JSON merge patch applied locally. */
export function mergeLocally(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {}
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k]
    else out[k] = mergeLocally(out[k], v)
  }
  return out
}

function forPrinting(c: KubeObject): KubeObject {
  const { managedFields: _m, ...metadata } = c.metadata
  void _m
  return { apiVersion: c.apiVersion, kind: c.kind, metadata, spec: c.spec }
}

async function patchWithLock(p: HaPlan, replan: () => Promise<HaPlan>): Promise<HaPlan> {
  let q = p
  for (let attempt = 1; ; attempt++) {
    try {
      await q.kube.mergePatch(q.engine.resource, q.cluster.metadata.namespace, q.cluster.metadata.name, mergeLocally(q.patch, { metadata: { resourceVersion: q.cluster.metadata.resourceVersion } }))
      return q
    } catch (err) {
      // The operator wrote the object since it was read: plan again on the fresh one (its refusals included).
      if (!isApiConflict(err) || attempt >= 5) throw err
      q = await replan()
    }
  }
}

export async function executeHa(p: HaPlan, o: HaChangeOptions, params: Record<string, string>, replan: () => Promise<HaPlan>, deps: Deps): Promise<Day2Result> {
  if (p.plan.noop) return resultOf(p.plan, { action: 'unchanged', dryRun: o.dryRun })
  const apiVersion = `${p.engine.resource.group}/${p.engine.resource.version}`
  if (o.dryRun === 'client') return resultOf(p.plan, { action: 'dry-run', dryRun: 'client', objects: [forPrinting({ apiVersion, kind: p.engine.resource.kind, ...(mergeLocally(p.cluster, p.patch) as KubeObject) })] })
  if (o.dryRun === 'server') {
    const partial = { apiVersion, kind: p.engine.resource.kind, ...(mergeLocally({ metadata: { name: p.cluster.metadata.name, namespace: p.cluster.metadata.namespace } }, p.patch) as object) } as KubeObject
    const sent = await p.kube.apply(p.engine.resource, partial, { dryRun: true })
    return resultOf(p.plan, { action: 'dry-run', dryRun: 'server', objects: [forPrinting(sent)] })
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
      history: haHistoryTarget(p.engine.resource, name, ns),
      params,
      planned: p,
      // The patch carries the resourceVersion the plan read: the write is the re-check (a conflict plans again).
      stillHolds: async (q) => ({ history: q.cluster }),
      replan,
      apply: async (q0, afterHistory) => {
        // The history entry was written on the very object planned from: the patch goes on top of that write.
        const q = afterHistory ? { ...q0, cluster: { ...q0.cluster, metadata: { ...q0.cluster.metadata, resourceVersion: afterHistory.metadata.resourceVersion } } } : q0
        const first = q.before ? await q.before() : undefined
        deps.ui.step(`Asking ${q.engine.operator.name}: ${q.plan.changes.map((c) => `${c.field} ${c.to}`).join(', ')}`)
        const sent = await patchWithLock(q, replan)
        const carried = first || q.extra ? { extra: { ...q.extra, ...first?.extra }, notes: first?.notes ?? [] } : {}
        if (!o.wait) return { action: 'requested', ...carried }
        deps.ui.step(`Waiting for ${sent.waitFor}`)
        const pvcSelector = q.engine.day2?.pvcSelector(q.cluster)
        const read = async () => {
          const [c, pods, pvcs] = await Promise.all([
            q.kube.get(q.engine.resource, ns, name),
            q.kube.list(R.pods, ns, { labelSelector: q.engine.podSelector(q.cluster) }).then((l) => l.items),
            sent.watchPvcs && pvcSelector ? q.kube.list(R.pvcs, ns, { labelSelector: pvcSelector }).then((l) => l.items) : Promise.resolve([] as PersistentVolumeClaim[]),
          ])
          deps.ui.update(`(${q.engine.view(c).phase || 'no phase yet'})`)
          return { c, pods, pvcs }
        }
        await waitUntil(
          q.kube,
          [
            { r: q.engine.resource, namespace: ns, opts: { fieldSelector: `metadata.name=${name}` } },
            { r: R.pods, namespace: ns, opts: { labelSelector: q.engine.podSelector(q.cluster) } },
            ...(sent.watchPvcs && pvcSelector ? [{ r: R.pvcs, namespace: ns, opts: { labelSelector: pvcSelector } }] : []),
          ],
          read,
          (s) => sent.done(s.c, s.pods, s.pvcs),
          {
            timeoutMs: o.timeoutMs,
            signal: deps.signal,
            describe: (s) => `${sent.waitFor} did not happen; where it stopped: ${sent.where(s?.c, s?.pods ?? [], s?.pvcs ?? [])}`,
            hint: `the change is applied and ${q.engine.operator.name} goes on: \`dbaas ha status ${name} -n ${ns}\` follows it; running the same command again waits for it`,
          },
        )
        if (sent.settle) await sent.settle()
        return { action: 'changed', ...carried }
      },
    },
    deps,
  )
  deps.ui.done()
  return result
}
