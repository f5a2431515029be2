// dbaas backup list [instance]: backups from their VolumeSnapshots' labels, also of deleted instances.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { listBackups } from '../../../core/backup/manage.ts'
import { backupListWriter } from '../../../output/writers/backups.ts'
import { clusterOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'list',
      aliases: ['ls'],
      description: 'List backups (also those whose instance was deleted): NAME, INSTANCE, ENGINE, READY, SIZE, AGE, EXPIRES, SCHEDULE',
      arguments: [['[instance]', 'only the backups of this instance']],
      options: (cmd) => {
        cmd.option('-A, --all-namespaces', 'list across all namespaces (the default unless -n is given)')
        clusterOptions(cmd)
      },
      examples: [
        ['Every backup you may see', 'dbaas backup list'],
        ["One instance's backups, with more columns", 'dbaas backup list orders -o wide'],
      ],
      output: { formats: ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath'], writer: backupListWriter, table: true },
      complete,
      validate,
      run: listBackups,
    },
    deps,
  )
