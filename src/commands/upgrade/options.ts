// upgrade's options: the version to go to, and the two flags that allow what is otherwise refused.
import type { UpgradeOptions } from '../../core/day2/upgrade.ts'
import { parseVersion } from '../../core/day2/versions.ts'
import { validateName } from '../../core/names.ts'
import { changeFlags, type RawChange } from '../change.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawUpgrade extends RawChange {
  version: string
  allowMajor?: boolean
  allowDowngrade?: boolean
}

export interface UpgradeInput extends RawUpgrade {
  name: string
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawUpgrade>): UpgradeInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: UpgradeInput): UpgradeOptions {
  validateName(i.name)
  return { ...changeFlags(i.name, i, i.canPrompt), version: parseVersion(i.version).join('.'), allowMajor: i.allowMajor === true, allowDowngrade: i.allowDowngrade === true }
}
