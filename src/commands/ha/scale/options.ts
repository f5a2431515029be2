// ha scale's options: the new number of instances, waiting.
import type { HaTarget } from '../../../core/ha/find.ts'
import { parseInstances } from '../../../core/ha/model.ts'
import { parseDuration } from '../../../core/names.ts'
import { haTarget, waits, type RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawHaScale extends RawHa {
  instances: string
  wait?: boolean
  timeout: string
}

export function complete(c: CompleteContext<RawHaScale>): RawHaScale & { name: string } {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: RawHaScale & { name: string }): HaTarget & { instances: number; wait: boolean; timeoutMs: number } {
  return { ...haTarget(i.name, i), instances: parseInstances(i.instances), wait: waits(i, true), timeoutMs: parseDuration(i.timeout) }
}
