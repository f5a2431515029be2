// Waiting until the cluster proves a single instance's change done, by watching (list + watch, no sleeps):
// the StatefulSet controller has seen the new spec (observedGeneration), every pod runs its new revision
// (controller-revision-hash = updateRevision) and is ready — or, stopped, no pod is left. A pod in a
// terminal state fails at once; a timeout (exit 6) says where each pod stopped.
import type { Deps } from '../../deps.ts'
import { InterruptedError, OperationError, TimeoutError } from '../../errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import type { Pod, StatefulSet } from '../../k8s/types.ts'
import { INSTANCE, KIND, Kinds, selector } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import { podFailure, podReady } from '../instances.ts'
import { watchSources, type WatchSource } from '../live.ts'

export const REVISION_LABEL = 'controller-revision-hash'

/** Why a pod is not ready, in a few words: unschedulable (the scheduler's message), a waiting reason, its phase. */
export function podWhy(p: Pod): string {
  if (p.metadata.deletionTimestamp) return 'terminating'
  const sched = (p.status?.conditions ?? []).find((c) => c.type === 'PodScheduled' && c.status === 'False')
  if (sched) return `${sched.reason ?? 'not scheduled'}${sched.message ? `: ${sched.message}` : ''}`
  const waiting = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].map((c) => c.state?.waiting?.reason).find(Boolean)
  if (waiting) return waiting
  return podReady(p) ? 'ready' : `${p.status?.phase ?? 'Pending'}, not ready`
}

export function describePods(pods: Pod[], revision: string | undefined): string {
  if (pods.length === 0) return 'no pod exists'
  return pods
    .map((p) => {
      const rev = p.metadata.labels?.[REVISION_LABEL]
      const which = revision === undefined ? '' : rev === revision ? ' (new revision)' : ' (old revision)'
      return `pod ${p.metadata.name}${which}: ${podWhy(p)}`
    })
    .join('; ')
}

/** Rolled out: the new revision on `want` ready pods and on no other; stopped (want 0): no pod left. */
export function rolledOut(pods: Pod[], revision: string, want: number): boolean {
  if (want === 0) return pods.length === 0
  const current = pods.filter((p) => !p.metadata.deletionTimestamp)
  const fresh = current.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revision)
  return fresh.length === want && current.length === want && fresh.every(podReady)
}

export interface RolloutWait {
  name: string
  namespace: string
  /** The number of pods wanted once done (0 = stopped). */
  replicas: number
  timeoutMs: number
  /** "the new resources" / "the restart": what did not happen, when it times out. */
  what: string
}

function remaining(deadline: number): number {
  return Math.max(1, deadline - Date.now())
}

/** A timeout of the pod wait gains the StatefulSet controller's last warning (e.g. FailedCreate: a quota refused the pod). */
async function withControllerEvents<T>(kube: Kube, w: RolloutWait, p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err
    const events = await kube
      .list(R.events, w.namespace, { fieldSelector: `involvedObject.kind=StatefulSet,involvedObject.name=${w.name},type=Warning` })
      .then((l) => l.items)
      .catch(() => [])
    const last = events.sort((a, b) => String(a.lastTimestamp ?? a.eventTime ?? '').localeCompare(String(b.lastTimestamp ?? b.eventTime ?? ''))).at(-1)
    if (!last) throw err
    throw new TimeoutError(`${err.message}; the StatefulSet controller says: ${last.reason ?? ''} ${String(last.message ?? '').trim()}`, { hint: err.hint })
  }
}

