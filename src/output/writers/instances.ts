// Single instances (and HA clusters as rows of `dbaas list`): the list, create and restore results, and
// `status`. The JSON shapes are the views the core returns (InstanceView, StatusView), documented in the
// README as stable; restore's adds `backup`, `crossNamespace` and `removed`.
import type { CreateResult } from '../../core/create.ts'
import type { InstanceView } from '../../core/instances.ts'
import type { ListResult } from '../../core/list.ts'
import type { StatusView } from '../../core/status.ts'
import { printSchedule } from './schedules.ts'
import type { RestoreResult } from '../../core/backup/restore.ts'
import { age, type Column, type Printer } from '../printer.ts'
import type { HumanContext, Writer } from '../writer.ts'
import { manifestList, manifestNames, printManifests } from './manifests.ts'

/** `release: false` for `list`, which never reads helm's release records (status shows the release). */
export function instanceColumns(now: number, opts: { kind?: boolean; release?: boolean } = {}): Column<InstanceView>[] {
  return [
    { header: 'NAME', get: (i) => i.name },
    ...(opts.kind ? [{ header: 'KIND', get: (i: InstanceView) => i.kind }] : []),
    { header: 'ENGINE', get: (i) => i.engine },
    { header: 'VERSION', get: (i) => i.version },
    { header: 'STATUS', get: (i) => i.status },
    { header: 'READY', get: (i) => i.ready },
    { header: 'STORAGE', get: (i) => i.storage ?? '' },
    { header: 'NAMESPACE', get: (i) => i.namespace },
    { header: 'AGE', get: (i) => age(i.createdAt, now) },
    { header: 'STORAGE-CLASS', get: (i) => i.storageClass ?? '<default>', wide: true },
    { header: 'DATABASE', get: (i) => i.database ?? '', wide: true },
    { header: 'USER', get: (i) => i.user ?? '', wide: true },
    ...(opts.release === false ? [] : [{ header: 'RELEASE', get: (i: InstanceView) => (i.release ? `${i.release.status} (rev ${i.release.revision})` : '<none>'), wide: true }]),
    { header: 'RESTORED-FROM', get: (i) => i.restoredFrom ?? '', wide: true },
  ]
}

export const FELL_BACK = (ns: string) => `you may not list across namespaces; showing namespace ${ns} only`

/** `dbaas list`: an array of InstanceView. */
export const instanceListWriter: Writer<ListResult> = {
  data: (r) => r.items,
  names: (r) => r.items.map((i) => i.name),
  warnings: (r) => (r.fellBackTo ? [FELL_BACK(r.fellBackTo)] : []),
  human: (r, c) => c.printer.table(r.items, instanceColumns(c.now, { kind: true, release: false }), { wide: c.wide, noHeaders: c.noHeaders, empty: 'No instances found.' }),
}

/** The table `list --watch` redraws (no KIND column, as before). */
export function printInstanceTable(items: InstanceView[], c: HumanContext): void {
  c.printer.table(items, instanceColumns(c.now), { wide: c.wide, noHeaders: c.noHeaders, empty: 'No instances found.' })
}

/** `create`: the new instance, or the objects a dry run would send. */
export const createWriter: Writer<CreateResult> = {
  data: (r) => (r.action === 'dry-run' ? manifestList(r.objects) : r.instance),
  names: (r) => (r.action === 'dry-run' ? manifestNames(r.objects) : [r.instance.name]),
  notes: (r) => r.notes,
  yaml: async (r, p) => (r.action === 'dry-run' ? printManifests(r.objects, p) : p.yaml(r.instance)),
  human: async (r, c) => {
    if (r.action === 'dry-run') return printManifests(r.objects, c.printer)
    c.printer.line(`instance "${r.instance.name}" ${r.action} in namespace ${r.instance.namespace}`)
    c.printer.table([r.instance], instanceColumns(c.now), { noHeaders: c.noHeaders })
    c.printer.note(`Next: dbaas connection ${r.instance.name} -n ${r.instance.namespace}`)
  },
}

