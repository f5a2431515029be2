// The pure rules of upgrade and config, and the day-2 capability of each HA engine in the registry.
import { describe, expect, it } from 'vitest'
import { PreconditionError, UsageError } from '../../../src/errors.ts'
import { HA_ENGINES } from '../../../src/core/ha/registry.ts'
import { requireDay2 } from '../../../src/core/day2/ha.ts'
import { checkChange, classify, parseVersion, tagVersion } from '../../../src/core/day2/versions.ts'
import { checkValue, parseMySettings, parsePgSettings, pgSettingsSql } from '../../../src/core/day2/settings.ts'

const rules = (change: ReturnType<typeof classify>, allowMajor = false, allowDowngrade = false) => () =>
  checkChange(change, { current: 'a', wanted: 'b', allowMajor, allowDowngrade, what: 'instance x' })

function hintOf(f: () => void): string {
  try {
    f()
  } catch (e) {
    return (e as UsageError).hint ?? ''
  }
  throw new Error('it did not throw')
}

describe('upgrade: what a version change is, and which are refused (2)', () => {
  it('classifies per engine series: PostgreSQL majors are one number, MySQL/MariaDB two', () => {
    expect(classify('postgresql', '17.5', '17.6')).toBe('minor-up')
    expect(classify('postgresql', '17.6', '17.5')).toBe('minor-down')
    expect(classify('postgresql', '17.6', '18.1')).toBe('major-up')
    expect(classify('postgresql', '18.1', '17.6')).toBe('major-down')
    expect(classify('postgresql', '17.6', '17.6')).toBe('same')
    // A floating series tag: which minor runs is unknown.
    expect(classify('postgresql', '17', '17.6')).toBe('minor-pin')
    expect(classify('mysql', '8.0.40', '8.4.3')).toBe('major-up')
    expect(classify('mariadb', '11.8.2', '11.8.3')).toBe('minor-up')
    expect(classify('mariadb', '11.8.3', '11.4.5')).toBe('major-down')
  })

  it('a major downgrade is refused even when allowed; a major needs --allow-major; a minor downgrade --allow-downgrade', () => {
    expect(rules('major-down', true, true)).toThrow(UsageError)
    expect(rules('major-down', true, true)).toThrow(/not possible/)
    expect(rules('major-up')).toThrow(/is a major upgrade/)
    expect(hintOf(rules('major-up'))).toContain('--allow-major')
    expect(hintOf(rules('minor-down'))).toContain('--allow-downgrade')
    expect(rules('major-up', true)).not.toThrow()
    expect(rules('minor-down')).toThrow(/is a downgrade/)
    expect(rules('minor-down', false, true)).not.toThrow()
    expect(rules('minor-up')).not.toThrow()
  })

  it('reads versions and tags; anything else is a usage error', () => {
    expect(parseVersion('v17.6')).toEqual([17, 6])
    expect(() => parseVersion('latest')).toThrow(UsageError)
    expect(() => parseVersion('17.6.1.2')).toThrow(UsageError)
    expect(tagVersion('18.1-system-trixie')).toEqual({ version: '18.1', suffix: '-system-trixie' })
    expect(tagVersion('latest')).toBeUndefined()
  })
})

// Rows as PostgreSQL 17's pg_settings gives them for the select pgSettingsSql writes.
const PG = JSON.stringify([
  { name: 'max_connections', setting: '100', unit: null, vartype: 'integer', min_val: '1', max_val: '262143', enumvals: null, context: 'postmaster', source: 'configuration file', pending_restart: false },
  { name: 'work_mem', setting: '4096', unit: 'kB', vartype: 'integer', min_val: '64', max_val: '2147483647', enumvals: null, context: 'user', source: 'default', pending_restart: false },
  { name: 'log_min_messages', setting: 'warning', unit: null, vartype: 'enum', min_val: null, max_val: null, enumvals: ['debug5', 'info', 'notice', 'warning', 'error', 'log', 'fatal', 'panic'], context: 'superuser', source: 'default', pending_restart: false },
  { name: 'fsync', setting: 'on', unit: null, vartype: 'bool', min_val: null, max_val: null, enumvals: null, context: 'sighup', source: 'default', pending_restart: false },
  { name: 'block_size', setting: '8192', unit: null, vartype: 'integer', min_val: '8192', max_val: '8192', enumvals: null, context: 'internal', source: 'default', pending_restart: false },
])

