// Waiting on one HA cluster by watching it (list then watch, no sleeps): until it is healthy, until a
// switchover has landed, or — watching the cluster and its pods together — until a forced failover has
// moved the writes and the cluster is whole again. Timeouts say where the cluster stopped.
import type { Deps } from '../../deps.ts'
import { InterruptedError, OperationError, TimeoutError } from '../../errors.ts'
import type { Kube, KubeObject, WatchEvent } from '../../k8s/kube.ts'
import { R } from '../../k8s/kube.ts'
import type { Pod } from '../../k8s/types.ts'
import { waitFor } from '../../k8s/wait.ts'
import type { HaEngine } from './engine.ts'

export async function waitCluster(
  kube: Kube,
  engine: HaEngine,
  name: string,
  namespace: string,
  timeoutMs: number,
  deps: Deps,
  done: (c: KubeObject) => boolean,
  opts: { what: string; hint: string; fail?: (c: KubeObject) => string | undefined },
): Promise<KubeObject> {
  return waitFor(
    kube,
    engine.resource,
    namespace,
    { fieldSelector: `metadata.name=${name}` },
    (items) => {
      const c = items[0]
      if (!c) return undefined
      const why = opts.fail?.(c)
      if (why) throw new OperationError(why, { hint: opts.hint })
      deps.ui.update(`(${engine.view(c).phase || 'no status yet'})`)
      return done(c) ? c : undefined
    },
    {
      timeoutMs,
      signal: deps.signal,
      describe: (items) => `${opts.what} did not happen; where it stopped: ${engine.whereItStands(items[0])}`,
      timeoutHint: opts.hint,
    },
  )
}

export function waitHealthy(kube: Kube, engine: HaEngine, name: string, namespace: string, timeoutMs: number, deps: Deps): Promise<KubeObject> {
  deps.ui.step(`Waiting for ${name} to be healthy`)
  return waitCluster(kube, engine, name, namespace, timeoutMs, deps, (c) => engine.healthy(c), {
    what: `${name} becoming healthy`,
    hint: `it goes on starting: \`dbaas ha status ${name} -n ${namespace}\` follows it`,
  })
}

/**
 * Watches the cluster object and its pods together and resolves with the first value `evaluate` returns
 * for the latest of both. Each watch restarts (from a fresh list) when the server ends it.
 */
export async function waitWithPods<R>(
  kube: Kube,
  engine: HaEngine,
  cluster: KubeObject,
  timeoutMs: number,
  deps: Deps,
  evaluate: (c: KubeObject | undefined, pods: Pod[]) => R | undefined,
  opts: { what: string; hint: string; more?: (pods: Pod[]) => string },
): Promise<R> {
  const ns = cluster.metadata.namespace as string
  const name = cluster.metadata.name
  const ctrl = new AbortController()
  const timer = setTimeout(() => ctrl.abort(), timeoutMs)
  const onAbort = () => ctrl.abort()
  deps.signal.addEventListener('abort', onAbort, { once: true })
  let current: KubeObject | undefined = cluster
  const pods = new Map<string, Pod>()
  let result: { value: R } | undefined
  let failure: unknown
  const check = (): boolean => {
    if (result) return true
    try {
      const v = evaluate(current, [...pods.values()])
      if (v !== undefined) result = { value: v }
    } catch (err) {
      failure = err
    }
    if (result || failure) ctrl.abort()
    return result !== undefined || failure !== undefined
  }
  const follow = async <T extends KubeObject>(
    list: () => Promise<{ items: T[]; rv?: string }>,
    watch: (rv: string | undefined, on: (ev: WatchEvent<T>) => boolean) => Promise<boolean>,
    apply: (items: T[] | undefined, ev?: WatchEvent<T>) => void,
  ): Promise<void> => {
    while (!ctrl.signal.aborted) {
      const l = await list()
      apply(l.items)
      if (check()) return
      try {
        await watch(l.rv, (ev) => {
          if (ev.type === 'BOOKMARK') return false
          apply(undefined, ev)
          return check()
        })
      } catch (err) {
        if (ctrl.signal.aborted) return
        if (!(err as { watchStatus?: unknown }).watchStatus) throw err
      }
    }
  }
  const remaining = (start: number) => Math.max(1, Math.min(300, Math.ceil((timeoutMs - (Date.now() - start)) / 1000)))
  const start = Date.now()
  try {
    await Promise.all([
      follow(
        async () => {
          const l = await kube.list(engine.resource, ns, { fieldSelector: `metadata.name=${name}` })
          return { items: l.items, ...(l.metadata.resourceVersion ? { rv: l.metadata.resourceVersion } : {}) }
        },
        (rv, on) => kube.watch(engine.resource, ns, { fieldSelector: `metadata.name=${name}`, ...(rv ? { resourceVersion: rv } : {}), timeoutSeconds: remaining(start), signal: ctrl.signal }, on),
        (items, ev) => {
          if (items) current = items[0]
          else if (ev) current = ev.type === 'DELETED' ? undefined : ev.object
        },
      ),
      follow(
        async () => {
          const l = await kube.list(R.pods, ns, { labelSelector: engine.podSelector(cluster) })
          return { items: l.items, ...(l.metadata.resourceVersion ? { rv: l.metadata.resourceVersion } : {}) }
        },
        (rv, on) => kube.watch(R.pods, ns, { labelSelector: engine.podSelector(cluster), ...(rv ? { resourceVersion: rv } : {}), timeoutSeconds: remaining(start), signal: ctrl.signal }, on),
        (items, ev) => {
          if (items) {
            pods.clear()
            for (const p of items) pods.set(p.metadata.name, p)
          } else if (ev) {
            if (ev.type === 'DELETED') pods.delete(ev.object.metadata.name)
            else pods.set(ev.object.metadata.name, ev.object)
          }
        },
      ),
    ])
  } catch (err) {
    if (!result && !failure && !ctrl.signal.aborted) throw err
  } finally {
    // Either watch failing (a 403 on pods) must end the other one too, or it holds the process open until its timeout.
    ctrl.abort()
    clearTimeout(timer)
    deps.signal.removeEventListener('abort', onAbort)
  }
  if (failure) throw failure
  if (result) return result.value
  if (deps.signal.aborted) throw new InterruptedError()
  throw new TimeoutError(`timed out after ${Math.round(timeoutMs / 1000)} s: ${opts.what} did not happen; where it stopped: ${engine.whereItStands(current)}${opts.more ? `; ${opts.more([...pods.values()])}` : ''}`, { hint: opts.hint })
}
