// dbaas backup schedule delete <name>: the schedule (its CronJob, ScheduledBackup, ServiceAccount and roles);
// the backups it took stay.
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { deleteSchedule, planScheduleDelete } from '../../../../core/schedule/manage.ts'
import { deletionWriter } from '../../../../output/writers/deletion.ts'
import { runDeletion } from '../../../deletion.ts'
import { clusterOptions, deletionOptions } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'delete',
      aliases: ['rm'],
      description: "Delete an instance's backup schedule; the backups it took are kept",
      arguments: [['<name>', 'instance or HA cluster']],
      options: (cmd) => {
        deletionOptions(cmd, { what: 'schedule', waitFor: 'helm has removed it', timeout: '2m' })
        clusterOptions(cmd)
      },
      examples: [
        ['Delete, asking to type the name', 'dbaas backup schedule delete orders'],
        ['In a script', 'dbaas backup schedule delete orders -n dbaas-orders --yes --ignore-not-found'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: deletionWriter('backup schedule'), progress: true },
      complete,
      validate,
      run: (o, d) =>
        runDeletion(o, d, {
          noun: 'schedule',
          plan: (x, dd) => planScheduleDelete({ instance: x.instance, namespace: x.namespace, cluster: x.cluster }, dd),
          describe: (p) => `backup schedule of "${o.instance}" in namespace ${p.namespace}; its backups are kept`,
          execute: (p, x, dd) => deleteSchedule(p, { instance: x.instance, namespace: x.namespace, cluster: x.cluster, dryRun: x.dryRun, timeoutMs: x.timeoutMs }, dd),
        }),
    },
    deps,
  )