describe('config: values checked against what the server says of each parameter', () => {
  const pg = parsePgSettings(PG)
  const s = (name: string) => pg.find((x) => x.name === name)!

  it('reads pg_settings: postmaster context needs a restart, internal cannot be set', () => {
    expect(s('max_connections')).toMatchObject({ value: '100', type: 'integer', restart: true, settable: true, min: 1, max: 262143 })
    expect(s('work_mem')).toMatchObject({ restart: false, unit: 'kB' })
    expect(s('block_size').settable).toBe(false)
    // The names are quoted as SQL literals.
    expect(pgSettingsSql(["x'y"])).toContain("'x''y'")
  })

  it('accepts values in range, with units converted to the parameter\'s own; normalises bools and enums', () => {
    expect(checkValue(s('max_connections'), '150', 'postgresql')).toBe('150')
    expect(checkValue(s('work_mem'), '64MB', 'postgresql')).toBe('64MB')
    expect(checkValue(s('fsync'), 'TRUE', 'postgresql')).toBe('on')
    expect(checkValue(s('log_min_messages'), 'ERROR', 'postgresql')).toBe('error')
  })

  it('refuses what the server would not take (2): out of range (units counted), wrong type, unknown enum, fixed, several lines', () => {
    expect(() => checkValue(s('max_connections'), '0', 'postgresql')).toThrow(/allows 1 at least/)
    expect(() => checkValue(s('max_connections'), 'many', 'postgresql')).toThrow(/whole number/)
    // 32 kB is below work_mem's 64 kB minimum although 32 < 64 only counts in kB.
    expect(() => checkValue(s('work_mem'), '32kB', 'postgresql')).toThrow(/allows 64 at least kB/)
    expect(() => checkValue(s('work_mem'), '3TB', 'postgresql')).toThrow(/allows 2147483647 at most kB/)
    expect(() => checkValue(s('work_mem'), '1parsec', 'postgresql')).toThrow(UsageError)
    expect(() => checkValue(s('log_min_messages'), 'loud', 'postgresql')).toThrow(/one of/)
    expect(() => checkValue(s('fsync'), 'maybe', 'postgresql')).toThrow(/boolean/)
    expect(() => checkValue(s('block_size'), '8192', 'postgresql')).toThrow(/cannot be set/)
    expect(() => checkValue(s('work_mem'), '1MB\nfsync = off', 'postgresql')).toThrow(/several lines/)
  })

  it('MariaDB describes its variables (READ_ONLY = restart); MySQL\'s are typed by value and its static list', () => {
    const maria = parseMySettings('max_connections\t151\tBIGINT UNSIGNED\t10\t100000\tNULL\tNO\tCOMPILE-TIME\ninnodb_log_file_size\t100663296\tBIGINT UNSIGNED\t4194304\t18446744073709551615\tNULL\tYES\tCONFIG\n')
    expect(maria[0]).toMatchObject({ name: 'max_connections', type: 'integer', restart: false, min: 10, max: 100000 })
    expect(maria[1]!.restart).toBe(true)
    expect(checkValue(maria[0]!, '150', 'mysql')).toBe('150')
    expect(() => checkValue(maria[0]!, '5', 'mysql')).toThrow(/allows 10 at least/)
    expect(() => checkValue(maria[0]!, '1.5', 'mysql')).toThrow(/whole number/)
    expect(() => checkValue({ ...maria[0]!, type: 'string' }, 'a"b', 'mysql')).toThrow(/quote/)
    const mysql = parseMySettings('innodb_log_file_size\t50331648\tAUTO\t4194304\tNULL\tNULL\tAUTO\tCOMPILED\nsql_safe_updates\tOFF\tAUTO\tNULL\tNULL\tNULL\tAUTO\tCOMPILED\n')
    expect(mysql[0]).toMatchObject({ type: 'integer', restart: true })
    expect(mysql[1]).toMatchObject({ type: 'bool', restart: false })
    expect(checkValue(mysql[0]!, '64M', 'mysql')).toBe('64M')
  })
})

describe('the HA registry: day-2 verbs for an engine without them exit 7 naming the engines that have them', () => {
  const others = HA_ENGINES.filter((e) => e.engine !== 'postgresql')

  it('CloudNativePG has every part', () => {
    const cnpg = HA_ENGINES.find((e) => e.engine === 'postgresql')!
    for (const part of ['resources', 'resize', 'hibernation', 'restart', 'upgrade', 'config'] as const) expect(() => requireDay2(cnpg, part, 'x')).not.toThrow()
  })

  it('config on Percona XtraDB Cluster and MariaDB operator clusters: their my.cnf text field', () => {
    for (const e of others) expect(requireDay2(e, 'config', 'ha config set').kind).toBe('my.cnf')
  })

  it.each(['resources', 'resize', 'hibernation', 'restart', 'upgrade'] as const)('%s on Percona XtraDB Cluster and MariaDB operator clusters: 7, naming CloudNativePG', (part) => {
    expect(others.map((e) => e.engine).sort()).toEqual(['mariadb', 'mysql'])
    for (const e of others) {
      let err: unknown
      try {
        requireDay2(e, part, 'ha restart')
      } catch (x) {
        err = x
      }
      expect(err).toBeInstanceOf(PreconditionError)
      expect((err as PreconditionError).exitCode).toBe(7)
      expect((err as Error).message).toContain(`not supported for ${e.displayName}`)
      expect((err as PreconditionError).hint).toContain('works for: postgresql (CloudNativePG operator)')
    }
  })
})
