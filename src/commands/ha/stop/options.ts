// ha stop's options: the cluster, confirmation (where the verb asks), dry run and waiting.
import type { HaChangeOptions } from '../../../core/day2/ha.ts'
import { validateName } from '../../../core/names.ts'
import { changeFlags, type RawChange } from '../../change.ts'
import type { RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawHaStop extends RawChange, RawHa {}

export interface HaStopInput extends RawHaStop {
  name: string
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawHaStop>): HaStopInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: HaStopInput): HaChangeOptions {
  validateName(i.name, 'cluster name')
  return { ...changeFlags(i.name, i, i.canPrompt), skipOperatorCheck: i.skipOperatorCheck === true }
}
