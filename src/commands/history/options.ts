// history's options: the instance and where to look.
import { validateName } from '../../core/names.ts'
import type { ClusterFlags } from '../../deps.ts'
import { clusterFlags, type RawClusterFlags } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface HistoryInput extends RawClusterFlags {
  name: string
}

export function complete(c: CompleteContext<RawClusterFlags>): HistoryInput {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: HistoryInput): { name: string; namespace: string | undefined; cluster: ClusterFlags } {
  return { name: validateName(i.name), namespace: i.namespace, cluster: clusterFlags(i) }
}
