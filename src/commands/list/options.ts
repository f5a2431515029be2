// list's options: every namespace the user may list unless -n (or -A, which wins); --watch draws a table.
import type { ListOptions } from '../../core/list.ts'
import { UsageError } from '../../errors.ts'
import type { OutputSpec } from '../../output/format.ts'
import { clusterFlags, type RawClusterFlags } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawList extends RawClusterFlags {
  allNamespaces?: boolean
  selector?: string
  watch?: boolean
}

export interface ListVerbOptions extends ListOptions {
  watch: boolean
}

export function complete(c: CompleteContext<RawList>): RawList {
  return c.raw
}

export function validate(raw: RawList, out: OutputSpec): ListVerbOptions {
  if (raw.watch && out.format !== 'table' && out.format !== 'wide') throw new UsageError('--watch draws a table', { hint: 'use -o table or -o wide with --watch' })
  const cluster = clusterFlags(raw)
  return { cluster, namespace: raw.allNamespaces ? undefined : cluster.namespace, selector: raw.selector, watch: raw.watch === true }
}
