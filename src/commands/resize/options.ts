// resize's options: the new size of the data volume (a quantity; smaller than now is refused by the core,
// which knows the current size).
import type { ResizeOptions } from '../../core/day2/resize.ts'
import { validateName, validateStorage } from '../../core/names.ts'
import { changeFlags, type RawChange } from '../change.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawResize extends RawChange {
  storage: string
}

export interface ResizeInput extends RawResize {
  name: string
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawResize>): ResizeInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: ResizeInput): ResizeOptions {
  validateName(i.name)
  return { ...changeFlags(i.name, i, i.canPrompt), storage: validateStorage(i.storage) }
}
