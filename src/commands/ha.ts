// dbaas ha …: PostgreSQL HA clusters through CloudNativePG. Wiring only: raw flags → typed options → core/ha.
import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { NotFoundError } from '../errors.ts'
import { haBackupCreate, haBackupList, haRestore, type BackupView } from '../core/ha/backup.ts'
import { createHaCluster, type HaCreateResult } from '../core/ha/create.ts'
import { failover } from '../core/ha/failover.ts'
import type { HaTarget } from '../core/ha/find.ts'
import { parseParams, validateInstances, validateMajor, type HaStatusView, type HaView } from '../core/ha/model.ts'
import { haDelete, haScale, planHaDelete } from '../core/ha/ops.ts'
import { haConnection, haEnvLines, haList, haStatus } from '../core/ha/read.ts'
import { defaultNamespace, parseDuration, validateCpu, validateIdentifier, validateMemory, validateName, validateStorage } from '../core/names.ts'
import { age, type Column } from '../output/output.ts'
import { laptopPort } from '../core/connection.ts'
import { confirmDeletion } from '../prompts.ts'
import { promptFailover } from './interactive.ts'
import { clusterFlags, connectionFormat, connectionFormatOptions, printManifests, readPasswordStdin, deletionOptions, dryRunOption, examples, format, outputOption, parseDryRun, timeoutOption, withClusterFlags, withProgress, type RawClusterFlags } from './shared.ts'


interface RawHa extends RawClusterFlags {
  skipOperatorCheck?: boolean
  output?: string
}

function haFlags(cmd: Command): Command {
  withClusterFlags(cmd)
  return cmd.option('--skip-operator-check', 'do not refuse when no CloudNativePG operator is running (e.g. it is installed later by GitOps)')
}

function target(name: string, raw: RawHa): HaTarget {
  const cluster = clusterFlags(raw)
  return { name, namespace: cluster.namespace, cluster, skipOperatorCheck: raw.skipOperatorCheck === true }
}


export function haColumns(now: number): Column<HaView>[] {
  return [
    { header: 'NAME', get: (v) => v.name },
    { header: 'VERSION', get: (v) => v.version },
    { header: 'STATUS', get: (v) => v.status },
    { header: 'READY', get: (v) => v.ready },
    { header: 'PRIMARY', get: (v) => v.currentPrimary ?? '<none>' },
    { header: 'STORAGE', get: (v) => v.storage ?? '' },
    { header: 'NAMESPACE', get: (v) => v.namespace },
    { header: 'AGE', get: (v) => age(v.createdAt ?? undefined, now) },
    { header: 'PHASE', get: (v) => v.phase, wide: true },
    { header: 'DATABASE', get: (v) => v.database ?? '', wide: true },
    { header: 'USER', get: (v) => v.user ?? '', wide: true },
    { header: 'RESTORED-FROM', get: (v) => v.restoredFrom ?? '', wide: true },
  ]
}

const backupColumns: Column<BackupView>[] = [
  { header: 'NAME', get: (b) => b.name },
  { header: 'CLUSTER', get: (b) => b.cluster },
  { header: 'METHOD', get: (b) => b.method },
  { header: 'PHASE', get: (b) => b.phase },
  { header: 'STARTED', get: (b) => b.startedAt ?? '' },
  { header: 'STOPPED', get: (b) => b.stoppedAt ?? '' },
  { header: 'SNAPSHOTS', get: (b) => b.snapshots.map((s) => s.name).join(',') },
]

function printCreate(r: HaCreateResult, fmt: string, deps: Deps): void {
  const p = deps.printer
  for (const n of r.notes) p.note(n)
  if (r.action === 'dry-run') return printManifests(r.objects, fmt, deps)
  if (fmt === 'json' || fmt === 'yaml') return p.data(r.cluster, fmt)
  p.line(`HA cluster "${r.cluster.name}" created in namespace ${r.cluster.namespace}`)
  p.table([r.cluster], haColumns(deps.now()))
  p.note(`Next: dbaas ha status ${r.cluster.name} -n ${r.cluster.namespace}`)
}