function restoreData(r: RestoreResult): unknown {
  return r.action === 'dry-run' ? manifestList(r.objects) : { ...r.instance, backup: r.backup, crossNamespace: r.crossNamespace, removed: r.removed }
}

/** `restore`: the restored instance with where it came from, or the objects a dry run would send. */
export const restoreWriter: Writer<RestoreResult> = {
  data: restoreData,
  names: (r) => (r.action === 'dry-run' ? manifestNames(r.objects) : [r.instance.name]),
  notes: (r) => r.notes,
  yaml: async (r, p) => (r.action === 'dry-run' ? printManifests(r.objects, p) : p.yaml(restoreData(r))),
  human: async (r, c) => {
    if (r.action === 'dry-run') return printManifests(r.objects, c.printer)
    c.printer.line(`instance "${r.instance.name}" restored in namespace ${r.instance.namespace} from backup ${r.backup.namespace}/${r.backup.name}`)
    c.printer.table([r.instance], instanceColumns(c.now), { noHeaders: c.noHeaders })
    c.printer.note(`It has ${r.backup.instance || 'the source'}'s users and passwords: dbaas connection ${r.instance.name} -n ${r.instance.namespace}`)
  },
}

export function printStatus(v: StatusView, printer: Printer, now: number): void {
  const p = printer
  const s = p.outStyle
  const color = v.status === 'Ready' ? s.green : v.status === 'Failed' || v.status === 'Incomplete' ? s.red : s.yellow
  p.keyValues([
    ['Name', v.name],
    ['Namespace', v.namespace],
    ['Engine', `${v.engine} ${v.version}`],
    ['Status', `${color(v.status)} (${v.ready} ready): ${v.explanation}`],
    ['Endpoint', v.endpoint ? `${v.endpoint.host}:${v.endpoint.port}` : '<none>'],
    ['Storage', `${v.storage ?? '?'}${v.storageClass ? ` (${v.storageClass})` : ''}`],
    ['Database', `${v.database ?? '?'} (user ${v.user ?? '?'})`],
    ['Release', v.release ? `${v.release.status}, revision ${v.release.revision}` : '<none>'],
    ['Created', v.createdAt ? `${v.createdAt} (${age(v.createdAt, now)} ago)` : '<unknown>'],
    ...(v.restoredFrom ? ([['Restored from', v.restoredFrom]] as Array<[string, string]>) : []),
    ...(v.restartPending?.length ? ([['Restart pending', `${v.restartPending.join(', ')} (dbaas restart ${v.name} -n ${v.namespace})`]] as Array<[string, string]>) : []),
  ])
  p.line()
  p.line(s.bold('Pods:'))
  if (v.pods.length === 0) p.line('  <none>')
  for (const pod of v.pods) {
    p.line(`  ${pod.name}  ${pod.phase}  ready=${pod.ready}  restarts=${pod.restarts}${pod.reason ? `  ${pod.reason}` : ''}${pod.node ? `  node=${pod.node}` : ''}`)
  }
  p.line(s.bold('Volumes:'))
  if (v.volumes.length === 0) p.line('  <none>')
  for (const vol of v.volumes) p.line(`  ${vol.name}  ${vol.status}  ${vol.capacity ?? '?'}${vol.storageClass ? `  ${vol.storageClass}` : ''}`)
  p.line(s.bold('Recent warnings:'))
  if (v.events.length === 0) p.line('  <none>')
  for (const e of v.events) p.line(`  ${e.reason} ${e.object}: ${e.message}${e.count > 1 ? ` (x${e.count})` : ''}`)
  if (v.schedule) {
    p.line(s.bold('Backup schedule:'))
    printSchedule(v.schedule, p, now, '  ')
  }
}

/** `status`: the StatusView. */
export const statusWriter: Writer<StatusView> = {
  data: (v) => v,
  names: (v) => [v.name],
  warnings: (v) => (v.schedule?.lastRun?.result === 'Failed' ? [`the last scheduled backup run failed: ${v.schedule.lastRun.message ?? `see job ${v.schedule.lastRun.job}`}`] : []),
  human: (v, c) => printStatus(v, c.printer, c.now),
}
