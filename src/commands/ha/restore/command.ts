// dbaas ha restore <backup> --to <name>: a new HA cluster recovered from a volume-snapshot backup.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { haRestore } from '../../../core/ha/backup.ts'
import { haRestoreWriter } from '../../../output/writers/ha.ts'
import { haOptions, timeoutOption, waitOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { placementOptions, systemNamespaceOption } from '../../placement.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'restore',
      description: 'Create a new HA cluster from a volume-snapshot backup (in any namespace)',
      arguments: [['<backup>', 'backup name (see `dbaas ha backup list <cluster>`)']],
      options: (cmd) => {
        cmd
          .requiredOption('--to <name>', 'name of the new cluster')
          .option('--backup-namespace <ns>', "the backup's namespace (default: found by name)")
          .option('--instances <n>', "number of instances (default: the source cluster's)")
          .option('--storage <size>', "data volume size (default: the source cluster's)")
          .option('--password-stdin', 'read a new owner password from standard input instead of generating one')
        placementOptions(cmd, { restore: true })
        systemNamespaceOption(cmd)
        waitOptions(cmd, { waitsByDefault: true, what: 'the new cluster is healthy' })
        cmd.addOption(timeoutOption('30m'))
        haOptions(cmd)
      },
      examples: [
        ['A new cluster from a backup, in its own namespace', 'dbaas ha restore orders-20261125120000 --to orders-copy'],
        ['Beside the source, with one instance, returning at once', 'dbaas ha restore orders-20261125120000 --to orders-copy -n dbaas-orders --instances 1 --no-wait'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: haRestoreWriter, progress: true },
      complete,
      validate,
      run: haRestore,
    },
    deps,
  )
