// The part every mutating day-2 verb shares once it has planned (and, on a terminal, been confirmed):
// take the instance's Lease, re-check under it (someone may have changed the instance since: when the objects
// the plan was made from changed, plan again — the preflight's refusals hold against what is there now),
// record the operation as running, write, wait until the cluster proves it done, record how it ended, and
// give the Lease back whatever happens.
//
// The re-check is as cheap as the verb allows (issue 15's overhead goal): a single instance re-reads its
// StatefulSet and its Secrets (one round trip) and plans again only when its release or StatefulSet changed;
// an HA cluster's write carries the resourceVersion the plan read, so the write itself is the re-check (a
// conflict plans again).
import type { Deps } from '../../deps.ts'
import type { Kube, KubeObject } from '../../k8s/kube.ts'
import { startHistory, resultOf as historyResult, type HistoryTarget } from './history.ts'
import { acquireLease } from './lease.ts'
import { changeLine, resultOf, type Day2Plan, type Day2Result } from './model.ts'

export interface Operation<P extends { plan: Day2Plan }> {
  kube: Kube
  /** The instance (or HA cluster) name the Lease is named after, and its namespace. */
  instance: string
  namespace: string
  what: 'instance' | 'HA cluster'
  /** The command path ("scale", "ha resize"): on the Lease and in the history. */
  verb: string
  history: HistoryTarget
  /** The parameters recorded in the history and on the Lease. */
  params: Record<string, string>
  /** The plan made before the Lease was taken. */
  planned: P
  /**
   * Under the Lease: whether `planned` still holds (the objects it was made from are unchanged) — with the
   * history object when the check read it (the history write then needs no read) — or false to plan again.
   */
  stillHolds(p: P): Promise<{ history?: KubeObject | undefined } | false>
  /** Plans again from what is in the cluster now (refusals throw). */
  replan(): Promise<P>
  /**
   * Writes, then (when asked) waits; returns the result without history or timing, which are added here.
   * `afterHistory` is the history object right after the "running" entry was written on what stillHolds
   * returned (it differs from that by the entry alone), for a write that is made on the same object.
   */
  apply(p: P, afterHistory: KubeObject | undefined): Promise<{ action: 'changed' | 'requested'; extra?: Record<string, unknown>; notes?: string[] }>
}

export async function runOperation<P extends { plan: Day2Plan }>(op: Operation<P>, deps: Deps): Promise<Day2Result> {
  const lease = await acquireLease(op.kube, { instance: op.instance, namespace: op.namespace, what: op.what }, { verb: op.verb, params: op.params }, deps)
  try {
    const held = await op.stillHolds(op.planned)
    const p = held ? op.planned : await op.replan()
    if (p.plan.noop) return resultOf(p.plan, { action: 'unchanged', dryRun: 'none' })
    const rec = await startHistory(op.kube, op.history, { verb: op.verb, params: op.params }, deps, held ? held.history : undefined)
    const started = deps.now()
    try {
      const r = await op.apply(p, held ? rec.afterStart : undefined)
      const finished = deps.now()
      const message = `${changeLine(p.plan.changes)}${r.action === 'requested' ? ' (not waited for)' : ''}`
      await rec.finish('succeeded', message)
      return resultOf(p.plan, {
        action: r.action,
        dryRun: 'none',
        operation: rec.entry.id,
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date(finished).toISOString(),
        waitedSeconds: r.action === 'changed' ? Math.round((finished - started) / 100) / 10 : null,
        notes: [...p.plan.notes, ...(r.notes ?? []), ...rec.notes],
        ...(r.extra ? { extra: r.extra } : {}),
      })
    } catch (err) {
      await rec.finish(historyResult(err), (err as Error)?.message)
      throw err
    }
  } finally {
    await lease.release()
  }
}
