// HA clusters, whatever their engine: list, create, status, scale, failover, backups and restore. The JSON
// shapes are the core's views (HaView, HaStatusView, ScaleResult, FailoverResult, HaBackupView,
// HaPruneResult, RestoreResult), documented as stable.
import type { HaPruneResult, RestoreResult } from '../../core/ha/backup.ts'
import type { HaCreateResult } from '../../core/ha/create.ts'
import type { HaBackupView, HaStatusView, HaView } from '../../core/ha/engine.ts'
import type { FailoverResult } from '../../core/ha/failover.ts'
import type { ScaleResult } from '../../core/ha/ops.ts'
import { expiresIn } from '../../core/backup/model.ts'
import { age, type Column, type Printer } from '../printer.ts'
import type { Writer } from '../writer.ts'
import { FELL_BACK } from './instances.ts'
import { manifestList, manifestNames, printManifests } from './manifests.ts'

export function haColumns(now: number): Column<HaView>[] {
  return [
    { header: 'NAME', get: (v) => v.name },
    { header: 'ENGINE', get: (v) => v.engine },
    { header: 'VERSION', get: (v) => v.version },
    { header: 'STATUS', get: (v) => v.status },
    { header: 'READY', get: (v) => v.ready },
    { header: 'PRIMARY', get: (v) => v.currentPrimary ?? '<none>' },
    { header: 'STORAGE', get: (v) => v.storage ?? '' },
    { header: 'NAMESPACE', get: (v) => v.namespace },
    { header: 'AGE', get: (v) => age(v.createdAt, now) },
    { header: 'OPERATOR', get: (v) => v.operator, wide: true },
    { header: 'TOPOLOGY', get: (v) => v.topology, wide: true },
    { header: 'PHASE', get: (v) => v.phase, wide: true },
    { header: 'DATABASE', get: (v) => v.database ?? '', wide: true },
    { header: 'USER', get: (v) => v.user ?? '', wide: true },
    { header: 'RESTORED-FROM', get: (v) => v.restoredFrom ?? '', wide: true },
  ]
}

function haBackupColumns(now: number): Column<HaBackupView>[] {
  return [
    { header: 'NAME', get: (b) => b.name },
    { header: 'CLUSTER', get: (b) => b.cluster },
    { header: 'METHOD', get: (b) => b.method },
    { header: 'PHASE', get: (b) => b.phase },
    { header: 'STARTED', get: (b) => b.startedAt ?? '' },
    { header: 'STOPPED', get: (b) => b.stoppedAt ?? '' },
    { header: 'EXPIRES', get: (b) => expiresIn(b, now) },
    { header: 'SNAPSHOTS', get: (b) => b.snapshots.map((s) => s.name).join(',') },
  ]
}

export const haListWriter: Writer<{ items: HaView[]; fellBackTo?: string; warnings?: string[] }> = {
  data: (r) => r.items,
  names: (r) => r.items.map((v) => v.name),
  warnings: (r) => [...(r.fellBackTo ? [FELL_BACK(r.fellBackTo)] : []), ...(r.warnings ?? [])],
  human: (r, c) => c.printer.table(r.items, haColumns(c.now), { wide: c.wide, noHeaders: c.noHeaders, empty: 'No HA clusters found.' }),
}

export const haCreateWriter: Writer<HaCreateResult> = {
  data: (r) => (r.action === 'dry-run' ? manifestList(r.objects) : r.cluster),
  names: (r) => (r.action === 'dry-run' ? manifestNames(r.objects) : [r.cluster.name]),
  notes: (r) => r.notes,
  yaml: async (r, p) => (r.action === 'dry-run' ? printManifests(r.objects, p) : p.yaml(r.cluster)),
  human: async (r, c) => {
    if (r.action === 'dry-run') return printManifests(r.objects, c.printer)
    c.printer.line(`HA cluster "${r.cluster.name}" (${r.cluster.engine}, ${r.cluster.operator}) created in namespace ${r.cluster.namespace}`)
    c.printer.table([r.cluster], haColumns(c.now), { noHeaders: c.noHeaders })
    c.printer.note(`Next: dbaas ha status ${r.cluster.name} -n ${r.cluster.namespace}`)
  },
}

const PRIMARY_WORD: Record<HaView['topology'], string> = { streaming: 'Primary', replication: 'Primary', galera: 'Writer (proxy)' }

