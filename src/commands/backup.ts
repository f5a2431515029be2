import { Command, Option } from 'commander'
import type { Deps } from '../deps.ts'
import { NotFoundError } from '../errors.ts'
import { parseDuration, validateName } from '../core/names.ts'
import { createBackup, type BackupCreateOptions, type BackupCreateResult } from '../core/backup/create.ts'
import { deleteBackup, listBackups, planBackupDelete, pruneBackups, type BackupDeleteOptions } from '../core/backup/manage.ts'
import { expiresIn, parseRetention, validateBackupName, type BackupView } from '../core/backup/model.ts'
import { age, type Column } from '../output/output.ts'
import { promptBackupCreate } from './interactive.ts'
import { confirmDeletion } from '../prompts.ts'
import { clusterFlags, printManifests, deletionOptions, examples, format, outputOption, parseDryRun, timeoutOption, withClusterFlags, withProgress, type RawClusterFlags } from './shared.ts'

export function backupColumns(now: number): Column<BackupView>[] {
  return [
    { header: 'NAME', get: (b) => b.name },
    { header: 'INSTANCE', get: (b) => (b.instanceExists === false ? `${b.instance} (deleted)` : b.instance) },
    { header: 'ENGINE', get: (b) => b.engine },
    { header: 'READY', get: (b) => String(b.ready) },
    { header: 'SIZE', get: (b) => b.size ?? '<unknown>' },
    { header: 'AGE', get: (b) => age(b.createdAt ?? undefined, now) },
    { header: 'EXPIRES', get: (b) => expiresIn(b, now) },
    { header: 'NAMESPACE', get: (b) => b.namespace, wide: true },
    { header: 'VERSION', get: (b) => b.version ?? '', wide: true },
    { header: 'CLASS', get: (b) => b.snapshotClass ?? '<default>', wide: true },
    { header: 'QUIESCED', get: (b) => b.quiesced ?? '', wide: true },
    { header: 'RETENTION', get: (b) => b.retention ?? '', wide: true },
    { header: 'ERROR', get: (b) => b.error ?? '', wide: true },
  ]
}

interface RawCreate extends RawClusterFlags {
  name?: string
  class?: string
  retention?: string
  quiesce?: boolean
  wait?: boolean
  timeout: string
  dryRun?: string | boolean
  output?: string
}

function printCreate(r: BackupCreateResult, fmt: string, deps: Deps): void {
  const p = deps.printer
  for (const n of r.notes) p.note(n)
  if (r.action === 'dry-run') return printManifests(r.objects, fmt, deps)
  if (fmt === 'json' || fmt === 'yaml') return p.data(r.backup, fmt)
  p.line(`backup "${r.backup.name}" of ${r.backup.instance} created in namespace ${r.backup.namespace}${r.backup.ready ? '' : ' (not ready yet)'}`)
  p.table([r.backup], backupColumns(deps.now()))
  p.note(`Restore it with: dbaas restore ${r.backup.name} --to <new-name>`)
}

