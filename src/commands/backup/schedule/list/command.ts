// dbaas backup schedule list [name]: every backup schedule, its last run and result, and the next run.
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { listSchedules } from '../../../../core/schedule/manage.ts'
import { scheduleListWriter } from '../../../../output/writers/schedules.ts'
import { clusterOptions } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'list',
      aliases: ['ls'],
      description: 'List backup schedules: cron, zone, keep, retention, last run and its result, next run',
      arguments: [['[name]', "only this instance's schedule"]],
      options: (cmd) => {
        cmd.option('-A, --all-namespaces', 'list across all namespaces (the default unless -n is given)')
        clusterOptions(cmd)
      },
      examples: [
        ['Every schedule you may see', 'dbaas backup schedule list'],
        ['With failures, the job image and the last message', 'dbaas backup schedule list -o wide'],
      ],
      output: { formats: ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath'], writer: scheduleListWriter, table: true },
      complete,
      validate,
      run: listSchedules,
    },
    deps,
  )
