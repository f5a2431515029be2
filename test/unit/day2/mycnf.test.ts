// The my.cnf text `ha config` edits for the MySQL-family operators: dbaas's block apart from hand-written
// lines, every other line kept as it is; and the check that a member runs with a value.
import { describe, expect, it } from 'vitest'
import { BEGIN, editCnf, END, readCnf } from '../../../src/core/day2/mycnf.ts'
import { myInEffect } from '../../../src/core/day2/ha-config-mysql.ts'
import { mariadbDay2, pxcDay2, rolledPod } from '../../../src/core/day2/mysql-ha.ts'
import type { ServerSetting } from '../../../src/core/day2/settings.ts'

const PXC = ['mysqld']
const MARIA = ['mariadb', 'mysqld', 'server', 'mariadbd']

describe('my.cnf: dbaas block beside hand-written lines', () => {
  it('a text written by `ha create --param`: its options are hand-written; set adds the block at the end of the section', () => {
    const text = '[mysqld]\ninnodb_buffer_pool_size=256M\nmax_connections=300\n'
    expect(readCnf(text, PXC)).toEqual({ managed: {}, handWritten: { innodb_buffer_pool_size: '256M', max_connections: '300' } })
    const e = editCnf(text, PXC, { max_connect_errors: '500' })
    expect(e.text).toBe(`[mysqld]\ninnodb_buffer_pool_size=256M\nmax_connections=300\n${BEGIN}\nmax_connect_errors=500\n${END}\n`)
    expect(e.replaced).toEqual([])
    expect(readCnf(e.text ?? '', PXC)).toEqual({ managed: { max_connect_errors: '500' }, handWritten: { innodb_buffer_pool_size: '256M', max_connections: '300' } })
  })

  it('keeps comments, other sections, flags and !include byte for byte; the block goes before the next section', () => {
    const text = '# tuned by ops\n[client]\ndefault-character-set = utf8mb4\n\n[mysqld]\n; a comment\nskip-name-resolve\nlog-error = "/var/log/my err.log"\n\n[mysqldump]\nquick\n!includedir /etc/mysql/conf.d/\n'
    const e = editCnf(text, PXC, { wait_timeout: '600', sql_mode: 'STRICT_TRANS_TABLES,NO_ZERO_DATE' })
    expect(e.text).toBe(
      `# tuned by ops\n[client]\ndefault-character-set = utf8mb4\n\n[mysqld]\n; a comment\nskip-name-resolve\nlog-error = "/var/log/my err.log"\n${BEGIN}\nsql_mode=STRICT_TRANS_TABLES,NO_ZERO_DATE\nwait_timeout=600\n${END}\n\n[mysqldump]\nquick\n!includedir /etc/mysql/conf.d/\n`,
    )
    // The [client] option is not a server option.
    expect(readCnf(e.text ?? '', PXC).handWritten).toEqual({ skip_name_resolve: 'ON', log_error: '/var/log/my err.log' })
    // Unsetting both removes the block and gives the text back as it was.
    expect(editCnf(e.text ?? '', PXC, { wait_timeout: null, sql_mode: null }).text).toBe(text)
  })

  it('set replaces a hand-written line of the same option (dashes and case alike) and says so; unset removes it wherever it is', () => {
    const text = '[mysqld]\nMax-Connections = 300\nwait_timeout=60\n'
    const e = editCnf(text, PXC, { max_connections: '150' })
    expect(e.replaced).toEqual(['Max-Connections = 300'])
    expect(e.text).toBe(`[mysqld]\nwait_timeout=60\n${BEGIN}\nmax_connections=150\n${END}\n`)
    const u = editCnf(e.text ?? '', PXC, { wait_timeout: null })
    expect(u.text).toBe(`[mysqld]\n${BEGIN}\nmax_connections=150\n${END}\n`)
    expect(u.replaced).toEqual(['wait_timeout=60'])
  })

  it('updates a value in the block, keeps the others sorted; a value with a space or # is quoted', () => {
    const text = `[mariadb]\n${BEGIN}\nmax_connections=150\nwait_timeout=60\n${END}\n`
    const e = editCnf(text, MARIA, { max_connections: '200', init_connect: 'SET NAMES utf8mb4 # x' })
    expect(e.text).toBe(`[mariadb]\n${BEGIN}\ninit_connect="SET NAMES utf8mb4 # x"\nmax_connections=200\nwait_timeout=60\n${END}\n`)
    expect(readCnf(e.text ?? '', MARIA).managed).toEqual({ init_connect: 'SET NAMES utf8mb4 # x', max_connections: '200', wait_timeout: '60' })
  })

  it('no text yet: a new server section; nothing left: null (the field is removed); MariaDB reads [mysqld] too', () => {
    const e = editCnf(undefined, MARIA, { max_connections: '150' })
    expect(e.text).toBe(`[mariadb]\n${BEGIN}\nmax_connections=150\n${END}\n`)
    expect(editCnf(e.text ?? '', MARIA, { max_connections: null }).text).toBe('[mariadb]\n')
    expect(editCnf(`${BEGIN}\n`, PXC, {}).text).toBe(null)
    expect(readCnf('[mysqld]\nmax_connections=9\n[galera]\nwsrep_on=ON\n', MARIA)).toEqual({ managed: {}, handWritten: { max_connections: '9' } })
    // A section of another name: the block goes to a new [mysqld] at the end, after a blank line.
    expect(editCnf('[client]\nport=3306\n', PXC, { max_connections: '150' }).text).toBe(`[client]\nport=3306\n\n[mysqld]\n${BEGIN}\nmax_connections=150\n${END}\n`)
  })
})

