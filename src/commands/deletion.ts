// The one delete flow of every destructive verb (delete, backup delete, ha delete): find what would go (the
// core's plan) → --ignore-not-found → confirm → delete (the core). One rule for confirmation: nothing to ask
// with --yes or --dry-run; without a terminal (or with -o json|yaml, CI, --no-input) a usage error asking for
// --yes; on a terminal, type the name. One rule for --ignore-not-found: the deletion result with found: false
// and nothing in it, in every output format. Not a command: the verb folders use it.
import type { ClusterFlags, Deps } from '../deps.ts'
import { InterruptedError, NotFoundError, UsageError } from '../errors.ts'
import type { DeletionResult } from '../core/deletion.ts'
import { clusterFlags, timeoutMs, waits, type RawDeletion } from './flags.ts'

export interface DeletionOptions {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  yes: boolean
  ignoreNotFound: boolean
  dryRun: boolean
  wait: boolean
  timeoutMs: number
  /** Prompting is allowed (a terminal, output for people). */
  canPrompt: boolean
}

/** The pure part every deletion shares: the flags of deletionOptions() as typed options. */
export function deletionFlags(name: string, raw: RawDeletion, canPrompt: boolean): DeletionOptions {
  return {
    name,
    namespace: raw.namespace,
    cluster: clusterFlags(raw),
    yes: raw.yes === true,
    ignoreNotFound: raw.ignoreNotFound === true,
    dryRun: raw.dryRun === true,
    wait: waits(raw, true),
    timeoutMs: timeoutMs(raw),
    canPrompt,
  }
}

export interface DeletionSteps<O extends DeletionOptions, P> {
  /** "instance", "backup", "HA cluster": in prompts and messages. */
  noun: string
  /** Finds what would be deleted; throws NotFoundError when there is nothing of that name. Reads only. */
  plan(o: O, deps: Deps): Promise<P>
  /** What the confirmation says is deleted, e.g. `postgresql instance "x" in namespace y AND its data`. */
  describe(p: P, o: O): string
  /** Deletes (or, with dryRun, says what it would delete) and waits as asked. */
  execute(p: P, o: O, deps: Deps): Promise<DeletionResult>
}

async function confirm(o: DeletionOptions, noun: string, what: string, deps: Deps): Promise<void> {
  if (o.yes || o.dryRun) return
  if (!o.canPrompt) {
    throw new UsageError(`refusing to delete ${noun} "${o.name}" without confirmation`, { hint: 'pass --yes (no terminal to ask on)' })
  }
  deps.printer.note(`This deletes the ${what}.`)
  const typed = await deps.prompter.input({ message: `Type the ${noun} name (${o.name}) to confirm:` })
  if (typed.trim() !== o.name) throw new InterruptedError('delete cancelled; nothing was deleted')
}

export async function runDeletion<O extends DeletionOptions, P>(o: O, deps: Deps, steps: DeletionSteps<O, P>): Promise<DeletionResult> {
  let plan: P
  try {
    plan = await steps.plan(o, deps)
  } catch (err) {
    if (o.ignoreNotFound && err instanceof NotFoundError) {
      return { name: o.name, namespace: o.namespace ?? null, found: false, dryRun: o.dryRun, deleted: [], kept: [], namespaceDeleted: false }
    }
    throw err
  }
  await confirm(o, steps.noun, steps.describe(plan, o), deps)
  return steps.execute(plan, o, deps)
}
