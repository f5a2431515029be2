// `metrics <name>`'s options: the instance or HA cluster, and how to sample.
import type { TopOptions } from '../../../core/metrics/top.ts'
import { validateName } from '../../../core/names.ts'
import type { OutputSpec } from '../../../output/format.ts'
import { clusterFlags, samplingFlags, type RawClusterFlags, type RawSampling } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export type RawShow = RawClusterFlags & RawSampling

export interface ShowInput extends RawShow {
  name: string
}

export interface ShowOptions extends TopOptions {
  name: string
  watch: boolean
}

export function complete(c: CompleteContext<RawShow>): ShowInput {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: ShowInput, out: OutputSpec): ShowOptions {
  const cluster = clusterFlags(i)
  return { name: validateName(i.name), namespace: cluster.namespace, cluster, ...samplingFlags(i, out) }
}
