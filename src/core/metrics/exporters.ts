// What dbaas knows about each metrics exporter: where it listens, the least-privilege user it logs in as and
// how that user is made (SQL sent through exec into the database container, on stdin — never in argv), and
// how the figures a person looks at first are read from its metric names. One entry per engine, plus
// CloudNativePG's built-in exporter; an engine without an entry has no metrics (a usage error, exit 2).
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto'
import { UsageError } from '../../errors.ts'
import { max, select, sum, type Exposition } from './exposition.ts'

export type Flavor = 'postgres_exporter' | 'mysqld_exporter' | 'cnpg'

/** The monitoring user every dbaas exporter logs in as. */
export const MONITORING_USER = 'dbaas_monitor'
/** The credentials Secret's key holding its password. */
export const MONITORING_PASSWORD_KEY = 'monitoring-password'

export interface ExporterSpec {
  flavor: Flavor
  /** The exporter's name and version, as the sidecar runs it. */
  exporter: string
  port: number
  /** The privileges the monitoring user gets, for people. */
  grants: string
}

export const EXPORTERS: Record<string, ExporterSpec> = {
  postgresql: { flavor: 'postgres_exporter', exporter: 'postgres_exporter 0.20.1', port: 9187, grants: 'pg_monitor' },
  mysql: { flavor: 'mysqld_exporter', exporter: 'mysqld_exporter 0.20.0', port: 9104, grants: 'PROCESS, REPLICATION CLIENT, SELECT' },
  mariadb: { flavor: 'mysqld_exporter', exporter: 'mysqld_exporter 0.20.0', port: 9104, grants: 'PROCESS, REPLICATION CLIENT, SLAVE MONITOR, SELECT' },
}

/** CloudNativePG's instance manager serves its own metrics on port 9187, named `metrics`. */
export const CNPG_EXPORTER: ExporterSpec = { flavor: 'cnpg', exporter: 'CloudNativePG instance manager', port: 9187, grants: 'pg_monitor (the operator\'s)' }

/** The exporter of an engine, or a usage error saying there is none. */
export function exporterFor(engine: string): ExporterSpec {
  const e = EXPORTERS[engine]
  if (!e) {
    throw new UsageError(`dbaas has no metrics exporter for engine "${engine}"`, {
      hint: `metrics are available for ${Object.keys(EXPORTERS).join(', ')} instances and PostgreSQL HA clusters`,
    })
  }
  return e
}

// ---- the monitoring user ----

const b64 = (b: Buffer) => b.toString('base64')

/**
 * PostgreSQL's SCRAM-SHA-256 verifier for a password (RFC 5802/7677, as PostgreSQL stores it in pg_authid):
 * sent instead of the password, so the server, its logs and pg_stat_activity never see the password itself.
 * The password must be plain ASCII (dbaas generates alphanumeric ones): SASLprep then leaves it unchanged.
 */
