// Backup schedules: set, list, suspend/resume and run results. The JSON shapes: ScheduleView for a schedule
// (set adds `action`, `nextRuns` and `firstRun`), ScheduleRunResult for a run — stable, documented in the README.
import { formatRuns, type RunView, type ScheduleView } from '../../core/schedule/model.ts'
import type { ScheduleListResult, ScheduleRunResult, ScheduleSuspendResult } from '../../core/schedule/manage.ts'
import type { ScheduleSetResult } from '../../core/schedule/set.ts'
import { age, type Column, type Printer } from '../printer.ts'
import type { Writer } from '../writer.ts'

// As instances.ts words it (not imported: instances.ts prints a status's schedule with printSchedule below).
const FELL_BACK = (ns: string) => `you may not list across namespaces; showing namespace ${ns} only`

function lastRun(r: RunView | null, now: number): string {
  if (!r) return '<none>'
  return `${r.result} ${age(r.finishedAt ?? r.startedAt, now)} ago`
}

export function scheduleColumns(now: number): Column<ScheduleView>[] {
  return [
    { header: 'INSTANCE', get: (s) => s.instance },
    { header: 'NAMESPACE', get: (s) => s.namespace },
    { header: 'CRON', get: (s) => s.cron },
    { header: 'ZONE', get: (s) => s.timeZone ?? (s.target === 'ha-cluster' ? 'operator' : 'UTC') },
    { header: 'KEEP', get: (s) => (s.keep === null ? '-' : String(s.keep)) },
    { header: 'RETENTION', get: (s) => s.retention ?? '-' },
    { header: 'SUSPENDED', get: (s) => String(s.suspended) },
    { header: 'LAST RUN', get: (s) => lastRun(s.lastRun, now) },
    { header: 'NEXT RUN', get: (s) => (s.suspended ? '-' : (formatRuns(s.nextRuns.slice(0, 1), s.timeZone)[0] ?? '-')) },
    { header: 'TARGET', get: (s) => s.target, wide: true },
    { header: 'SCHEDULE', get: (s) => s.name, wide: true },
    { header: 'FAILURES', get: (s) => String(s.consecutiveFailures), wide: true },
    { header: 'QUIESCE', get: (s) => String(s.quiesce), wide: true },
    { header: 'IMAGE', get: (s) => s.image ?? '', wide: true },
    { header: 'MESSAGE', get: (s) => s.lastRun?.message ?? '', wide: true },
  ]
}

function describe(s: ScheduleView): string {
  const keep = s.keep === null ? '' : `, keeps ${s.keep}`
  const retention = s.retention ? `, each kept ${s.retention}` : ''
  return `"${s.cron}"${s.timeZone ? ` (${s.timeZone})` : ''}${keep}${retention}${s.quiesce ? ', quiesced' : ''}`
}

/** Where a schedule stands, as `status` and `schedule set` print it for people. */
export function printSchedule(s: ScheduleView, p: Printer, now: number, indent = ''): void {
  const pairs: Array<[string, string]> = [
    ['Schedule', `${describe(s)}${s.suspended ? ' — suspended' : ''}`],
    ...(s.cnpgSchedule ? ([['CloudNativePG', `ScheduledBackup "${s.cnpgSchedule}" (six fields, seconds first)`]] as Array<[string, string]>) : []),
    ['Last run', s.lastRun ? `${lastRun(s.lastRun, now)}${s.lastRun.message ? `: ${s.lastRun.message}` : ''}` : '<none yet>'],
    ['Next run', s.suspended ? '<suspended>' : (formatRuns(s.nextRuns.slice(0, 1), s.timeZone)[0] ?? '<unknown>')],
  ]
  if (s.consecutiveFailures > 0) pairs.push(['Failures', `${s.consecutiveFailures} run(s) in a row failed`])
  p.keyValues(pairs, indent)
}

export const scheduleSetWriter: Writer<ScheduleSetResult> = {
  data: (r) => ({ ...r.schedule, action: r.action, nextRuns: r.nextRuns, firstRun: r.firstRun }),
  names: (r) => [r.schedule.name],
  notes: (r) => r.notes,
  human: (r, c) => {
    const s = r.schedule
    c.printer.line(`backup schedule of "${s.instance}" ${r.action} in namespace ${s.namespace}: ${describe(s)}`)
    c.printer.line(`Next runs${s.timeZone ? ` (${s.timeZone})` : s.target === 'ha-cluster' ? " (the operator's zone, UTC as a rule)" : ' (UTC)'}:`)
    for (const line of formatRuns(r.nextRuns, s.timeZone)) c.printer.line(`  ${line}`)
    if (r.firstRun) c.printer.line(`First run: ${r.firstRun.result} (job ${r.firstRun.job})${r.firstRun.message ? `: ${r.firstRun.message}` : ''}`)
  },
}

export const scheduleListWriter: Writer<ScheduleListResult> = {
  data: (r) => r.items,
  names: (r) => r.items.map((s) => s.instance),
  notes: (r) => r.notes,
  warnings: (r) => [...(r.fellBackTo ? [FELL_BACK(r.fellBackTo)] : []), ...r.items.filter((s) => s.lastRun?.result === 'Failed').map((s) => `the last backup run of ${s.namespace}/${s.instance} failed: ${s.lastRun?.message ?? 'see its job'}`)],
  human: (r, c) => c.printer.table(r.items, scheduleColumns(c.now), { wide: c.wide, noHeaders: c.noHeaders, empty: 'No backup schedules found.' }),
}

export function scheduleSuspendWriter(suspend: boolean): Writer<ScheduleSuspendResult> {
  return {
    data: (r) => r.schedule,
    names: (r) => [r.schedule.instance],
    notes: (r) => (r.changed ? [] : [`the backup schedule of "${r.schedule.instance}" was already ${suspend ? 'suspended' : 'running'}`]),
    human: (r, c) => c.printer.line(`backup schedule of "${r.schedule.instance}" ${suspend ? 'suspended' : 'resumed'} in namespace ${r.schedule.namespace}`),
  }
}

export const scheduleRunWriter: Writer<ScheduleRunResult> = {
  data: (r) => r,
  names: (r) => [r.run.job],
  human: (r, c) => {
    c.printer.line(`backup run of "${r.instance}" ${r.run.result === 'Succeeded' ? 'succeeded' : r.run.result === 'Failed' ? 'failed' : 'is still running'} (job ${r.namespace}/${r.run.job})${r.run.message ? `: ${r.run.message}` : ''}`)
    if (r.cnpgBackup) c.printer.line(`CloudNativePG backup: ${r.cnpgBackup}`)
  },
}
