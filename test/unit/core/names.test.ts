import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../src/errors.ts'
import {
  MAX_NAME,
  defaultNamespace,
  parseBytes,
  parseDuration,
  validateCpu,
  validateIdentifier,
  validateMemory,
  validateName,
  validateNamespace,
  validateStorage,
} from '../../../src/core/names.ts'

function usage(fn: () => unknown): UsageError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(2)
    return err as UsageError
  }
  throw new Error('expected a UsageError')
}

describe('validateName', () => {
  it.each(['a', 'orders', 'orders-db', 'a1', 'x-1-y', 'a'.repeat(MAX_NAME)])('accepts %s', (n) => {
    expect(validateName(n)).toBe(n)
  })

  it.each([
    ['', /empty/],
    ['Bad_Name', /not valid/],
    ['Orders', /not valid/],
    ['1db', /not valid/], // DNS-1035: must start with a letter
    ['-db', /not valid/],
    ['db-', /not valid/],
    ['my.db', /not valid/],
    ['my_db', /not valid/],
    ['db ', /not valid/],
    ['é', /not valid/],
  ])('refuses %j', (n, msg) => {
    const e = usage(() => validateName(n))
    expect(e.message).toMatch(msg)
    expect(e.hint).toBeTruthy()
  })

  it('allows 40 characters and refuses 41, saying how long it is', () => {
    expect(MAX_NAME).toBe(40)
    expect(validateName('a'.repeat(40))).toHaveLength(40)
    const e = usage(() => validateName('a'.repeat(41)))
    expect(e.message).toContain('41 characters')
    expect(e.message).toContain('at most 40')
  })

  it('names what it validates', () => {
    expect(usage(() => validateName('X', 'backup name')).message).toContain('backup name')
  })
})

describe('validateNamespace / defaultNamespace', () => {
  it('accepts DNS-1123 labels (digits first allowed) up to 63', () => {
    expect(validateNamespace('1team')).toBe('1team')
    expect(validateNamespace('a'.repeat(63))).toHaveLength(63)
    usage(() => validateNamespace('a'.repeat(64)))
    usage(() => validateNamespace('Team'))
    usage(() => validateNamespace('team-'))
  })
  it('prefixes dbaas-', () => {
    expect(defaultNamespace('orders')).toBe('dbaas-orders')
  })
})

describe('parseBytes', () => {
  it.each([
    ['1073741824', 2 ** 30],
    ['1Ki', 1024],
    ['10Gi', 10 * 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['500Mi', 500 * 2 ** 20],
    ['2Ti', 2 * 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1k', 1000],
    ['500M', 500e6],
    ['1G', 1e9],
    ['1T', 1e12],
    [' 10Gi ', 10 * 2 ** 30],
  ])('%j → %d', (q, want) => {
    expect(parseBytes(q)).toBe(want)
  })
  it.each(['', 'Gi', '10gi', '10GB', '-1Gi', '1e3', '10 Gi', 'ten', '1.Gi', '10Ki5'])('%j is malformed', (q) => {
    expect(parseBytes(q)).toBeUndefined()
  })
})

describe('validateStorage', () => {
  it('returns the quantity unchanged', () => {
    expect(validateStorage('10Gi')).toBe('10Gi')
    expect(validateStorage('1Mi')).toBe('1Mi')
  })
  it('refuses malformed, zero and sub-MiB sizes', () => {
    expect(usage(() => validateStorage('10GB')).message).toMatch(/not a size/)
    expect(usage(() => validateStorage('0')).message).toMatch(/not a size/)
    expect(usage(() => validateStorage('1023Ki')).message).toMatch(/too small/)
  })
  it('names the flag it was given', () => {
    expect(usage(() => validateStorage('x', '--backup-storage')).message).toContain('--backup-storage')
  })
})

describe('validateMemory', () => {
  it('accepts 32Mi and more', () => {
    expect(validateMemory('512Mi')).toBe('512Mi')
    expect(validateMemory('32Mi')).toBe('32Mi')
    expect(validateMemory('2G')).toBe('2G')
  })
  it('refuses malformed and tiny amounts', () => {
    expect(usage(() => validateMemory('lots')).message).toMatch(/--memory "lots" is not a memory size/)
    expect(usage(() => validateMemory('31Mi')).message).toMatch(/too small/)
    usage(() => validateMemory('0'))
  })
})

describe('validateCpu', () => {
  it.each(['1', '2', '0.5', '0.125', '250m', '1000m'])('accepts %s', (c) => {
    expect(validateCpu(c)).toBe(c)
  })
  it.each(['0', '0m', '0.0', 'm', '1.2345', '-1', '1 core', '500M', 'abc', ''])('refuses %j', (c) => {
    expect(usage(() => validateCpu(c)).message).toContain('--cpu')
  })
})

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['250ms', 250],
    ['2d', 172_800_000],
    [' 10m ', 600_000],
  ])('%j → %d ms', (t, ms) => {
    expect(parseDuration(t)).toBe(ms)
  })
  it.each(['', '0s', '0m', 'm', '5x', '5m junk', 'm5', '-5m', '1h 30m'])('refuses %j', (t) => {
    expect(usage(() => parseDuration(t)).message).toMatch(/is not a duration/)
  })
  it('names the flag', () => {
    expect(usage(() => parseDuration('soon', '--request-timeout')).message).toContain('--request-timeout')
  })
  it('a bare 0 is treated like 0s (both refused)', () => {
    expect(() => parseDuration('0s')).toThrow(UsageError)
    expect(() => parseDuration('0')).toThrow(UsageError)
  })
})

describe('validateIdentifier', () => {
  it.each(['app', 'App_1', '_x', 'a'.repeat(32)])('accepts %s', (v) => {
    expect(validateIdentifier(v, '--database')).toBe(v)
  })
  it.each(['1app', 'my-db', 'a'.repeat(33), '', 'a b', 'ü'])('refuses %j', (v) => {
    expect(usage(() => validateIdentifier(v, '--database')).message).toContain('--database')
  })
  it.each(['root', 'postgres', 'MySQL', 'Root'])('refuses the reserved user %s', (v) => {
    expect(usage(() => validateIdentifier(v, '--user')).message).toMatch(/reserved/)
  })
  it('allows reserved words as a database name', () => {
    expect(validateIdentifier('postgres', '--database')).toBe('postgres')
  })
})
