// ha resize's options: the new size of every instance's data volume.
import type { HaResizeOptions } from '../../../core/day2/ha.ts'
import { validateName, validateStorage } from '../../../core/names.ts'
import { changeFlags, type RawChange } from '../../change.ts'
import type { RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawHaResize extends RawChange, RawHa {
  storage: string
}

export interface HaResizeInput extends RawHaResize {
  name: string
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawHaResize>): HaResizeInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: HaResizeInput): HaResizeOptions {
  validateName(i.name, 'cluster name')
  return { ...changeFlags(i.name, i, i.canPrompt), skipOperatorCheck: i.skipOperatorCheck === true, storage: validateStorage(i.storage) }
}
