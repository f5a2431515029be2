// delete's options: the deletion flags every destructive verb shares, and --delete-data.
import { deletionFlags, type DeletionOptions } from '../deletion.ts'
import type { RawDeletion } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawDelete extends RawDeletion {
  deleteData?: boolean
}

export interface DeleteInput extends RawDelete {
  name: string
  canPrompt: boolean
}

export interface DeleteVerbOptions extends DeletionOptions {
  deleteData: boolean
}

export function complete(c: CompleteContext<RawDelete>): DeleteInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: DeleteInput): DeleteVerbOptions {
  return { ...deletionFlags(i.name, i, i.canPrompt), deleteData: i.deleteData === true }
}
