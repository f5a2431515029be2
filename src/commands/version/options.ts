// version's options: for a script (-o json|yaml) helm's and the cluster's versions are looked up too.
import type { ClusterFlags } from '../../deps.ts'
import { isHuman, type OutputSpec } from '../../output/format.ts'
import { clusterFlags, type RawClusterFlags } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface VersionOptions {
  cluster: ClusterFlags
  /** Also ask helm and the cluster (each best effort). */
  full: boolean
}

export function complete(c: CompleteContext<RawClusterFlags>): RawClusterFlags {
  return c.raw
}

export function validate(raw: RawClusterFlags, out: OutputSpec): VersionOptions {
  return { cluster: clusterFlags(raw), full: !isHuman(out) }
}
