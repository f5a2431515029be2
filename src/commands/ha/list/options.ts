// ha list's options: one namespace or every one the user may list.
import { clusterFlags, type RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawHaList extends RawHa {
  allNamespaces?: boolean
}

export function complete(c: CompleteContext<RawHaList>): RawHaList {
  return c.raw
}

export function validate(raw: RawHaList): { cluster: ReturnType<typeof clusterFlags>; namespace: string | undefined; skipOperatorCheck: boolean } {
  const cluster = clusterFlags(raw)
  return { cluster, namespace: raw.allNamespaces ? undefined : cluster.namespace, skipOperatorCheck: raw.skipOperatorCheck === true }
}
