// dbaas ha failover, for every HA engine through its failover capability:
// - a switchover (CloudNativePG: a merge patch of the Cluster's status subresource setting targetPrimary, as
//   `kubectl cnpg promote` does; the MariaDB operator: a merge patch of spec.replication.primary.podIndex).
//   The write carries metadata.resourceVersion, so a concurrent writer makes the API server answer 409 and
//   dbaas re-reads and re-checks every refusal on the fresh object. Then it waits until the operator reports
//   the target as primary and the cluster healthy (exit 6 on timeout, saying where it stopped).
// - --force: delete the member the writes go to, then wait (watching the cluster and its pods) until the
//   writes go to another ready member and the cluster is back to full size. For Galera clusters (no single
//   primary) this is the only kind of failover.
import { haHistoryTarget, recordOutcome } from '../day2/history.ts'
import type { ClusterFlags, Deps } from '../../deps.ts'
import { DbaasError, NotFoundError, OperationError, PreconditionError, UsageError } from '../../errors.ts'
import { isApiConflict } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject, type ResourceType } from '../../k8s/kube.ts'
import type { CnpgCluster, Pod } from '../../k8s/types.ts'
import { podReady, type HaEngine } from './engine.ts'
import { CNPG, pickTarget } from './engines/cnpg.ts'
import { openCluster } from './find.ts'
import { patchWithRetry } from './ops.ts'
import { requireFlag } from './registry.ts'
import { waitCluster, waitWithPods } from './wait.ts'

export { checkSwitchover, switchoverPatch } from './engines/cnpg.ts'

export interface FailoverOptions {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  skipOperatorCheck: boolean
  /** --to: a member name or ordinal. */
  to?: string | undefined
  force: boolean
  timeoutMs: number
}

export interface FailoverResult {
  name: string
  namespace: string
  engine: string
  action: 'switched-over' | 'failed-over' | 'already-primary'
  from: string | null
  /** The new primary, or (Galera) the member the writes moved to. */
  primary: string
  /** After a forced failover: where the writes go once the cluster is whole again (Galera proxies move back). */
  writer: string | null
  /** How many requests were sent (more than one after a 409 conflict). */
  attempts: number
}

/**
 * Writes a CloudNativePG status change with optimistic locking: `mutate` sees the freshest object and returns
 * the patch (with that object's resourceVersion) or undefined for "nothing to do"; a 409 re-reads and tries
 * again. Refusals thrown by `mutate` on a re-read object end it. Returns the patched object and the attempts made.
 */
export async function patchStatusWithRetry(
  kube: Kube,
  namespace: string,
  name: string,
  first: CnpgCluster,
  mutate: (fresh: CnpgCluster) => Record<string, unknown> | undefined,
  maxAttempts = 5,
): Promise<{ object: CnpgCluster; attempts: number }> {
  let current = first
  for (let attempt = 1; ; attempt++) {
    const patch = mutate(current)
    if (!patch) return { object: current, attempts: attempt - 1 }
    try {
      const object = await kube.mergePatch(CNPG.clusters, namespace, name, patch, { subresource: 'status' })
      return { object, attempts: attempt }
    } catch (err) {
      if (!isApiConflict(err) || attempt >= maxAttempts) {
        if (isApiConflict(err)) {
          throw new OperationError(`the Cluster ${namespace}/${name} kept changing under dbaas (${attempt} conflicts); nothing was switched`, { hint: 'try again in a moment', cause: err })
        }
        throw err
      }
      current = await kube.get(CNPG.clusters, namespace, name)
    }
  }
}

async function podsOf(kube: Kube, engine: HaEngine, c: KubeObject): Promise<Pod[]> {
  return (await kube.list(R.pods, c.metadata.namespace, { labelSelector: engine.podSelector(c) })).items
}

export async function failover(o: FailoverOptions, deps: Deps): Promise<FailoverResult> {
  if (o.force && o.to) throw new UsageError('--force and --to cannot be used together', { hint: 'with --force the operator (or the proxy) picks the next member itself; for a chosen target drop --force' })
  const { kube, engine, cluster } = await openCluster(o, deps)
  const topology = engine.view(cluster).topology
  if (o.to) requireFlag(engine, '--to', topology)
  const pods = await podsOf(kube, engine, cluster)
  const cap = engine.failover(cluster).switchover
  if (!o.force && !cap) {
    const name = cluster.metadata.name
    throw new PreconditionError(`HA cluster ${name} is a Galera cluster (${engine.displayName}): every member takes writes, so there is no primary to switch over`, {
      hint: `\`dbaas ha failover ${name} -n ${cluster.metadata.namespace} --force\` ${engine.failover(cluster).force.what}`,
    })
  }
  // The cluster's history (an annotation on its own object) records a failover that moved the primary, or
  // how one that had written ended.
  const target = haHistoryTarget(engine.resource as ResourceType, cluster.metadata.name, cluster.metadata.namespace as string)
  const op = { verb: 'ha failover', params: { ...(o.to ? { to: o.to } : {}), ...(o.force ? { force: 'true' } : {}) }, startedMs: deps.now() }
  let r: FailoverResult
  try {
    r = o.force ? await forcedFailover(kube, engine, cluster, pods, o, deps) : await switchover(kube, engine, cluster, pods, o, deps)
  } catch (err) {
    await recordOutcome(kube, target, op, { error: err }, deps)
    throw err
  }
  if (r.action !== 'already-primary') await recordOutcome(kube, target, op, { message: `${r.from ?? '<none>'} → ${r.primary}` }, deps)
  return r
}

