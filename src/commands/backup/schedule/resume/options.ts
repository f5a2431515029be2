// schedule resume's options: which schedule.
import type { ScheduleTargetOptions } from '../../../../core/schedule/manage.ts'
import { validateName } from '../../../../core/names.ts'
import { clusterFlags, type RawClusterFlags } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export function complete(c: CompleteContext<RawClusterFlags>): RawClusterFlags & { name: string } {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: RawClusterFlags & { name: string }): ScheduleTargetOptions & { suspend: boolean } {
  const cluster = clusterFlags(i)
  return { instance: validateName(i.name), namespace: cluster.namespace, cluster, suspend: false }
}
