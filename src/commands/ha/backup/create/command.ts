// dbaas ha backup create <name>: a volume-snapshot backup through the operator (CloudNativePG Backup, MariaDB
// PhysicalBackup), waited for; Percona XtraDB Cluster exits 7 naming its own object-storage backups.
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
          .option('--offline', 'postgres only: a cold backup (CloudNativePG fences the instance while it is snapshotted; consistent without WAL)')
          .option('--retention <duration>', 'keep it this long (90m, 12h, 7d, 2w); `dbaas ha backup prune` deletes it afterwards (default: kept until deleted)')
        waitOptions(cmd, { waitsByDefault: true, what: 'the backup completes', noWaitHelp: 'return once the Backup is requested' })
        cmd.addOption(timeoutOption('30m'))
        haOptions(cmd)
      },
      examples: [
        ['A volume-snapshot backup, waiting until it completes', 'dbaas ha backup create orders'],
        ['A cold (offline) backup with a chosen name', 'dbaas ha backup create orders --offline --backup-name orders-before-upgrade'],
        ['Kept for a week, then pruned', 'dbaas ha backup create wiki --retention 7d'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: haBackupWriter, progress: true },
      complete,
      validate,
      run: haBackupCreate,
    },
    deps,
  )
