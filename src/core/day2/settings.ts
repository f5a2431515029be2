// What the running server says about its parameters, read through exec, and the checks of a value against
// it — pure functions over the rows. PostgreSQL: pg_settings (vartype, unit, min/max, enumvals, context,
// pending_restart). MariaDB: information_schema.SYSTEM_VARIABLES (type, numeric range, enum list,
// READ_ONLY = needs a restart). MySQL: SHOW VARIABLES (performance_schema.global_variables with
// variables_info's range), the type read off the current value, and the documented list of variables that
// only a restart changes.
import { UsageError } from '../../errors.ts'

/** One parameter as the server reports it, engine-neutral. */
export interface ServerSetting {
  name: string
  /** The effective value, as the server shows it (PostgreSQL: setting with its unit). */
  value: string
  /** bool, integer, real, enum, string (PostgreSQL's vartype; MariaDB's type folded onto these). */
  type: 'bool' | 'integer' | 'real' | 'enum' | 'string'
  unit: string | null
  min: number | null
  max: number | null
  enumValues: string[] | null
  /** Whether a new value needs a restart (PostgreSQL context postmaster; MySQL/MariaDB a read-only variable). */
  restart: boolean
  /** Can be set at all (not PostgreSQL's internal context). */
  settable: boolean
  /** Where the effective value comes from (PostgreSQL's source; MySQL's VARIABLE_SOURCE), when known. */
  source: string | null
  /** The server has a new value waiting for a restart (PostgreSQL's pending_restart). */
  pendingRestart: boolean
}

export const PG_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/
export const MY_NAME = /^[a-z_][a-z0-9_]*$/

/** The SQL that reads these parameters from pg_settings as one JSON line. */
export function pgSettingsSql(names: string[]): string {
  const list = names.length ? `where name in (${names.map((n) => `'${n.replace(/'/g, "''")}'`).join(', ')})` : ''
  return `select coalesce(json_agg(t), '[]') from (select name, setting, unit, vartype, min_val, max_val, enumvals, context, source, pending_restart from pg_settings ${list}) t;\n`
}

interface PgRow {
  name: string
  setting: string
  unit: string | null
  vartype: string
  min_val: string | null
  max_val: string | null
  enumvals: string[] | null
  context: string
  source: string | null
  pending_restart: boolean
}

export function parsePgSettings(json: string): ServerSetting[] {
  const rows = JSON.parse(json.trim() || '[]') as PgRow[]
  return rows.map((r) => ({
    name: r.name,
    value: r.setting,
    type: (['bool', 'integer', 'real', 'enum', 'string'].includes(r.vartype) ? r.vartype : 'string') as ServerSetting['type'],
    unit: r.unit,
    min: r.min_val === null ? null : Number(r.min_val),
    max: r.max_val === null ? null : Number(r.max_val),
    enumValues: r.enumvals,
    restart: r.context === 'postmaster',
    settable: r.context !== 'internal',
    source: r.source,
    pendingRestart: r.pending_restart === true,
  }))
}

const MEMORY: Record<string, number> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }
const TIME: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }

