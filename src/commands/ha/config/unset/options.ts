// ha config unset's options: the parameter names (back to the server's defaults), the day-2 flags.
import type { HaConfigSetOptions } from '../../../../core/day2/ha-config.ts'
import { validateName } from '../../../../core/names.ts'
import { UsageError } from '../../../../errors.ts'
import { changeFlags, type RawChange } from '../../../change.ts'
import type { RawHa } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export interface RawHaConfigUnset extends RawChange, RawHa {}

export interface HaConfigUnsetInput extends RawHaConfigUnset {
  name: string
  keys: string[]
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawHaConfigUnset>): HaConfigUnsetInput {
  return { ...c.raw, name: c.args[0] as string, keys: (c.args[1] as string[] | undefined) ?? [], canPrompt: c.prompter !== undefined }
}

export function validate(i: HaConfigUnsetInput): HaConfigSetOptions {
  validateName(i.name, 'cluster name')
  if (i.keys.length === 0) throw new UsageError('ha config unset needs at least one parameter name', { hint: 'e.g. dbaas ha config unset pay work_mem' })
  const changes: Record<string, null> = {}
  for (const k of i.keys) {
    if (k.includes('=')) throw new UsageError(`ha config unset takes names, not "${k}"`, { hint: `dbaas ha config unset ${i.name} ${k.split('=')[0]}` })
    changes[k.trim().replace(/-/g, '_')] = null
  }
  return { ...changeFlags(i.name, i, i.canPrompt), skipOperatorCheck: i.skipOperatorCheck === true, changes }
}
