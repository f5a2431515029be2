// What every day-2 verb plans and returns: the changes (field, from, to), what they do to the running
// database (restarts, downtime), and — once applied — what the cluster proved. The JSON shape of
// `-o json|yaml` is Day2Result, documented in the README as stable. No IO here.
import type { ClusterFlags } from '../../deps.ts'
import type { KubeObject } from '../../k8s/kube.ts'

export type DryRunMode = 'none' | 'client' | 'server'

export interface Change {
  /** cpu, memory, storage, replicas, restartedAt, version, a parameter name… */
  field: string
  from: string | null
  to: string | null
}

/** Options every mutating day-2 verb shares. */
export interface ChangeOptions {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  dryRun: DryRunMode
  wait: boolean
  timeoutMs: number
  /** --yes */
  yes: boolean
  /** A terminal to ask on (and output for people). */
  canPrompt: boolean
}

export interface Day2Plan {
  kind: 'instance' | 'ha-cluster'
  /** The command path, as history records it: "scale", "ha resize". */
  verb: string
  name: string
  namespace: string
  engine: string
  changes: Change[]
  /** What the change does to the running database, said before asking: "the pod restarts". */
  effects: string[]
  /** Nothing to do: the instance already is as asked. */
  noop: boolean
  /** Said on stderr (what could not be checked, what was found). */
  notes: string[]
  /** A warning worth a confirmation even with nothing destructive (e.g. a floating image tag). */
  warnings: string[]
}

export type Day2Action = 'changed' | 'unchanged' | 'requested' | 'dry-run'

export interface Day2Result {
  kind: 'instance' | 'ha-cluster'
  verb: string
  name: string
  namespace: string
  engine: string
  /** changed: applied and proved done; requested: applied, not waited for (--no-wait); unchanged: nothing to do. */
  action: Day2Action
  dryRun: DryRunMode
  changes: Change[]
  effects: string[]
  /** The history entry of this operation, null when nothing was applied. */
  operation: string | null
  startedAt: string | null
  finishedAt: string | null
  /** Seconds from the first write until the cluster proved it done (null without a wait). */
  waitedSeconds: number | null
  /** What a dry run would send (Secrets redacted). */
  objects: KubeObject[]
  notes: string[]
  warnings: string[]
  /** Verb-specific facts (e.g. the backup an upgrade took first), stable per verb. */
  extra?: Record<string, unknown> | undefined
}

export function resultOf(plan: Day2Plan, over: Partial<Day2Result> & Pick<Day2Result, 'action' | 'dryRun'>): Day2Result {
  return {
    kind: plan.kind,
    verb: plan.verb,
    name: plan.name,
    namespace: plan.namespace,
    engine: plan.engine,
    changes: plan.changes,
    effects: plan.effects,
    operation: null,
    startedAt: null,
    finishedAt: null,
    waitedSeconds: null,
    objects: [],
    notes: plan.notes,
    warnings: plan.warnings,
    ...over,
  }
}

/** "cpu 250m → 1, memory 512Mi → 2Gi" */
export function changeLine(changes: Change[]): string {
  return changes.map((c) => `${c.field} ${c.from ?? '<unset>'} → ${c.to ?? '<unset>'}`).join(', ')
}
