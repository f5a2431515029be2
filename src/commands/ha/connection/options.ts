// ha connection's options: the cluster, where to look, and whether to reveal the password.
import type { HaTarget } from '../../../core/ha/find.ts'
import { haTarget, type RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawHaConnection extends RawHa {
  showPassword?: boolean
  format?: string
}

export function complete(c: CompleteContext<RawHaConnection>): RawHaConnection & { name: string } {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: RawHaConnection & { name: string }): HaTarget & { showPassword: boolean } {
  return { ...haTarget(i.name, i), showPassword: i.showPassword === true }
}
