// top's options: one instance or all (in a namespace or every one), and how to sample.
import type { TopOptions } from '../../core/metrics/top.ts'
import { validateName } from '../../core/names.ts'
import type { OutputSpec } from '../../output/format.ts'
import { clusterFlags, samplingFlags, type RawClusterFlags, type RawSampling } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawTop extends RawClusterFlags, RawSampling {
  allNamespaces?: boolean
}

export interface TopInput extends RawTop {
  name?: string | undefined
}

export interface TopVerbOptions extends TopOptions {
  watch: boolean
}

export function complete(c: CompleteContext<RawTop>): TopInput {
  return { ...c.raw, name: c.args[0] as string | undefined }
}

export function validate(i: TopInput, out: OutputSpec): TopVerbOptions {
  const cluster = clusterFlags(i)
  return {
    ...(i.name !== undefined ? { name: validateName(i.name) } : {}),
    namespace: i.allNamespaces ? undefined : cluster.namespace,
    cluster,
    ...samplingFlags(i, out),
  }
}
