// "Restart pending": the parameters `dbaas config set` wrote that the server applies only at a restart, kept
// (with when they were set) in an annotation the chart puts on the StatefulSet; pending until every pod has
// started since. Pure; `status` reads it without loading the rest of config.
import type { Pod, StatefulSet } from '../../k8s/types.ts'

/** Where dbaas keeps the parameters that wait for a restart, and since when (on the StatefulSet, by the chart). */
export const ANN_RESTART_PENDING = 'dbaas.io/restart-pending'

export interface RestartPending {
  params: string[]
  since: string
}

export function parsePending(raw: string | undefined): RestartPending | undefined {
  if (!raw) return undefined
  try {
    const p = JSON.parse(raw) as RestartPending
    return Array.isArray(p.params) && typeof p.since === 'string' ? p : undefined
  } catch {
    return undefined
  }
}

/** The parameters still waiting for a restart: none once every pod started after they were set. Pure. */
export function pendingNow(sts: StatefulSet | undefined, pods: Pod[]): string[] {
  const p = parsePending(sts?.metadata.annotations?.[ANN_RESTART_PENDING])
  if (!p) return []
  const since = Date.parse(p.since)
  const started = (pod: Pod) => Math.min(...(pod.status?.containerStatuses ?? []).map((c) => Date.parse(c.state?.running?.startedAt ?? '') || Infinity), Date.parse(pod.metadata.creationTimestamp ?? '') || Infinity)
  const live = pods.filter((x) => !x.metadata.deletionTimestamp)
  if (live.length > 0 && live.every((pod) => started(pod) > since)) return []
  return p.params
}

