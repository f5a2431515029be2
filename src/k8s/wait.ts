// Waiting by watching: list once, evaluate, then watch from the list's resourceVersion so no change falls in
// between; re-list when the watch expires (410) or the server closes it. No fixed sleeps.
import { TimeoutError, InterruptedError } from '../errors.ts'
import type { Kube, KubeObject, ListOptions, ResourceType } from './kube.ts'

export interface WaitOptions<T extends KubeObject = KubeObject> {
  timeoutMs: number
  signal?: AbortSignal | undefined
  /** Describes where things stood when the wait timed out, for the error message. */
  describe?: (items: T[]) => string
  /** Called after each evaluation with the current items (progress reporting). */
  onProgress?: (items: T[]) => void
  timeoutHint?: string
}

/**
 * Resolves with the first non-undefined value `evaluate` returns for the current set of objects matched by
 * (resource, namespace, selectors). `evaluate` may throw to fail fast on a terminal state.
 */
export async function waitFor<T extends KubeObject, R>(
  kube: Kube,
  r: ResourceType<T>,
  namespace: string | undefined,
  selectors: ListOptions,
  evaluate: (items: T[]) => R | undefined,
  opts: WaitOptions<T>,
): Promise<R> {
  const deadline = Date.now() + opts.timeoutMs
  const ctrl = new AbortController()
  const timer = setTimeout(() => ctrl.abort(), opts.timeoutMs)
  const onAbort = () => ctrl.abort()
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  const items = new Map<string, T>()
  const key = (o: T) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`
  let result: { value: R } | undefined
  const check = () => {
    const all = [...items.values()]
    opts.onProgress?.(all)
    const v = evaluate(all)
    if (v !== undefined) result = { value: v }
    return result !== undefined
  }
  try {
    while (!ctrl.signal.aborted) {
      const list = await kube.list(r, namespace, { labelSelector: selectors.labelSelector, fieldSelector: selectors.fieldSelector })
      items.clear()
      for (const o of list.items) items.set(key(o), o)
      if (check()) return (result as { value: R }).value
      const remaining = Math.max(1, Math.ceil((deadline - Date.now()) / 1000))
      try {
        await kube.watch(
          r,
          namespace,
          {
            labelSelector: selectors.labelSelector,
            fieldSelector: selectors.fieldSelector,
            resourceVersion: list.metadata.resourceVersion,
            timeoutSeconds: Math.min(remaining, 300),
            signal: ctrl.signal,
          },
          (ev) => {
            if (ev.type === 'BOOKMARK') return false
            if (ev.type === 'DELETED') items.delete(key(ev.object))
            else items.set(key(ev.object), ev.object)
            return check()
          },
        )
      } catch (err) {
        // An expired watch (410 Gone) or a dropped stream: list again.
        if (!(err as { watchStatus?: unknown }).watchStatus && !ctrl.signal.aborted) throw err
      }
      if (result) return result.value
    }
    if (opts.signal?.aborted) throw new InterruptedError()
    const where = opts.describe ? opts.describe([...items.values()]) : ''
    throw new TimeoutError(`timed out after ${Math.round(opts.timeoutMs / 1000)} s${where ? `: ${where}` : ''}`, {
      hint: opts.timeoutHint,
    })
  } finally {
    clearTimeout(timer)
    opts.signal?.removeEventListener('abort', onAbort)
  }
}

/** Resolves after ms, or at once when the signal aborts; leaves no listener on the signal either way (a watch
 * loop sleeping every few seconds for hours would otherwise pile one up per turn). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve()
    const onAbort = () => {
      clearTimeout(t)
      resolve()
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

export interface PollOptions {
  timeoutMs: number
  intervalMs: number
  signal: AbortSignal
  /** What the timeout says after `timed out after N s: `, given where things stood at the last check. */
  timedOut: (where: string) => string
  timeoutHint: string
}

/**
 * Checks until `check` reports done, for what no watch shows (a file inside a pod, a server's settings through
 * exec): one check at once, then one per interval; exits on abort, and with a TimeoutError saying where the last
 * check stood once the time is up.
 */
export async function poll(check: () => Promise<{ done: boolean; where: string }>, o: PollOptions): Promise<void> {
  const deadline = Date.now() + o.timeoutMs
  for (;;) {
    const { done, where } = await check()
    if (done) return
    if (o.signal.aborted) throw new InterruptedError()
    if (Date.now() >= deadline) {
      throw new TimeoutError(`timed out after ${Math.round(o.timeoutMs / 1000)} s: ${o.timedOut(where)}`, { hint: o.timeoutHint })
    }
    await sleep(o.intervalMs, o.signal)
  }
}
