// dbaas ha create <name>: a CloudNativePG Cluster (a primary and streaming standbys), waited for until healthy.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { createHaCluster } from '../../../core/ha/create.ts'
import { haCreateWriter } from '../../../output/writers/ha.ts'
import { dryRunOption, haOptions, timeoutOption, waitOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { placementOptions } from '../../placement.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'create',
      description: 'Create a PostgreSQL HA cluster (a CloudNativePG Cluster: a primary and streaming standbys)',
      arguments: [['<name>', 'cluster name: lower-case letters, digits and dashes, at most 40 characters']],
      options: (cmd) => {
        cmd
          .option('--instances <n>', 'number of instances (1 primary + n-1 standbys)', '3')
          .option('--database <name>', 'database to create', 'app')
          .option('--user <name>', 'owner of the database', 'app')
          .option('--storage <size>', 'data volume size of each instance', '10Gi')
          .option('--storage-class <class>', 'storage class (default: the cluster default)')
          .option('--cpu <cpu>', 'CPU request of each instance, e.g. 500m')
          .option('--memory <size>', 'memory request and limit of each instance, e.g. 1Gi')
          .option('--version <major>', 'PostgreSQL major: the image ghcr.io/cloudnative-pg/postgresql:<major> (default: 18)')
          .option('--param <key=value>', 'a PostgreSQL parameter, repeatable (e.g. max_connections=200, shared_buffers=256MB)', (v: string, acc: string[]) => [...acc, v], [] as string[])
          .option('--snapshot-class <class>', 'VolumeSnapshotClass for backups (default: the cluster default)')
          .option('--password-stdin', 'read the owner password from standard input instead of generating one')
        placementOptions(cmd)
        waitOptions(cmd, { waitsByDefault: true, what: 'the cluster is healthy', noWaitHelp: 'return once the Cluster is created, without waiting until it is healthy' })
        cmd.addOption(timeoutOption('15m')).addOption(dryRunOption())
        haOptions(cmd)
      },
      examples: [
        ['Three instances in namespace dbaas-orders, waiting until healthy', 'dbaas ha create orders'],
        ['PostgreSQL 17 with tuning, returning at once', 'dbaas ha create shop --version 17 --param max_connections=200 --param shared_buffers=256MB --no-wait'],
        ['See the Cluster that would be sent', 'dbaas ha create demo --dry-run=client'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: haCreateWriter, progress: true },
      complete,
      validate,
      run: createHaCluster,
    },
    deps,
  )
