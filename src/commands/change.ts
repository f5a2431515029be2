// The one flow of every mutating day-2 verb (scale, resize, stop, start, restart, upgrade, config set/unset
// and their `ha` forms), beside the delete flow of deletion.ts: the core's plan (reads and refusals only) →
// confirmation → the core's execution (Lease, writes, wait). One rule for confirmation: verbs that restart
// pods or stop service ask on a terminal and need --yes without one (a usage error otherwise, as delete);
// nothing is asked for a dry run, for a plan with nothing to do, or by verbs that only start things. Not a
// command: the verb folders use it.
import { Option, type Command } from 'commander'
import type { Deps } from '../deps.ts'
import { InterruptedError, UsageError } from '../errors.ts'
import type { ChangeOptions, Day2Plan, Day2Result } from '../core/day2/model.ts'
import { changeLine } from '../core/day2/model.ts'
import { clusterFlags, parseDryRun, timeoutMs, timeoutOption, waitOptions, waits, type RawClusterFlags } from './flags.ts'

export interface RawChange extends RawClusterFlags {
  yes?: boolean
  dryRun?: string | boolean
  wait?: boolean
  timeout: string
}

/** --yes (when the verb asks), --dry-run[=client|server], --wait/--no-wait and --timeout. */
export function changeOptions(cmd: Command, o: { confirms: boolean; waitFor: string; timeout: string }): Command {
  if (o.confirms) cmd.option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
  cmd.addOption(new Option('--dry-run [mode]', 'print the plan and the objects: client (reads, writes nothing) or server (validated by the API server)'))
  waitOptions(cmd, { waitsByDefault: true, what: o.waitFor })
  return cmd.addOption(timeoutOption(o.timeout))
}

/** The pure part every change shares: the flags of changeOptions() as typed options. */
export function changeFlags(name: string, raw: RawChange, canPrompt: boolean): ChangeOptions {
  return {
    name,
    namespace: raw.namespace,
    cluster: clusterFlags(raw),
    dryRun: parseDryRun(raw.dryRun),
    wait: waits(raw, true),
    timeoutMs: timeoutMs(raw),
    yes: raw.yes === true,
    canPrompt,
  }
}

export interface ChangeSteps<O extends ChangeOptions, P extends { plan: Day2Plan }> {
  /** Whether this verb asks before acting (it restarts pods or stops service); a function decides from the plan. */
  confirms: boolean | ((p: P) => boolean)
  /** Reads and refuses; writes nothing. */
  plan(o: O, deps: Deps): Promise<P>
  /** Applies the plan (dry runs included) and waits as asked. */
  execute(p: P, o: O, deps: Deps): Promise<Day2Result>
}

function what(p: Day2Plan): string {
  return `${p.kind === 'ha-cluster' ? 'HA cluster' : 'instance'} "${p.name}" in namespace ${p.namespace}`
}

async function confirm(o: ChangeOptions, p: Day2Plan, deps: Deps): Promise<void> {
  if (o.yes || o.dryRun !== 'none' || p.noop) return
  const verb = p.verb.replace(/^ha /, '')
  if (!o.canPrompt) {
    throw new UsageError(`refusing to ${verb} ${what(p)} without confirmation`, { hint: 'pass --yes (no terminal to ask on), or --dry-run to see the plan' })
  }
  deps.printer.note(`This will ${verb} ${what(p)}: ${changeLine(p.changes)}.`)
  for (const e of p.effects) deps.printer.note(`  - ${e}`)
  for (const w of p.warnings) deps.printer.warn(w)
  const ok = await deps.prompter.confirm({ message: 'Proceed?', default: false })
  if (!ok) throw new InterruptedError(`${verb} cancelled; nothing was changed`)
}

export async function runChange<O extends ChangeOptions, P extends { plan: Day2Plan }>(o: O, deps: Deps, steps: ChangeSteps<O, P>): Promise<Day2Result> {
  const p = await steps.plan(o, deps)
  if (typeof steps.confirms === 'function' ? steps.confirms(p) : steps.confirms) await confirm(o, p.plan, deps)
  return steps.execute(p, o, deps)
}

/** key=value → { key: value }; dashes in names become underscores (both engines read them so). */
export function parsePairs(pairs: readonly string[]): Record<string, string> {
  if (pairs.length === 0) throw new UsageError('config set needs at least one key=value', { hint: 'e.g. dbaas config set orders max_connections=150' })
  const out: Record<string, string> = {}
  for (const item of pairs) {
    const eq = item.indexOf('=')
    const key = (eq < 0 ? item : item.slice(0, eq)).trim().replace(/-/g, '_')
    const value = eq < 0 ? '' : item.slice(eq + 1)
    if (eq < 0 || key === '') throw new UsageError(`"${item}" is not key=value`, { hint: 'e.g. max_connections=150 (quote values with spaces: work_mem="64MB")' })
    if (key in out && out[key] !== value) throw new UsageError(`${key} is given twice with different values`, { hint: 'give each parameter once' })
    out[key] = value
  }
  return out
}
