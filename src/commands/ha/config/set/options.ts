// ha config set's options: key=value pairs (config set's parser), the day-2 flags.
import type { HaConfigSetOptions } from '../../../../core/day2/ha-config.ts'
import { validateName } from '../../../../core/names.ts'
import { changeFlags, parsePairs, type RawChange } from '../../../change.ts'
import type { RawHa } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export interface RawHaConfigSet extends RawChange, RawHa {}

export interface HaConfigSetInput extends RawHaConfigSet {
  name: string
  pairs: string[]
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawHaConfigSet>): HaConfigSetInput {
  return { ...c.raw, name: c.args[0] as string, pairs: (c.args[1] as string[] | undefined) ?? [], canPrompt: c.prompter !== undefined }
}

export function validate(i: HaConfigSetInput): HaConfigSetOptions {
  validateName(i.name, 'cluster name')
  return { ...changeFlags(i.name, i, i.canPrompt), skipOperatorCheck: i.skipOperatorCheck === true, changes: parsePairs(i.pairs) }
}
