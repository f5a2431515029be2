// dbaas resize <name> --storage 50Gi, for single instances. A StatefulSet's volumeClaimTemplates cannot be
// changed, so: (1) each data PVC is patched to the new size (the CSI resizer expands the volume), (2) the
// StatefulSet is deleted with propagationPolicy Orphan (its pod keeps running, untouched), (3) `helm
// upgrade` re-creates it with the new size (same pod template: the pod is adopted, not restarted), then
// (4) the wait lasts until every PVC's status.capacity shows the new size. Each step checks what is already
// done, so an interrupted resize converges when run again. Refused before anything is written: a smaller
// size (2), a StorageClass without allowVolumeExpansion (7).
import type { Deps } from '../../deps.ts'
import { OperationError, PreconditionError, UsageError } from '../../errors.ts'
import { apiInfo } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../../k8s/kube.ts'
import type { Event, PersistentVolumeClaim } from '../../k8s/types.ts'
import { ANN, INSTANCE, KIND, Kinds, selector } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import { instanceHistoryTarget } from './history.ts'
import { getString, helmUpgrade, openInstance, recheckInstance, renderValues, rollbackInterrupted, setValue, type OpenInstance, type Values } from './instance.ts'
import { resultOf, type Change, type ChangeOptions, type Day2Plan, type Day2Result } from './model.ts'
import { runOperation } from './op.ts'
import { formatBytes, parseQuantityBytes } from './quantities.ts'
import { isStopped, replicasOf } from './single.ts'
import { waitRollout } from './wait.ts'

export interface ResizeOptions extends ChangeOptions {
  storage: string
}

export interface ResizePlan {
  plan: Day2Plan
  open: OpenInstance
  values: Values
  pvcs: PersistentVolumeClaim[]
  /** PVCs whose request is below the new size (step 1). */
  toPatch: string[]
  /** The StatefulSet's claim template still asks the old size (steps 2 and 3). */
  recreate: boolean
  bytes: number
}

export function pvcRequest(p: PersistentVolumeClaim): string | undefined {
  return p.spec?.resources?.requests?.storage
}

export function pvcCapacity(p: PersistentVolumeClaim): string | undefined {
  return p.status?.capacity?.storage
}

/** Refuses a smaller size (2): a volume never shrinks. */
export function checkNotSmaller(name: string, want: string, current: Array<string | undefined>): void {
  const bytes = parseQuantityBytes(want) ?? 0
  const biggest = Math.max(0, ...current.map((c) => parseQuantityBytes(c) ?? 0))
  if (bytes < biggest) {
    const shown = current.filter((c): c is string => Boolean(c)).find((c) => parseQuantityBytes(c) === biggest) ?? formatBytes(biggest)
    throw new UsageError(`--storage ${want} is smaller than ${name}'s volume (${shown}): a volume cannot shrink`, {
      hint: `ask for ${shown} or more; to get a smaller volume, back it up and restore into a new instance created with the smaller size`,
    })
  }
}

/** Refuses (7) a class that does not allow expansion; undefined when the user may not read classes. */
export async function checkExpandable(kube: Kube, classNames: string[], what: string): Promise<string | undefined> {
  for (const name of [...new Set(classNames)]) {
    let sc: KubeObject | undefined
    try {
      sc = await kube.find(R.storageClasses, undefined, name)
    } catch (err) {
      if (apiInfo(err)?.httpCode === 403) return `storage class ${name} (you may not read storage classes)`
      throw err
    }
    if (!sc) throw new PreconditionError(`the storage class ${name} of ${what} does not exist any more, so its volumes cannot be expanded`, { hint: 'ask a cluster admin to restore it' })
    if (sc.allowVolumeExpansion !== true) {
      throw new PreconditionError(`storage class ${name} does not allow volume expansion (allowVolumeExpansion is not true), so ${what} cannot be resized; nothing was changed`, {
        hint: `a cluster admin can set allowVolumeExpansion: true on ${name} if its CSI driver supports expansion (\`dbaas doctor\` lists the classes that can expand)`,
      })
    }
  }
  return undefined
}

export function dataSelector(name: string): string {
  return selector({ [KIND]: Kinds.data, [INSTANCE]: name })
}

