// Single instances: the day-2 verbs that are a change of chart values — scale (resources), stop and start
// (replicas), restart (a pod-template annotation) — planned from the release's own values, then applied as
// `helm upgrade` with the same chart and values but the ones that change, and waited for until every pod runs
// the new revision (or, stopped, none is left).
import type { Deps } from '../../deps.ts'
import { PreconditionError, UsageError } from '../../errors.ts'
import type { KubeObject } from '../../k8s/kube.ts'
import type { Pod } from '../../k8s/types.ts'
import { ANN } from '../../k8s/labels.ts'
import { instanceHistoryTarget } from './history.ts'
import { changedObjects, getString, getValue, helmUpgrade, instancePods, openInstance, recheckInstance, renderValues, serverDryRun, setValue, type OpenInstance, type Values } from './instance.ts'
import { resultOf, type Change, type ChangeOptions, type Day2Plan, type Day2Result } from './model.ts'
import { runOperation } from './op.ts'
import { preflightResources, type Placement, type PodResources } from './preflight.ts'
import { parseMillicores, parseQuantityBytes, sameBytes, sameCpu } from './quantities.ts'
import { waitRollout } from './wait.ts'

/** Where `stop` keeps the number of pods to start again. */
export const ANN_STOPPED_REPLICAS = 'dbaas.io/replicas-before-stop'
export const ANN_STOPPED_AT = 'dbaas.io/stopped-at'

export interface ValuesPlan {
  plan: Day2Plan
  open: OpenInstance
  /** The release's values with the change. */
  values: Values
  /** Pods wanted once done (0 = stopped). */
  replicas: number
  /** What the wait waits for, in its messages ("the new resources", "the restart"). */
  waitFor: string
}

/** The pods the instance runs per its values (0 when stopped). */
export function replicasOf(values: Values): number {
  const r = getValue(values, ['replicas'])
  return typeof r === 'number' ? r : 1
}

export function isStopped(o: OpenInstance): boolean {
  return replicasOf(o.release.values) === 0 || o.statefulSet?.spec?.replicas === 0
}

function basePlan(o: OpenInstance, verb: string, changes: Change[]): Day2Plan {
  return { kind: 'instance', verb, name: o.name, namespace: o.namespace, engine: o.engine.name, changes, effects: [], noop: changes.length === 0, notes: [], warnings: [] }
}

function missingStatefulSetNote(o: OpenInstance, plan: Day2Plan): void {
  if (!o.statefulSet) {
    plan.noop = false
    plan.notes.push(`the StatefulSet ${o.name} is missing (an interrupted resize leaves it so): helm re-creates it with the kept data volume`)
  }
}

// ---------------------------------------------------------------- scale

export interface ScaleOptions extends ChangeOptions {
  cpu?: string | undefined
  memory?: string | undefined
}

/** dbaas's own placement of the pod (the template's node selector and tolerations): for the node check. */
function placementOf(o: OpenInstance): Placement {
  const spec = o.statefulSet?.spec?.template?.spec
  return { nodeSelector: spec?.nodeSelector ?? {}, tolerations: spec?.tolerations ?? [] }
}

function resourcesOf(values: Values): PodResources {
  return {
    requests: { cpu: parseMillicores(getString(values, ['resources', 'requests', 'cpu'])), memory: parseQuantityBytes(getString(values, ['resources', 'requests', 'memory'])) },
    limits: { cpu: parseMillicores(getString(values, ['resources', 'limits', 'cpu'])), memory: parseQuantityBytes(getString(values, ['resources', 'limits', 'memory'])) },
  }
}