export async function waitRollout(kube: Kube, w: RolloutWait, deps: Deps): Promise<StatefulSet> {
  const deadline = Date.now() + w.timeoutMs
  const hint = `the change is applied and goes on: \`dbaas status ${w.name} -n ${w.namespace}\` follows it; running the same command again waits for it`
  deps.ui.step(`Waiting for ${w.what}`)
  // 1. The controller has seen the new spec: its updateRevision is the revision the pods must run.
  const observed = await waitFor(
    kube,
    R.statefulSets,
    w.namespace,
    { fieldSelector: `metadata.name=${w.name}` },
    (items) => {
      const s = items[0]
      if (!s) return undefined
      return (s.status?.observedGeneration ?? 0) >= (s.metadata.generation ?? 0) && s.status?.updateRevision ? s : undefined
    },
    { timeoutMs: remaining(deadline), signal: deps.signal, describe: () => `the StatefulSet controller has not seen the new spec of ${w.name} yet`, timeoutHint: hint },
  )
  const revision = observed.status?.updateRevision as string
  // 2. Every pod on that revision and ready (or, stopped, gone); a terminal pod state fails at once.
  await withControllerEvents(kube, w, waitFor(
    kube,
    R.pods,
    w.namespace,
    { labelSelector: selector({ [KIND]: Kinds.pod, [INSTANCE]: w.name }) },
    (pods) => {
      const fresh = pods.filter((p) => p.metadata.labels?.[REVISION_LABEL] === revision)
      const failure = podFailure(fresh)
      if (failure) {
        throw new OperationError(`${w.name} cannot start after the change: ${failure}`, {
          hint: `see \`dbaas status ${w.name} -n ${w.namespace}\` and \`dbaas logs ${w.name} -n ${w.namespace}\``,
        })
      }
      const ready = fresh.filter((p) => podReady(p) && !p.metadata.deletionTimestamp).length
      deps.ui.update(w.replicas === 0 ? `(${pods.length} pod(s) left)` : `(${ready}/${w.replicas} on the new revision and ready)`)
      return rolledOut(pods, revision, w.replicas) ? true : undefined
    },
    {
      timeoutMs: remaining(deadline),
      signal: deps.signal,
      describe: (pods) => `${w.what} did not finish; where it stopped: StatefulSet ${w.name} revision ${revision}, ${describePods(pods, revision)}`,
      timeoutHint: hint,
    },
  ))
  // 3. The StatefulSet's own status agrees (list and status read it).
  return waitFor(
    kube,
    R.statefulSets,
    w.namespace,
    { fieldSelector: `metadata.name=${w.name}` },
    (items) => {
      const s = items[0]
      if (!s) return undefined
      const st = s.status ?? { replicas: 0 }
      const done = w.replicas === 0 ? (st.replicas ?? 0) === 0 : (st.readyReplicas ?? 0) >= w.replicas && (st.updatedReplicas ?? 0) >= w.replicas
      return done ? s : undefined
    },
    { timeoutMs: remaining(deadline), signal: deps.signal, describe: () => `the StatefulSet ${w.name} does not report its pods yet`, timeoutHint: hint },
  )
}

/**
 * Waits until `done` holds for what `read` returns, re-reading whenever one of the watched sources changes
 * (list + watch through watchSources: no polling, no sleeps). `done` may throw to fail fast; a timeout
 * (exit 6) says where things stood through `describe`.
 */
export async function waitUntil<T>(
  kube: Kube,
  sources: WatchSource[],
  read: () => Promise<T>,
  done: (t: T) => boolean,
  o: { timeoutMs: number; signal: AbortSignal; describe: (t: T | undefined) => string; hint: string },
): Promise<T> {
  const ctrl = new AbortController()
  const onAbort = () => ctrl.abort()
  o.signal.addEventListener('abort', onAbort, { once: true })
  let last: T | undefined
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    ctrl.abort()
  }, o.timeoutMs)
  try {
    return await new Promise<T>((resolve, reject) => {
      let running = false
      let again = false
      let settled = false
      const finish = (fn: () => void) => {
        if (settled) return
        settled = true
        fn()
        ctrl.abort()
      }
      const check = async (): Promise<void> => {
        if (running) {
          again = true
          return
        }
        running = true
        try {
          do {
            again = false
            const t = await read()
            last = t
            if (done(t)) return finish(() => resolve(t))
          } while (again && !settled)
        } catch (err) {
          finish(() => reject(err))
        } finally {
          running = false
        }
      }
      ctrl.signal.addEventListener('abort', () => {
        if (settled) return
        if (timedOut) finish(() => reject(new TimeoutError(`timed out after ${Math.round(o.timeoutMs / 1000)} s: ${o.describe(last)}`, { hint: o.hint })))
        else finish(() => reject(new InterruptedError()))
      })
      watchSources(kube, sources, ctrl.signal, () => void check()).catch(() => undefined)
      void check()
    })
  } finally {
    clearTimeout(timer)
    o.signal.removeEventListener('abort', onAbort)
  }
}
