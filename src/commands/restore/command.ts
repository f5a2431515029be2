// dbaas restore <backup> --to <new-name>: a new instance from a backup, with the source's credentials.
import { Command, Option } from 'commander'
import type { Deps } from '../../deps.ts'
import { restoreBackup } from '../../core/backup/restore.ts'
import { restoreWriter } from '../../output/writers/instances.ts'
import { clusterOptions, timeoutOption, waitOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { placementOptions, systemNamespaceOption } from '../placement.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'restore',
      description: "Restore a backup into a new instance (by default in its own namespace dbaas-<new-name>), with the source's credentials",
      arguments: [['[backup]', 'backup name (see `dbaas backup list`; asked for on a terminal)']],
      options: (cmd) => {
        cmd
          .option('--to <new-name>', 'name of the new instance (required)')
          .option('--backup-namespace <namespace>', 'namespace of the backup (default: found by name)')
          .option('--storage <size>', "data volume size, at least the backup's (default: the backup's)")
          .option('--storage-class <class>', "storage class; its CSI driver must be the snapshot's (default: the source's)")
          .option('--cpu <cpu>', "CPU request (default: the source's)")
          .option('--memory <size>', "memory request and limit (default: the source's)")
          .option('--openshift', "leave the pods' uid and fsGroup to OpenShift's SecurityContextConstraints (the default where the cluster serves security.openshift.io)")
        placementOptions(cmd, { restore: true })
        systemNamespaceOption(cmd)
        waitOptions(cmd, { waitsByDefault: true, what: 'the restored instance is ready', noWaitHelp: 'return once installed, without waiting for readiness' })
        cmd
          .addOption(timeoutOption('10m'))
          .addOption(new Option('--dry-run [mode]', 'print what would be sent: client (reads the backup, writes nothing) or server (validated by the API server)'))
        clusterOptions(cmd, 'namespace of the new instance (default: dbaas-<new-name>)')
      },
      examples: [
        ['Restore into a new instance in its own namespace (dbaas-orders-copy)', 'dbaas restore orders-20261125-120000 --to orders-copy'],
        ["Into the backup's own namespace: needs no cluster-wide access", 'dbaas restore orders-20261125-120000 --to orders-copy -n dbaas-orders'],
        ['Bigger, and see first what would be created', 'dbaas restore orders-20261125-120000 --to orders-big --storage 50Gi --dry-run=client'],
        ["On other nodes than the source's, with none of its tolerations", "dbaas restore orders-20261125-120000 --to orders-test --node-selector pool=test --toleration ''"],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: restoreWriter, progress: true },
      complete,
      validate,
      run: restoreBackup,
    },
    deps,
  )