export function printHaStatus(v: HaStatusView, deps: Deps): void {
  const p = deps.printer
  const s = p.outStyle
  const color = v.status === 'Ready' ? s.green : v.status === 'Degraded' ? s.red : s.yellow
  p.keyValues([
    ['Name', v.name],
    ['Namespace', v.namespace],
    ['Engine', `${v.engine} ${v.version} (CloudNativePG)`],
    ['Status', `${color(v.status)} (${v.ready} ready)`],
    ['Phase', `${v.phase || '<none>'}${v.phaseReason ? ` (${v.phaseReason})` : ''}`],
    ['Primary', v.currentPrimary ?? '<none>'],
    ['Target primary', v.targetPrimary ?? '<none>'],
    ['Read-write', `${v.services.rw}:${v.services.port}`],
    ['Read-only', `${v.services.ro}:${v.services.port}`],
    ['Any instance', `${v.services.r}:${v.services.port}`],
    ['Storage', v.storage ?? '?'],
    ['Database', `${v.database ?? '?'} (user ${v.user ?? '?'})`],
    ['Last backup', v.lastBackup ? `${v.lastBackup.name} ${v.lastBackup.phase}${v.lastBackup.completedAt ? ` at ${v.lastBackup.completedAt}` : ''}` : '<none>'],
    ['Created', v.createdAt ? `${v.createdAt} (${age(v.createdAt, deps.now())} ago)` : '<unknown>'],
    ...(v.restoredFrom ? ([['Restored from', v.restoredFrom]] as Array<[string, string]>) : []),
  ])
  p.line()
  p.line(s.bold('Instances:'))
  if (v.members.length === 0) p.line('  <none>')
  for (const m of v.members) p.line(`  ${m.name}  ${m.role}  ready=${m.ready}${m.state ? `  ${m.state}` : ''}${m.fenced ? '  fenced' : ''}`)
}

function createCmd(deps: Deps): Command {
  const cmd = new Command('create')
    .description('Create a PostgreSQL HA cluster (a CloudNativePG Cluster: a primary and streaming standbys)')
    .argument('<name>', 'cluster name: lower-case letters, digits and dashes, at most 40 characters')
    .option('--instances <n>', 'number of instances (1 primary + n-1 standbys)', '3')
    .option('--database <name>', 'database to create', 'app')
    .option('--user <name>', 'owner of the database', 'app')
    .option('--storage <size>', 'data volume size of each instance', '10Gi')
    .option('--storage-class <class>', 'storage class (default: the cluster default)')
    .option('--cpu <cpu>', 'CPU request of each instance, e.g. 500m')
    .option('--memory <size>', 'memory request and limit of each instance, e.g. 1Gi')
    .option('--version <major>', "PostgreSQL major (ghcr.io/cloudnative-pg/postgresql:<major>; default: the operator's)")
    .option('--param <key=value>', 'a PostgreSQL parameter, repeatable (e.g. max_connections=200, shared_buffers=256MB)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--snapshot-class <class>', 'VolumeSnapshotClass for backups (default: the cluster default)')
    .option('--password-stdin', 'read the owner password from standard input instead of generating one')
    .option('--wait', 'wait until the cluster is healthy')
    .addOption(timeoutOption('15m'))
    .addOption(dryRunOption())
    .addOption(outputOption(['table', 'json', 'yaml']))
  haFlags(cmd)
  examples(cmd, [
    ['Three instances in namespace dbaas-orders, waiting until healthy', 'dbaas ha create orders --wait'],
    ['PostgreSQL 17 with tuning', 'dbaas ha create shop --version 17 --param max_connections=200 --param shared_buffers=256MB'],
    ['See the Cluster that would be sent', 'dbaas ha create demo --dry-run=client'],
  ])
  return cmd.action(async (nameArg: string, raw: RawHa & Record<string, any>) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const name = validateName(nameArg, 'cluster name')
    const cluster = clusterFlags(raw)
    const opts = {
      spec: {
        name,
        namespace: cluster.namespace ?? defaultNamespace(name),
        instances: validateInstances(raw.instances),
        database: validateIdentifier(raw.database, '--database'),
        user: validateIdentifier(raw.user, '--user'),
        storage: validateStorage(raw.storage),
        storageClass: raw.storageClass,
        cpu: raw.cpu === undefined ? undefined : validateCpu(raw.cpu),
        memory: raw.memory === undefined ? undefined : validateMemory(raw.memory),
        version: raw.version === undefined ? undefined : validateMajor(raw.version),
        params: parseParams(raw.param ?? []),
      },
      namespaceExplicit: cluster.namespace !== undefined,
      password: raw.passwordStdin ? await readPasswordStdin(deps) : undefined,
      snapshotClass: raw.snapshotClass,
      dryRun: parseDryRun(raw.dryRun),
      wait: raw.wait === true,
      timeoutMs: parseDuration(raw.timeout),
      cluster,
      skipOperatorCheck: raw.skipOperatorCheck === true,
    }
    printCreate(await createHaCluster(opts, await withProgress(deps, fmt)), fmt, deps)
  })
}

