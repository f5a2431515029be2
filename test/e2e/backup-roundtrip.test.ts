// Issue 5, "Done means" 7: the data round trip — rows written before the backup are in the restore. It needs
// databases in containers and volumes that keep data: a real cluster (DBAAS_E2E_KUBECONFIG), or the lab's real
// node (issue 13), where the instances are placed with dbaas's placement flags and run the versions the lab has
// images for.
import { expect, it, onTestFinished } from 'vitest'
import { kubectl, uniqueName } from '../lab/fixtures/lab.ts'
import { placementFlags } from '../lab/fixtures/real-node.ts'
import { hasRealNode, onLab, realNodeOnly } from '../lab/tags.ts'
import { cleanupInstance, dbaasOk } from './helpers.ts'

/** On the lab: the versions it has images for, and the placement on its real node. */
const labVersion: Record<string, string> = { postgres: '17', mysql: '8.4', mariadb: '11.8' }
const onRealNode = onLab() && hasRealNode()

const engines = [
  {
    engine: 'postgres',
    container: 'postgresql',
    sql: (q: string) => ['sh', '-c', `psql -X -v ON_ERROR_STOP=1 -tA -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "${q}"`],
  },
  {
    engine: 'mysql',
    container: 'mysql',
    sql: (q: string) => ['sh', '-c', `MYSQL_PWD="$MYSQL_PASSWORD" mysql -N -B -u "$MYSQL_USER" "$MYSQL_DATABASE" -e "${q}"`],
  },
  {
    engine: 'mariadb',
    container: 'mariadb',
    sql: (q: string) => ['sh', '-c', `MYSQL_PWD="$MARIADB_PASSWORD" mariadb -N -B -u "$MARIADB_USER" "$MARIADB_DATABASE" -e "${q}"`],
  },
]

const real = realNodeOnly('the lab\'s simulated pods run no database')

for (const { engine, container, sql } of engines) real.describe(`data round trip through backup and restore (${engine})`, () => {
  const name = uniqueName(`rt${engine.slice(0, 3)}`)
  const ns = `dbaas-${name}`
  const to = `${name}-r`
  const exec = async (instance: string, where: string, q: string) => {
    const r = await kubectl(['exec', '-n', where, `${instance}-0`, '-c', container, '--', ...sql(q)], { timeoutMs: 120_000 })
    if (r.code !== 0) throw new Error(`exec failed: ${r.stderr}`)
    return r.stdout.trim()
  }

  it('rows written before a quiesced backup are in the instance restored into a new namespace', async () => {
    onTestFinished(() => cleanupInstance(name))
    onTestFinished(() => cleanupInstance(to))
    await dbaasOk(['create', engine, name, '--storage', '1Gi', ...(onRealNode ? ['--version', labVersion[engine]!, ...placementFlags] : [])], { timeoutMs: 900_000 })
    await exec(name, ns, 'CREATE TABLE roundtrip (id int primary key, note varchar(40))')
    await exec(name, ns, "INSERT INTO roundtrip VALUES (1, 'before the backup'), (2, 'also before')")
    const b = (await dbaasOk(['backup', 'create', name, '--quiesce', '-o', 'json'], { timeoutMs: 900_000 })).json()
    await exec(name, ns, "INSERT INTO roundtrip VALUES (3, 'after the backup')")
    await dbaasOk(['restore', b.name, '--to', to, ...(onRealNode ? placementFlags : [])], { timeoutMs: 900_000 })
    expect(await exec(to, `dbaas-${to}`, 'SELECT id FROM roundtrip ORDER BY id')).toBe('1\n2')
  }, 1_800_000)
})
