// dbaas create <engine> <name>: a single instance from dbaas's own chart, waited for until ready.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { createInstance } from '../../core/create.ts'
import { engines } from '../../engines/registry.ts'
import { createWriter } from '../../output/writers/instances.ts'
import { clusterOptions, dryRunOption, timeoutOption, waitOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { placementOptions, systemNamespaceOption } from '../placement.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'create',
      description: 'Create a database instance (PostgreSQL, MySQL or MariaDB) and wait until it is ready',
      arguments: [
        ['[engine]', `database engine: ${engines.map((e) => [e.name, ...e.aliases].join('|')).join(', ')}`],
        ['[name]', 'instance name: lower-case letters, digits and dashes, at most 40 characters'],
      ],
      options: (cmd) => {
        cmd
          .option('--version <version>', 'engine major version (see `dbaas engines`)')
          .option('--storage <size>', 'data volume size', '10Gi')
          .option('--storage-class <class>', 'storage class of the data volume (default: the cluster default)')
          .option('--cpu <cpu>', 'CPU request, e.g. 500m or 2', '250m')
          .option('--memory <size>', 'memory request and limit, e.g. 512Mi', '512Mi')
          .option('--database <name>', 'database to create', 'app')
          .option('--user <name>', 'database user to create (owner of the database)', 'app')
          .option('--password-stdin', 'read the user password from standard input instead of generating one')
          .option('--reuse-data', 'start on the data volume data-<name>-0 an earlier instance left (same engine and major version only)')
          .option('--metrics', 'add a metrics exporter sidecar, its monitoring user, and a Prometheus monitor where the cluster has the operator')
          .addOption(dryRunOption())
          .option('--openshift', "leave the pods' uid and fsGroup to OpenShift's SecurityContextConstraints (the default where the cluster serves security.openshift.io)")
        placementOptions(cmd)
        systemNamespaceOption(cmd)
        waitOptions(cmd, { waitsByDefault: true, what: 'the instance is ready', noWaitHelp: 'return once the release is installed, without waiting for readiness' })
        cmd.addOption(timeoutOption('10m'))
        clusterOptions(cmd)
      },
      examples: [
        ['PostgreSQL with the defaults, in namespace dbaas-orders', 'dbaas create postgres orders'],
        ['MySQL 8.4 with 20Gi of storage, as JSON for a script', 'dbaas create mysql shop --version 8.4 --storage 20Gi -o json'],
        ['MariaDB in an existing namespace, password from a secret store', 'vault read -field=pw secret/db | dbaas create mariadb wiki -n team-a --password-stdin'],
        ['See what would be created, without a cluster', 'dbaas create postgres demo --dry-run=client'],
        ['Start again on the volume `dbaas delete orders` kept', 'dbaas create postgres orders --reuse-data --password-stdin < old-password'],
        ['On dedicated nodes, images from a mirror', 'dbaas create pg ledger --node-selector pool=db --toleration dedicated=db:NoSchedule --image-registry mirror.example:5000'],
        ['With a metrics exporter that the cluster\'s Prometheus scrapes', 'dbaas create postgres orders --metrics'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: createWriter, progress: true },
      complete,
      validate,
      run: createInstance,
    },
    deps,
  )
