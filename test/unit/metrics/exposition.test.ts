// The exposition parser on the real exporters' output (captured from the lab's Debian postgres_exporter
// 0.11.1 and mysqld_exporter 0.14.0) and on the format's corners, and the figures read from it.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ExpositionError, max, metricNames, parseExposition, select, sum } from '../../../src/core/metrics/exposition.ts'
import { figures, FIGURE_METRICS, READ_METRICS } from '../../../src/core/metrics/exporters.ts'

const fixture = (f: string) => readFileSync(new URL(`../../fixtures/metrics/${f}`, import.meta.url), 'utf8')
const pgText = fixture('postgres_exporter-0.11.1.txt')
const myText = fixture('mysqld_exporter-0.14.0.txt')

/** The samples counted the plain way: non-comment, non-empty lines. */
const sampleLines = (t: string) => t.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))

describe('parseExposition on real exporters', () => {
  it.each([
    ['postgres_exporter', pgText],
    ['mysqld_exporter', myText],
  ])('%s: every sample line becomes one sample, every TYPE line a type', (_n, text) => {
    const e = parseExposition(text)
    expect(e.samples.length).toBe(sampleLines(text).length)
    expect(e.types.size).toBe(text.split('\n').filter((l) => l.startsWith('# TYPE ')).length)
  })

  it('reads labels and values as the exporter wrote them', () => {
    const e = parseExposition(pgText)
    const line = sampleLines(pgText).find((l) => l.startsWith('pg_stat_activity_count{') && l.includes('state="idle in transaction (aborted)"'))!
    const s = select(e, 'pg_stat_activity_count', { state: 'idle in transaction (aborted)' })[0]!
    expect(line).toContain(`datname="${s.labels.datname}"`)
    expect(String(s.value)).toBe(line.split(' ').at(-1))
    expect(max(e, 'pg_up')).toBe(1)
  })

  it('mysqld_exporter: labelled counters (commands_total{command})', () => {
    const e = parseExposition(myText)
    const commits = select(e, 'mysql_global_status_commands_total', { command: 'commit' })
    expect(commits).toHaveLength(1)
    expect(metricNames(e).has('mysql_global_variables_max_connections')).toBe(true)
  })

  it('every metric a figure is read from is there (CloudNativePG\'s are checked against its own queries in the e2e dashboards test)', () => {
    expect(FIGURE_METRICS.postgres_exporter.filter((m) => !metricNames(parseExposition(pgText)).has(m))).toEqual([])
    // mysql_info_schema_table_size needs --collect.info_schema.tables, which the sidecar passes and so did the capture.
    expect(FIGURE_METRICS.mysqld_exporter.filter((m) => !metricNames(parseExposition(myText)).has(m))).toEqual([])
  })
})

describe('parsing only the metrics a refresh reads', () => {
  it.each([
    ['postgres_exporter', pgText],
    ['mysqld_exporter', myText],
  ] as const)('%s: the same figures as a full parse, from fewer samples', (flavor, text) => {
    const full = parseExposition(text)
    const some = parseExposition(text, READ_METRICS[flavor])
    expect(some.samples.length).toBeLessThan(full.samples.length / 2)
    expect(figures(flavor, { at: 5000, exposition: some }, { at: 0, exposition: some })).toEqual(figures(flavor, { at: 5000, exposition: full }, { at: 0, exposition: full }))
  })
})

describe('parseExposition corners', () => {
  it('escapes, special values, timestamps, CRLF, empty label sets and trailing commas', () => {
    const e = parseExposition('# HELP x a help line\r\n# TYPE x gauge\r\nx{a="q\\"uo\\\\te\\nd",b=""} NaN 1700000000000\r\ny +Inf\nz{} -Inf\nw{a="1",} 2.5e3\n')
    expect(select(e, 'x')[0]?.labels).toEqual({ a: 'q"uo\\te\nd', b: '' })
    expect(Number.isNaN(select(e, 'x')[0]?.value)).toBe(true)
    expect(max(e, 'y')).toBe(Number.POSITIVE_INFINITY)
    expect(max(e, 'z')).toBe(Number.NEGATIVE_INFINITY)
    expect(max(e, 'w')).toBe(2500)
    expect(e.types.get('x')).toBe('gauge')
    // NaN samples are left out of sums.
    expect(sum(e, 'x')).toBeUndefined()
  })

  it.each([
    ['a value that is not a number', 'x{a="1"} abc', 1],
    ['an unterminated label value', 'ok 1\nx{a="1} 2', 2],
    ['a label without ="…"', 'x{a=1} 2', 1],
    ['no metric name', '{a="1"} 2', 1],
  ])('rejects %s with its line number', (_why, text, line) => {
    try {
      parseExposition(text)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ExpositionError)
      expect((err as ExpositionError).line).toBe(line)
    }
  })
})

