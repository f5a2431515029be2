import { describe, expect, it } from 'vitest'
import { engineFromLabel, engineNames, engines, getEngine, resolveVersion } from '../../../src/engines/registry.ts'
import { UsageError } from '../../../src/errors.ts'

describe('engine registry', () => {
  it('has postgresql, mysql and mariadb', () => {
    expect(engineNames()).toEqual(['postgresql', 'mysql', 'mariadb'])
  })

  it.each([
    ['postgresql', 'postgresql'],
    ['postgres', 'postgresql'],
    ['pg', 'postgresql'],
    ['PG', 'postgresql'],
    ['MySQL', 'mysql'],
    ['mariadb', 'mariadb'],
  ])('getEngine(%s) → %s', (arg, name) => {
    expect(getEngine(arg).name).toBe(name)
  })

  it('an unknown engine is a usage error listing names and aliases', () => {
    expect(() => getEngine('oracle')).toThrow(UsageError)
    try {
      getEngine('oracle')
    } catch (err) {
      expect((err as UsageError).hint).toBe('use one of: postgresql/postgres/pg, mysql, mariadb')
    }
  })

  it('engineFromLabel accepts canonical names only', () => {
    expect(engineFromLabel('postgresql')?.name).toBe('postgresql')
    expect(engineFromLabel('pg')).toBeUndefined()
    expect(engineFromLabel(undefined)).toBeUndefined()
  })

  it('every engine has a default among its versions, official image, and a password env var', () => {
    for (const e of engines) {
      expect(e.versions).toContain(e.defaultVersion)
      expect(e.image).toBe(e.name === 'postgresql' ? 'postgres' : e.name)
      expect(['PGPASSWORD', 'MYSQL_PWD']).toContain(e.passwordEnv)
    }
    expect(getEngine('pg').rootPassword).toBe(false)
    expect(getEngine('mysql').rootPassword).toBe(true)
  })

  it('resolveVersion: default when absent, a leading v accepted, unknown refused listing versions', () => {
    const pg = getEngine('pg')
    expect(resolveVersion(pg, undefined)).toBe(pg.defaultVersion)
    expect(resolveVersion(pg, '')).toBe(pg.defaultVersion)
    expect(resolveVersion(pg, '17')).toBe('17')
    expect(resolveVersion(pg, 'v16')).toBe('16')
    const mysql = getEngine('mysql')
    try {
      resolveVersion(mysql, '9.9')
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError)
      expect((err as UsageError).message).toBe('MySQL version "9.9" is not supported')
      expect((err as UsageError).hint).toBe(`supported versions: ${mysql.versions.join(', ')} (default ${mysql.defaultVersion})`)
    }
    expect(() => resolveVersion(pg, '17.2')).toThrow(UsageError)
  })
})
