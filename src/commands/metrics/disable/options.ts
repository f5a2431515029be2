// metrics disable's options: which instance or HA cluster, and whether to wait for the pod's restart.
import type { EnableOptions } from '../../../core/metrics/enable.ts'
import { validateName } from '../../../core/names.ts'
import { clusterFlags, timeoutMs, waits, type RawClusterFlags } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawEnable extends RawClusterFlags {
  wait?: boolean
  timeout: string
}

export interface EnableInput extends RawEnable {
  name: string
}

export function complete(c: CompleteContext<RawEnable>): EnableInput {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: EnableInput): EnableOptions {
  const cluster = clusterFlags(i)
  return { name: validateName(i.name), namespace: cluster.namespace, cluster, wait: waits(i, true), timeoutMs: timeoutMs(i) }
}