describe('figures', () => {
  it('postgres_exporter: connections, max, cache hit ratio and size from the samples; TPS from two readings', () => {
    const e = parseExposition(pgText)
    const f = figures('postgres_exporter', { at: 10_000, exposition: e })
    const backends = sampleLines(pgText).filter((l) => l.startsWith('pg_stat_database_numbackends{')).reduce((a, l) => a + Number(l.split(' ').at(-1)), 0)
    expect(f.up).toBe(true)
    expect(f.connections).toEqual({ used: backends, max: max(e, 'pg_settings_max_connections') })
    const hit = sum(e, 'pg_stat_database_blks_hit')!
    const read = sum(e, 'pg_stat_database_blks_read')!
    expect(f.cacheHitRatio).toBeCloseTo(hit / (hit + read), 10)
    expect(f.sizeBytes).toBe(sum(e, 'pg_database_size_bytes', {}, (s) => !s.labels.datname?.startsWith('template')))
    expect(f.tps).toBeNull()
    // 50 more commits and 10 more rollbacks in the first database, 2 s later: 30 per second.
    const bumped = pgText
      .split('\n')
      .map((l) => {
        const m = /^(pg_stat_database_xact_(commit|rollback))(\{[^}]*datname="postgres"[^}]*\}) (\S+)$/.exec(l)
        return m ? `${m[1]}${m[3]} ${Number(m[4]) + (m[2] === 'commit' ? 50 : 10)}` : l
      })
      .join('\n')
    const f2 = figures('postgres_exporter', { at: 12_000, exposition: parseExposition(bumped) }, { at: 10_000, exposition: e })
    expect(f2.tps).toBe(30)
    expect(f2.qps).toBeNull()
  })

  it('mysqld_exporter: threads, max_connections, buffer pool hit ratio, table sizes, slow queries, uptime', () => {
    const e = parseExposition(myText)
    const f = figures('mysqld_exporter', { at: 0, exposition: e })
    expect(f.up).toBe(true)
    expect(f.connections.used).toBe(max(e, 'mysql_global_status_threads_connected'))
    expect(f.connections.max).toBe(max(e, 'mysql_global_variables_max_connections'))
    expect(f.cacheHitRatio).toBeCloseTo(1 - max(e, 'mysql_global_status_innodb_buffer_pool_reads')! / max(e, 'mysql_global_status_innodb_buffer_pool_read_requests')!, 10)
    expect(f.sizeBytes).toBe(sum(e, 'mysql_info_schema_table_size', { component: 'data_length' })! + sum(e, 'mysql_info_schema_table_size', { component: 'index_length' })!)
    expect(f.slowQueries).toBe(max(e, 'mysql_global_status_slow_queries'))
    expect(f.uptimeSeconds).toBe(max(e, 'mysql_global_status_uptime'))
    expect(f.replicationLagSeconds).toBeNull()
  })

  it('a counter that went back (the server restarted) gives no rate rather than a negative one', () => {
    const a = parseExposition('mysql_up 1\nmysql_global_status_questions 100\n')
    const b = parseExposition('mysql_up 1\nmysql_global_status_questions 5\n')
    expect(figures('mysqld_exporter', { at: 1000, exposition: b }, { at: 0, exposition: a }).qps).toBeNull()
    expect(figures('mysqld_exporter', { at: 1000, exposition: a }, { at: 0, exposition: b }).qps).toBe(95)
  })

  it('CloudNativePG: a standby reports its own lag, a primary its worst standby\'s', () => {
    const standby = parseExposition('cnpg_collector_up{cluster="pay"} 1\ncnpg_pg_replication_lag 2.5\n')
    const primary = parseExposition('cnpg_collector_up 1\ncnpg_pg_replication_lag 0\ncnpg_pg_stat_replication_replay_lag_seconds{application_name="pay-2"} 0.25\ncnpg_pg_stat_replication_replay_lag_seconds{application_name="pay-3"} 1.5\n')
    expect(figures('cnpg', { at: 0, exposition: standby }).replicationLagSeconds).toBe(2.5)
    expect(figures('cnpg', { at: 0, exposition: primary }).replicationLagSeconds).toBe(1.5)
  })
})
