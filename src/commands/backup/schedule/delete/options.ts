// schedule delete's options: the deletion flags every destructive verb shares.
import { validateName } from '../../../../core/names.ts'
import { deletionFlags, type DeletionOptions } from '../../../deletion.ts'
import type { RawDeletion } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export interface ScheduleDeleteInput extends RawDeletion {
  name: string
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawDeletion>): ScheduleDeleteInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: ScheduleDeleteInput): DeletionOptions & { instance: string } {
  return { ...deletionFlags(validateName(i.name), i, i.canPrompt), instance: i.name }
}
