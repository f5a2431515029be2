// scale's options: the new CPU and/or memory (checked as quantities before anything is sent).
import type { ScaleOptions } from '../../core/day2/single.ts'
import { validateCpu, validateMemory, validateName } from '../../core/names.ts'
import { UsageError } from '../../errors.ts'
import { changeFlags, type RawChange } from '../change.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawScale extends RawChange {
  cpu?: string
  memory?: string
}

export interface ScaleInput extends RawScale {
  name: string
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawScale>): ScaleInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: ScaleInput): ScaleOptions {
  validateName(i.name)
  if (i.cpu === undefined && i.memory === undefined) throw new UsageError('scale needs --cpu, --memory or both', { hint: 'e.g. dbaas scale orders --cpu 1 --memory 2Gi' })
  return {
    ...changeFlags(i.name, i, i.canPrompt),
    ...(i.cpu !== undefined ? { cpu: validateCpu(i.cpu) } : {}),
    ...(i.memory !== undefined ? { memory: validateMemory(i.memory) } : {}),
  }
}

/** What the history and the Lease record: the flags given. */
export function params(o: ScaleOptions): Record<string, string> {
  return { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.memory ? { memory: o.memory } : {}) }
}
