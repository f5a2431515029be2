// dbaas ha failover: a switchover exactly as CloudNativePG defines it — a JSON merge patch of the Cluster's
// status subresource setting targetPrimary (+ timestamp, phase, reason) and carrying metadata.resourceVersion,
// so a concurrent writer makes the API server answer 409 and dbaas retries on the fresh object (re-checking
// every refusal there). Unlike `kubectl cnpg promote`, it then waits until currentPrimary is the target and
// the cluster is healthy again. --force instead deletes the primary's pod and waits for the operator's own
// failover to promote someone else.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { DbaasError, NotFoundError, OperationError, PreconditionError, UsageError } from '../../errors.ts'
import { isApiConflict } from '../../k8s/errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import type { CnpgCluster, Pod } from '../../k8s/types.ts'
import { openCluster } from './find.ts'
import {
  CNPG,
  inProgress,
  instanceNames,
  isFenced,
  isHealthy,
  members,
  PHASE,
  pickTarget,
  POD_CLUSTER_LABEL,
  resolveInstance,
  switchoverCandidates,
} from './model.ts'
import { waitCluster, whereItStands } from './wait.ts'

export interface FailoverOptions {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  skipOperatorCheck: boolean
  /** --to: an instance name or ordinal. */
  to?: string | undefined
  force: boolean
  timeoutMs: number
}

export interface FailoverResult {
  name: string
  namespace: string
  action: 'switched-over' | 'failed-over' | 'already-primary'
  from: string | null
  primary: string
  /** How many status patches were sent (more than one after a 409 conflict). */
  attempts: number
}

/** The exact status patch CNPG's switchover is. */
export function switchoverPatch(resourceVersion: string, target: string, nowIso: string): Record<string, unknown> {
  return {
    metadata: { resourceVersion },
    status: {
      targetPrimary: target,
      targetPrimaryTimestamp: nowIso,
      phase: PHASE.switchover,
      phaseReason: `Switching over to ${target}`,
    },
  }
}

async function podsOf(kube: Kube, c: CnpgCluster): Promise<Pod[]> {
  return (await kube.list(R.pods, c.metadata.namespace, { labelSelector: `${POD_CLUSTER_LABEL}=${c.metadata.name}` })).items
}

/** Refusals, on whatever Cluster object is current. Returns 'already' when the target already is primary. */
export function checkSwitchover(c: CnpgCluster, pods: Pod[], target: string): 'ok' | 'already' {
  const name = c.metadata.name
  const known = instanceNames(c, pods)
  if (!known.includes(target)) {
    throw new NotFoundError(`instance ${target} is not part of HA cluster ${name}`, {
      hint: known.length ? `its instances: ${known.join(', ')}` : `\`dbaas ha status ${name} -n ${c.metadata.namespace}\` lists its instances`,
    })
  }
  const st = c.status ?? {}
  if (st.currentPrimary === target && (st.targetPrimary === target || !st.targetPrimary)) return 'already'
  const busy = inProgress(c)
  if (busy) throw new PreconditionError(`HA cluster ${name} is busy: ${busy}`, { hint: `wait for it to finish (\`dbaas ha status ${name} -n ${c.metadata.namespace}\`), then try again` })
  if (isFenced(c, target)) throw new PreconditionError(`instance ${target} is fenced and cannot be promoted`, { hint: `lift the fence (annotation cnpg.io/fencedInstances) first, or pick another instance` })
  const m = members(c, pods).find((x) => x.name === target)
  if (!m?.ready) {
    throw new PreconditionError(`instance ${target} is not ready${m?.state ? ` (${m.state})` : ''}, so it cannot take over`, {
      hint: `pick a ready standby: ${switchoverCandidates(c, pods).map((x) => x.name).join(', ') || 'none is ready now'}`,
    })
  }
  return 'ok'
}