export function printHaStatus(v: HaStatusView, printer: Printer, now: number): void {
  const p = printer
  const s = p.outStyle
  const color = v.status === 'Ready' ? s.green : v.status === 'Degraded' ? s.red : s.yellow
  p.keyValues([
    ['Name', v.name],
    ['Namespace', v.namespace],
    ['Engine', `${v.engine} ${v.version} (${v.operator}, ${v.topology})`],
    ['Status', `${color(v.status)} (${v.ready} ready)`],
    ['Phase', `${v.phase || '<none>'}${v.phaseReason ? ` (${v.phaseReason})` : ''}`],
    [PRIMARY_WORD[v.topology], v.currentPrimary ?? '<none>'],
    ...(v.topology === 'galera' ? [] : ([['Target primary', v.targetPrimary ?? '<none>']] as Array<[string, string]>)),
    ['Read-write', `${v.services.rw}:${v.services.port}`],
    ['Read-only', `${v.services.ro}:${v.services.port}`],
    ['Any instance', `${v.services.r}:${v.services.port}`],
    ['Storage', v.storage ?? '?'],
    ['Database', `${v.database ?? '?'} (user ${v.user ?? '?'})`],
    ['Last backup', v.lastBackup ? `${v.lastBackup.name} ${v.lastBackup.phase}${v.lastBackup.completedAt ? ` at ${v.lastBackup.completedAt}` : ''}` : '<none>'],
    ['Created', v.createdAt ? `${v.createdAt} (${age(v.createdAt, now)} ago)` : '<unknown>'],
    ...(v.restoredFrom ? ([['Restored from', v.restoredFrom]] as Array<[string, string]>) : []),
  ])
  p.line()
  p.line(s.bold('Instances:'))
  if (v.members.length === 0) p.line('  <none>')
  for (const m of v.members) p.line(`  ${m.name}  ${m.role}  ready=${m.ready}${m.state ? `  ${m.state}` : ''}${m.fenced ? '  fenced' : ''}`)
}

export const haStatusWriter: Writer<HaStatusView> = {
  data: (v) => v,
  names: (v) => [v.name],
  human: (v, c) => printHaStatus(v, c.printer, c.now),
}

export const haScaleWriter: Writer<ScaleResult> = {
  data: (r) => r,
  names: (r) => [r.cluster.name],
  human: (r, c) =>
    c.printer.line(r.from === r.to ? `HA cluster "${r.cluster.name}" already has ${r.to} instance(s)` : `HA cluster "${r.cluster.name}" scaled from ${r.from} to ${r.to} instance(s)`),
}

export const failoverWriter: Writer<FailoverResult> = {
  data: (r) => r,
  names: (r) => [r.primary],
  human: (r, c) =>
    c.printer.line(
      r.action === 'already-primary'
        ? `${r.primary} is already the primary of "${r.name}"; nothing to do`
        : r.action === 'failed-over'
          ? `HA cluster "${r.name}": the writes moved from ${r.from ?? '<none>'} to ${r.primary}; the cluster is back to full size${r.writer && r.writer !== r.primary ? ` and writes now go to ${r.writer}` : ''}`
          : `HA cluster "${r.name}": ${r.primary} is now the primary (was ${r.from ?? '<none>'}); the cluster is healthy`,
    ),
}

export const haBackupWriter: Writer<HaBackupView> = {
  data: (b) => b,
  names: (b) => [b.name],
  human: (b, c) =>
    c.printer.line(`backup "${b.name}" of "${b.cluster}" ${b.phase === 'completed' ? 'completed' : `requested (${b.phase})`} in namespace ${b.namespace}${b.expiresAt ? `; expires ${b.expiresAt}` : ''}`),
}

export const haBackupListWriter: Writer<{ cluster: string; items: HaBackupView[] }> = {
  data: (r) => r.items,
  names: (r) => r.items.map((b) => b.name),
  human: (r, c) => c.printer.table(r.items, haBackupColumns(c.now), { noHeaders: c.noHeaders, empty: `No backups of ${r.cluster} found.` }),
}

export const haPruneWriter: Writer<HaPruneResult> = {
  data: (r) => r,
  names: (r) => r.deleted.map((b) => b.name),
  human: (r, c) => {
    if (r.deleted.length === 0) c.printer.note(`no expired HA backups (${r.kept} kept)`)
    for (const b of r.deleted) c.printer.line(`${r.dryRun ? 'would delete' : 'deleted'} backup ${b.namespace}/${b.name} of ${b.cluster} (expired ${b.expiresAt})`)
  },
}

export const haRestoreWriter: Writer<RestoreResult> = {
  data: (r) => r.cluster,
  names: (r) => [r.cluster.name],
  notes: (r) => [...r.notes, ...(r.removed.length ? [`removed the helper ${r.removed.join(', ')} (the restored volumes are Bound)`] : [])],
  human: (r, c) => c.printer.line(`HA cluster "${r.cluster.name}" created in namespace ${r.cluster.namespace} from backup ${r.from}`),
}
