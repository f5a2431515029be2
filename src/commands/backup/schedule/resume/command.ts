// dbaas backup schedule resume <name>: Resume a suspended backup schedule.
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
      name: 'resume',
      description: 'Resume a suspended backup schedule',
      arguments: [['<name>', 'instance or HA cluster']],
      options: (cmd) => {
        clusterOptions(cmd)
      },
      examples: [['Resume the nightly backups of orders', 'dbaas backup schedule resume orders']],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: scheduleSuspendWriter(false) },
      complete,
      validate,
      run: setSuspended,
    },
    deps,
  )
