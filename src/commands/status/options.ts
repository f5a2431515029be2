// status's options: the name, where to look, and whether to follow it (--watch draws for people).
import type { StatusOptions } from '../../core/status.ts'
import { UsageError } from '../../errors.ts'
import type { OutputSpec } from '../../output/format.ts'
import { clusterFlags, type RawClusterFlags } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawStatus extends RawClusterFlags {
  watch?: boolean
}

export interface StatusInput extends RawStatus {
  name: string
}

export interface StatusVerbOptions extends StatusOptions {
  watch: boolean
}

export function complete(c: CompleteContext<RawStatus>): StatusInput {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: StatusInput, out: OutputSpec): StatusVerbOptions {
  if (i.watch && out.format !== 'table') throw new UsageError('--watch draws the status for people', { hint: 'leave out -o, or use -o json without --watch' })
  return { name: i.name, namespace: i.namespace, cluster: clusterFlags(i), watch: i.watch === true }
}