/** The values with new resources: requests cpu/memory, the memory limit, the annotations `status` reads, and /dev/shm's bound where the chart has one. */
export function scaledValues(values: Values, cpu: string | undefined, memory: string | undefined): Values {
  let v = values
  if (cpu !== undefined) {
    v = setValue(v, ['resources', 'requests', 'cpu'], cpu)
    v = setValue(v, ['annotations', ANN.cpu], cpu)
  }
  if (memory !== undefined) {
    v = setValue(v, ['resources', 'requests', 'memory'], memory)
    v = setValue(v, ['resources', 'limits', 'memory'], memory)
    v = setValue(v, ['annotations', ANN.memory], memory)
    // A memory-backed /dev/shm counts against the limit: its bound is half of it.
    if (getValue(v, ['shm', 'sizeLimit']) !== undefined) {
      const bytes = parseQuantityBytes(memory) ?? 0
      v = setValue(v, ['shm', 'sizeLimit'], `${Math.max(1, Math.floor(bytes / 2 / 2 ** 20))}Mi`)
    }
  }
  return v
}

export async function planScale(o: ScaleOptions, deps: Deps): Promise<ValuesPlan> {
  const open = await openInstance(o, 'scale', deps)
  const v = open.release.values
  const curCpu = getString(v, ['resources', 'requests', 'cpu'])
  const curMem = getString(v, ['resources', 'requests', 'memory'])
  const curLimit = getString(v, ['resources', 'limits', 'memory'])
  const changes: Change[] = []
  if (o.cpu !== undefined && !sameCpu(curCpu, o.cpu)) changes.push({ field: 'cpu', from: curCpu ?? null, to: o.cpu })
  if (o.memory !== undefined && !(sameBytes(curMem, o.memory) && sameBytes(curLimit, o.memory))) changes.push({ field: 'memory', from: curMem ?? null, to: o.memory })
  const values = scaledValues(v, changes.some((c) => c.field === 'cpu') ? o.cpu : undefined, changes.some((c) => c.field === 'memory') ? o.memory : undefined)
  const plan = basePlan(open, 'scale', changes)
  missingStatefulSetNote(open, plan)
  const stopped = isStopped(open)
  const replicas = replicasOf(values)
  if (!plan.noop) {
    const report = await preflightResources(open.kube, {
      namespace: open.namespace,
      what: `instance "${open.name}"`,
      own: (p: Pod) => p.metadata.labels?.['app.kubernetes.io/instance'] === open.name && p.metadata.namespace === open.namespace,
      placement: placementOf(open),
      current: resourcesOf(v),
      next: resourcesOf(values),
      replicas: Math.max(1, replicas),
    })
    for (const u of report.unchecked) plan.notes.push(`not checked: ${u}`)
    plan.effects.push(stopped ? 'the instance is stopped: the new resources apply when `dbaas start` starts it' : 'the pod is restarted with the new resources (the database is unavailable while it restarts)')
  }
  return { plan, open, values, replicas, waitFor: 'the pod to run with the new resources' }
}

// ---------------------------------------------------------------- stop / start / restart

export async function planStop(o: ChangeOptions, deps: Deps): Promise<ValuesPlan> {
  const open = await openInstance(o, 'stop', deps)
  const current = replicasOf(open.release.values)
  const running = open.statefulSet?.spec?.replicas ?? current
  const changes: Change[] = current === 0 && running === 0 ? [] : [{ field: 'replicas', from: String(running), to: '0' }]
  let values = setValue(open.release.values, ['replicas'], 0)
  if (changes.length) {
    values = setValue(values, ['annotations', ANN_STOPPED_REPLICAS], String(Math.max(1, running)))
    values = setValue(values, ['annotations', ANN_STOPPED_AT], new Date(deps.now()).toISOString())
  }
  const plan = basePlan(open, 'stop', changes)
  if (changes.length) plan.effects.push('the database stops serving: its pod is deleted, the data volume is kept; nothing starts it again but `dbaas start`')
  return { plan, open, values, replicas: 0, waitFor: 'the pod to stop' }
}