function scaleCmd(deps: Deps): Command {
  const cmd = new Command('scale')
    .description('Change the number of instances (refused while a switchover or failover runs)')
    .argument('<name>', 'cluster name')
    .requiredOption('--instances <n>', 'the new number of instances (at least 1)')
    .option('--wait', 'wait until the cluster is healthy again')
    .addOption(timeoutOption('15m'))
    .addOption(outputOption(['table', 'json', 'yaml']))
  haFlags(cmd)
  examples(cmd, [
    ['Grow to five instances', 'dbaas ha scale orders --instances 5'],
    ['Shrink and wait until healthy', 'dbaas ha scale orders --instances 2 --wait'],
  ])
  return cmd.action(async (name: string, raw: RawHa & { instances: string; wait?: boolean; timeout: string }) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const r = await haScale({ ...target(name, raw), instances: validateInstances(raw.instances), wait: raw.wait === true, timeoutMs: parseDuration(raw.timeout) }, await withProgress(deps, fmt))
    if (fmt === 'json' || fmt === 'yaml') return deps.printer.data(r, fmt)
    deps.printer.line(r.from === r.to ? `HA cluster "${name}" already has ${r.to} instance(s)` : `HA cluster "${name}" scaled from ${r.from} to ${r.to} instance(s)`)
  })
}

function listCmd(deps: Deps): Command {
  const cmd = new Command('list')
    .alias('ls')
    .description('List HA clusters in every namespace you may list (or one, with -n)')
    .option('-A, --all-namespaces', 'list across all namespaces (the default unless -n is given)')
    .addOption(outputOption(['table', 'wide', 'json', 'yaml', 'name']))
  haFlags(cmd)
  examples(cmd, [
    ['Every HA cluster you may see', 'dbaas ha list'],
    ['One namespace, as JSON', 'dbaas ha list -n team-a -o json'],
  ])
  return cmd.action(async (raw: RawHa & { allNamespaces?: boolean }) => {
    const fmt = format(raw, ['table', 'wide', 'json', 'yaml', 'name'])
    const cluster = clusterFlags(raw)
    const r = await haList({ cluster, namespace: raw.allNamespaces ? undefined : cluster.namespace, skipOperatorCheck: raw.skipOperatorCheck === true }, deps)
    if (r.fellBackTo) deps.printer.warn(`you may not list across namespaces; showing namespace ${r.fellBackTo} only`)
    if (fmt === 'json' || fmt === 'yaml') deps.printer.data(r.items, fmt)
    else if (fmt === 'name') for (const v of r.items) deps.printer.line(v.name)
    else deps.printer.table(r.items, haColumns(deps.now()), { wide: fmt === 'wide', empty: 'No HA clusters found.' })
  })
}