export async function planResize(o: ResizeOptions, deps: Deps): Promise<ResizePlan> {
  const open = await openInstance(o, 'resize', deps)
  const pvcs = (await open.kube.list(R.pvcs, open.namespace, { labelSelector: dataSelector(open.name) })).items.filter((p) => !p.metadata.deletionTimestamp)
  const bytes = parseQuantityBytes(o.storage) ?? 0
  const current = getString(open.release.values, ['storage', 'size'])
  checkNotSmaller(open.name, o.storage, [current, ...pvcs.map(pvcRequest), ...pvcs.map(pvcCapacity)])
  if (pvcs.length === 0 && !isStopped(open)) {
    throw new PreconditionError(`instance "${open.name}" has no data volume to resize`, { hint: `\`dbaas status ${open.name} -n ${open.namespace}\` says why` })
  }
  const toPatch = pvcs.filter((p) => (parseQuantityBytes(pvcRequest(p)) ?? 0) < bytes).map((p) => p.metadata.name)
  const tmpl = open.statefulSet?.spec?.volumeClaimTemplates?.find((t) => t.metadata?.name === 'data')
  const recreate = !open.statefulSet || (parseQuantityBytes(tmpl?.spec?.resources?.requests?.storage) ?? 0) !== bytes
  const growing = pvcs.filter((p) => (parseQuantityBytes(pvcCapacity(p)) ?? 0) < bytes).map((p) => p.metadata.name)
  const valuesSize = parseQuantityBytes(current) ?? 0
  const changes: Change[] = []
  if (valuesSize !== bytes || toPatch.length || recreate) changes.push({ field: 'storage', from: current ?? null, to: o.storage })
  let values = setValue(open.release.values, ['storage', 'size'], o.storage)
  values = setValue(values, ['annotations', ANN.storage], o.storage)
  const plan: Day2Plan = { kind: 'instance', verb: 'resize', name: open.name, namespace: open.namespace, engine: open.engine.name, changes, effects: [], noop: false, notes: [], warnings: [] }
  if (changes.length === 0 && growing.length) {
    // Applied earlier and still growing (an interrupted wait): only the wait is left.
    changes.push({ field: 'storage', from: pvcs.map(pvcCapacity).find(Boolean) ?? null, to: o.storage })
    plan.notes.push(`already requested; waiting for ${growing.join(', ')} to reach ${o.storage}`)
  }
  plan.noop = changes.length === 0
  if (!plan.noop && toPatch.length) {
    const unchecked = await checkExpandable(open.kube, pvcs.map((p) => p.spec?.storageClassName ?? '').filter(Boolean), `instance "${open.name}"`)
    if (unchecked) plan.notes.push(`not checked: ${unchecked}`)
  }
  if (!plan.noop) {
    plan.effects.push(
      'the volume is expanded online: the pod keeps running; its StatefulSet is deleted with its pod orphaned and re-created by helm with the new size',
    )
    if (!open.statefulSet) plan.notes.push(`the StatefulSet ${open.name} is missing (an earlier resize was interrupted): helm re-creates it`)
  }
  return { plan, open, values, pvcs, toPatch, recreate, bytes }
}

/** Resize failures the PVC reports: an infeasible expansion, a controller or node resize error. */
export function resizeFailure(p: PersistentVolumeClaim): string | undefined {
  const st = p.status?.allocatedResourceStatuses?.storage
  if (st && /Infeasible$/.test(st)) return `${p.metadata.name}: ${st}`
  for (const c of p.status?.conditions ?? []) {
    if ((c.type === 'ControllerResizeError' || c.type === 'NodeResizeError') && c.status === 'True') return `${p.metadata.name}: ${c.type}${c.message ? `: ${c.message}` : ''}`
  }
  return undefined
}

/** Where one PVC stands: its capacity, and the resize condition or status it shows. */
export function pvcWhere(p: PersistentVolumeClaim): string {
  const cond = (p.status?.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type)
  const alloc = p.status?.allocatedResourceStatuses?.storage
  return `${p.metadata.name} capacity ${pvcCapacity(p) ?? '<none>'} (requested ${pvcRequest(p) ?? '?'})${cond.length ? `, ${cond.join(', ')}` : ''}${alloc ? `, ${alloc}` : ''}`
}

