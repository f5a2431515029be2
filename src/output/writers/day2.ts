// Day-2 operations: one result shape for every verb that changes an instance or HA cluster (Day2Result, the
// stable JSON of -o json|yaml), and the history. For people: one line saying what changed and how long the
// cluster took, or — for a dry run — the plan and the objects that would be sent.
import type { Day2Result } from '../../core/day2/model.ts'
import type { HistoryView } from '../../core/day2/read.ts'
import type { HistoryEntry } from '../../core/day2/history.ts'
import type { ConfigRow, ConfigView } from '../../core/day2/config.ts'
import { age, type Column } from '../printer.ts'
import type { Writer } from '../writer.ts'
import { manifestNames, printManifests } from './manifests.ts'

const PAST: Record<string, string> = {
  scale: 'scaled',
  resize: 'resized',
  stop: 'stopped',
  start: 'started',
  restart: 'restarted',
  upgrade: 'upgraded',
  'config set': 'reconfigured',
  'config unset': 'reconfigured',
}

function noun(r: Pick<Day2Result, 'kind'>): string {
  return r.kind === 'ha-cluster' ? 'HA cluster' : 'instance'
}

function verbOf(r: Pick<Day2Result, 'verb'>): string {
  return r.verb.replace(/^ha /, '')
}

function changes(r: Day2Result): string {
  return r.changes.map((c) => `${c.field} ${c.from ?? '<unset>'} → ${c.to ?? '<unset>'}`).join(', ')
}

function ref(r: Day2Result): string {
  return `${r.kind === 'ha-cluster' ? 'ha ' : ''}status ${r.name} -n ${r.namespace}`
}

export const day2Writer: Writer<Day2Result> = {
  data: (r) => r,
  names: (r) => (r.action === 'dry-run' ? manifestNames(r.objects) : [r.name]),
  notes: (r) => r.notes,
  warnings: (r) => r.warnings,
  human: async (r, c) => {
    const p = c.printer
    const v = verbOf(r)
    switch (r.action) {
      case 'dry-run':
        p.note(`would ${v} ${noun(r)} "${r.name}" in namespace ${r.namespace}: ${changes(r)}`)
        for (const e of r.effects) p.note(`  - ${e}`)
        return printManifests(r.objects, p)
      case 'unchanged':
        p.line(`${noun(r)} "${r.name}" unchanged: nothing to ${v}`)
        return
      case 'requested':
        p.line(`${noun(r)} "${r.name}" ${v} requested in namespace ${r.namespace}: ${changes(r)}`)
        p.note(`not waiting (--no-wait): follow it with \`dbaas ${ref(r)}\``)
        return
      case 'changed':
        p.line(`${noun(r)} "${r.name}" ${PAST[v] ?? `${v} done`} in namespace ${r.namespace}: ${changes(r)}${r.waitedSeconds !== null ? ` (${r.waitedSeconds} s)` : ''}`)
        return
    }
  },
}

function duration(e: HistoryEntry): string {
  if (!e.endedAt) return ''
  const s = Math.max(0, Math.round((Date.parse(e.endedAt) - Date.parse(e.startedAt)) / 1000))
  return s < 120 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`
}

function params(e: HistoryEntry): string {
  return Object.entries(e.params)
    .map(([k, v]) => (v === '' || v === 'true' ? `--${k}` : `--${k}=${v}`))
    .join(' ')
}

export function historyColumns(now: number): Column<HistoryEntry>[] {
  return [
    { header: 'STARTED', get: (e) => e.startedAt },
    { header: 'AGE', get: (e) => age(e.startedAt, now) },
    { header: 'VERB', get: (e) => e.verb },
    { header: 'PARAMETERS', get: (e) => params(e) },
    { header: 'RESULT', get: (e) => e.result },
    { header: 'DURATION', get: (e) => duration(e) },
    { header: 'MESSAGE', get: (e) => e.message ?? '', wide: true },
  ]
}

export const historyWriter: Writer<HistoryView> = {
  data: (v) => v,
  names: (v) => v.entries.map((e) => e.id),
  notes: (v) => (v.running ? [`running now: dbaas ${v.running.verb}, since ${v.running.startedAt} (${v.running.holder})`] : []),
  human: (v, c) => c.printer.table(v.entries, historyColumns(c.now), { wide: c.wide, noHeaders: c.noHeaders, empty: `No operations recorded for ${v.kind === 'ha-cluster' ? 'HA cluster' : 'instance'} "${v.name}".` }),
}

function shown(v: string | null, unit: string | null): string {
  if (v === null) return '<unset>'
  return unit && !/^[a-zA-Z]/.test(unit) ? `${v} (×${unit})` : unit ? `${v}${unit === '8kB' ? ' ×8kB' : unit}` : v
}

export function configColumns(): Column<ConfigRow>[] {
  return [
    { header: 'NAME', get: (r) => r.name },
    { header: 'DBAAS', get: (r) => r.managed ?? '<not managed>' },
    { header: 'EFFECTIVE', get: (r) => (r.effective === null ? '<unknown>' : shown(r.effective, r.unit)) },
    { header: 'APPLIES', get: (r) => r.applies ?? '' },
    { header: 'PENDING', get: (r) => (r.pendingRestart ? 'restart' : '') },
    { header: 'SOURCE', get: (r) => r.source ?? '', wide: true },
  ]
}

/** `config get`: the parameters, dbaas's value beside the server's. */
export const configWriter: Writer<ConfigView> = {
  data: (v) => v,
  notes: (v) => [...v.notes, ...(v.restartPending.length ? [`restart pending: ${v.restartPending.join(', ')} (\`dbaas restart ${v.name} -n ${v.namespace}\` applies ${v.restartPending.length > 1 ? 'them' : 'it'})`] : [])],
  human: (v, c) => c.printer.table(v.parameters, configColumns(), { wide: c.wide, noHeaders: c.noHeaders, empty: v.kind === 'ha-cluster' ? `HA cluster ${v.name} sets no parameter; \`dbaas ha config set ${v.name} key=value\` sets one.` : `dbaas manages no parameter of ${v.name}; \`dbaas config set ${v.name} key=value\` sets one.` }),
}
