// dbaas backup schedule run <name>: one run now, in the cluster, exactly as the schedule runs (a Job from its
// CronJob; for HA clusters a CloudNativePG Backup first), waited for.
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { OperationError } from '../../../../errors.ts'
import { runScheduleNow } from '../../../../core/schedule/manage.ts'
import { scheduleRunWriter } from '../../../../output/writers/schedules.ts'
import { clusterOptions, timeoutOption } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'run',
      description: 'Run a backup schedule now, in the cluster as it runs on schedule, and wait for the result',
      arguments: [['<name>', 'instance or HA cluster']],
      options: (cmd) => {
        cmd.addOption(timeoutOption('15m'))
        clusterOptions(cmd)
      },
      examples: [['A backup (and pruning) now, as the schedule takes it', 'dbaas backup schedule run orders']],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: scheduleRunWriter, progress: true },
      complete,
      validate,
      run: runScheduleNow,
      check: (r) => {
        if (r.run.result === 'Failed') {
          throw new OperationError(`the run failed: ${r.run.message ?? 'see its job'}`, { hint: `\`kubectl logs -n ${r.namespace} job/${r.run.job}\` shows it` })
        }
      },
    },
    deps,
  )
