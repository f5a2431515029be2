// config set's options: key=value pairs (each name once), --restart, and the day-2 flags.
import type { ConfigSetOptions } from '../../../core/day2/config.ts'
import { validateName } from '../../../core/names.ts'
import { UsageError } from '../../../errors.ts'
import { changeFlags, type RawChange } from '../../change.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawConfigSet extends RawChange {
  restart?: boolean
}

export interface ConfigSetInput extends RawConfigSet {
  name: string
  pairs: string[]
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawConfigSet>): ConfigSetInput {
  return { ...c.raw, name: c.args[0] as string, pairs: (c.args[1] as string[] | undefined) ?? [], canPrompt: c.prompter !== undefined }
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

export function validate(i: ConfigSetInput): ConfigSetOptions {
  validateName(i.name)
  return { ...changeFlags(i.name, i, i.canPrompt), changes: parsePairs(i.pairs), restart: i.restart === true }
}