describe('the values a member runs with', () => {
  const s = (o: Partial<ServerSetting>): ServerSetting => ({ name: 'x', value: '', type: 'integer', unit: null, min: null, max: null, enumValues: null, restart: false, settable: true, source: null, pendingRestart: false, ...o })
  it('numbers with suffixes, booleans, strings without case', () => {
    expect(myInEffect(s({ value: '268435456' }), '256M', null)).toBe(true)
    expect(myInEffect(s({ value: '268435456' }), '255M', null)).toBe(false)
    expect(myInEffect(s({ type: 'bool', value: 'ON' }), 'on', null)).toBe(true)
    expect(myInEffect(s({ type: 'bool', value: 'OFF' }), 'ON', null)).toBe(false)
    expect(myInEffect(s({ type: 'enum', value: 'ROW' }), 'row', null)).toBe(true)
  })
  it('a number the file set and the server rounded (innodb_buffer_pool_size to chunk size × instances) is in effect; elsewhere it is not', () => {
    // 3G with 16 instances of 128M chunks: the server runs 4G (MySQL's manual, "Configuring InnoDB Buffer Pool Size").
    expect(myInEffect(s({ value: String(4 * 2 ** 30), source: 'CONFIG' }), '3G', null)).toBe(true)
    expect(myInEffect(s({ value: String(4 * 2 ** 30), source: 'EXPLICIT' }), '3G', null)).toBe(true)
    expect(myInEffect(s({ value: String(4 * 2 ** 30), source: 'GLOBAL' }), '3G', null)).toBe(true)
    // Not from the file (a SET PERSIST, the compiled default): the file's value is not what runs.
    expect(myInEffect(s({ value: String(4 * 2 ** 30), source: 'PERSISTED' }), '3G', null)).toBe(false)
    expect(myInEffect(s({ value: String(4 * 2 ** 30), source: 'COMPILE-TIME' }), '3G', null)).toBe(false)
    // Further off than rounding goes: another value won.
    expect(myInEffect(s({ value: String(128 * 2 ** 20), source: 'CONFIG' }), '3G', null)).toBe(false)
    expect(myInEffect(s({ value: String(7 * 2 ** 30), source: 'CONFIG' }), '3G', null)).toBe(false)
  })
  it('unset: in effect once the value no longer comes from the file with the old value', () => {
    expect(myInEffect(s({ value: '150', source: 'CONFIG' }), null, '150')).toBe(false)
    expect(myInEffect(s({ value: '151', source: 'CONFIG' }), null, '150')).toBe(true)
    expect(myInEffect(s({ value: '150', source: 'COMPILE-TIME' }), null, '150')).toBe(true)
  })
})

describe('the operators: what they manage, when a member is rolled', () => {
  it('options the operators write themselves are refused', () => {
    const pxc = pxcDay2.config
    const maria = mariadbDay2.config
    if (pxc?.kind !== 'my.cnf' || maria?.kind !== 'my.cnf') throw new Error('no my.cnf capability')
    expect(pxc.fixed('wsrep_provider_options')).toBe(true)
    expect(pxc.fixed('pxc-encrypt-cluster-traffic')).toBe(true)
    expect(pxc.fixed('max_connections')).toBe(false)
    expect(maria.fixed('server_id')).toBe(true)
    expect(maria.fixed('max_connections')).toBe(false)
  })
  it('a pod is rolled when it carries a hash the members did not have, or — no hash known — was made since', () => {
    const pod = (h: string | undefined, created: string) => ({ metadata: { name: 'p', creationTimestamp: created, ...(h ? { annotations: { 'k8s.mariadb.com/config': h } } : {}) } })
    const since = Date.parse('2026-11-30T20:00:00Z')
    expect(rolledPod(pod('old', '2026-11-30T20:05:00Z'), 'k8s.mariadb.com/config', new Set(['old']), since)).toBe(false)
    expect(rolledPod(pod('new', '2026-11-30T19:00:00Z'), 'k8s.mariadb.com/config', new Set(['old']), since)).toBe(true)
    expect(rolledPod(pod(undefined, '2026-11-30T19:00:00Z'), 'k8s.mariadb.com/config', new Set(), since)).toBe(false)
    expect(rolledPod(pod(undefined, '2026-11-30T20:00:01Z'), 'k8s.mariadb.com/config', new Set(), since)).toBe(true)
  })
})

describe('update strategies that leave the restarts to the user', () => {
  it('PXC OnDelete; MariaDB OnDelete and Never; the defaults roll', () => {
    const pxc = pxcDay2.config
    const maria = mariadbDay2.config
    if (pxc?.kind !== 'my.cnf' || maria?.kind !== 'my.cnf') throw new Error('no my.cnf capability')
    const px = (updateStrategy?: string) => ({ metadata: { name: 'x' }, spec: { updateStrategy } })
    const mx = (type?: string) => ({ metadata: { name: 'x' }, spec: type ? { updateStrategy: { type } } : {} })
    expect(pxc.manualRoll(px('SmartUpdate'))).toBeUndefined()
    expect(pxc.manualRoll(px('RollingUpdate'))).toBeUndefined()
    expect(pxc.manualRoll(px('OnDelete'))).toBe('spec.updateStrategy OnDelete')
    expect(maria.manualRoll(mx())).toBeUndefined()
    expect(maria.manualRoll(mx('ReplicasFirstPrimaryLast'))).toBeUndefined()
    expect(maria.manualRoll(mx('OnDelete'))).toBe('spec.updateStrategy.type OnDelete')
    expect(maria.manualRoll(mx('Never'))).toBe('spec.updateStrategy.type Never')
  })
})
