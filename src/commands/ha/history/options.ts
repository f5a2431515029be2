// ha history's options: the cluster and where to look.
import type { HaTarget } from '../../../core/ha/find.ts'
import { validateName } from '../../../core/names.ts'
import { haTarget, type RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface HaHistoryInput extends RawHa {
  name: string
}

export function complete(c: CompleteContext<RawHa>): HaHistoryInput {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: HaHistoryInput): HaTarget {
  return haTarget(validateName(i.name, 'cluster name'), i)
}
