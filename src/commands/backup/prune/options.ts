// backup prune's options: whose expired backups, and whether to only say what would go.
import type { PruneOptions } from '../../../core/backup/manage.ts'
import { parseDuration } from '../../../core/names.ts'
import { clusterFlags, waits, type RawClusterFlags } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawPrune extends RawClusterFlags {
  allNamespaces?: boolean
  dryRun?: boolean
  wait?: boolean
  timeout: string
}

export interface PruneInput extends RawPrune {
  instance: string | undefined
}

export function complete(c: CompleteContext<RawPrune>): PruneInput {
  return { ...c.raw, instance: c.args[0] as string | undefined }
}

export function validate(i: PruneInput): PruneOptions {
  const cluster = clusterFlags(i)
  return {
    cluster,
    namespace: i.allNamespaces ? undefined : cluster.namespace,
    instance: i.instance,
    dryRun: i.dryRun === true,
    wait: waits(i, true),
    timeoutMs: parseDuration(i.timeout),
  }
}
