// schedule list's options: one instance's schedule or all, in one namespace or every one the user may list.
import type { ScheduleListOptions } from '../../../../core/schedule/manage.ts'
import { validateName } from '../../../../core/names.ts'
import { clusterFlags, type RawClusterFlags } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export interface RawScheduleList extends RawClusterFlags {
  allNamespaces?: boolean
}

export interface ScheduleListInput extends RawScheduleList {
  instance: string | undefined
}

export function complete(c: CompleteContext<RawScheduleList>): ScheduleListInput {
  return { ...c.raw, instance: c.args[0] as string | undefined }
}

export function validate(i: ScheduleListInput): ScheduleListOptions {
  const cluster = clusterFlags(i)
  return { cluster, namespace: i.allNamespaces ? undefined : cluster.namespace, instance: i.instance === undefined ? undefined : validateName(i.instance) }
}
