// config set's options: key=value pairs (each name once), --restart, and the day-2 flags.
import type { ConfigSetOptions } from '../../../core/day2/config.ts'
import { validateName } from '../../../core/names.ts'
import { changeFlags, parsePairs, type RawChange } from '../../change.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawConfigSet extends RawChange {
  restart?: boolean
}

export interface ConfigSetInput extends RawConfigSet {
  name: string
  pairs: string[]
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawConfigSet>): ConfigSetInput {
  return { ...c.raw, name: c.args[0] as string, pairs: (c.args[1] as string[] | undefined) ?? [], canPrompt: c.prompter !== undefined }
}

export { parsePairs }

export function validate(i: ConfigSetInput): ConfigSetOptions {
  validateName(i.name)
  return { ...changeFlags(i.name, i, i.canPrompt), changes: parsePairs(i.pairs), restart: i.restart === true }
}
