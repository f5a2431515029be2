// logs' options: which lines (--since, --tail, --previous) and whether to follow.
import type { LogsOptions } from '../../core/logs.ts'
import { parseDuration } from '../../core/names.ts'
import { UsageError } from '../../errors.ts'
import { clusterFlags, type RawClusterFlags } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawLogs extends RawClusterFlags {
  follow?: boolean
  since?: string
  tail?: string
  previous?: boolean
}

export interface LogsInput extends RawLogs {
  name: string
}

export function complete(c: CompleteContext<RawLogs>): LogsInput {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: LogsInput): LogsOptions {
  let tailLines: number | undefined
  if (i.tail !== undefined) {
    tailLines = Number(i.tail)
    if (!Number.isInteger(tailLines) || tailLines < 0) throw new UsageError(`--tail "${i.tail}" is not a number of lines`, { hint: 'e.g. --tail 100' })
  }
  return {
    name: i.name,
    namespace: i.namespace,
    cluster: clusterFlags(i),
    follow: i.follow === true,
    sinceSeconds: i.since ? Math.max(1, Math.round(parseDuration(i.since, '--since') / 1000)) : undefined,
    tailLines,
    previous: i.previous === true,
  }
}
