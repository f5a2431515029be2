// ha delete's options: the deletion flags every destructive verb shares, and --skip-operator-check.
import { deletionFlags, type DeletionOptions } from '../../deletion.ts'
import type { RawDeletion, RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export type RawHaDelete = RawDeletion & RawHa

export function complete(c: CompleteContext<RawHaDelete>): RawHaDelete & { name: string; canPrompt: boolean } {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export type HaDeleteVerbOptions = DeletionOptions & { skipOperatorCheck: boolean }

export function validate(i: RawHaDelete & { name: string; canPrompt: boolean }): HaDeleteVerbOptions {
  return { ...deletionFlags(i.name, i, i.canPrompt), skipOperatorCheck: i.skipOperatorCheck === true }
}
