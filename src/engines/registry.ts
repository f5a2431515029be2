// The engine registry: names, aliases, versions and the facts each chart needs.
import { UsageError } from '../errors.ts'
import type { Engine, EngineName } from './types.ts'

const postgresql: Engine = {
  name: 'postgresql',
  aliases: ['postgres', 'pg'],
  displayName: 'PostgreSQL',
  versions: ['19', '18', '17', '16', '15', '14'],
  defaultVersion: '18',
  image: 'postgres',
  chart: 'postgresql',
  container: 'postgresql',
  port: 5432,
  scheme: 'postgresql',
  clients: ['psql'],
  rootPassword: false,
  sharedMemory: true,
  passwordEnv: 'PGPASSWORD',
}

const mysql: Engine = {
  name: 'mysql',
  aliases: [],
  displayName: 'MySQL',
  versions: ['9.7', '8.4'],
  defaultVersion: '9.7',
  image: 'mysql',
  chart: 'mysql',
  container: 'mysql',
  port: 3306,
  scheme: 'mysql',
  clients: ['mysql', 'mariadb'],
  rootPassword: true,
  sharedMemory: false,
  passwordEnv: 'MYSQL_PWD',
}

const mariadb: Engine = {
  name: 'mariadb',
  aliases: [],
  displayName: 'MariaDB',
  versions: ['12.3', '11.8', '11.4', '10.11'],
  defaultVersion: '12.3',
  image: 'mariadb',
  chart: 'mariadb',
  container: 'mariadb',
  port: 3306,
  scheme: 'mysql',
  clients: ['mariadb', 'mysql'],
  rootPassword: true,
  sharedMemory: false,
  passwordEnv: 'MYSQL_PWD',
}

export const engines: readonly Engine[] = [postgresql, mysql, mariadb]

export function engineNames(): string[] {
  return engines.map((e) => e.name)
}

/** Finds an engine by name or alias, or throws a usage error listing the valid ones. */
export function getEngine(name: string): Engine {
  const key = name.toLowerCase()
  const e = engines.find((x) => x.name === key || x.aliases.includes(key))
  if (!e) {
    throw new UsageError(`unknown engine "${name}"`, {
      hint: `use one of: ${engines.map((x) => [x.name, ...x.aliases].join('/')).join(', ')}`,
    })
  }
  return e
}

/** Engines that dbaas wrote into a label: the canonical name only. */
export function engineFromLabel(name: string | undefined): Engine | undefined {
  return engines.find((e) => e.name === name)
}

export function resolveVersion(engine: Engine, version: string | undefined): string {
  if (version === undefined || version === '') return engine.defaultVersion
  const v = version.replace(/^v/, '')
  if (!engine.versions.includes(v)) {
    throw new UsageError(`${engine.displayName} version "${version}" is not supported`, {
      hint: `supported versions: ${engine.versions.join(', ')} (default ${engine.defaultVersion})`,
    })
  }
  return v
}

export type { Engine, EngineName }
