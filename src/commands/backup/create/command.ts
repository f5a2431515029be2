// dbaas backup create <instance>: a CSI VolumeSnapshot of the data volume, with a copy of the credentials.
import { Command, Option } from 'commander'
import type { Deps } from '../../../deps.ts'
import { createBackup } from '../../../core/backup/create.ts'
import { backupCreateWriter } from '../../../output/writers/backups.ts'
import { clusterOptions, timeoutOption, waitOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'create',
      description: "Take a backup: a CSI VolumeSnapshot of the instance's data volume, with a copy of its credentials",
      arguments: [['[instance]', 'instance to back up (asked for on a terminal)']],
      options: (cmd) => {
        cmd
          .option('--name <name>', 'backup name (default: <instance>-<UTC timestamp>)')
          .option('--class <class>', "VolumeSnapshotClass (default: the default class of the volume's CSI driver)")
          .option('--retention <duration>', 'keep it this long, e.g. 12h, 7d, 2w; `backup prune` deletes it afterwards (default: forever)')
          .option('--quiesce', 'consistent point first: PostgreSQL CHECKPOINT; MySQL/MariaDB FLUSH TABLES WITH READ LOCK held until the snapshot is cut')
        waitOptions(cmd, { waitsByDefault: true, what: 'the snapshot is ready to use', noWaitHelp: 'return once the snapshot is requested, without waiting until it is ready to use' })
        cmd
          .addOption(timeoutOption('10m'))
          .addOption(new Option('--dry-run [mode]', 'print what would be sent: client (reads the instance, writes nothing) or server (validated by the API server)'))
        clusterOptions(cmd)
      },
      examples: [
        ['A crash-consistent backup, kept until deleted', 'dbaas backup create orders'],
        ['Quiesced first, kept a week, with a name of your own', 'dbaas backup create orders --quiesce --retention 7d --name orders-before-migration'],
        ['What would be sent (the instance is read, nothing is written)', 'dbaas backup create orders --dry-run=client'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: backupCreateWriter, progress: true },
      complete,
      validate,
      run: createBackup,
    },
    deps,
  )
