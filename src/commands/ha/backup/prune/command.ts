// dbaas ha backup prune [cluster]: delete the HA backups whose --retention has run out.
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { haBackupPrune } from '../../../../core/ha/backup.ts'
import { haPruneWriter } from '../../../../output/writers/ha.ts'
import { haOptions, timeoutOption, waitOptions } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'prune',
      description: 'Delete the HA backups whose retention has run out (those created without --retention are kept)',
      arguments: [['[cluster]', "only this HA cluster's backups"]],
      options: (cmd) => {
        cmd.option('-A, --all-namespaces', 'across all namespaces (the default unless -n is given)').option('--dry-run', 'print what would be deleted, delete nothing')
        waitOptions(cmd, { waitsByDefault: true, what: 'the snapshot controller has removed their snapshots' })
        cmd.addOption(timeoutOption('5m'))
        haOptions(cmd)
      },
      examples: [
        ['See which HA backups have expired', 'dbaas ha backup prune --dry-run'],
        ['Delete them (e.g. from a CronJob)', 'dbaas ha backup prune'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: haPruneWriter, progress: true },
      complete,
      validate,
      run: haBackupPrune,
    },
    deps,
  )
