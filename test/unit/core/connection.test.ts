import { describe, expect, it } from 'vitest'
import { MASK, connectionInfo, connectionUri } from '../../../src/core/connection.ts'
import { envLines } from '../../../src/output/writers/connection.ts'
import { NotFoundError } from '../../../src/errors.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeDeps } from '../../helpers/fake-deps.ts'
import { credentials, namespace, release, statefulSet } from '../../helpers/fixtures.ts'

const PW = "p@ss:w/rd'with?odd&chars"

function seeded(engine = 'postgresql', version = '18') {
  const d = fakeDeps()
  d.transport.seed(R.namespaces, namespace('dbaas-db', { instance: { name: 'db', engine, version } }))
  d.transport.seed(R.statefulSets, statefulSet({ name: 'db', engine, version, ready: 1 }))
  d.transport.seed(R.secrets, credentials({ name: 'db', engine, version, password: PW }))
  return d
}

describe('connectionUri', () => {
  it('percent-encodes user, password and database', () => {
    expect(connectionUri('postgresql', 'a b', PW, 'h', 5432, 'd/b')).toBe(
      `postgresql://a%20b:${encodeURIComponent(PW)}@h:5432/d%2Fb`,
    )
  })
})

describe('connectionInfo', () => {
  it('masks the password and the URI unless asked, and reads the rest from the Secret', async () => {
    const c = await connectionInfo({ name: 'db', cluster: {}, showPassword: false }, seeded())
    expect(c).toMatchObject({
      name: 'db',
      namespace: 'dbaas-db',
      engine: 'postgresql',
      host: 'db.dbaas-db.svc.cluster.local',
      port: 5432,
      database: 'app',
      user: 'app',
      password: MASK,
      passwordShown: false,
      secretRef: { name: 'db-credentials', namespace: 'dbaas-db', key: 'password' },
      uri: `postgresql://app:${MASK}@db.dbaas-db.svc.cluster.local:5432/app`,
      portForward: 'kubectl port-forward -n dbaas-db svc/db 25432:5432',
    })
    expect(JSON.stringify(c)).not.toContain('p@ss')
  })

  it('--show-password reveals it, percent-encoded in the URI', async () => {
    const c = await connectionInfo({ name: 'db', cluster: {}, showPassword: true }, seeded())
    expect(c.password).toBe(PW)
    expect(c.uri).toContain(encodeURIComponent(PW))
  })

  it('MySQL and MariaDB use the mysql scheme and port 3306', async () => {
    for (const [engine, version] of [['mysql', '8.4'], ['mariadb', '11.4']] as const) {
      const c = await connectionInfo({ name: 'db', cluster: {}, showPassword: false }, seeded(engine, version))
      expect(c.port).toBe(3306)
      expect(c.uri.startsWith('mysql://')).toBe(true)
    }
  })

  it('a missing credentials Secret → NotFoundError (3) explaining the status', async () => {
    const d = fakeDeps()
    d.transport.seed(R.namespaces, namespace('dbaas-db', { instance: { name: 'db' } }))
    d.transport.seed(R.statefulSets, statefulSet({ name: 'db', ready: 1 }))
    d.transport.seed(R.secrets, release({ name: 'db' }))
    const err = await connectionInfo({ name: 'db', cluster: {}, showPassword: false }, d).catch((e) => e)
    expect(err).toBeInstanceOf(NotFoundError)
    expect(err.message).toContain('dbaas-db/db-credentials')
    expect(err.hint).toContain('dbaas status db')
  })
})

describe('envLines (the --format env writer)', () => {
  it('single-quotes values so a shell can source them, escaping embedded quotes', async () => {
    const c = await connectionInfo({ name: 'db', cluster: {}, showPassword: true }, seeded())
    const line = envLines(c).find((l) => l.startsWith('PGPASSWORD='))!
    expect(line).toBe(`PGPASSWORD='p@ss:w/rd'\\''with?odd&chars'`)
  })
  it('uses MYSQL_* names for MySQL-compatible engines', async () => {
    const c = await connectionInfo({ name: 'db', cluster: {}, showPassword: true }, seeded('mariadb', '11.4'))
    expect(envLines(c).map((l) => l.split('=')[0])).toEqual(['MYSQL_HOST', 'MYSQL_TCP_PORT', 'MYSQL_DATABASE', 'MYSQL_USER', 'MYSQL_PWD', 'DATABASE_URL'])
  })
  it('leaves the password variables out when the password is masked', async () => {
    const c = await connectionInfo({ name: 'db', cluster: {}, showPassword: false }, seeded('mariadb', '11.4'))
    expect(envLines(c).map((l) => l.split('=')[0])).toEqual(['MYSQL_HOST', 'MYSQL_TCP_PORT', 'MYSQL_DATABASE', 'MYSQL_USER'])
    expect(envLines(c).join('\n')).not.toContain('********')
  })
})
