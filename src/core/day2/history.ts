// The operations dbaas ran on an instance, kept on the instance itself: a JSON list in one annotation, the
// last HISTORY_LIMIT entries, oldest first. The cluster stays dbaas's only state: `dbaas history` reads it
// back, and deleting the instance deletes its history with it.
//
// Where it lives: a single instance's credentials Secret (dbaas creates it, helm never touches it, and it
// outlives the StatefulSet that `resize` deletes and re-creates); an HA cluster's own object (the CNPG
// Cluster). Every mutating verb records itself: an entry is written when it starts ("running") and updated
// when it ends, so an operation that was killed still shows, as "running" with no end (history calls it
// interrupted once no lease holds the instance for it).
//
// For other verbs (create, restore, backup, schedules, metrics): `recordHistory(kube, target, entry)` with a
// finished entry, or `startHistory` / `finish` around the work. A failure to write history never fails the
// operation it describes: it comes back as a note.
import { ConflictError } from '../../errors.ts'
import { apiInfo, isApiConflict } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject, type ResourceType } from '../../k8s/kube.ts'

export const HISTORY_ANNOTATION = 'dbaas.io/history'
/** How many operations an instance remembers (the oldest are dropped). */
export const HISTORY_LIMIT = 50

export type HistoryResult = 'running' | 'succeeded' | 'failed' | 'timed-out' | 'interrupted'

export interface HistoryEntry {
  /** Unique per operation: "<verb>-<start ms>-<random>"; an update replaces the entry with the same id. */
  id: string
  /** The command path: "scale", "resize", "ha failover", "backup create", "config set". */
  verb: string
  /** What it was asked to do, as flags would say it: { cpu: "1", memory: "2Gi" }. */
  params: Record<string, string>
  startedAt: string
  endedAt: string | null
  result: HistoryResult
  /** One line: what happened ("cpu 250m → 1, memory 256Mi → 2Gi"), or why it failed. */
  message?: string | undefined
}

/** The object whose annotation holds an instance's history. */
export interface HistoryTarget {
  resource: ResourceType
  namespace: string
  name: string
}

/** A single instance's history lives on its credentials Secret (`<name>-credentials`). */
export function instanceHistoryTarget(name: string, namespace: string): HistoryTarget {
  return { resource: R.secrets as ResourceType, namespace, name: `${name}-credentials` }
}

/** An HA cluster's history lives on its own object (a CNPG Cluster, or another operator's kind). */
export function haHistoryTarget(resource: ResourceType, name: string, namespace: string): HistoryTarget {
  return { resource, namespace, name }
}

/** Reads the list from an object's annotation; a missing or unreadable annotation is an empty history. */
export function parseHistory(obj: Pick<KubeObject, 'metadata'> | undefined): HistoryEntry[] {
  const raw = obj?.metadata.annotations?.[HISTORY_ANNOTATION]
  if (!raw) return []
  try {
    const list: unknown = JSON.parse(raw)
    if (!Array.isArray(list)) return []
    return list.filter((e): e is HistoryEntry => typeof e === 'object' && e !== null && typeof (e as HistoryEntry).id === 'string' && typeof (e as HistoryEntry).verb === 'string')
  } catch {
    return []
  }
}

/** The list with `entry` added (or replacing the entry of the same id), bounded to the newest `limit`. Pure. */
export function withEntry(list: readonly HistoryEntry[], entry: HistoryEntry, limit = HISTORY_LIMIT): HistoryEntry[] {
  const i = list.findIndex((e) => e.id === entry.id)
  const next = i >= 0 ? list.map((e, k) => (k === i ? entry : e)) : [...list, entry]
  return next.slice(Math.max(0, next.length - limit))
}

/** An operation id that sorts by start time: "<verb>-<ms>-<4 hex>". */
export function operationId(verb: string, startedMs: number, random: (n: number) => Buffer): string {
  return `${verb.replace(/\s+/g, '-')}-${startedMs}-${random(2).toString('hex')}`
}

/**
 * Writes one entry (added, or replacing the one with its id). Read-modify-write with the object's
 * resourceVersion, retried on a conflict (another writer — the operator, helm — changed the object).
 * `known` is the object as the caller last read or wrote it: the first try writes on it without reading.
 * Returns the object as written, and whether that write was made on `known` itself (nothing else changed it
 * in between: the new resourceVersion differs from the known one by this entry alone).
 */
export async function recordHistory(kube: Kube, target: HistoryTarget, entry: HistoryEntry, known?: Pick<KubeObject, 'metadata'>): Promise<{ written: KubeObject; onKnown: boolean }> {
  let obj = known
  for (let attempt = 1; ; attempt++) {
    const onKnown = obj !== undefined && obj === known
    obj ??= await kube.get(target.resource, target.namespace, target.name)
    const list = withEntry(parseHistory(obj), entry)
    try {
      const written = await kube.mergePatch(target.resource, target.namespace, target.name, {
        metadata: { resourceVersion: obj.metadata.resourceVersion, annotations: { [HISTORY_ANNOTATION]: JSON.stringify(list) } },
      })
      return { written, onKnown }
    } catch (err) {
      if (!isApiConflict(err) || attempt >= 5) {
        if (isApiConflict(err)) throw new ConflictError(`could not record the operation on ${target.name}: the object kept changing`, { cause: err })
        throw err
      }
      obj = undefined
    }
  }
}