export function scramVerifier(password: string, salt: Buffer, iterations = 4096): string {
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`
const myString = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`

export interface UserSetup {
  /** The command run in the database container (a shell reading SQL from stdin). */
  command: string[]
  /** Everything the command reads: for MySQL/MariaDB the root password's line first, then SQL. */
  stdin: string
}

/** psql over the container's socket as the image's superuser, SQL from stdin, stopping at the first error. */
export const PSQL_COMMAND = ['sh', '-c', 'exec psql -X -q -v ON_ERROR_STOP=1 -U "${POSTGRES_USER:-postgres}" -d postgres']

/** mysql/mariadb as root; the first stdin line is root's password (MYSQL_PWD), never argv. */
export const MYSQL_COMMAND = [
  'sh',
  '-c',
  'IFS= read -r MYSQL_PWD; export MYSQL_PWD; ' + 'if command -v mariadb >/dev/null 2>&1; then c=mariadb; else c=mysql; fi; ' + 'exec "$c" -u root -N -B',
]

/**
 * The statements that create (or bring up to date) the monitoring user: idempotent, so enabling metrics twice
 * or after a password change just sets it again. PostgreSQL: a LOGIN role in pg_monitor with a SCRAM verifier
 * and 3 connections at most. MySQL/MariaDB: a user of 127.0.0.1 (the sidecar shares the pod's loopback) with
 * 3 connections at most and the grants mysqld_exporter's README asks for; MariaDB also needs SLAVE MONITOR
 * for SHOW SLAVE STATUS since 10.5.9 (without it the exporter's replication collector fails).
 */
export function userSetup(engine: string, password: string, opts: { rootPassword?: string | undefined; salt: Buffer }): UserSetup {
  const spec = exporterFor(engine)
  if (spec.flavor === 'postgres_exporter') {
    const u = `"${MONITORING_USER}"`
    const sql = [
      `SELECT 'CREATE ROLE ${u}' WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${sqlString(MONITORING_USER)}) \\gexec`,
      `ALTER ROLE ${u} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE CONNECTION LIMIT 3 PASSWORD ${sqlString(scramVerifier(password, opts.salt))};`,
      `GRANT pg_monitor TO ${u};`,
      // The client quits by itself: an exec's stdin may never report its end (the client would wait for it).
      '\\q',
      '',
    ].join('\n')
    return { command: PSQL_COMMAND, stdin: sql }
  }
  if (opts.rootPassword === undefined) throw new UsageError(`the credentials Secret has no root-password, which creating the monitoring user needs`)
  const who = `${myString(MONITORING_USER)}@'127.0.0.1'`
  const pw = myString(password)
  const sql = [
    `CREATE USER IF NOT EXISTS ${who} IDENTIFIED BY ${pw} WITH MAX_USER_CONNECTIONS 3;`,
    `ALTER USER ${who} IDENTIFIED BY ${pw} WITH MAX_USER_CONNECTIONS 3;`,
    `GRANT ${spec.grants} ON *.* TO ${who};`,
    'quit',
    '',
  ].join('\n')
  return { command: MYSQL_COMMAND, stdin: `${opts.rootPassword}\n${sql}` }
}

/** Removes the monitoring user (metrics disable): idempotent. */
export function userRemoval(engine: string, opts: { rootPassword?: string | undefined }): UserSetup {
  const spec = exporterFor(engine)
  if (spec.flavor === 'postgres_exporter') {
    return { command: PSQL_COMMAND, stdin: `DROP ROLE IF EXISTS "${MONITORING_USER}";\n\\q\n` }
  }
  if (opts.rootPassword === undefined) throw new UsageError(`the credentials Secret has no root-password, which removing the monitoring user needs`)
  return { command: MYSQL_COMMAND, stdin: `${opts.rootPassword}\nDROP USER IF EXISTS ${myString(MONITORING_USER)}@'127.0.0.1';\nquit\n` }
}

// ---- figures ----

/** One scrape of an exporter. */
export interface Reading {
  /** When it was read (ms). */
  at: number
  exposition: Exposition
}

/** What a person looks at first; null where the exporter does not expose it (or a rate has one reading only). */
export interface Figures {
  up: boolean | null
  uptimeSeconds: number | null
  connections: { used: number | null; max: number | null }
  /** Transactions (commits and rollbacks) per second between two readings. */
  tps: number | null
  /** Statements per second (MySQL/MariaDB's Questions); null for PostgreSQL. */
  qps: number | null
  /** Reads served from the buffer cache, 0..1, since the statistics were last reset. */
  cacheHitRatio: number | null
  /** Sum of the databases' sizes (PostgreSQL: every database but the templates; MySQL: data and indexes). */
  sizeBytes: number | null
  /** A standby's (or the worst replica's, read on a primary) replication lag. */
  replicationLagSeconds: number | null
  /** Statements over long_query_time since start (MySQL/MariaDB's Slow_queries). */
  slowQueries: number | null
  /** The longest running active transaction (PostgreSQL), in seconds. */
  longestTransactionSeconds: number | null
}

/** The counters a rate needs, read from one exposition. */
interface Counters {
  transactions: number | undefined
  statements: number | undefined
}

const notTemplate = (s: { labels: Record<string, string> }) => s.labels.datname !== 'template0' && s.labels.datname !== 'template1'
const orNull = (v: number | undefined): number | null => (v === undefined || Number.isNaN(v) ? null : v)

function ratio(hit: number | undefined, miss: number | undefined): number | null {
  if (hit === undefined || miss === undefined || hit + miss === 0) return null
  return hit / (hit + miss)
}

function postgresFigures(e: Exposition, now: number): { figures: Omit<Figures, 'tps' | 'qps'>; counters: Counters } {
  const start = max(e, 'pg_postmaster_start_time_seconds')
  const lag = max(e, 'pg_replication_lag_seconds') ?? max(e, 'pg_replication_lag')
  return {
    figures: {
      up: select(e, 'pg_up').length ? max(e, 'pg_up') === 1 : null,
      uptimeSeconds: start === undefined ? null : Math.max(0, now / 1000 - start),
      connections: { used: orNull(sum(e, 'pg_stat_database_numbackends')), max: orNull(max(e, 'pg_settings_max_connections')) },
      cacheHitRatio: ratio(sum(e, 'pg_stat_database_blks_hit'), sum(e, 'pg_stat_database_blks_read')),
      sizeBytes: orNull(sum(e, 'pg_database_size_bytes', {}, notTemplate)),
      replicationLagSeconds: orNull(lag),
      slowQueries: null,
      longestTransactionSeconds: orNull(max(e, 'pg_stat_activity_max_tx_duration', { state: 'active' })),
    },
    counters: {
      transactions: add(sum(e, 'pg_stat_database_xact_commit'), sum(e, 'pg_stat_database_xact_rollback')),
      statements: undefined,
    },
  }
}

function cnpgFigures(e: Exposition, now: number): { figures: Omit<Figures, 'tps' | 'qps'>; counters: Counters } {
  const start = max(e, 'cnpg_pg_postmaster_start_time')
  // A standby reports its own lag; a primary the worst of its standbys' replay lag.
  const lag = max(e, 'cnpg_pg_replication_lag')
  const replicas = max(e, 'cnpg_pg_stat_replication_replay_lag_seconds')
  return {
    figures: {
      up: select(e, 'cnpg_collector_up').length ? max(e, 'cnpg_collector_up') === 1 : null,
      uptimeSeconds: start === undefined ? null : Math.max(0, now / 1000 - start),
      connections: { used: orNull(sum(e, 'cnpg_backends_total')), max: orNull(max(e, 'cnpg_pg_settings_setting', { name: 'max_connections' })) },
      cacheHitRatio: ratio(sum(e, 'cnpg_pg_stat_database_blks_hit'), sum(e, 'cnpg_pg_stat_database_blks_read')),
      sizeBytes: orNull(sum(e, 'cnpg_pg_database_size_bytes', {}, notTemplate)),
      replicationLagSeconds: lag !== undefined && lag > 0 ? lag : orNull(replicas ?? lag),
      slowQueries: null,
      longestTransactionSeconds: orNull(max(e, 'cnpg_backends_max_tx_duration_seconds', { state: 'active' })),
    },
    counters: {
      transactions: add(sum(e, 'cnpg_pg_stat_database_xact_commit'), sum(e, 'cnpg_pg_stat_database_xact_rollback')),
      statements: undefined,
    },
  }
}

function mysqlFigures(e: Exposition): { figures: Omit<Figures, 'tps' | 'qps'>; counters: Counters } {
  const reads = max(e, 'mysql_global_status_innodb_buffer_pool_reads')
  const requests = max(e, 'mysql_global_status_innodb_buffer_pool_read_requests')
  return {
    figures: {
      up: select(e, 'mysql_up').length ? max(e, 'mysql_up') === 1 : null,
      uptimeSeconds: orNull(max(e, 'mysql_global_status_uptime')),
      connections: { used: orNull(max(e, 'mysql_global_status_threads_connected')), max: orNull(max(e, 'mysql_global_variables_max_connections')) },
      // read_requests counts every logical read, reads those that went to disk.
      cacheHitRatio: reads === undefined || requests === undefined || requests === 0 ? null : Math.max(0, 1 - reads / requests),
      sizeBytes: orNull(add(sum(e, 'mysql_info_schema_table_size', { component: 'data_length' }), sum(e, 'mysql_info_schema_table_size', { component: 'index_length' }))),
      replicationLagSeconds: orNull(max(e, 'mysql_slave_status_seconds_behind_master')),
      slowQueries: orNull(max(e, 'mysql_global_status_slow_queries')),
      longestTransactionSeconds: null,
    },
    counters: {
      transactions: add(max(e, 'mysql_global_status_commands_total', { command: 'commit' }), max(e, 'mysql_global_status_commands_total', { command: 'rollback' })),
      statements: max(e, 'mysql_global_status_questions'),
    },
  }
}

function add(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined && b === undefined) return undefined
  return (a ?? 0) + (b ?? 0)
}

