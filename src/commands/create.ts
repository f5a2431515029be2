import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { UsageError } from '../errors.ts'
import { createInstance, type CreateOptions, type CreateResult } from '../core/create.ts'
import {
  defaultNamespace,
  parseDuration,
  validateCpu,
  validateIdentifier,
  validateMemory,
  validateName,
  validateStorage,
} from '../core/names.ts'
import { engines, getEngine, resolveVersion } from '../engines/registry.ts'
import { promptCreate } from './interactive.ts'
import { instanceColumns } from './list.ts'
import { clusterFlags, printManifests, readPasswordStdin, dryRunOption, examples, format, outputOption, parseDryRun, timeoutOption, withClusterFlags, withProgress, type RawClusterFlags } from './shared.ts'

interface RawCreate extends RawClusterFlags {
  version?: string
  storage: string
  storageClass?: string
  cpu: string
  memory: string
  database: string
  user: string
  passwordStdin?: boolean
  dryRun?: string | boolean
  wait: boolean
  timeout: string
  output?: string
}

/** Raw flags → typed, validated options. Pure except for reading the password from stdin. */
export async function completeCreate(engineArg: string | undefined, nameArg: string | undefined, raw: RawCreate, deps: Deps): Promise<CreateOptions> {
  if (!engineArg) throw new UsageError('missing argument: engine', { hint: `dbaas create <engine> <name>; engines: ${engines.map((e) => e.name).join(', ')}` })
  if (!nameArg) throw new UsageError('missing argument: name', { hint: `dbaas create ${engineArg} <name>` })
  const engine = getEngine(engineArg)
  const name = validateName(nameArg)
  const cluster = clusterFlags(raw)
  const opts: CreateOptions = {
    engine,
    name,
    namespace: cluster.namespace ?? defaultNamespace(name),
    namespaceExplicit: cluster.namespace !== undefined,
    version: resolveVersion(engine, raw.version),
    storage: validateStorage(raw.storage),
    storageClass: raw.storageClass,
    cpu: validateCpu(raw.cpu),
    memory: validateMemory(raw.memory),
    database: validateIdentifier(raw.database, '--database'),
    user: validateIdentifier(raw.user, '--user'),
    dryRun: parseDryRun(raw.dryRun),
    wait: raw.wait,
    timeoutMs: parseDuration(raw.timeout),
    cluster,
  }
  if (raw.passwordStdin) opts.password = await readPasswordStdin(deps)
  return opts
}

export function printCreateResult(r: CreateResult, fmt: string, deps: Deps): void {
  const p = deps.printer
  for (const n of r.notes) p.note(n)
  if (r.action === 'dry-run') return printManifests(r.objects, fmt, deps)
  if (fmt === 'json' || fmt === 'yaml') {
    p.data(r.instance, fmt)
    return
  }
  p.line(`instance "${r.instance.name}" ${r.action} in namespace ${r.instance.namespace}`)
  p.table([r.instance], instanceColumns(deps.now()))
  p.note(`Next: dbaas connection ${r.instance.name} -n ${r.instance.namespace}`)
}

export function createCommand(deps: Deps): Command {
  const cmd = new Command('create')
    .description('Create a database instance (PostgreSQL, MySQL or MariaDB) and wait until it is ready')
    .argument('[engine]', `database engine: ${engines.map((e) => [e.name, ...e.aliases].join('|')).join(', ')}`)
    .argument('[name]', 'instance name: lower-case letters, digits and dashes, at most 40 characters')
    .option('--version <version>', 'engine major version (see `dbaas engines`)')
    .option('--storage <size>', 'data volume size', '10Gi')
    .option('--storage-class <class>', 'storage class of the data volume (default: the cluster default)')
    .option('--cpu <cpu>', 'CPU request, e.g. 500m or 2', '250m')
    .option('--memory <size>', 'memory request and limit, e.g. 512Mi', '512Mi')
    .option('--database <name>', 'database to create', 'app')
    .option('--user <name>', 'database user to create (owner of the database)', 'app')
    .option('--password-stdin', 'read the user password from standard input instead of generating one')
    .addOption(dryRunOption())
    .option('--no-wait', 'return once the release is installed, without waiting for readiness')
    .addOption(timeoutOption('10m'))
    .addOption(outputOption(['table', 'json', 'yaml']))
  withClusterFlags(cmd)
  examples(cmd, [
    ['PostgreSQL with the defaults, in namespace dbaas-orders', 'dbaas create postgres orders'],
    ['MySQL 8.4 with 20Gi of storage, as JSON for a script', 'dbaas create mysql shop --version 8.4 --storage 20Gi -o json'],
    ['MariaDB in an existing namespace, password from a secret store', 'vault read -field=pw secret/db | dbaas create mariadb wiki -n team-a --password-stdin'],
    ['See what would be created, without a cluster', 'dbaas create postgres demo --dry-run=client'],
  ])
  return cmd.action(async (engine: string | undefined, name: string | undefined, raw: RawCreate, self: Command) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    // On a terminal, missing arguments are asked for (commands/interactive.ts); elsewhere they are usage errors.
    const guided = await promptCreate(engine, name, raw, fmt, self, deps)
    if (guided) ({ engine, name } = guided)
    const opts = await completeCreate(engine, name, raw, deps)
    const result = await createInstance(opts, await withProgress(deps, fmt))
    printCreateResult(result, fmt, deps)
    if (guided) deps.printer.note(`To do the same in a script:\n  ${guided.command}`)
  })
}
