// dbaas backup schedule suspend <name>: Suspend a backup schedule: no run starts until it is resumed (a running one finishes).
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { setSuspended } from '../../../../core/schedule/manage.ts'
import { scheduleSuspendWriter } from '../../../../output/writers/schedules.ts'
import { clusterOptions } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'suspend',
      description: 'Suspend a backup schedule: no run starts until it is resumed (a running one finishes)',
      arguments: [['<name>', 'instance or HA cluster']],
      options: (cmd) => {
        clusterOptions(cmd)
      },
      examples: [['Suspend the nightly backups of orders', 'dbaas backup schedule suspend orders']],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: scheduleSuspendWriter(true) },
      complete,
      validate,
      run: setSuspended,
    },
    deps,
  )
