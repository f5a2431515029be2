// dbaas ha failover <name>: a switchover as CloudNativePG defines it, verified; --force kills the primary.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { failover } from '../../../core/ha/failover.ts'
import { failoverWriter } from '../../../output/writers/ha.ts'
import { haOptions, timeoutOption } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'failover',
      aliases: ['switchover'],
      description: 'Switch the primary over to a standby and wait until it is primary and the cluster healthy',
      arguments: [['[name]', 'cluster name (asked for on a terminal, with the standby)']],
      options: (cmd) => {
        cmd
          .option('--to <instance>', 'the standby to promote: its name (orders-2) or ordinal (2); default: the ready standby with the lowest ordinal')
          .option('--force', "simulate a primary failure: delete the primary's pod and wait for the operator's automatic failover")
          .addOption(timeoutOption('5m'))
        haOptions(cmd)
      },
      examples: [
        ['Switch over to the first ready standby and wait', 'dbaas ha failover orders'],
        ['Promote instance 3', 'dbaas ha failover orders --to 3'],
        ['Kill the primary and watch the operator fail over', 'dbaas ha failover orders --force --timeout 2m'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: failoverWriter, progress: true },
      complete,
      validate,
      run: failover,
    },
    deps,
  )
