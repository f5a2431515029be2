import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { UsageError } from '../errors.ts'
import { parseDuration } from '../core/names.ts'
import { streamLogs } from '../core/logs.ts'
import { clusterFlags, examples, withClusterFlags, type RawClusterFlags } from './shared.ts'

export function logsCommand(deps: Deps): Command {
  const cmd = new Command('logs')
    .description("Print the database container's logs of an instance's pods")
    .argument('<name>', 'instance name')
    .option('-f, --follow', 'keep streaming new lines')
    .option('--since <duration>', 'only lines newer than this, e.g. 10m')
    .option('--tail <lines>', 'only the last N lines')
    .option('-p, --previous', 'the previous (crashed) container')
  withClusterFlags(cmd)
  examples(cmd, [
    ['The last 100 lines', 'dbaas logs orders --tail 100'],
    ['Follow new lines', 'dbaas logs orders -f'],
  ])
  return cmd.action(async (name: string, raw: RawClusterFlags & { follow?: boolean; since?: string; tail?: string; previous?: boolean }) => {
    let tailLines: number | undefined
    if (raw.tail !== undefined) {
      tailLines = Number(raw.tail)
      if (!Number.isInteger(tailLines) || tailLines < 0) throw new UsageError(`--tail "${raw.tail}" is not a number of lines`, { hint: 'e.g. --tail 100' })
    }
    await streamLogs(
      {
        name,
        namespace: raw.namespace,
        cluster: clusterFlags(raw),
        follow: raw.follow === true,
        sinceSeconds: raw.since ? Math.max(1, Math.round(parseDuration(raw.since, '--since') / 1000)) : undefined,
        tailLines,
        previous: raw.previous === true,
      },
      deps,
      (line) => deps.printer.line(line),
    )
  })
}