function statusCmd(deps: Deps): Command {
  const cmd = new Command('status')
    .alias('describe')
    .description('Show an HA cluster: phase, primary and target, each instance, endpoints, last backup')
    .argument('<name>', 'cluster name')
    .addOption(outputOption(['table', 'json', 'yaml']))
  haFlags(cmd)
  examples(cmd, [
    ['Primary, standbys and endpoints', 'dbaas ha status orders'],
    ['For a script', 'dbaas ha status orders -o json'],
  ])
  return cmd.action(async (name: string, raw: RawHa) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const v = await haStatus(target(name, raw), deps)
    if (fmt === 'json' || fmt === 'yaml') deps.printer.data(v, fmt)
    else printHaStatus(v, deps)
  })
}

function connectionCmd(deps: Deps): Command {
  const cmd = new Command('connection')
    .alias('conn')
    .description('Show the read-write and read-only endpoints, database, user and (masked) password')
    .argument('<name>', 'cluster name')
    .option('--show-password', 'print the password instead of ********')
  connectionFormatOptions(cmd)
  haFlags(cmd)
  examples(cmd, [
    ['Endpoints with the password masked', 'dbaas ha connection orders'],
    ['The read-write URI with the password', 'dbaas ha connection orders --format uri --show-password'],
  ])
  return cmd.action(async (name: string, raw: RawHa & { showPassword?: boolean; format: string }) => {
    const fmt = connectionFormat(raw)
    const c = await haConnection({ ...target(name, raw), showPassword: raw.showPassword === true }, deps)
    const p = deps.printer
    if (fmt === 'json' || fmt === 'yaml') p.data(c, fmt)
    else if (fmt === 'uri') p.line(c.rw.uri)
    else if (fmt === 'env') for (const l of haEnvLines(c)) p.line(l)
    else {
      p.keyValues([
        ['Read-write', `${c.rw.host}:${c.rw.port}`],
        ['Read-only', `${c.ro.host}:${c.ro.port}`],
        ['Database', c.database],
        ['User', c.user],
        ['Password', c.passwordShown ? c.password : `${c.password} (--show-password to reveal; secret ${c.secretRef.namespace}/${c.secretRef.name})`],
        ['URI (rw)', c.rw.uri],
        ['URI (ro)', c.ro.uri],
      ])
      p.note(`From your laptop: ${c.portForward}  (then connect to 127.0.0.1:${laptopPort(c.rw.port)} with sslmode=require)`)
    }
  })
}

function failoverCmd(deps: Deps): Command {
  const cmd = new Command('failover')
    .alias('switchover')
    .description('Switch the primary over to a standby and wait until it is primary and the cluster healthy')
    .argument('[name]', 'cluster name (asked for on a terminal, with the standby)')
    .option('--to <instance>', 'the standby to promote: its name (orders-2) or ordinal (2); default: the ready standby with the lowest ordinal')
    .option('--force', "simulate a primary failure: delete the primary's pod and wait for the operator's automatic failover")
    .addOption(timeoutOption('5m'))
    .addOption(outputOption(['table', 'json', 'yaml']))
  haFlags(cmd)
  examples(cmd, [
    ['Switch over to the first ready standby and wait', 'dbaas ha failover orders'],
    ['Promote instance 3', 'dbaas ha failover orders --to 3'],
    ['Kill the primary and watch the operator fail over', 'dbaas ha failover orders --force --timeout 2m'],
  ])
  return cmd.action(async (nameArg: string | undefined, raw: RawHa & { to?: string; force?: boolean; timeout: string }) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const name = await promptFailover(nameArg, raw, fmt, deps) // commands/interactive.ts: asks on a terminal
    const r = await failover({ ...target(name, raw), to: raw.to, force: raw.force === true, timeoutMs: parseDuration(raw.timeout) }, await withProgress(deps, fmt))
    if (fmt === 'json' || fmt === 'yaml') return deps.printer.data(r, fmt)
    if (r.action === 'already-primary') deps.printer.line(`${r.primary} is already the primary of "${r.name}"; nothing to do`)
    else deps.printer.line(`HA cluster "${r.name}": ${r.primary} is now the primary (was ${r.from ?? '<none>'}); the cluster is healthy`)
  })
}

