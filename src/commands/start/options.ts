// start's options: the instance, confirmation (where the verb asks), dry run and waiting.
import type { ChangeOptions } from '../../core/day2/model.ts'
import { validateName } from '../../core/names.ts'
import { changeFlags, type RawChange } from '../change.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawStart extends RawChange {}

export interface StartInput extends RawStart {
  name: string
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawStart>): StartInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: StartInput): ChangeOptions {
  validateName(i.name)
  return changeFlags(i.name, i, i.canPrompt)
}
