import { describe, expect, it } from 'vitest'
import { ConflictError, NotFoundError, UsageError } from '../../../src/errors.ts'
import { Printer, age, colorEnabled, type Column } from '../../../src/output/printer.ts'
import { parseOutput } from '../../../src/output/format.ts'
import { Capture, NOW } from '../../helpers/fake-deps.ts'

const ANSI = /\u001b\[/

function printer(env: NodeJS.ProcessEnv = {}, tty = false) {
  const out = new Capture(tty)
  const err = new Capture(tty)
  return { p: new Printer({ out, err }, env), out, err }
}

describe('parseOutput', () => {
  const all = ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath'] as const
  it('defaults to table and accepts the allowed formats', () => {
    expect(parseOutput(undefined, all)).toEqual({ format: 'table', noHeaders: false })
    expect(parseOutput('json', all)).toEqual({ format: 'json', noHeaders: false })
    expect(parseOutput('wide', ['table', 'wide'], true)).toEqual({ format: 'wide', noHeaders: true })
  })
  it('takes a jsonpath template, quoted or not', () => {
    expect(parseOutput('jsonpath={.name}', all)).toEqual({ format: 'jsonpath', template: '{.name}', noHeaders: false })
    expect(parseOutput("jsonpath='{.a}{\"\\n\"}'", all).template).toBe('{.a}{"\\n"}')
    expect(() => parseOutput('jsonpath=', all)).toThrow(/needs a template/)
  })
  it('refuses other formats with a usage error naming the allowed ones', () => {
    const e = (() => {
      try {
        parseOutput('wide', ['table', 'json', 'yaml'])
      } catch (err) {
        return err as UsageError
      }
    })()
    expect(e).toBeInstanceOf(UsageError)
    expect(e!.message).toBe('unknown output format "wide"')
    expect(e!.hint).toBe('use -o json|yaml')
    expect(() => parseOutput('JSON', all)).toThrow(UsageError)
  })
  it('--no-headers is for tables only', () => {
    expect(() => parseOutput('json', all, true)).toThrow(/--no-headers/)
  })
})

describe('Printer.table', () => {
  type Row = { name: string; status: string; extra: string }
  const cols: Column<Row>[] = [
    { header: 'NAME', get: (r) => r.name },
    { header: 'STATUS', get: (r) => r.status },
    { header: 'EXTRA', get: (r) => r.extra, wide: true },
  ]
  const rows: Row[] = [
    { name: 'orders', status: 'Ready', extra: 'x' },
    { name: 'a', status: 'Creating', extra: 'y' },
  ]

  it('prints a kubectl-like table: header row, aligned columns, no borders, no trailing spaces', () => {
    const { p, out, err } = printer()
    p.table(rows, cols)
    expect(out.text).toBe('NAME     STATUS\norders   Ready\na        Creating\n')
    expect(err.text).toBe('')
  })

  it('wide adds the wide columns', () => {
    const { p, out } = printer()
    p.table(rows, cols, { wide: true })
    expect(out.text.split('\n')[0]).toBe('NAME     STATUS     EXTRA')
  })

  it('--no-headers leaves the header row out', () => {
    const { p, out } = printer()
    p.table(rows, cols, { noHeaders: true })
    expect(out.text).toBe('orders   Ready\na        Creating\n')
  })

  it('no rows: a note on stderr and nothing on stdout', () => {
    const { p, out, err } = printer()
    p.table([], cols, { empty: 'No instances found.' })
    expect(out.text).toBe('')
    expect(err.text).toBe('No instances found.\n')
  })

  it('has no ANSI codes even on a TTY (table cells are plain)', () => {
    const { p, out } = printer({ FORCE_COLOR: '1' }, true)
    p.table(rows, cols)
    expect(out.text).not.toMatch(ANSI)
  })
})

describe('Printer.json and .yaml', () => {
  it('JSON arrays print as [] (never null) and end with a newline', () => {
    const { p, out } = printer()
    p.json([])
    expect(out.text).toBe('[]\n')
    expect(JSON.parse(out.text)).toEqual([])
  })
  it('YAML of an empty array is []', async () => {
    const { p, out } = printer()
    await p.yaml([])
    expect(out.text.trim()).toBe('[]')
  })
  it('round-trips objects', () => {
    const { p, out } = printer()
    p.json({ a: [1, { b: null }] })
    expect(JSON.parse(out.text)).toEqual({ a: [1, { b: null }] })
  })
})

describe('colour', () => {
  it('is off without a TTY, with NO_COLOR, or with TERM=dumb; on for a TTY or FORCE_COLOR', () => {
    expect(colorEnabled({ isTTY: false }, {})).toBe(false)
    expect(colorEnabled({ isTTY: true }, {})).toBe(true)
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false)
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false)
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false)
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true)
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false)
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true)
  })

  it('errors and warnings carry ANSI codes on a TTY and none with NO_COLOR or without a TTY', () => {
    const err = new NotFoundError('instance "x" not found', { hint: 'check the name' })
    const tty = printer({}, true)
    tty.p.error(err, false)
    tty.p.warn('careful')
    expect(tty.err.text).toMatch(ANSI)
    for (const { p, err: e } of [printer({ NO_COLOR: '1' }, true), printer({}, false)]) {
      p.error(err, false)
      p.warn('careful')
      expect(e.text).not.toMatch(ANSI)
    }
  })
})