async function switchover(kube: Kube, engine: HaEngine, cluster: KubeObject, pods: Pod[], o: FailoverOptions, deps: Deps): Promise<FailoverResult> {
  const ns = cluster.metadata.namespace as string
  const name = cluster.metadata.name
  const cap = engine.failover(cluster).switchover as NonNullable<ReturnType<HaEngine['failover']>['switchover']>
  const from = engine.view(cluster).currentPrimary
  const base = { name, namespace: ns, engine: engine.engine, from, writer: null }
  let target: string
  if (o.to) {
    target = cap.resolve(cluster, o.to)
  } else {
    const busy = engine.busy(cluster)
    if (busy) throw new PreconditionError(`HA cluster ${name} is busy: ${busy}`, { hint: `wait for it to finish (\`dbaas ha status ${name} -n ${ns}\`), then try again` })
    const picked = pickTarget(cap.candidates(cluster, pods))
    if (!picked) {
      const n = engine.view(cluster).instances
      throw new PreconditionError(`HA cluster ${name} has no ready member to switch over to`, {
        hint: `\`dbaas ha status ${name} -n ${ns}\` shows each member; add one with \`dbaas ha scale ${name} -n ${ns} --instances ${n + 1}\``,
      })
    }
    target = picked.name
  }
  if (cap.check(cluster, pods, target) === 'already') return { ...base, action: 'already-primary', primary: target, attempts: 0 }

  deps.ui.step(`Switching ${name} over from ${from ?? '<none>'} to ${target}`)
  let attempts: number
  if (cap.request(cluster, target, '').subresource === 'status') {
    attempts = (
      await patchStatusWithRetry(kube, ns, name, cluster as CnpgCluster, (c) => {
        // A re-read after a conflict: another writer may have started a switchover meanwhile.
        if (c !== cluster && cap.check(c, pods, target) === 'already') return undefined
        return cap.request(c, target, new Date(deps.now()).toISOString()).patch
      })
    ).attempts
  } else {
    attempts = (
      await patchWithRetry(
        kube,
        engine.resource,
        cluster,
        (c) => {
          if (c !== cluster && cap.check(c, pods, target) === 'already') return undefined
          return cap.request(c, target, new Date(deps.now()).toISOString()).patch
        },
        { what: `the switchover (${cap.what})` },
      )
    ).attempts
  }
  if (attempts === 0) return { ...base, action: 'already-primary', primary: target, attempts }

  deps.ui.step(`Waiting for ${target} to be primary and ${name} healthy`)
  await waitCluster(kube, engine, name, ns, o.timeoutMs, deps, (c) => cap.done(c, target), {
    what: `the switchover to ${target}`,
    hint: `the request stays with the operator and may still complete: follow it with \`dbaas ha status ${name} -n ${ns}\``,
    fail: (c) => cap.diverged?.(c, target),
  })
  deps.ui.done()
  return { ...base, action: 'switched-over', primary: target, attempts }
}

async function forcedFailover(kube: Kube, engine: HaEngine, cluster: KubeObject, pods: Pod[], o: FailoverOptions, deps: Deps): Promise<FailoverResult> {
  const ns = cluster.metadata.namespace as string
  const name = cluster.metadata.name
  const cap = engine.failover(cluster).force
  const victim = cap.victim(cluster, pods)
  if (!victim) throw new PreconditionError(`HA cluster ${name} has no member taking writes now`, { hint: `\`dbaas ha status ${name} -n ${ns}\` shows where it is` })
  cap.check(cluster, pods, victim)
  const victimPod = pods.find((p) => p.metadata.name === victim)
  deps.ui.step(`Deleting ${victim}, the member the writes go to, to force a failover`)
  try {
    await kube.delete(R.pods, ns, victim, { propagationPolicy: 'Background' })
  } catch (err) {
    if (err instanceof DbaasError && err.exitCode === 3) throw new NotFoundError(`the pod ${victim} does not exist`, { hint: `\`dbaas ha status ${name} -n ${ns}\`` })
    throw err
  }
  deps.ui.step(`Waiting for the writes to move away from ${victim} and ${name} to be whole again`)
  let moved: string | undefined
  const recreated = (ps: Pod[]) => {
    const p = ps.find((x) => x.metadata.name === victim)
    return p !== undefined && p.metadata.uid !== victimPod?.metadata.uid && podReady(p)
  }
  const outcome = await waitWithPods(
    kube,
    engine,
    cluster,
    o.timeoutMs,
    deps,
    (c, ps) => {
      if (!c) throw new OperationError(`HA cluster ${ns}/${name} was deleted while dbaas waited`, { hint: 'nothing more to wait for' })
      const to = cap.movedTo(c, ps, victim)
      if (to && !moved) {
        moved = to
        deps.ui.update(`(writes go to ${to})`)
      }
      if (!moved) return undefined
      // Back to full size: the operator (or the StatefulSet) brought the victim back and every member is ready.
      return cap.recovered(c, ps) && recreated(ps) ? { c, ps } : undefined
    },
    {
      what: `a failover away from ${victim}`,
      more: (ps) =>
        `${moved ? `the writes moved to ${moved}` : 'the writes have not moved to another ready member yet'}; ${victim} ${recreated(ps) ? 'is back and ready' : 'is not back and ready yet'}`,
      hint: `the operator may still recover it: follow it with \`dbaas ha status ${name} -n ${ns}\``,
    },
  )
  deps.ui.done()
  const writer = engine.members(outcome.c, outcome.ps).find((m) => m.role === 'primary' || m.role === 'writer')?.name ?? null
  return { name, namespace: ns, engine: engine.engine, action: 'failed-over', from: victim, primary: moved as string, writer, attempts: 0 }
}
