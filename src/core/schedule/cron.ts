// Cron lines for schedules: validated before anything is written, against the syntax Kubernetes itself accepts
// for a CronJob (robfig/cron's standard parser: five fields, `*` `?` `,` `-` `/`, month and weekday names, and
// the @hourly … @yearly macros), so a line that passes here is never refused by the API server. The next run
// times are computed by croner (a maintained, dependency-free cron library whose time-zone and DST handling
// goes through Intl); the grammar check is ours because croner accepts more than Kubernetes does (L, W, #,
// seconds, weekday 7). Pure: callers pass `from`.
import { Cron } from 'croner'
import { UsageError } from '../../errors.ts'

interface Field {
  name: string
  min: number
  max: number
  names?: Record<string, number>
}

const MONTHS = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 }
const DAYS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 }

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: DAYS },
]

/** The macros Kubernetes accepts, as the five fields they stand for. */
export const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

const HINT = 'five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *" (03:00 every day), "*/15 * * * *", "0 2 * * MON-FRI"'

function bad(cron: string, why: string, hint = HINT): UsageError {
  return new UsageError(`--cron "${cron}" is not a valid schedule: ${why}`, { hint })
}

function value(cron: string, f: Field, text: string): number {
  const named = f.names?.[text.toLowerCase()]
  if (named !== undefined) return named
  if (!/^[0-9]+$/.test(text)) {
    throw bad(cron, `"${text}" is not a number${f.names ? ` or a ${f.name === 'month' ? 'month' : 'weekday'} name` : ''} in the ${f.name} field`)
  }
  const n = Number(text)
  if (n < f.min || n > f.max) {
    const sunday = f.name === 'day of week' && n === 7 ? ' (use 0 or SUN for Sunday)' : ''
    throw bad(cron, `${n} is outside ${f.min}-${f.max} in the ${f.name} field${sunday}`)
  }
  return n
}

/** One field, checked as robfig/cron checks it; returns croner's spelling of it (`a/s` becomes `a-max/s`). */
function field(cron: string, f: Field, text: string): string {
  if (text === '') throw bad(cron, `the ${f.name} field is empty`)
  return text
    .split(',')
    .map((part) => {
      const [range, step, extra] = part.split('/')
      if (extra !== undefined) throw bad(cron, `"${part}" has two steps in the ${f.name} field`)
      if (step !== undefined && !/^[0-9]+$/.test(step)) throw bad(cron, `the step "${step}" in the ${f.name} field is not a number`)
      if (step !== undefined && Number(step) === 0) throw bad(cron, `a step of 0 in the ${f.name} field never advances`)
      if (range === '*' || range === '?') return step === undefined ? '*' : `*/${step}`
      if (range === undefined || range === '') throw bad(cron, `"${part}" is missing a value in the ${f.name} field`)
      const [lo, hi, more] = range.split('-')
      if (more !== undefined) throw bad(cron, `"${range}" is not a range in the ${f.name} field`)
      const start = value(cron, f, lo ?? '')
      const end = hi === undefined ? (step === undefined ? start : f.max) : value(cron, f, hi)
      if (end < start) throw bad(cron, `the range ${range} in the ${f.name} field ends before it starts`)
      const body = start === end && step === undefined ? String(start) : `${start}-${end}`
      return step === undefined ? body : `${body}/${step}`
    })
    .join(',')
}

export interface CronSpec {
  /** As the user typed it (trimmed). */
  text: string
  /** The five fields Kubernetes gets (a macro expanded). */
  fields: string
  /** The same in croner's spelling, for computing run times. */
  normalized: string
}

/** Validates a five-field cron line (or an @macro) as Kubernetes would; a UsageError (exit 2) says what is wrong. */
export function parseCron(input: string): CronSpec {
  const text = input.trim().replace(/\s+/g, ' ')
  if (text === '') throw bad(input, 'it is empty')
  if (/\bC?R?O?N?_?TZ=/.test(text) || text.startsWith('TZ=') || text.startsWith('CRON_TZ=')) {
    throw bad(input, 'a time zone goes in --time-zone, not in the cron line', 'e.g. --cron "0 3 * * *" --time-zone Europe/Berlin')
  }
  if (text.startsWith('@')) {
    const macro = MACROS[text.toLowerCase()]
    if (text.toLowerCase().startsWith('@every')) throw bad(input, '@every is an interval, not a calendar schedule', `write it as cron fields, e.g. @every 1h is "0 * * * *"; ${HINT}`)
    if (!macro) throw bad(input, `unknown macro ${text}`, `use one of ${Object.keys(MACROS).join(', ')}, or ${HINT}`)
    return { text, fields: macro, normalized: parseCron(macro).normalized }
  }
  const parts = text.split(' ')
  if (parts.length === 6) {
    throw bad(input, 'it has six fields; dbaas takes the standard five (minute first, no seconds)', `drop the leading seconds field: "${parts.slice(1).join(' ')}"`)
  }
  if (parts.length !== 5) throw bad(input, `it has ${parts.length} field${parts.length === 1 ? '' : 's'}, not five`)
  const normalized = parts.map((p, i) => field(input, FIELDS[i] as Field, p)).join(' ')
  return { text, fields: text, normalized }
}

/** CloudNativePG's ScheduledBackup takes six fields, seconds first: "0 " + the five. */
export function toCnpgSchedule(c: CronSpec): string {
  return `0 ${c.fields}`
}

/** An IANA time zone Intl knows (Europe/Berlin, UTC, America/New_York); a UsageError otherwise. */
export function validateTimeZone(zone: string): string {
  const z = zone.trim()
  let canonical: string | undefined
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: z }).resolvedOptions().timeZone
  } catch {
    canonical = undefined
  }
  // Fixed offsets ("+02:00") are accepted by Intl but not by Kubernetes, which loads IANA zone names.
  if (!canonical || /^[+-]/.test(z) || z === '') {
    throw new UsageError(`--time-zone "${zone}" is not a time zone`, { hint: 'use an IANA name such as Europe/Berlin, America/New_York or UTC' })
  }
  if (z.toLowerCase() === 'local') throw new UsageError('--time-zone Local is not allowed', { hint: 'name the zone, e.g. Europe/Berlin' })
  return z
}

/** The next `n` run times after `from` (UTC instants), the cron read in `zone` (UTC when none). */
export function nextRuns(c: CronSpec, zone: string | undefined, from: number, n = 3): Date[] {
  const job = new Cron(c.normalized, { paused: true, timezone: zone ?? 'UTC', mode: '5-part' })
  return job.nextRuns(n, new Date(from))
}

/** "2026-11-26 03:00 CET (Europe/Berlin)": a run time as a person reads it, in the schedule's zone. */
export function formatInZone(at: Date, zone: string | undefined): string {
  const z = zone ?? 'UTC'
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: z, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  )
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}${zone && zone !== 'UTC' ? ` (${zone})` : ''}`
}
