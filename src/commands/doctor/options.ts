// doctor's options: the context to check, and the namespace the RBAC checks are made in.
import type { DoctorOptions } from '../../core/doctor.ts'
import { clusterFlags, type RawClusterFlags } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'

export function complete(c: CompleteContext<RawClusterFlags>): RawClusterFlags {
  return c.raw
}

export function validate(raw: RawClusterFlags): Omit<DoctorOptions, 'detectors'> {
  return { cluster: clusterFlags(raw), namespace: raw.namespace }
}