/** The history of one instance or HA cluster, oldest first. */
export async function readHistory(kube: Kube, target: HistoryTarget): Promise<HistoryEntry[]> {
  return parseHistory(await kube.get(target.resource, target.namespace, target.name))
}

/** An operation being recorded: started now, finished (once) by `finish`. */
export interface HistoryRecorder {
  readonly entry: HistoryEntry
  /**
   * The history object right after the "running" entry was written, when that write was made on the object
   * the caller passed (so it differs from it by the entry alone); undefined otherwise.
   */
  readonly afterStart: KubeObject | undefined
  /** Updates the entry with its end, result and message; returns a note when history could not be written. */
  finish(result: Exclude<HistoryResult, 'running'>, message?: string): Promise<string | undefined>
  /** Notes collected so far (history that could not be written). */
  readonly notes: string[]
}

function failedNote(target: HistoryTarget, err: unknown): string {
  const code = apiInfo(err)?.httpCode
  const why = code === 403 ? 'you may not update it' : code === 404 ? 'it is gone' : ((err as Error)?.message ?? String(err))
  return `the operation was not recorded in the history on ${target.resource.kind?.toLowerCase() ?? 'object'} ${target.namespace}/${target.name}: ${why}`
}

/** Writes a "running" entry now and returns the recorder that finishes it. Never throws for history's sake. */
export async function startHistory(
  kube: Kube,
  target: HistoryTarget,
  op: { verb: string; params: Record<string, string> },
  deps: { now(): number; randomBytes(n: number): Buffer },
  known?: Pick<KubeObject, 'metadata'>,
): Promise<HistoryRecorder> {
  const started = deps.now()
  const entry: HistoryEntry = {
    id: operationId(op.verb, started, deps.randomBytes),
    verb: op.verb,
    params: op.params,
    startedAt: new Date(started).toISOString(),
    endedAt: null,
    result: 'running',
  }
  const notes: string[] = []
  // The object as this recorder last wrote it: finishing writes on it first (one request, not two).
  let last: KubeObject | undefined
  let afterStart: KubeObject | undefined
  try {
    const r = await recordHistory(kube, target, entry, known)
    last = r.written
    if (r.onKnown) afterStart = r.written
  } catch (err) {
    notes.push(failedNote(target, err))
  }
  let current = entry
  let done = false
  return {
    get entry() {
      return current
    },
    afterStart,
    notes,
    async finish(result, message) {
      if (done) return undefined
      done = true
      current = { ...current, endedAt: new Date(deps.now()).toISOString(), result, ...(message ? { message } : {}) }
      try {
        await recordHistory(kube, target, current, last)
        return undefined
      } catch (err) {
        const note = failedNote(target, err)
        notes.push(note)
        return note
      }
    },
  }
}

/** The result an error stands for in the history: timed-out (6), interrupted (130), or failed. */
export function resultOf(err: unknown): Exclude<HistoryResult, 'running' | 'succeeded'> {
  const code = (err as { exitCode?: number })?.exitCode
  if (code === 6) return 'timed-out'
  if (code === 130) return 'interrupted'
  return 'failed'
}

/**
 * Records a finished operation of a verb outside day 2 (create, restore, backup create, ha failover) on its
 * instance: succeeded, or — when it failed after writing (exit 1, 6 or 130; a refusal wrote nothing, so it is
 * no operation) — how it ended. Never throws: a history that could not be written comes back as a note.
 */
export async function recordOutcome(
  kube: Kube,
  target: HistoryTarget,
  op: { verb: string; params: Record<string, string>; startedMs: number },
  outcome: { message?: string | undefined } | { error: unknown },
  deps: { now(): number; randomBytes(n: number): Buffer },
): Promise<string | undefined> {
  let result: Exclude<HistoryResult, 'running'> = 'succeeded'
  let message: string | undefined
  if ('error' in outcome) {
    const code = (outcome.error as { exitCode?: number })?.exitCode
    if (code !== 1 && code !== 6 && code !== 130) return undefined
    result = resultOf(outcome.error)
    message = ((outcome.error as Error)?.message ?? String(outcome.error)).split('\n')[0]
  } else message = outcome.message
  try {
    const entry: HistoryEntry = {
      id: operationId(op.verb, op.startedMs, deps.randomBytes),
      verb: op.verb,
      params: op.params,
      startedAt: new Date(op.startedMs).toISOString(),
      endedAt: new Date(deps.now()).toISOString(),
      result,
      ...(message ? { message } : {}),
    }
    await recordHistory(kube, target, entry)
    return undefined
  } catch (err) {
    return failedNote(target, err)
  }
}
