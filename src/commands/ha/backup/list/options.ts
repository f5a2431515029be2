// ha backup list's options: the cluster and where to look.
import type { HaTarget } from '../../../../core/ha/find.ts'
import { haTarget, type RawHa } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export function complete(c: CompleteContext<RawHa>): RawHa & { name: string } {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: RawHa & { name: string }): HaTarget {
  return haTarget(i.name, i)
}
