// dbaas connect to MySQL-family HA clusters: the same verb as for single instances and CloudNativePG, through
// the engine-neutral core — the credentials from the cluster's Secret, the pod the writes go to (the MariaDB
// operator's status.currentPrimary; for Percona XtraDB Cluster the member HAProxy writes to). The lab's
// simulated pods forward to its real MariaDB, where the test makes the cluster's user.
import { expect, it, onTestFinished } from 'vitest'
import { provisionDatabase } from '../lab/fixtures/database.ts'
import { kubectl, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { MARIADBS, MariadbOperatorFixture } from './fixtures/mariadb-operator.ts'
import { PXCS, PxcOperatorFixture } from './fixtures/pxc-operator.ts'
import { dbaas, dbaasOk } from './helpers.ts'

const lab = labOnly('plays the MariaDB and PXC operators with fixtures and reaches the lab\'s MariaDB through a simulated pod')

async function appeared(resource: string, ns: string, name: string): Promise<void> {
  await waitFor(`${resource} ${ns}/${name}`, 60_000, async () => (await kubectl(['-n', ns, 'get', resource, name, '-o', 'name', '--ignore-not-found'])).stdout.trim() !== '', 100)
}

lab.describe('connect to a MySQL-family HA cluster', () => {
  it('MariaDB replication: reaches the primary with the cluster credentials', async () => {
    const op = await MariadbOperatorFixture.install()
    onTestFinished(() => op.remove())
    const name = uniqueName('mcon')
    const ns = `dbaas-${name}`
    const ident = name.replaceAll('-', '_')
    onTestFinished(async () => {
      await dbaas(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait'])
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
    })
    await dbaasOk(['ha', 'create', 'mariadb', name, '--no-wait', '--instances', '2', '--storage', '1Gi', '--user', ident, '--database', ident])
    await appeared(MARIADBS, ns, name)
    await op.reconcile(ns, name, { primary: 1 })
    const conn = (await dbaasOk(['ha', 'connection', name, '--show-password', '-o', 'json'])).json()
    expect(conn).toMatchObject({ engine: 'mariadb', user: ident, database: ident, rw: { port: 3306 } })
    const db = await provisionDatabase({ engine: 'mariadb', user: conn.user, password: conn.password, database: conn.database })
    onTestFinished(() => db.drop())
    const r = await dbaas(['connect', name, '--', '-N', '-e', 'select 1'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe('1')
    expect(r.stderr).toContain(`pod/${name}-1 `)
  })

  it('Percona XtraDB Cluster: reaches the member HAProxy writes to', async () => {
    const op = await PxcOperatorFixture.install()
    onTestFinished(() => op.remove())
    const name = uniqueName('pcon')
    const ns = `dbaas-${name}`
    const ident = name.replaceAll('-', '_')
    onTestFinished(async () => {
      await dbaas(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait'])
      await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
    })
    await dbaasOk(['ha', 'create', 'mysql', name, '--no-wait', '--storage', '1Gi', '--user', ident, '--database', ident])
    await appeared(PXCS, ns, name)
    await op.reconcile(ns, name)
    const conn = (await dbaasOk(['ha', 'connection', name, '--show-password', '-o', 'json'])).json()
    const db = await provisionDatabase({ engine: 'mariadb', user: conn.user, password: conn.password, database: conn.database })
    onTestFinished(() => db.drop())
    const r = await dbaas(['connect', name, '--', '-N', '-e', 'select 1'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout.trim()).toBe('1')
    expect(r.stderr).toContain(`pod/${name}-pxc-0 `)
  })
})
