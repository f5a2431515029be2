// ha upgrade's options: the version, --allow-major / --allow-downgrade, and the day-2 flags.
import type { HaUpgradeOptions } from '../../../core/day2/ha.ts'
import { parseVersion } from '../../../core/day2/versions.ts'
import { validateName } from '../../../core/names.ts'
import { changeFlags, type RawChange } from '../../change.ts'
import type { RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawHaUpgrade extends RawChange, RawHa {
  version: string
  allowMajor?: boolean
  allowDowngrade?: boolean
}

export interface HaUpgradeInput extends RawHaUpgrade {
  name: string
  canPrompt: boolean
}

export function complete(c: CompleteContext<RawHaUpgrade>): HaUpgradeInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: HaUpgradeInput): HaUpgradeOptions {
  validateName(i.name, 'cluster name')
  return {
    ...changeFlags(i.name, i, i.canPrompt),
    skipOperatorCheck: i.skipOperatorCheck === true,
    version: parseVersion(i.version).join('.'),
    allowMajor: i.allowMajor === true,
    allowDowngrade: i.allowDowngrade === true,
  }
}
