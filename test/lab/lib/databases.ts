// The lab's real database servers on loopback: PostgreSQL 15 on 127.0.0.1:15432 and MariaDB on
// 127.0.0.1:13306 (plus DBAAS_LAB_PORT_OFFSET), each with its own data directory and password
// authentication over TCP.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ports } from './paths.ts'

export const pgBinDir = '/usr/lib/postgresql/15/bin'
export const adminPassword = 'lab-admin-password'

/** Connection facts of the lab's databases (the admin accounts are for fixtures, not for dbaas). */
export interface LabDatabaseFacts {
  host: string
  postgres: { port: number; adminUser: string; adminPassword: string; socketDir: string }
  mariadb: { port: number; adminUser: string; adminPassword: string; socket: string }
}

export function databaseFacts(dbDir: string): LabDatabaseFacts {
  return {
    host: '127.0.0.1',
    postgres: { port: ports.postgres, adminUser: 'postgres', adminPassword, socketDir: join(dbDir, 'postgres', 'run') },
    mariadb: { port: ports.mariadb, adminUser: 'root', adminPassword, socket: join(dbDir, 'mariadb', 'run', 'mariadb.sock') },
  }
}

export interface ServiceUser {
  uid?: number
  gid?: number
}

/** As root the servers run as their Debian service users (PostgreSQL refuses root); otherwise as we are. */
export function serviceUser(name: 'postgres' | 'mysql'): ServiceUser {
  if (process.getuid?.() !== 0) return {}
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim())
  return { uid, gid }
}

function ownedDir(dir: string, user: ServiceUser): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 })
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid)
}

function serverEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C', LC_ALL: 'C' }
}

export function postgresDirs(dbDir: string) {
  const root = join(dbDir, 'postgres')
  return { root, data: join(root, 'data'), run: join(root, 'run'), pwfile: join(root, 'pwfile') }
}

/** initdb once: superuser postgres with the admin password, trust on the local socket, scram over TCP. */
export function preparePostgres(dbDir: string): void {
  const d = postgresDirs(dbDir)
  const user = serviceUser('postgres')
  mkdirSync(dbDir, { recursive: true, mode: 0o755 })
  ownedDir(d.root, user)
  ownedDir(d.run, user)
  if (existsSync(join(d.data, 'PG_VERSION'))) return
  writeFileSync(d.pwfile, adminPassword + '\n', { mode: 0o600 })
  if (user.uid !== undefined && user.gid !== undefined) chownSync(d.pwfile, user.uid, user.gid)
  execFileSync(
    join(pgBinDir, 'initdb'),
    ['-D', d.data, '-U', 'postgres', `--pwfile=${d.pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256',
      '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions'],
    { ...user, env: serverEnv(d.root), cwd: d.root, stdio: ['ignore', 'ignore', 'pipe'] },
  )
}

export function postgresSpawn(dbDir: string) {
  const d = postgresDirs(dbDir)
  return {
    bin: join(pgBinDir, 'postgres'),
    args: ['-D', d.data, '-p', String(ports.postgres), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${d.run}`,
      '-c', 'shared_buffers=16MB', '-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off', '-c', 'password_encryption=scram-sha-256'],
    env: serverEnv(d.root),
    cwd: d.root,
    ...serviceUser('postgres'),
  }
}

export function mariadbDirs(dbDir: string) {
  const root = join(dbDir, 'mariadb')
  return { root, data: join(root, 'data'), run: join(root, 'run'), initFile: join(root, 'init.sql') }
}

/** mariadb-install-db once; an init file (run at every start) keeps root@'%' with the admin password. */
export function prepareMariadb(dbDir: string): void {
  const d = mariadbDirs(dbDir)
  const user = serviceUser('mysql')
  mkdirSync(dbDir, { recursive: true, mode: 0o755 })
  ownedDir(d.root, user)
  ownedDir(d.run, user)
  const sql = [
    `CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '${adminPassword}';`,
    `ALTER USER 'root'@'%' IDENTIFIED BY '${adminPassword}';`,
    `GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;`,
    'FLUSH PRIVILEGES;',
  ].join('\n')
  writeFileSync(d.initFile, sql + '\n', { mode: 0o600 })
  if (user.uid !== undefined && user.gid !== undefined) chownSync(d.initFile, user.uid, user.gid)
  if (existsSync(join(d.data, 'mysql'))) return
  ownedDir(d.data, user)
  execFileSync(
    'mariadb-install-db',
    ['--no-defaults', `--datadir=${d.data}`, '--auth-root-authentication-method=socket', '--skip-test-db',
      '--innodb-log-file-size=16M', '--innodb-buffer-pool-size=32M'],
    { ...user, env: serverEnv(d.root), cwd: d.root, stdio: ['ignore', 'ignore', 'pipe'] },
  )
}

export function mariadbSpawn(dbDir: string) {
  const d = mariadbDirs(dbDir)
  return {
    bin: '/usr/sbin/mariadbd',
    args: ['--no-defaults', `--datadir=${d.data}`, `--socket=${join(d.run, 'mariadb.sock')}`,
      `--pid-file=${join(d.run, 'mariadb.pid')}`, `--port=${ports.mariadb}`, '--bind-address=127.0.0.1',
      '--skip-name-resolve', `--init-file=${d.initFile}`, '--innodb-buffer-pool-size=32M', '--innodb-log-file-size=16M',
      '--performance-schema=OFF', '--skip-log-bin', '--innodb-flush-log-at-trx-commit=0', '--max-connections=200'],
    env: serverEnv(d.root),
    cwd: d.root,
    ...serviceUser('mysql'),
  }
}
