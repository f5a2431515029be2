// dbaas logs <name>: the database container's log of each pod of an instance.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { openLogs } from '../../core/logs.ts'
import { logsWriter } from '../../output/writers/logs.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'logs',
      description: "Print the database container's logs of an instance's pods",
      arguments: [['<name>', 'instance name']],
      options: (cmd) => {
        cmd
          .option('-f, --follow', 'keep streaming new lines')
          .option('--since <duration>', 'only lines newer than this, e.g. 10m')
          .option('--tail <lines>', 'only the last N lines')
          .option('-p, --previous', 'the previous (crashed) container')
        clusterOptions(cmd)
      },
      examples: [
        ['The last 100 lines', 'dbaas logs orders --tail 100'],
        ['Follow new lines', 'dbaas logs orders -f'],
      ],
      output: { formats: ['table'], writer: logsWriter },
      complete,
      validate,
      run: openLogs,
    },
    deps,
  )