export async function planStart(o: ChangeOptions, deps: Deps): Promise<ValuesPlan> {
  const open = await openInstance(o, 'start', deps)
  const ann = (getValue(open.release.values, ['annotations']) ?? {}) as Record<string, string>
  const want = Math.max(1, Number(ann[ANN_STOPPED_REPLICAS] ?? 1) || 1)
  const current = replicasOf(open.release.values)
  const running = open.statefulSet?.spec?.replicas ?? current
  const changes: Change[] = current === 0 || running === 0 ? [{ field: 'replicas', from: String(running), to: String(want) }] : []
  let values = setValue(open.release.values, ['replicas'], want)
  const annotations = { ...ann }
  delete annotations[ANN_STOPPED_REPLICAS]
  delete annotations[ANN_STOPPED_AT]
  values = setValue(values, ['annotations'], annotations)
  const plan = basePlan(open, 'start', changes)
  missingStatefulSetNote(open, plan)
  if (!plan.noop) plan.effects.push('the pod starts on the kept data volume')
  return { plan, open, values, replicas: want, waitFor: 'the pod to be ready' }
}

export async function planRestart(o: ChangeOptions, deps: Deps): Promise<ValuesPlan> {
  const open = await openInstance(o, 'restart', deps)
  if (isStopped(open)) {
    throw new PreconditionError(`instance "${open.name}" is stopped: there is no pod to restart`, { hint: `start it with \`dbaas start ${open.name} -n ${open.namespace}\`` })
  }
  const at = new Date(deps.now()).toISOString()
  const before = getString(open.release.values, ['restartedAt'])
  const values = setValue(open.release.values, ['restartedAt'], at)
  const plan = basePlan(open, 'restart', [{ field: 'restartedAt', from: before || null, to: at }])
  plan.effects.push('the pod is deleted and started again (the database is unavailable while it restarts)')
  return { plan, open, values, replicas: replicasOf(values), waitFor: 'the pod to be replaced and ready' }
}

// ---------------------------------------------------------------- apply

async function dryRun(p: ValuesPlan, o: ChangeOptions, deps: Deps): Promise<Day2Result> {
  // Only the objects the change touches (against the release's manifest).
  const rendered = changedObjects(await renderValues(p.open, p.values, deps), p.open.release.manifest, p.open.namespace)
  const notes = [...p.plan.notes]
  let objects: KubeObject[] = rendered
  if (o.dryRun === 'server') objects = await serverDryRun(p.open.kube, rendered, notes)
  return resultOf(p.plan, { action: 'dry-run', dryRun: o.dryRun, objects, notes })
}

/** Applies a values plan: dry runs print the rendered objects; otherwise the Lease, helm upgrade, the wait. */
export async function executeValues(p: ValuesPlan, o: ChangeOptions, params: Record<string, string>, replan: () => Promise<ValuesPlan>, deps: Deps): Promise<Day2Result> {
  if (p.plan.noop) return resultOf(p.plan, { action: 'unchanged', dryRun: o.dryRun })
  if (o.dryRun !== 'none') return dryRun(p, o, deps)
  const result = await runOperation(
    {
      kube: p.open.kube,
      instance: p.open.name,
      namespace: p.open.namespace,
      what: 'instance',
      verb: p.plan.verb,
      history: instanceHistoryTarget(p.open.name, p.open.namespace),
      params,
      planned: p,
      stillHolds: (q) => recheckInstance(q.open),
      replan,
      apply: async (q) => {
        await helmUpgrade(q.open, q.values, o.timeoutMs, deps)
        if (!o.wait) return { action: 'requested' }
        await waitRollout(q.open.kube, { name: q.open.name, namespace: q.open.namespace, replicas: q.replicas, timeoutMs: o.timeoutMs, what: q.waitFor }, deps)
        return { action: 'changed' }
      },
    },
    deps,
  )
  deps.ui.done()
  return result
}

/** The pods of an instance now (for the view after a change). */
export { instancePods }

/** Refuses flags that ask for nothing (pure). */
export function requireSome(o: { cpu?: string | undefined; memory?: string | undefined }): void {
  if (o.cpu === undefined && o.memory === undefined) throw new UsageError('scale needs --cpu, --memory or both', { hint: 'e.g. dbaas scale orders --cpu 1 --memory 2Gi' })
}
