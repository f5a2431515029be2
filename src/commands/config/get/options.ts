// config get's options: the instance, and one parameter or all dbaas manages.
import type { ConfigGetOptions } from '../../../core/day2/config.ts'
import { validateName } from '../../../core/names.ts'
import { UsageError } from '../../../errors.ts'
import { clusterFlags, type RawClusterFlags } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface ConfigGetInput extends RawClusterFlags {
  name: string
  key?: string | undefined
}

export function complete(c: CompleteContext<RawClusterFlags>): ConfigGetInput {
  return { ...c.raw, name: c.args[0] as string, key: c.args[1] as string | undefined }
}

export function validate(i: ConfigGetInput): ConfigGetOptions {
  validateName(i.name)
  if (i.key !== undefined && !/^[a-z_][a-z0-9_.]*$/.test(i.key.replace(/-/g, '_'))) throw new UsageError(`"${i.key}" is not a parameter name`, { hint: 'e.g. dbaas config get orders max_connections' })
  return { name: i.name, namespace: i.namespace, cluster: clusterFlags(i), ...(i.key !== undefined ? { key: i.key.replace(/-/g, '_') } : {}) }
}