/** A PostgreSQL integer/real with an optional unit, in the parameter's own unit; undefined when malformed. */
export function pgNumber(value: string, unit: string | null): number | undefined {
  const m = /^\s*(-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\s*([a-zA-Z]+)?\s*$/.exec(value)
  if (!m) return undefined
  const n = Number(m[1])
  const u = m[2]
  if (!u) return n
  if (!unit) return undefined
  const base = unit === '8kB' ? { table: MEMORY, per: 8 * 1024 } : MEMORY[unit] !== undefined ? { table: MEMORY, per: MEMORY[unit] as number } : TIME[unit] !== undefined ? { table: TIME, per: TIME[unit] as number } : undefined
  const mult = base?.table[u]
  if (!base || mult === undefined) return undefined
  return (n * mult) / base.per
}

const BOOL_TRUE = ['on', 'true', 'yes', '1', 't', 'y']
const BOOL_FALSE = ['off', 'false', 'no', '0', 'f', 'n']

/** Checks a value against the server's own description of the parameter; returns it as it will be written. */
export function checkValue(s: ServerSetting, value: string, engine: 'postgresql' | 'mysql'): string {
  const bad = (why: string, hint: string): never => {
    throw new UsageError(`${s.name}=${value} is not valid: ${why}; nothing was changed`, { hint })
  }
  if (!s.settable) bad('the server fixes it (it cannot be set)', 'leave it out')
  if (/[\n\r]/.test(value)) bad('it spans several lines', 'give the value on one line')
  if (engine === 'mysql' && /["\\]/.test(value)) bad('it holds a quote or a backslash', 'give a value without " and \\')
  const v = value.trim()
  switch (s.type) {
    case 'bool':
      if (![...BOOL_TRUE, ...BOOL_FALSE].includes(v.toLowerCase())) bad('it is a boolean', 'use on or off')
      return BOOL_TRUE.includes(v.toLowerCase()) ? (engine === 'postgresql' ? 'on' : 'ON') : engine === 'postgresql' ? 'off' : 'OFF'
    case 'enum':
      if (!(s.enumValues ?? []).some((e) => e.toLowerCase() === v.toLowerCase())) bad(`it is one of ${(s.enumValues ?? []).join(', ')}`, `use one of: ${(s.enumValues ?? []).join(', ')}`)
      return (s.enumValues ?? []).find((e) => e.toLowerCase() === v.toLowerCase()) as string
    case 'integer':
    case 'real': {
      const n = engine === 'postgresql' ? pgNumber(v, s.unit) : mysqlNumber(v)
      const unitHint = s.unit ? ` (in ${s.unit}${s.unit === '8kB' || MEMORY[s.unit] !== undefined ? ', or with a unit: kB, MB, GB' : TIME[s.unit] !== undefined ? ', or with a unit: ms, s, min, h' : ''})` : ''
      if (n === undefined || (s.type === 'integer' && engine === 'mysql' && !Number.isInteger(n))) bad(`it is ${s.type === 'integer' ? 'a whole number' : 'a number'}${unitHint}`, `e.g. ${s.name}=${s.min ?? 0}`)
      if (s.min !== null && (n as number) < s.min) bad(`the server allows ${s.min} at least${s.unit ? ` ${s.unit}` : ''}`, `use a value from ${s.min} to ${s.max ?? '∞'}`)
      if (s.max !== null && (n as number) > s.max) bad(`the server allows ${s.max} at most${s.unit ? ` ${s.unit}` : ''}`, `use a value from ${s.min ?? '-∞'} to ${s.max}`)
      return v
    }
    default:
      return value
  }
}

/** MySQL numbers take K, M, G suffixes. */
export function mysqlNumber(v: string): number | undefined {
  const m = /^(-?[0-9]+(?:\.[0-9]+)?)([KMGkmg])?$/.exec(v)
  if (!m) return undefined
  return Number(m[1]) * ({ k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'k'] ?? 1)
}

/** MariaDB: information_schema.SYSTEM_VARIABLES, tab-separated (mariadb -N -B). */
export const MARIADB_SQL = (names: string[]) =>
  `SELECT LOWER(VARIABLE_NAME), IFNULL(GLOBAL_VALUE,''), VARIABLE_TYPE, IFNULL(NUMERIC_MIN_VALUE,'NULL'), IFNULL(NUMERIC_MAX_VALUE,'NULL'), IFNULL(ENUM_VALUE_LIST,'NULL'), READ_ONLY, IFNULL(GLOBAL_VALUE_ORIGIN,'NULL') FROM information_schema.SYSTEM_VARIABLES${names.length ? ` WHERE LOWER(VARIABLE_NAME) IN (${names.map((n) => `'${n}'`).join(',')})` : ''};\n`

/** MySQL: performance_schema's global variables with their range and source. */
export const MYSQL_SQL = (names: string[]) =>
  `SELECT LOWER(v.VARIABLE_NAME), v.VARIABLE_VALUE, 'AUTO', IFNULL(i.MIN_VALUE,'NULL'), IFNULL(i.MAX_VALUE,'NULL'), 'NULL', 'AUTO', IFNULL(i.VARIABLE_SOURCE,'NULL') FROM performance_schema.global_variables v LEFT JOIN performance_schema.variables_info i ON i.VARIABLE_NAME = v.VARIABLE_NAME${names.length ? ` WHERE LOWER(v.VARIABLE_NAME) IN (${names.map((n) => `'${n}'`).join(',')})` : ''};\n`

/**
 * MySQL variables that only a restart changes (the reference manual's "Dynamic: No"), for servers that do
 * not say so themselves (MariaDB's SYSTEM_VARIABLES.READ_ONLY does).
 */
export const MYSQL_STATIC = new Set([
  'back_log', 'basedir', 'bind_address', 'character_sets_dir', 'datadir', 'default_authentication_plugin', 'disabled_storage_engines', 'ft_max_word_len',
  'ft_min_word_len', 'ft_query_expansion_limit', 'ft_stopword_file', 'innodb_buffer_pool_chunk_size', 'innodb_buffer_pool_instances', 'innodb_data_file_path',
  'innodb_data_home_dir', 'innodb_doublewrite_files', 'innodb_flush_method', 'innodb_force_recovery', 'innodb_ft_cache_size', 'innodb_ft_max_token_size',
  'innodb_ft_min_token_size', 'innodb_log_buffer_size', 'innodb_log_file_size', 'innodb_log_files_in_group', 'innodb_numa_interleave', 'innodb_open_files',
  'innodb_page_size', 'innodb_read_io_threads', 'innodb_rollback_on_timeout', 'innodb_sort_buffer_size', 'innodb_temp_data_file_path', 'innodb_undo_directory',
  'innodb_use_native_aio', 'innodb_write_io_threads', 'large_pages', 'lower_case_table_names', 'max_digest_length', 'open_files_limit', 'performance_schema',
  'port', 'secure_file_priv', 'skip_external_locking', 'skip_name_resolve', 'skip_networking', 'skip_show_database', 'socket', 'table_open_cache_instances',
  'thread_handling', 'thread_stack', 'tmpdir',
])

function mariaType(t: string): ServerSetting['type'] {
  if (t === 'BOOLEAN') return 'bool'
  if (t === 'ENUM') return 'enum'
  if (/INT/.test(t)) return 'integer'
  if (t === 'DOUBLE') return 'real'
  return 'string'
}

/** Parses the tab-separated rows of MARIADB_SQL or MYSQL_SQL. */
export function parseMySettings(tsv: string): ServerSetting[] {
  return tsv
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [name = '', value = '', type = 'AUTO', min = 'NULL', max = 'NULL', enums = 'NULL', readOnly = 'AUTO', source = 'NULL'] = l.split('\t')
      const inferred: ServerSetting['type'] = type !== 'AUTO' ? mariaType(type) : /^(ON|OFF)$/.test(value) ? 'bool' : /^-?[0-9]+$/.test(value) ? 'integer' : /^-?[0-9]+\.[0-9]+$/.test(value) ? 'real' : 'string'
      return {
        name,
        value,
        type: inferred,
        unit: null,
        min: min === 'NULL' ? null : Number(min),
        max: max === 'NULL' ? null : Number(max),
        enumValues: enums === 'NULL' ? null : enums.split(','),
        restart: readOnly === 'AUTO' ? MYSQL_STATIC.has(name) : readOnly === 'YES',
        settable: true,
        source: source === 'NULL' ? null : source,
        pendingRestart: false,
      }
    })
}

/** The generation line the charts write into the configuration file: sha256 of the values' JSON (as helm's toJson writes it). */
export function generationOf(config: Record<string, string>, sha256hex: (s: string) => string): string {
  const sorted = Object.fromEntries(Object.keys(config).sort().map((k) => [k, config[k]]))
  // Go's encoding/json escapes <, > and & (and U+2028/9); JSON.stringify does not.
  const json = JSON.stringify(sorted).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
  return sha256hex(json).slice(0, 12)
}
