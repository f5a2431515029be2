// schedule run's options: which schedule, and how long to wait for the run.
import type { ScheduleTargetOptions } from '../../../../core/schedule/manage.ts'
import { parseDuration, validateName } from '../../../../core/names.ts'
import { clusterFlags, type RawClusterFlags } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export interface RawScheduleRun extends RawClusterFlags {
  timeout: string
}

export function complete(c: CompleteContext<RawScheduleRun>): RawScheduleRun & { name: string } {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: RawScheduleRun & { name: string }): ScheduleTargetOptions & { timeoutMs: number } {
  const cluster = clusterFlags(i)
  return { instance: validateName(i.name), namespace: cluster.namespace, cluster, timeoutMs: parseDuration(i.timeout) }
}
