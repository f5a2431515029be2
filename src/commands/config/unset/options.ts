// config unset's options: the parameter names (back to the server's defaults), --restart, the day-2 flags.
import type { ConfigSetOptions } from '../../../core/day2/config.ts'
import { validateName } from '../../../core/names.ts'
import { UsageError } from '../../../errors.ts'
import { changeFlags, type RawChange } from '../../change.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawConfigUnset extends RawChange {
  restart?: boolean
}

export interface ConfigUnsetInput extends RawConfigUnset {
  name: string
  keys: string[]
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawConfigUnset>): ConfigUnsetInput {
  return { ...c.raw, name: c.args[0] as string, keys: (c.args[1] as string[] | undefined) ?? [], canPrompt: c.prompter !== undefined }
}

export function validate(i: ConfigUnsetInput): ConfigSetOptions {
  validateName(i.name)
  if (i.keys.length === 0) throw new UsageError('config unset needs at least one parameter name', { hint: 'e.g. dbaas config unset orders max_connections' })
  const changes: Record<string, null> = {}
  for (const k of i.keys) {
    if (k.includes('=')) throw new UsageError(`config unset takes names, not "${k}"`, { hint: `dbaas config unset ${i.name} ${k.split('=')[0]}` })
    changes[k.trim().replace(/-/g, '_')] = null
  }
  return { ...changeFlags(i.name, i, i.canPrompt), changes, restart: i.restart === true }
}
