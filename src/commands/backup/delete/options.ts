// backup delete's options: the deletion flags every destructive verb shares.
import { deletionFlags, type DeletionOptions } from '../../deletion.ts'
import type { RawDeletion } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface BackupDeleteInput extends RawDeletion {
  name: string
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawDeletion>): BackupDeleteInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: BackupDeleteInput): DeletionOptions {
  return deletionFlags(i.name, i, i.canPrompt)
}