/** Waits until every data PVC's capacity is at least `bytes`; a resize failure (condition or event) fails at once. */
export async function waitCapacity(kube: Kube, w: { namespace: string; selector: string; names: string[]; bytes: number; size: string; timeoutMs: number; since: number; hint: string; acceptPending?: boolean }, deps: Deps): Promise<PersistentVolumeClaim[]> {
  deps.ui.step(`Waiting for the volume${w.names.length > 1 ? 's' : ''} to reach ${w.size}`)
  const ctrl = new AbortController()
  const onAbort = () => ctrl.abort()
  deps.signal.addEventListener('abort', onAbort, { once: true })
  const uids = new Set<string>()
  const capacity = waitFor(
    kube,
    R.pvcs,
    w.namespace,
    { labelSelector: w.selector },
    (pvcs) => {
      const mine = pvcs.filter((p) => w.names.includes(p.metadata.name))
      for (const p of mine) if (p.metadata.uid) uids.add(p.metadata.uid)
      const failed = mine.map(resizeFailure).find(Boolean)
      if (failed) throw new OperationError(`the volume could not be expanded: ${failed}`, { hint: w.hint })
      // Stopped: a file system that grows only once mounted is as far as it can go now.
      const pending = (p: PersistentVolumeClaim) => w.acceptPending === true && (p.status?.conditions ?? []).some((c) => c.type === 'FileSystemResizePending' && c.status === 'True')
      const done = mine.filter((p) => (parseQuantityBytes(pvcCapacity(p)) ?? 0) >= w.bytes || pending(p))
      deps.ui.update(`(${done.length}/${w.names.length} at ${w.size}${mine.some((p) => (p.status?.conditions ?? []).some((c) => c.type === 'FileSystemResizePending')) ? '; file system resize pending' : ''})`)
      return mine.length === w.names.length && done.length === mine.length ? mine : undefined
    },
    {
      timeoutMs: w.timeoutMs,
      signal: ctrl.signal,
      describe: (pvcs) => `the volume did not reach ${w.size}; where it stopped: ${pvcs.filter((p) => w.names.includes(p.metadata.name)).map(pvcWhere).join('; ') || 'no volume found'}`,
      timeoutHint: w.hint,
    },
  )
  // The resizer's failures are events on the PVC (VolumeResizeFailed): fail as soon as one is new.
  const failures = waitFor<Event, never>(
    kube,
    R.events,
    w.namespace,
    { fieldSelector: 'involvedObject.kind=PersistentVolumeClaim,reason=VolumeResizeFailed' },
    (events) => {
      const fresh = events.find((e) => w.names.includes(e.involvedObject?.name ?? '') && Date.parse(String(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? '')) >= w.since - 1000)
      if (fresh) throw new OperationError(`the volume could not be expanded: ${fresh.involvedObject?.name}: ${String(fresh.message ?? '').trim()}`, { hint: w.hint })
      return undefined
    },
    { timeoutMs: w.timeoutMs + 60_000, signal: ctrl.signal },
  )
  try {
    return await Promise.race([capacity, failures])
  } finally {
    ctrl.abort()
    deps.signal.removeEventListener('abort', onAbort)
    capacity.catch(() => undefined)
    failures.catch(() => undefined)
  }
}

function pvcPatchObject(p: PersistentVolumeClaim, size: string): KubeObject {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: p.metadata.name, namespace: p.metadata.namespace as string }, spec: { resources: { requests: { storage: size } } } }
}

async function dryRun(p: ResizePlan, o: ResizeOptions, deps: Deps): Promise<Day2Result> {
  const notes = [...p.plan.notes]
  const patches = p.pvcs.filter((x) => p.toPatch.includes(x.metadata.name)).map((x) => pvcPatchObject(x, o.storage))
  const rendered = (await renderValues(p.open, p.values, deps)).filter((x) => x.kind === 'StatefulSet')
  let objects: KubeObject[] = [...patches, ...rendered]
  if (o.dryRun === 'server') {
    // The PVC patches are validated by the server (expansion admission included); the StatefulSet cannot be:
    // its claim template may only change once the old one is deleted.
    objects = [...(await Promise.all(patches.map((x) => p.open.kube.apply(R.pvcs, x, { dryRun: true })))), ...rendered]
    if (rendered.length) notes.push(`StatefulSet/${p.open.name} was not validated by the server: it is deleted (pod orphaned) and re-created, which a dry run cannot do`)
  }
  if (p.recreate && p.open.statefulSet) notes.push(`would delete statefulset/${p.open.name} with propagationPolicy Orphan (its pod keeps running) before helm re-creates it`)
  return resultOf(p.plan, { action: 'dry-run', dryRun: o.dryRun, objects, notes })
}

