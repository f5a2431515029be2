// dbaas ha create [postgres|mysql|mariadb] <name>: a cluster through the engine's operator — CloudNativePG,
// Percona XtraDB Cluster or the MariaDB operator — waited for until healthy. A single positional is a
// PostgreSQL cluster's name.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { createHaCluster } from '../../../core/ha/create.ts'
import { haCreateWriter } from '../../../output/writers/ha.ts'
import { dryRunOption, haOptions, timeoutOption, waitOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { placementOptions, systemNamespaceOption } from '../../placement.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'create',
      description: 'Create an HA cluster: postgres (CloudNativePG), mysql (Percona XtraDB Cluster) or mariadb (MariaDB operator)',
      arguments: [
        ['<engine-or-name>', 'postgres|mysql|mariadb, then the name; a single word is a PostgreSQL cluster\'s name'],
        ['[name]', 'cluster name: lower-case letters, digits and dashes (at most 40; 22 for mysql)'],
      ],
      options: (cmd) => {
        cmd
          .option('--instances <n>', 'number of members (postgres ≥ 1: a primary and standbys; mysql 3 or 5 Galera members; mariadb ≥ 2 with replication, odd ≥ 3 with --galera)', '3')
          .option('--galera', 'mariadb only: a Galera cluster (every member writable) instead of asynchronous replication')
          .option('--database <name>', 'database to create', 'app')
          .option('--user <name>', 'owner of the database', 'app')
          .option('--storage <size>', 'data volume size of each member', '10Gi')
          .option('--storage-class <class>', 'storage class (default: the cluster default)')
          .option('--cpu <cpu>', 'CPU request of each member, e.g. 500m')
          .option('--memory <size>', 'memory request and limit of each member, e.g. 1Gi')
          .option('--version <version>', 'server version the operator documents (see `dbaas engines`; default: the newest, or CloudNativePG\'s own)')
          .option('--param <key=value>', 'a server parameter, repeatable (postgres: max_connections=200; mysql/mariadb: my.cnf variables such as max_connections=200)', (v: string, acc: string[]) => [...acc, v], [] as string[])
          .option('--metrics', 'postgres: a PodMonitor for the metrics CloudNativePG serves on port 9187, labelled so the cluster\'s Prometheus scrapes it')
          .option('--snapshot-class <class>', 'postgres and mariadb: VolumeSnapshotClass for backups (default: the cluster default)')
          .option('--password-stdin', 'read the owner password from standard input instead of generating one')
        placementOptions(cmd)
        systemNamespaceOption(cmd)
        waitOptions(cmd, { waitsByDefault: true, what: 'the cluster is healthy', noWaitHelp: 'return once the cluster is created, without waiting until it is healthy' })
        cmd.addOption(timeoutOption('15m')).addOption(dryRunOption())
        haOptions(cmd)
      },
      examples: [
        ['Three PostgreSQL instances in namespace dbaas-orders, waiting until healthy', 'dbaas ha create orders'],
        ['MySQL: three Percona XtraDB Cluster members behind HAProxy', 'dbaas ha create mysql shop --version 8.4'],
        ['MariaDB with replication (a primary and two replicas), returning at once', 'dbaas ha create mariadb wiki --no-wait'],
        ['MariaDB Galera', 'dbaas ha create mariadb wiki --galera --instances 3'],
        ['PostgreSQL 17 with tuning', 'dbaas ha create postgres pay --version 17 --param max_connections=200 --param shared_buffers=256MB'],
        ['With a PodMonitor the cluster\'s Prometheus scrapes', 'dbaas ha create pay --metrics'],
        ['See what would be sent', 'dbaas ha create mysql demo --dry-run=client'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: haCreateWriter, progress: true },
      complete,
      validate,
      run: createHaCluster,
    },
    deps,
  )
