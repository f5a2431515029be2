// ha backup prune's options: whose expired backups, and whether to only say what would go.
import type { HaPruneOptions } from '../../../../core/ha/backup.ts'
import { parseDuration, validateName } from '../../../../core/names.ts'
import { clusterFlags, waits, type RawHa } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export interface RawHaPrune extends RawHa {
  allNamespaces?: boolean
  dryRun?: boolean
  wait?: boolean
  timeout: string
}

export function complete(c: CompleteContext<RawHaPrune>): RawHaPrune & { of: string | undefined } {
  return { ...c.raw, of: c.args[0] as string | undefined }
}

export function validate(i: RawHaPrune & { of: string | undefined }): HaPruneOptions {
  const cluster = clusterFlags(i)
  return {
    cluster,
    namespace: i.allNamespaces ? undefined : cluster.namespace,
    of: i.of === undefined ? undefined : validateName(i.of, 'cluster name'),
    dryRun: i.dryRun === true,
    wait: waits(i, true),
    timeoutMs: parseDuration(i.timeout),
    skipOperatorCheck: i.skipOperatorCheck === true,
  }
}