/**
 * Writes a status change with optimistic locking: `mutate` sees the freshest object and returns the patch
 * (with that object's resourceVersion) or undefined for "nothing to do"; a 409 re-reads and tries again.
 * Refusals thrown by `mutate` on a re-read object end it. Returns the patched object and the attempts made.
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

export async function failover(o: FailoverOptions, deps: Deps): Promise<FailoverResult> {
  if (o.force && o.to) throw new UsageError('--force and --to cannot be used together', { hint: 'with --force the operator elects the new primary itself; for a chosen target drop --force' })
  const { kube, cluster } = await openCluster(o, deps)
  const ns = cluster.metadata.namespace as string
  const name = cluster.metadata.name
  const pods = await podsOf(kube, cluster)
  return o.force ? forcedFailover(kube, cluster, pods, o, deps) : switchover(kube, cluster, pods, o, deps, ns, name)
}

async function switchover(kube: Kube, cluster: CnpgCluster, pods: Pod[], o: FailoverOptions, deps: Deps, ns: string, name: string): Promise<FailoverResult> {
  const from = cluster.status?.currentPrimary ?? null
  let target: string
  if (o.to) {
    target = resolveInstance(name, o.to)
  } else {
    const busy = inProgress(cluster)
    if (busy) throw new PreconditionError(`HA cluster ${name} is busy: ${busy}`, { hint: `wait for it to finish (\`dbaas ha status ${name} -n ${ns}\`), then try again` })
    const picked = pickTarget(switchoverCandidates(cluster, pods))
    if (!picked) {
      throw new PreconditionError(`HA cluster ${name} has no ready, unfenced standby to switch over to`, {
        hint: `\`dbaas ha status ${name} -n ${ns}\` shows each instance; scale up with \`dbaas ha scale ${name} --instances 3\``,
      })
    }
    target = picked.name
  }
  if (checkSwitchover(cluster, pods, target) === 'already') {
    return { name, namespace: ns, action: 'already-primary', from, primary: target, attempts: 0 }
  }

  deps.ui.step(`Switching ${name} over from ${from ?? '<none>'} to ${target}`)
  const { attempts } = await patchStatusWithRetry(kube, ns, name, cluster, (c) => {
    if (c !== cluster) {
      // A re-read after a conflict: another writer may have started a switchover meanwhile.
      if (checkSwitchover(c, pods, target) === 'already') return undefined
    }
    return switchoverPatch(c.metadata.resourceVersion ?? '', target, new Date(deps.now()).toISOString())
  })
  if (attempts === 0) return { name, namespace: ns, action: 'already-primary', from, primary: target, attempts }

  deps.ui.step(`Waiting for ${target} to be primary and ${name} healthy`)
  await waitCluster(kube, name, ns, o.timeoutMs, deps, (c) => c.status?.currentPrimary === target && isHealthy(c), {
    what: `the switchover to ${target}`,
    hint: `the request stays with the operator and may still complete: follow it with \`dbaas ha status ${name} -n ${ns}\``,
    fail: (c) => {
      const tp = c.status?.targetPrimary
      return tp && tp !== target && tp !== 'pending' ? `the operator is now promoting ${tp}, not ${target} (${whereItStands(c)})` : undefined
    },
  })
  deps.ui.done()
  return { name, namespace: ns, action: 'switched-over', from, primary: target, attempts }
}

async function forcedFailover(kube: Kube, cluster: CnpgCluster, pods: Pod[], o: FailoverOptions, deps: Deps): Promise<FailoverResult> {
  const ns = cluster.metadata.namespace as string
  const name = cluster.metadata.name
  const primary: string | undefined = cluster.status?.currentPrimary
  if (!primary) throw new PreconditionError(`HA cluster ${name} has no primary yet`, { hint: `\`dbaas ha status ${name} -n ${ns}\` shows where it is` })
  const busy = inProgress(cluster)
  if (busy) throw new PreconditionError(`HA cluster ${name} is busy: ${busy}`, { hint: 'wait for it to finish, then try again' })
  if (switchoverCandidates(cluster, pods).length === 0) {
    throw new PreconditionError(`HA cluster ${name} has no ready, unfenced standby that could take over`, { hint: 'a forced failover would leave it without a primary; scale up first' })
  }
  deps.ui.step(`Deleting the primary's pod ${primary} to force a failover`)
  try {
    await kube.delete(R.pods, ns, primary, { propagationPolicy: 'Background' })
  } catch (err) {
    if (err instanceof DbaasError && err.exitCode === 3) throw new NotFoundError(`the primary's pod ${primary} does not exist`, { hint: `\`dbaas ha status ${name} -n ${ns}\`` })
    throw err
  }
  deps.ui.step(`Waiting for the operator to promote a new primary`)
  const done = await waitCluster(
    kube,
    name,
    ns,
    o.timeoutMs,
    deps,
    (c) => {
      const st = c.status ?? {}
      return Boolean(st.currentPrimary) && st.currentPrimary !== primary && st.targetPrimary === st.currentPrimary && isHealthy(c)
    },
    { what: `a failover away from ${primary}`, hint: `the operator may still fail over: follow it with \`dbaas ha status ${name} -n ${ns}\`` },
  )
  deps.ui.done()
  return { name, namespace: ns, action: 'failed-over', from: primary, primary: done.status?.currentPrimary ?? '', attempts: 0 }
}