function read(flavor: Flavor, r: Reading) {
  return flavor === 'postgres_exporter' ? postgresFigures(r.exposition, r.at) : flavor === 'cnpg' ? cnpgFigures(r.exposition, r.at) : mysqlFigures(r.exposition)
}

/** A counter's rate between two readings; null without an earlier one, or when it went back (a restart). */
function rate(now: number | undefined, then: number | undefined, seconds: number): number | null {
  if (now === undefined || then === undefined || seconds <= 0 || now < then) return null
  return (now - then) / seconds
}

/** The figures of the latest reading; rates (TPS, QPS) need the reading before it. */
export function figures(flavor: Flavor, cur: Reading, prev?: Reading): Figures {
  const c = read(flavor, cur)
  const p = prev ? read(flavor, prev) : undefined
  const dt = prev ? (cur.at - prev.at) / 1000 : 0
  return {
    ...c.figures,
    tps: p ? rate(c.counters.transactions, p.counters.transactions, dt) : null,
    qps: p ? rate(c.counters.statements, p.counters.statements, dt) : null,
  }
}

/**
 * The metric names each figure is read from, per flavor: documentation, and what the dashboards test checks
 * against the real exporters' output alongside the dashboards' own queries.
 */
export const FIGURE_METRICS: Record<Flavor, string[]> = {
  postgres_exporter: [
    'pg_up',
    'pg_stat_database_numbackends',
    'pg_settings_max_connections',
    'pg_stat_database_xact_commit',
    'pg_stat_database_xact_rollback',
    'pg_stat_database_blks_hit',
    'pg_stat_database_blks_read',
    'pg_database_size_bytes',
    'pg_stat_activity_max_tx_duration',
  ],
  mysqld_exporter: [
    'mysql_up',
    'mysql_global_status_uptime',
    'mysql_global_status_threads_connected',
    'mysql_global_variables_max_connections',
    'mysql_global_status_commands_total',
    'mysql_global_status_questions',
    'mysql_global_status_innodb_buffer_pool_reads',
    'mysql_global_status_innodb_buffer_pool_read_requests',
    'mysql_info_schema_table_size',
    'mysql_global_status_slow_queries',
  ],
  cnpg: [
    'cnpg_collector_up',
    'cnpg_backends_total',
    'cnpg_pg_settings_setting',
    'cnpg_pg_stat_database_xact_commit',
    'cnpg_pg_stat_database_xact_rollback',
    'cnpg_pg_stat_database_blks_hit',
    'cnpg_pg_stat_database_blks_read',
    'cnpg_pg_database_size_bytes',
    'cnpg_pg_replication_lag',
    'cnpg_pg_postmaster_start_time',
    'cnpg_backends_max_tx_duration_seconds',
  ],
}

/** Every metric the figures read, per flavor: what a refresh parses (the rest of an exposition is skipped). */
export const READ_METRICS: Record<Flavor, ReadonlySet<string>> = {
  postgres_exporter: new Set([...FIGURE_METRICS.postgres_exporter, 'pg_postmaster_start_time_seconds', 'pg_replication_lag_seconds', 'pg_replication_lag']),
  mysqld_exporter: new Set([...FIGURE_METRICS.mysqld_exporter, 'mysql_slave_status_seconds_behind_master']),
  cnpg: new Set([...FIGURE_METRICS.cnpg, 'cnpg_pg_stat_replication_replay_lag_seconds']),
}