export async function executeResize(p: ResizePlan, o: ResizeOptions, replan: () => Promise<ResizePlan>, deps: Deps): Promise<Day2Result> {
  if (p.plan.noop) return resultOf(p.plan, { action: 'unchanged', dryRun: o.dryRun })
  if (o.dryRun !== 'none') return dryRun(p, o, deps)
  const result = await runOperation(
    {
      kube: p.open.kube,
      instance: p.open.name,
      namespace: p.open.namespace,
      what: 'instance',
      verb: 'resize',
      history: instanceHistoryTarget(p.open.name, p.open.namespace),
      params: { storage: o.storage },
      planned: p,
      stillHolds: (q) => recheckInstance(q.open),
      replan,
      apply: async (q) => {
        const kube = q.open.kube
        const ns = q.open.namespace
        const since = deps.now()
        // 1. The PVCs: each expanded by the resizer.
        for (const pvc of q.pvcs.filter((x) => q.toPatch.includes(x.metadata.name))) {
          deps.ui.step(`Expanding ${pvc.metadata.name} to ${o.storage}`)
          await kube.mergePatch(R.pvcs, ns, pvc.metadata.name, { metadata: { resourceVersion: pvc.metadata.resourceVersion }, spec: { resources: { requests: { storage: o.storage } } } })
        }
        // An upgrade a killed dbaas left pending is rolled back first; the rollback may bring the StatefulSet back.
        if (q.open.interruptedRelease) {
          await rollbackInterrupted(q.open, deps)
          q.open.statefulSet = await kube.find(R.statefulSets, ns, q.open.name)
        }
        const tmpl = q.open.statefulSet?.spec?.volumeClaimTemplates?.find((t) => t.metadata?.name === 'data')
        const recreate = q.open.statefulSet !== undefined && (parseQuantityBytes(tmpl?.spec?.resources?.requests?.storage) ?? 0) !== q.bytes
        // 2. The StatefulSet, orphaning its pod; gone before helm re-creates it.
        if (recreate && q.open.statefulSet) {
          deps.ui.step(`Deleting StatefulSet ${q.open.name} (its pod keeps running)`)
          await kube.delete(R.statefulSets, ns, q.open.name, { propagationPolicy: 'Orphan' })
          await waitFor(kube, R.statefulSets, ns, { fieldSelector: `metadata.name=${q.open.name}` }, (items) => (items.length === 0 ? true : undefined), {
            timeoutMs: o.timeoutMs,
            signal: deps.signal,
            describe: () => `the StatefulSet ${q.open.name} is still being deleted`,
            timeoutHint: `run \`dbaas resize ${q.open.name} -n ${ns} --storage ${o.storage}\` again: it goes on from there`,
          })
        }
        // 3. helm re-creates it with the new claim size (and records the new size in the release).
        await helmUpgrade(q.open, q.values, o.timeoutMs, deps)
        if (!o.wait) return { action: 'requested' }
        // 4. The cluster proves it: every PVC at the new size, the StatefulSet's pod adopted and ready.
        const hint = `the expansion goes on: \`dbaas status ${q.open.name} -n ${ns}\` shows the volume; \`dbaas resize ${q.open.name} -n ${ns} --storage ${o.storage}\` again waits for it`
        const names = q.pvcs.map((x) => x.metadata.name)
        const notes: string[] = []
        if (names.length) {
          if (isStopped(q.open)) {
            notes.push('the instance is stopped: a file system that needs the pod to grow does so at `dbaas start`')
          }
          await waitCapacity(kube, { namespace: ns, selector: dataSelector(q.open.name), names, bytes: q.bytes, size: o.storage, timeoutMs: o.timeoutMs, since, hint, acceptPending: isStopped(q.open) }, deps)
        }
        await waitRollout(kube, { name: q.open.name, namespace: ns, replicas: replicasOf(q.values), timeoutMs: o.timeoutMs, what: 'the re-created StatefulSet to adopt its pod' }, deps)
        return { action: 'changed', notes }
      },
    },
    deps,
  )
  deps.ui.done()
  return result
}
