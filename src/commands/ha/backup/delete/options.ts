// ha backup delete's options: the deletion flags every destructive verb shares, and --skip-operator-check.
import { deletionFlags, type DeletionOptions } from '../../../deletion.ts'
import type { RawDeletion, RawHa } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export type RawHaBackupDelete = RawDeletion & RawHa

export function complete(c: CompleteContext<RawHaBackupDelete>): RawHaBackupDelete & { name: string; canPrompt: boolean } {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export type HaBackupDeleteOptions = DeletionOptions & { skipOperatorCheck: boolean }

export function validate(i: RawHaBackupDelete & { name: string; canPrompt: boolean }): HaBackupDeleteOptions {
  return { ...deletionFlags(i.name, i, i.canPrompt), skipOperatorCheck: i.skipOperatorCheck === true }
}