function createSub(deps: Deps): Command {
  const cmd = new Command('create')
    .description('Take a backup: a CSI VolumeSnapshot of the instance\'s data volume, with a copy of its credentials')
    .argument('[instance]', 'instance to back up (asked for on a terminal)')
    .option('--name <name>', 'backup name (default: <instance>-<UTC timestamp>)')
    .option('--class <class>', 'VolumeSnapshotClass (default: the default class of the volume\'s CSI driver)')
    .option('--retention <duration>', 'keep it this long, e.g. 12h, 7d, 2w; `backup prune` deletes it afterwards (default: forever)')
    .option('--quiesce', 'consistent point first: PostgreSQL CHECKPOINT; MySQL/MariaDB FLUSH TABLES WITH READ LOCK held until the snapshot is cut')
    .option('--wait', 'wait until the snapshot is ready to use (the default)')
    .option('--no-wait', 'return once the snapshot is requested, without waiting until it is ready to use')
    .addOption(timeoutOption('10m'))
    .addOption(new Option('--dry-run [mode]', 'print what would be sent: client (reads the instance, writes nothing) or server (validated by the API server)'))
    .addOption(outputOption(['table', 'json', 'yaml']))
  withClusterFlags(cmd)
  examples(cmd, [
    ['A crash-consistent backup, kept until deleted', 'dbaas backup create orders'],
    ['Quiesced first, kept a week, with a name of your own', 'dbaas backup create orders --quiesce --retention 7d --name orders-before-migration'],
    ['What would be sent (the instance is read, nothing is written)', 'dbaas backup create orders --dry-run=client'],
  ])
  return cmd.action(async (instanceArg: string | undefined, raw: RawCreate) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const instance = await promptBackupCreate(instanceArg, raw, fmt, deps) // commands/interactive.ts: asks on a terminal
    const opts: BackupCreateOptions = {
      instance: validateName(instance),
      namespace: raw.namespace,
      name: raw.name === undefined ? undefined : validateBackupName(raw.name),
      snapshotClass: raw.class,
      retention: raw.retention !== undefined ? { text: raw.retention, ms: parseRetention(raw.retention) } : undefined,
      quiesce: raw.quiesce === true,
      wait: raw.wait !== false,
      timeoutMs: parseDuration(raw.timeout),
      dryRun: parseDryRun(raw.dryRun),
      cluster: clusterFlags(raw),
    }
    printCreate(await createBackup(opts, await withProgress(deps, fmt)), fmt, deps)
  })
}

interface RawList extends RawClusterFlags {
  allNamespaces?: boolean
  output?: string
}

function listSub(deps: Deps): Command {
  const cmd = new Command('list')
    .alias('ls')
    .description('List backups (also those whose instance was deleted): NAME, INSTANCE, ENGINE, READY, SIZE, AGE, EXPIRES')
    .argument('[instance]', 'only the backups of this instance')
    .option('-A, --all-namespaces', 'list across all namespaces (the default unless -n is given)')
    .addOption(outputOption(['table', 'wide', 'json', 'yaml', 'name']))
  withClusterFlags(cmd)
  examples(cmd, [
    ['Every backup you may see', 'dbaas backup list'],
    ['One instance\'s backups, with more columns', 'dbaas backup list orders -o wide'],
  ])
  return cmd.action(async (instance: string | undefined, raw: RawList) => {
    const fmt = format(raw, ['table', 'wide', 'json', 'yaml', 'name'])
    const cluster = clusterFlags(raw)
    const res = await listBackups({ cluster, namespace: raw.allNamespaces ? undefined : cluster.namespace, instance }, deps)
    const p = deps.printer
    for (const n of res.notes) p.note(n)
    if (res.fellBackTo) p.warn(`you may not list across namespaces; showing namespace ${res.fellBackTo} only`)
    if (fmt === 'json' || fmt === 'yaml') p.data(res.items, fmt)
    else if (fmt === 'name') for (const b of res.items) p.line(b.name)
    else p.table(res.items, backupColumns(deps.now()), { wide: fmt === 'wide', empty: 'No backups found.' })
  })
}

interface RawDelete extends RawClusterFlags {
  yes?: boolean
  ignoreNotFound?: boolean
  dryRun?: boolean
  wait: boolean
  timeout: string
  output?: string
}

