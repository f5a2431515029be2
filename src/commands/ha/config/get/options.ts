// ha config get's options: the cluster, and one parameter or all set in the operator's object.
import type { HaConfigGetOptions } from '../../../../core/day2/ha-config.ts'
import { validateName } from '../../../../core/names.ts'
import { UsageError } from '../../../../errors.ts'
import { haTarget, type RawHa } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export interface HaConfigGetInput extends RawHa {
  name: string
  key?: string | undefined
}

export function complete(c: CompleteContext<RawHa>): HaConfigGetInput {
  return { ...c.raw, name: c.args[0] as string, key: c.args[1] as string | undefined }
}

export function validate(i: HaConfigGetInput): HaConfigGetOptions {
  validateName(i.name, 'cluster name')
  if (i.key !== undefined && !/^[a-z_][a-z0-9_.]*$/.test(i.key.replace(/-/g, '_'))) throw new UsageError(`"${i.key}" is not a parameter name`, { hint: 'e.g. dbaas ha config get orders work_mem' })
  return { ...haTarget(i.name, i), ...(i.key !== undefined ? { key: i.key.replace(/-/g, '_') } : {}) }
}