describe('Printer.error', () => {
  it('human: "Error: <message>" then "Hint: <hint>" on stderr, nothing on stdout', () => {
    const { p, out, err } = printer()
    p.error(new ConflictError('instance "x" already exists', { hint: 'pick another name' }), false)
    expect(err.text).toBe('Error: instance "x" already exists\nHint: pick another name\n')
    expect(out.text).toBe('')
  })
  it('human without a hint prints no Hint line', () => {
    const { p, err } = printer()
    p.error(new UsageError('bad'), false)
    expect(err.text).toBe('Error: bad\n')
  })
  it('JSON: {"error":{code,message,hint}} on one stderr line', () => {
    const { p, out, err } = printer()
    p.error(new NotFoundError('instance "x" not found', { hint: 'check the name' }), true)
    expect(err.text.endsWith('\n')).toBe(true)
    expect(err.text.trim().split('\n')).toHaveLength(1)
    expect(JSON.parse(err.text)).toEqual({ error: { code: 'not_found', message: 'instance "x" not found', hint: 'check the name' } })
    expect(out.text).toBe('')
  })
})

describe('Printer.keyValues / line / note', () => {
  it('aligns keys', () => {
    const { p, out } = printer()
    p.keyValues([
      ['Host', 'h'],
      ['Database', 'd'],
    ])
    expect(out.text).toBe('Host:     h\nDatabase: d\n')
  })
  it('notes go to stderr, lines to stdout', () => {
    const { p, out, err } = printer()
    p.line('result')
    p.note('progress')
    expect(out.text).toBe('result\n')
    expect(err.text).toBe('progress\n')
  })
})

describe('age', () => {
  const ago = (s: number) => new Date(NOW - s * 1000).toISOString()
  it.each([
    [0, '0s'],
    [45, '45s'],
    [119, '119s'],
    [120, '2m'],
    [119 * 60 + 59, '119m'],
    [120 * 60, '2h'],
    [47 * 3600, '47h'],
    [48 * 3600, '2d'],
    [400 * 86400, '400d'],
  ])('%d s ago → %s', (s, want) => {
    expect(age(ago(s), NOW)).toBe(want)
  })
  it('unknown or future times', () => {
    expect(age(undefined, NOW)).toBe('<unknown>')
    expect(age(new Date(NOW + 60_000).toISOString(), NOW)).toBe('0s')
  })
})