function deleteSub(deps: Deps): Command {
  const cmd = new Command('delete')
    .alias('rm')
    .description('Delete a backup: its VolumeSnapshot (the snapshot data, per its class\'s deletionPolicy) and its credentials copy')
    .argument('<backup>', 'backup name')
  deletionOptions(cmd, { what: 'backup', waitHelp: 'return without waiting until the snapshot controller has removed it', timeout: '2m' })
  withClusterFlags(cmd)
  examples(cmd, [
    ['Delete, asking to type the name', 'dbaas backup delete orders-20261125-120000'],
    ['In a script', 'dbaas backup delete orders-20261125-120000 -n dbaas-orders --yes --ignore-not-found'],
  ])
  return cmd.action(async (name: string, raw: RawDelete) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const opts: BackupDeleteOptions = {
      name,
      namespace: raw.namespace,
      cluster: clusterFlags(raw),
      dryRun: raw.dryRun === true,
      wait: raw.wait,
      timeoutMs: parseDuration(raw.timeout),
    }
    const p = deps.printer
    let vs
    try {
      vs = await planBackupDelete(opts, deps)
    } catch (err) {
      if (raw.ignoreNotFound && err instanceof NotFoundError) {
        p.note(`backup "${name}" not found; nothing to delete`)
        if (fmt === 'json' || fmt === 'yaml') p.data({ name, namespace: raw.namespace ?? null, dryRun: opts.dryRun, deleted: [] }, fmt)
        return
      }
      throw err
    }
    const what = `backup "${name}" in namespace ${vs.metadata.namespace}; restores made from it are not affected`
    await confirmDeletion({ name, noun: 'backup', what, yes: raw.yes === true, dryRun: opts.dryRun }, deps)
    const r = await deleteBackup(vs, opts, await withProgress(deps, fmt))
    if (fmt === 'json' || fmt === 'yaml') return p.data(r, fmt)
    if (r.dryRun) for (const d of r.deleted) p.line(`would delete ${d}`)
    else p.line(`backup "${r.name}" deleted from namespace ${r.namespace}`)
  })
}

interface RawPrune extends RawClusterFlags {
  allNamespaces?: boolean
  dryRun?: boolean
  wait: boolean
  timeout: string
  output?: string
}

function pruneSub(deps: Deps): Command {
  const cmd = new Command('prune')
    .description('Delete the backups whose retention has run out (those created without --retention are kept)')
    .argument('[instance]', 'only this instance\'s backups')
    .option('-A, --all-namespaces', 'across all namespaces (the default unless -n is given)')
    .option('--dry-run', 'print what would be deleted, delete nothing')
    .option('--no-wait', 'return without waiting until the snapshot controller has removed them')
    .addOption(timeoutOption('5m'))
    .addOption(outputOption(['table', 'json', 'yaml']))
  withClusterFlags(cmd)
  examples(cmd, [
    ['See which backups have expired', 'dbaas backup prune --dry-run'],
    ['Delete them (e.g. from a CronJob)', 'dbaas backup prune'],
  ])
  return cmd.action(async (instance: string | undefined, raw: RawPrune) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const cluster = clusterFlags(raw)
    const r = await pruneBackups(
      { cluster, namespace: raw.allNamespaces ? undefined : cluster.namespace, instance, dryRun: raw.dryRun === true, wait: raw.wait, timeoutMs: parseDuration(raw.timeout) },
      await withProgress(deps, fmt),
    )
    const p = deps.printer
    if (fmt === 'json' || fmt === 'yaml') return p.data(r, fmt)
    if (r.deleted.length === 0) p.note(`no expired backups (${r.kept} kept)`)
    for (const b of r.deleted) p.line(`${r.dryRun ? 'would delete' : 'deleted'} backup ${b.namespace}/${b.name} (expired ${b.expiresAt})`)
  })
}

export function backupCommand(deps: Deps): Command {
  const cmd = new Command('backup')
    .description('Backups as CSI VolumeSnapshots: create, list, delete, prune (restore with `dbaas restore`)')
    .addCommand(createSub(deps))
    .addCommand(listSub(deps))
    .addCommand(deleteSub(deps))
    .addCommand(pruneSub(deps))
  examples(cmd, [
    ['Back up, list, restore into a new instance', 'dbaas backup create orders && dbaas backup list orders && dbaas restore <backup> --to orders-copy'],
  ])
  return cmd
}
