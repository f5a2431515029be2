// dbaas backup prune [instance]: delete the backups whose retention has run out.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { pruneBackups } from '../../../core/backup/manage.ts'
import { pruneWriter } from '../../../output/writers/backups.ts'
import { clusterOptions, timeoutOption, waitOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'prune',
      description: 'Delete the backups whose retention has run out (those created without --retention are kept)',
      arguments: [['[instance]', "only this instance's backups"]],
      options: (cmd) => {
        cmd.option('-A, --all-namespaces', 'across all namespaces (the default unless -n is given)').option('--dry-run', 'print what would be deleted, delete nothing')
        waitOptions(cmd, { waitsByDefault: true, what: 'the snapshot controller has removed them' })
        cmd.addOption(timeoutOption('5m'))
        clusterOptions(cmd)
      },
      examples: [
        ['See which backups have expired', 'dbaas backup prune --dry-run'],
        ['Delete them (e.g. from a CronJob)', 'dbaas backup prune'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: pruneWriter, progress: true },
      complete,
      validate,
      run: pruneBackups,
    },
    deps,
  )
