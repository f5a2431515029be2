// Where output goes: results to stdout, everything else (notes, warnings, errors) to stderr. Writers
// (output/writers/) decide how a result looks; the Printer only puts text on the right stream. Colour only
// for people: off without a TTY or with NO_COLOR.
import { Chalk } from 'chalk'
import type { DbaasError } from '../errors.ts'

export interface Streams {
  out: { write(s: string): unknown; isTTY?: boolean }
  err: { write(s: string): unknown; isTTY?: boolean }
}

export interface Column<T> {
  header: string
  get: (row: T) => string
  wide?: boolean
}

export interface Style {
  bold(s: string): string
  dim(s: string): string
  green(s: string): string
  yellow(s: string): string
  red(s: string): string
}

function style(enabled: boolean): Style {
  const c = new Chalk({ level: enabled ? 1 : 0 })
  return { bold: c.bold, dim: c.dim, green: c.green, yellow: c.yellow, red: c.red }
}

export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true
  return stream.isTTY === true && env.TERM !== 'dumb'
}

export interface TableOptions {
  wide?: boolean | undefined
  /** Said on stderr when there are no rows (kubectl's "No resources found."). */
  empty?: string | undefined
  noHeaders?: boolean | undefined
}

export class Printer {
  readonly streams: Streams
  readonly outStyle: Style
  readonly errStyle: Style
  /** The environment colours were decided from (NO_COLOR, FORCE_COLOR, TERM). */
  readonly colorEnv: NodeJS.ProcessEnv

  constructor(streams: Streams, env: NodeJS.ProcessEnv) {
    this.streams = streams
    this.colorEnv = env
    this.outStyle = style(colorEnabled(streams.out, env))
    this.errStyle = style(colorEnabled(streams.err, env))
  }

  /** A JSON document on stdout. Arrays print as arrays ([] rather than null). */
  json(value: unknown): void {
    this.streams.out.write(`${JSON.stringify(value, null, 2)}\n`)
  }

  /** A YAML document on stdout (the yaml library is loaded only for this). */
  async yaml(value: unknown): Promise<void> {
    const { toYaml } = await import('./yaml.ts')
    this.streams.out.write(toYaml(value))
  }

  /** Rows as a kubectl-style table (no borders, upper-case headers). */
  table<T>(rows: T[], columns: Column<T>[], opts: TableOptions = {}): void {
    if (rows.length === 0) {
      this.streams.err.write(`${opts.empty ?? 'No resources found.'}\n`)
      return
    }
    const cols = columns.filter((c) => opts.wide || !c.wide)
    const body = rows.map((r) => cols.map((c) => c.get(r)))
    this.streams.out.write(alignColumns(opts.noHeaders ? body : [cols.map((c) => c.header), ...body]))
  }

  /** Plain result lines (e.g. `instance "x" created`, names, URIs). */
  line(text = ''): void {
    this.streams.out.write(`${text}\n`)
  }

  /** Key/value sections for `status` and friends. */
  keyValues(pairs: Array<[string, string]>, indent = ''): void {
    const width = Math.max(...pairs.map(([k]) => k.length)) + 1
    for (const [k, v] of pairs) this.streams.out.write(`${indent}${`${k}:`.padEnd(width + 1)}${v}\n`)
  }

  /** Warnings and notes go to stderr. */
  warn(text: string): void {
    this.streams.err.write(`${this.errStyle.yellow('Warning:')} ${text}\n`)
  }

  note(text: string): void {
    this.streams.err.write(`${text}\n`)
  }

  error(err: DbaasError, json: boolean): void {
    if (json) {
      this.streams.err.write(`${JSON.stringify({ error: err.toJSON() })}\n`)
      return
    }
    this.streams.err.write(`${this.errStyle.red('Error:')} ${err.message}\n`)
    if (err.hint) this.streams.err.write(`${this.errStyle.dim('Hint:')} ${err.hint}\n`)
  }
}

/** kubectl-style ages: 45s, 12m, 3h, 5d. */
export function age(iso: string | undefined | null, now: number): string {
  if (!iso) return '<unknown>'
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000))
  if (s < 120) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 120) return `${m}m`
  const h = Math.floor(m / 60)
  if (h < 48) return `${h}h`
  return `${Math.floor(h / 24)}d`
}

const ANSI = /\u001b\[[0-9;]*m/g

/**
 * kubectl's table layout: no borders, columns padded to their widest cell, three spaces apart. (cli-table3
 * took 166 ms for 500 rows — longer than kubectl's whole list — so the borderless case is done here.)
 */
export function alignColumns(cells: string[][]): string {
  const widths: number[] = []
  for (const row of cells) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.replace(ANSI, '').length)))
  return cells
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - c.replace(ANSI, '').length + 3)))
        .join('')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n')
}
