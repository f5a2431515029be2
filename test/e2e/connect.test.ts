// dbaas connect against the lab's real databases: the simulated pod's port is forwarded by kwok to the
// lab's PostgreSQL and MariaDB, which know the instance's user and password (provisionDatabase).
import { execa } from 'execa'
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest'
import { provisionDatabase, type ProvisionedDatabase } from '../lab/fixtures/database.ts'
import { kubectlJson, uniqueName } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { cleanupInstance, dbaas, dbaasOk, deleteNamespace, startCli } from './helpers.ts'

// clientExit: the client's exit code when the server refuses the login, which dbaas connect passes through
// (psql: 2, "the connection to the server went bad"; mariadb: 1).
const cases = [
  { engine: 'postgresql', dbEngine: 'postgresql' as const, statement: ['-tA', '-c', 'select 1'], clientExit: 2 },
  { engine: 'mariadb', dbEngine: 'mariadb' as const, statement: ['-N', '-B', '-e', 'select 1'], clientExit: 1 },
]

for (const c of cases) {
  labOnly('needs the lab databases behind kwok port-forward').describe(`connect to ${c.engine}`, () => {
    const name = uniqueName(`cn${c.engine.slice(0, 2)}`)
    const ident = name.replaceAll('-', '_')
    let db: ProvisionedDatabase | undefined
    beforeAll(async () => {
      await dbaasOk(['create', c.engine, name, '--storage', '1Gi', '--user', ident, '--database', ident])
      const conn = (await dbaasOk(['connection', name, '--show-password', '-o', 'json'])).json()
      db = await provisionDatabase({ engine: c.dbEngine, user: conn.user, password: conn.password, database: conn.database })
    })
    afterAll(async () => {
      await db?.drop()
      await cleanupInstance(name)
    })

    it('runs the client through the forward with the password by environment', async () => {
      const r = await dbaas(['connect', name, '--', ...c.statement])
      expect(r.stderr).toMatch(/through 127\.0\.0\.1:\d+/)
      expect(r.exitCode, r.stderr).toBe(0)
      expect(r.stdout.trim()).toBe('1')
      // Not the database's default port: a free one.
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(r.stderr)?.[1])
      expect([5432, 3306]).not.toContain(port)
    })

    it('a wrong password is refused by the database, and the client\'s exit code is passed through', async () => {
      // The database's password changes under the instance; put back when the test ends.
      onTestFinished(async () => void (await provisionDatabase({ engine: c.dbEngine, user: db!.user, password: db!.password, database: db!.database })))
      await provisionDatabase({ engine: c.dbEngine, user: db!.user, password: 'a-different-Passw0rd', database: db!.database })
      const r = await dbaas(['connect', name, '--', ...c.statement])
      expect(r.exitCode, r.stderr).toBe(c.clientExit)
      expect(r.stderr).toMatch(/password authentication failed|Access denied/)
    })

    it('--forward-only prints the URI, serves several connections, Ctrl-C exits 130', async () => {
      const cli = startCli(['connect', name, '--forward-only', '--show-password'])
      await cli.waitForOutput(/:\/\/.*@127\.0\.0\.1:\d+\//, 'the forwarded URI', 30_000)
      const uri = cli.out().trim().split('\n').pop()!
      expect(uri).toContain(encodeURIComponent(db!.password))
      const u = new URL(uri)
      // Two separate client connections through the same forward (a client reconnecting).
      for (let i = 0; i < 2; i++) {
        const q =
          c.engine === 'postgresql'
            ? await execa('psql', [uri, ...c.statement], { reject: false })
            : await execa('mariadb', ['--protocol=tcp', '-h', '127.0.0.1', '-P', u.port, '-u', db!.user, `--database=${db!.database}`, ...c.statement], {
                reject: false,
                env: { MYSQL_PWD: db!.password },
              })
        expect(q.exitCode, String(q.stderr)).toBe(0)
        expect(String(q.stdout).trim()).toBe('1')
      }
      cli.interrupt()
      expect((await cli.result()).exitCode).toBe(130)
    })
  })
}

labOnly('the CloudNativePG operator is played by a lab fixture').describe('connect to an HA cluster', () => {
  it('reaches the primary with the cluster credentials', async () => {
    const { CnpgOperatorFixture } = await import('./fixtures/cnpg-operator.ts')
    const op = await CnpgOperatorFixture.install()
    onTestFinished(() => op.remove())
    const name = uniqueName('haconn')
    const ns = `dbaas-${name}`
    const ident = name.replaceAll('-', '_')
    onTestFinished(async () => {
      await dbaasOk(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait'])
      await deleteNamespace(ns)
    })
    await dbaasOk(['ha', 'create', name, '--no-wait', '--instances', '2', '--storage', '1Gi', '--user', ident, '--database', ident])
    await op.reconcile(ns, name)
    const conn = (await dbaasOk(['ha', 'connection', name, '--show-password', '-o', 'json'])).json()
    const db = await provisionDatabase({ engine: 'postgresql', user: conn.user, password: conn.password, database: conn.database })
    onTestFinished(() => db.drop())
    const r = await dbaas(['connect', name, '--', '-tA', '-c', 'select 1'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe('1')
    const primary = (await kubectlJson(['-n', ns, 'get', 'pods', '-l', `cnpg.io/cluster=${name},cnpg.io/instanceRole=primary`])).items[0].metadata.name
    expect(r.stderr).toContain(`pod/${primary} `)
  })
})