function deleteCmd(deps: Deps): Command {
  const cmd = new Command('delete')
    .alias('rm')
    .description('Delete an HA cluster with its instances and data volumes; volume-snapshot backups are kept')
    .argument('<name>', 'cluster name')
  deletionOptions(cmd, { what: 'cluster', waitHelp: 'return without waiting until the Cluster is gone', timeout: '5m' })
  haFlags(cmd)
  examples(cmd, [
    ['Delete, asking to type the name', 'dbaas ha delete orders'],
    ['In a script', 'dbaas ha delete orders -n team-a --yes --ignore-not-found'],
  ])
  return cmd.action(async (name: string, raw: RawHa & { yes?: boolean; ignoreNotFound?: boolean; dryRun?: boolean; wait: boolean; timeout: string }) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const t = target(name, raw)
    let plan
    try {
      plan = await planHaDelete(t, deps)
    } catch (err) {
      if (raw.ignoreNotFound && err instanceof NotFoundError) {
        deps.printer.note(`HA cluster "${name}" not found; nothing to delete`)
        return
      }
      throw err
    }
    const what = `HA cluster "${name}" in namespace ${plan.view.namespace} with all its instances and data volumes`
    await confirmDeletion({ name, noun: 'HA cluster', what, yes: raw.yes === true, dryRun: raw.dryRun === true }, deps)
    const r = await haDelete(plan, { ...t, dryRun: raw.dryRun === true, wait: raw.wait, timeoutMs: parseDuration(raw.timeout) }, await withProgress(deps, fmt))
    const p = deps.printer
    if (fmt === 'json' || fmt === 'yaml') return p.data(r, fmt)
    if (r.dryRun) {
      for (const d of r.deleted) p.line(`would delete ${d}`)
      for (const k of r.kept) p.line(`would keep ${k.object}: ${k.reason}`)
      return
    }
    p.line(`HA cluster "${r.name}" deleted from namespace ${r.namespace}`)
    for (const k of r.kept) p.note(`kept ${k.object}: ${k.reason}`)
  })
}

function backupCmd(deps: Deps): Command {
  const backup = new Command('backup').description('Volume-snapshot backups of an HA cluster (CloudNativePG Backup, method volumeSnapshot)')
  const create = new Command('create')
    .description('Take a volume-snapshot backup and wait until it completes')
    .argument('<name>', 'cluster name')
    .option('--backup-name <name>', 'name of the Backup (default: <cluster>-<UTC timestamp>)')
    .option('--offline', 'a cold backup: CNPG fences the instance while it is snapshotted (consistent without WAL)')
    .option('--no-wait', 'return once the Backup is requested')
    .addOption(timeoutOption('30m'))
    .addOption(outputOption(['table', 'json', 'yaml']))
  haFlags(create)
  examples(create, [
    ['A volume-snapshot backup, waiting until it completes', 'dbaas ha backup create orders'],
    ['A cold (offline) backup with a chosen name', 'dbaas ha backup create orders --offline --backup-name orders-before-upgrade'],
  ])
  create.action(async (name: string, raw: RawHa & { backupName?: string; offline?: boolean; wait: boolean; timeout: string }) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    if (raw.backupName !== undefined) validateName(raw.backupName, 'backup name')
    const b = await haBackupCreate(
      { ...target(name, raw), backupName: raw.backupName, online: raw.offline ? false : undefined, wait: raw.wait, timeoutMs: parseDuration(raw.timeout) },
      await withProgress(deps, fmt),
    )
    if (fmt === 'json' || fmt === 'yaml') return deps.printer.data(b, fmt)
    deps.printer.line(`backup "${b.name}" of "${name}" ${b.phase === 'completed' ? 'completed' : `requested (${b.phase})`} in namespace ${b.namespace}`)
  })
  const list = new Command('list')
    .alias('ls')
    .description("List an HA cluster's backups")
    .argument('<name>', 'cluster name')
    .addOption(outputOption(['table', 'json', 'yaml', 'name']))
  haFlags(list)
  examples(list, [
    ["An HA cluster's backups", 'dbaas ha backup list orders'],
  ])
  list.action(async (name: string, raw: RawHa) => {
    const fmt = format(raw, ['table', 'json', 'yaml', 'name'])
    const items = await haBackupList(target(name, raw), deps)
    if (fmt === 'json' || fmt === 'yaml') deps.printer.data(items, fmt)
    else if (fmt === 'name') for (const b of items) deps.printer.line(b.name)
    else deps.printer.table(items, backupColumns, { empty: `No backups of ${name} found.` })
  })
  return backup.addCommand(create).addCommand(list)
}

