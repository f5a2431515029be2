// restart's options: the instance, confirmation (where the verb asks), dry run and waiting.
import type { ChangeOptions } from '../../core/day2/model.ts'
import { validateName } from '../../core/names.ts'
import { changeFlags, type RawChange } from '../change.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawRestart extends RawChange {}

export interface RestartInput extends RawRestart {
  name: string
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawRestart>): RestartInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: RestartInput): ChangeOptions {
  validateName(i.name)
  return changeFlags(i.name, i, i.canPrompt)
}
