// dbaas ha scale <name> --instances n: waited for until the cluster is healthy again.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { haScale } from '../../../core/ha/ops.ts'
import { haScaleWriter } from '../../../output/writers/ha.ts'
import { haOptions, timeoutOption, waitOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'scale',
      description: 'Change the number of members (refused while a switchover, failover or other operation runs)',
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        cmd.requiredOption('--instances <n>', 'the new number of members (each engine has its rule: postgres ≥ 1, mysql 3 or 5, mariadb ≥ 2, Galera odd)')
        waitOptions(cmd, { waitsByDefault: true, what: 'the cluster is healthy again' })
        cmd.addOption(timeoutOption('15m'))
        haOptions(cmd)
      },
      examples: [
        ['Grow to five instances, waiting until healthy', 'dbaas ha scale orders --instances 5'],
        ['Shrink, returning at once', 'dbaas ha scale orders --instances 2 --no-wait'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: haScaleWriter, progress: true },
      complete,
      validate,
      run: haScale,
    },
    deps,
  )
