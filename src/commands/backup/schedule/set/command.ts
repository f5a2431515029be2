// dbaas backup schedule set <name>: backups on a schedule, run by the cluster itself (a CronJob from dbaas's
// backup-schedule chart; for HA clusters, CloudNativePG's ScheduledBackup plus a prune-only CronJob).
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { OperationError } from '../../../../errors.ts'
import { setSchedule } from '../../../../core/schedule/set.ts'
import { scheduleSetWriter } from '../../../../output/writers/schedules.ts'
import { clusterOptions, timeoutOption } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { placementOptions } from '../../../placement.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'set',
      description: 'Back an instance (or HA cluster) up on a schedule, run by the cluster, keeping what --keep and --retention say',
      arguments: [['<name>', 'instance or HA cluster']],
      options: (cmd) => {
        cmd
          .option('--cron <line>', 'standard five-field cron: minute hour day-of-month month day-of-week, e.g. "0 3 * * *"')
          .option('--time-zone <zone>', 'IANA zone the cron is read in, e.g. Europe/Berlin (default: UTC; not for HA clusters)')
          .option('--keep <n>', 'ready backups to keep (default: 7 unless --retention is given)')
          .option('--retention <duration>', 'each backup expires this long after it is taken, e.g. 14d, 2w')
          .option('--quiesce', 'consistent point first, as `backup create --quiesce` (needs pods/exec)')
          .option('--class <class>', "VolumeSnapshotClass (default: the default class of the volume's CSI driver)")
          .option('--wait-first-run', 'return once the first scheduled run has finished (default: once the schedule exists)')
          .addOption(timeoutOption('10m'))
        placementOptions(cmd)
        clusterOptions(cmd)
      },
      examples: [
        ['Every night at 03:00 Berlin time, keeping a week', 'dbaas backup schedule set orders --cron "0 3 * * *" --time-zone Europe/Berlin --keep 7'],
        ['Every 6 hours, each backup kept 14 days, quiesced first', 'dbaas backup schedule set orders --cron "0 */6 * * *" --retention 14d --quiesce'],
        ['The job on other nodes than the instance\'s (it runs where the instance runs otherwise)', 'dbaas backup schedule set orders --cron "0 3 * * *" --node-selector pool=jobs --toleration dedicated=jobs:NoSchedule'],
        ['An HA cluster (CloudNativePG takes the backups; dbaas prunes them)', 'dbaas backup schedule set pay --cron "30 1 * * *" --keep 5'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: scheduleSetWriter, progress: true },
      complete,
      validate,
      run: setSchedule,
      check: (r) => {
        if (r.firstRun?.result === 'Failed') {
          throw new OperationError(`the first run of the schedule failed: ${r.firstRun.message ?? 'see its job'}`, {
            hint: `\`kubectl logs -n ${r.schedule.namespace} job/${r.firstRun.job}\` shows it; the schedule stays and runs again`,
          })
        }
      },
    },
    deps,
  )
