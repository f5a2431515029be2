// dbaas ha backup create <name>: a CloudNativePG Backup with method volumeSnapshot, waited for.
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { haBackupCreate } from '../../../../core/ha/backup.ts'
import { haBackupWriter } from '../../../../output/writers/ha.ts'
import { haOptions, timeoutOption, waitOptions } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'create',
      description: 'Take a volume-snapshot backup and wait until it completes',
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        cmd
          .option('--backup-name <name>', 'name of the Backup (default: <cluster>-<UTC timestamp>)')
          .option('--offline', 'a cold backup: CNPG fences the instance while it is snapshotted (consistent without WAL)')
        waitOptions(cmd, { waitsByDefault: true, what: 'the backup completes', noWaitHelp: 'return once the Backup is requested' })
        cmd.addOption(timeoutOption('30m'))
        haOptions(cmd)
      },
      examples: [
        ['A volume-snapshot backup, waiting until it completes', 'dbaas ha backup create orders'],
        ['A cold (offline) backup with a chosen name', 'dbaas ha backup create orders --offline --backup-name orders-before-upgrade'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: haBackupWriter, progress: true },
      complete,
      validate,
      run: haBackupCreate,
    },
    deps,
  )
