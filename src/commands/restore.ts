import { Command, Option } from 'commander'
import type { Deps } from '../deps.ts'
import { restoreBackup, type RestoreOptions, type RestoreResult } from '../core/backup/restore.ts'
import { defaultNamespace, parseDuration, validateCpu, validateMemory, validateName, validateNamespace, validateStorage } from '../core/names.ts'
import { UsageError } from '../errors.ts'
import { instanceColumns } from './list.ts'
import { promptRestore } from './interactive.ts'
import { clusterFlags, printManifests, examples, format, outputOption, parseDryRun, timeoutOption, withClusterFlags, withProgress, type RawClusterFlags } from './shared.ts'

interface RawRestore extends RawClusterFlags {
  to?: string
  backupNamespace?: string
  storage?: string
  storageClass?: string
  cpu?: string
  memory?: string
  wait?: boolean
  timeout: string
  dryRun?: string | boolean
  output?: string
}

function printRestore(r: RestoreResult, fmt: string, deps: Deps): void {
  const p = deps.printer
  for (const n of r.notes) p.note(n)
  if (r.action === 'dry-run') return printManifests(r.objects, fmt, deps)
  if (fmt === 'json' || fmt === 'yaml') return p.data({ ...r.instance, backup: r.backup, crossNamespace: r.crossNamespace, removed: r.removed }, fmt)
  p.line(`instance "${r.instance.name}" restored in namespace ${r.instance.namespace} from backup ${r.backup.namespace}/${r.backup.name}`)
  p.table([r.instance], instanceColumns(deps.now()))
  p.note(`It has ${r.backup.instance || 'the source'}'s users and passwords: dbaas connection ${r.instance.name} -n ${r.instance.namespace}`)
}

export function restoreCommand(deps: Deps): Command {
  const cmd = new Command('restore')
    .description('Restore a backup into a new instance (by default in its own namespace dbaas-<new-name>), with the source\'s credentials')
    .argument('[backup]', 'backup name (see `dbaas backup list`; asked for on a terminal)')
    .option('--to <new-name>', 'name of the new instance (required)')
    .option('--backup-namespace <namespace>', 'namespace of the backup (default: found by name)')
    .option('--storage <size>', 'data volume size, at least the backup\'s (default: the backup\'s)')
    .option('--storage-class <class>', 'storage class; its CSI driver must be the snapshot\'s (default: the source\'s)')
    .option('--cpu <cpu>', 'CPU request (default: the source\'s)')
    .option('--memory <size>', 'memory request and limit (default: the source\'s)')
    .option('--wait', 'wait until the restored instance is ready (the default)')
    .option('--no-wait', 'return once installed, without waiting for readiness')
    .addOption(timeoutOption('10m'))
    .addOption(new Option('--dry-run [mode]', 'print what would be sent: client (reads the backup, writes nothing) or server (validated by the API server)'))
    .addOption(outputOption(['table', 'json', 'yaml']))
  withClusterFlags(cmd)
  cmd.options.find((o) => o.long === '--namespace')!.description = 'namespace of the new instance (default: dbaas-<new-name>)'
  examples(cmd, [
    ['Restore into a new instance in its own namespace (dbaas-orders-copy)', 'dbaas restore orders-20261125-120000 --to orders-copy'],
    ['Into the backup\'s own namespace: needs no cluster-wide access', 'dbaas restore orders-20261125-120000 --to orders-copy -n dbaas-orders'],
    ['Bigger, and see first what would be created', 'dbaas restore orders-20261125-120000 --to orders-big --storage 50Gi --dry-run=client'],
  ])
  return cmd.action(async (backupArg: string | undefined, raw: RawRestore) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const backup = await promptRestore(backupArg, raw, fmt, deps) // commands/interactive.ts: asks on a terminal
    if (!raw.to) throw new UsageError('missing --to <new-name>', { hint: `dbaas restore ${backup} --to <new-name>` })
    const to = validateName(raw.to)
    const cluster = clusterFlags(raw)
    if (raw.backupNamespace !== undefined) validateNamespace(raw.backupNamespace)
    const opts: RestoreOptions = {
      backup,
      backupNamespace: raw.backupNamespace,
      to,
      namespace: cluster.namespace ?? defaultNamespace(to),
      namespaceExplicit: cluster.namespace !== undefined,
      storage: raw.storage === undefined ? undefined : validateStorage(raw.storage),
      storageClass: raw.storageClass,
      cpu: raw.cpu === undefined ? undefined : validateCpu(raw.cpu),
      memory: raw.memory === undefined ? undefined : validateMemory(raw.memory),
      wait: raw.wait !== false,
      timeoutMs: parseDuration(raw.timeout),
      dryRun: parseDryRun(raw.dryRun),
      // The backup is looked up without -n (which names the target); the client itself is the same.
      cluster: { ...cluster, namespace: undefined },
    }
    printRestore(await restoreBackup(opts, await withProgress(deps, fmt)), fmt, deps)
  })
}