function restoreCmd(deps: Deps): Command {
  const cmd = new Command('restore')
    .description('Create a new HA cluster from a volume-snapshot backup (in any namespace)')
    .argument('<backup>', 'backup name (see `dbaas ha backup list <cluster>`)')
    .requiredOption('--to <name>', 'name of the new cluster')
    .option('--backup-namespace <ns>', "the backup's namespace (default: found by name)")
    .option('--instances <n>', "number of instances (default: the source cluster's)")
    .option('--storage <size>', "data volume size (default: the source cluster's)")
    .option('--password-stdin', 'read a new owner password from standard input instead of generating one')
    .option('--wait', 'wait until the new cluster is healthy')
    .addOption(timeoutOption('30m'))
    .addOption(outputOption(['table', 'json', 'yaml']))
  haFlags(cmd)
  examples(cmd, [
    ['A new cluster from a backup, in its own namespace', 'dbaas ha restore orders-20261125120000 --to orders-copy --wait'],
    ['Beside the source, with one instance', 'dbaas ha restore orders-20261125120000 --to orders-copy -n dbaas-orders --instances 1'],
  ])
  return cmd.action(async (backup: string, raw: RawHa & { to: string; backupNamespace?: string; instances?: string; storage?: string; passwordStdin?: boolean; wait?: boolean; timeout: string }) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const to = validateName(raw.to, 'cluster name')
    const cluster = clusterFlags(raw)
    const r = await haRestore(
      {
        backup,
        backupNamespace: raw.backupNamespace,
        to,
        namespace: cluster.namespace ?? defaultNamespace(to),
        namespaceExplicit: cluster.namespace !== undefined,
        instances: raw.instances === undefined ? undefined : validateInstances(raw.instances),
        storage: raw.storage === undefined ? undefined : validateStorage(raw.storage),
        password: raw.passwordStdin ? await readPasswordStdin(deps) : undefined,
        wait: raw.wait === true,
        timeoutMs: parseDuration(raw.timeout),
        cluster,
        skipOperatorCheck: raw.skipOperatorCheck === true,
      },
      await withProgress(deps, fmt),
    )
    for (const n of r.notes) deps.printer.note(n)
    if (fmt === 'json' || fmt === 'yaml') return deps.printer.data(r.cluster, fmt)
    deps.printer.line(`HA cluster "${r.cluster.name}" created in namespace ${r.cluster.namespace} from backup ${r.from}`)
  })
}

export function haCommand(deps: Deps): Command {
  const ha = new Command('ha')
    .description('PostgreSQL high availability through CloudNativePG: create, status, connection, failover, backups')
  for (const c of [createCmd(deps), listCmd(deps), statusCmd(deps), connectionCmd(deps), scaleCmd(deps), failoverCmd(deps), backupCmd(deps), restoreCmd(deps), deleteCmd(deps)]) ha.addCommand(c)
  return examples(ha, [
    ['A three-instance PostgreSQL cluster, then where it stands', 'dbaas ha create orders && dbaas ha status orders'],
    ['A verified switchover to the best ready standby', 'dbaas ha failover orders'],
  ])
}
