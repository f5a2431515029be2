// Backups of single instances (VolumeSnapshots dbaas took): create, list, delete and prune results. The
// JSON shapes: BackupView for a backup, BackupDeleteResult, PruneResult — stable, documented in the README.
import type { BackupCreateResult } from '../../core/backup/create.ts'
import type { BackupListResult, PruneResult } from '../../core/backup/manage.ts'
import { expiresIn, type BackupView } from '../../core/backup/model.ts'
import { age, type Column } from '../printer.ts'
import type { Writer } from '../writer.ts'
import { FELL_BACK } from './instances.ts'
import { manifestList, manifestNames, printManifests } from './manifests.ts'

/** NAMESPACE is a column of its own when the rows come from more than one namespace (as `list` has it). */
export function backupColumns(now: number, opts: { acrossNamespaces?: boolean } = {}): Column<BackupView>[] {
  return [
    { header: 'NAME', get: (b) => b.name },
    ...(opts.acrossNamespaces ? [{ header: 'NAMESPACE', get: (b: BackupView) => b.namespace }] : []),
    { header: 'INSTANCE', get: (b) => (b.instanceExists === false ? `${b.instance} (deleted)` : b.instance) },
    { header: 'ENGINE', get: (b) => b.engine },
    { header: 'READY', get: (b) => String(b.ready) },
    { header: 'SIZE', get: (b) => b.size ?? '<unknown>' },
    { header: 'AGE', get: (b) => age(b.createdAt, now) },
    { header: 'EXPIRES', get: (b) => expiresIn(b, now) },
    { header: 'SCHEDULE', get: (b) => b.schedule ?? '-' },
    ...(opts.acrossNamespaces ? [] : [{ header: 'NAMESPACE', get: (b: BackupView) => b.namespace, wide: true }]),
    { header: 'VERSION', get: (b) => b.version ?? '', wide: true },
    { header: 'CLASS', get: (b) => b.snapshotClass ?? '<default>', wide: true },
    { header: 'QUIESCED', get: (b) => b.quiesced ?? '', wide: true },
    { header: 'RETENTION', get: (b) => b.retention ?? '', wide: true },
    { header: 'ERROR', get: (b) => b.error ?? '', wide: true },
  ]
}

export const backupCreateWriter: Writer<BackupCreateResult> = {
  data: (r) => (r.action === 'dry-run' ? manifestList(r.objects) : r.backup),
  names: (r) => (r.action === 'dry-run' ? manifestNames(r.objects) : [r.backup.name]),
  notes: (r) => r.notes,
  yaml: async (r, p) => (r.action === 'dry-run' ? printManifests(r.objects, p) : p.yaml(r.backup)),
  human: async (r, c) => {
    if (r.action === 'dry-run') return printManifests(r.objects, c.printer)
    c.printer.line(`backup "${r.backup.name}" of ${r.backup.instance} created in namespace ${r.backup.namespace}${r.backup.ready ? '' : ' (not ready yet)'}`)
    c.printer.table([r.backup], backupColumns(c.now), { noHeaders: c.noHeaders })
    c.printer.note(`Restore it with: dbaas restore ${r.backup.name} --to <new-name>`)
  },
}

/**
 * `backup list`. -o name prints `<namespace>/<name>` whenever the listing covers more than one namespace (no
 * -n): a backup's name is unique only within its namespace, and a script must be able to hand each line back
 * (`dbaas backup delete <name> -n <namespace>`). With -n, the bare names.
 */
export const backupListWriter: Writer<BackupListResult> = {
  data: (r) => r.items,
  names: (r) => r.items.map((b) => (r.acrossNamespaces ? `${b.namespace}/${b.name}` : b.name)),
  notes: (r) => r.notes,
  warnings: (r) => (r.fellBackTo ? [FELL_BACK(r.fellBackTo)] : []),
  human: (r, c) => c.printer.table(r.items, backupColumns(c.now, { acrossNamespaces: r.acrossNamespaces }), { wide: c.wide, noHeaders: c.noHeaders, empty: 'No backups found.' }),
}

export const pruneWriter: Writer<PruneResult> = {
  data: (r) => r,
  names: (r) => r.deleted.map((b) => b.name),
  human: (r, c) => {
    if (r.deleted.length === 0) c.printer.note(`no expired backups (${r.kept} kept)`)
    for (const b of r.deleted) c.printer.line(`${r.dryRun ? 'would delete' : 'deleted'} backup ${b.namespace}/${b.name} (expired ${b.expiresAt})`)
  },
}
