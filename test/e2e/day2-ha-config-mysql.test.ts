// `ha config` on Percona XtraDB Cluster and MariaDB operator clusters through the built CLI against the lab's
// real pxc.percona.com and k8s.mariadb.com CRDs. The lab runs no operator: pxc-operator.ts and
// mariadb-operator.ts play them, including their reaction to a configuration change (a rolling restart of every
// member, as both document it), each started before dbaas runs. Exec into a simulated member pod reaches the
// lab's one shared MariaDB server, not a server of the cluster's version: these tests prove validation against a
// real server's information_schema.SYSTEM_VARIABLES (names, types, ranges, read-only), the refusals, the text
// dbaas writes and the wait — the value read back "from every member" is that one server's, which the fixture
// sets as a restarted member would (SET GLOBAL; a read-only variable it cannot). The variables changed on that
// server (max_connect_errors, net_read_timeout) are set back to their defaults at the end.
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest'
import { kubectl, kubectlOk, uniqueName } from '../lab/fixtures/lab.ts'
import { labDatabases, mariadbAdmin } from '../lab/fixtures/database.ts'
import { labOnly } from '../lab/tags.ts'
import { getPxc, PxcOperatorFixture } from './fixtures/pxc-operator.ts'
import { getMariaDB, MariadbOperatorFixture } from './fixtures/mariadb-operator.ts'
import { labVariable } from './fixtures/mycnf-server.ts'
import { leaseOf } from './day2-helpers.ts'
import { dbaas, dbaasOk } from './helpers.ts'

const lab = labOnly('plays the Percona XtraDB Cluster and MariaDB operators with fixtures (the lab runs no operator)')

const BEGIN = '# begin dbaas ha config'
const END = '# end dbaas ha config'

async function removeHa(name: string, ns: string): Promise<void> {
  await dbaas(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait', '--skip-operator-check'])
  await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
}

/** The server "inside the pods" is the lab's MariaDB: the cluster's root password is made to be its own. */
async function rootIsLabs(ns: string, name: string): Promise<void> {
  await kubectlOk(['-n', ns, 'patch', 'secret', `${name}-ha-credentials`, '-p', JSON.stringify({ stringData: { root: labDatabases.mariadb.adminPassword } })])
}

afterAll(async () => {
  await mariadbAdmin('SET GLOBAL max_connect_errors = DEFAULT; SET GLOBAL net_read_timeout = DEFAULT').catch(() => undefined)
})

lab.describe('ha config on a Percona XtraDB Cluster', () => {
  let op: PxcOperatorFixture
  const name = uniqueName('hcpxc')
  const ns = `dbaas-${name}`
  const rv = async () => (await getPxc(ns, name)).metadata.resourceVersion
  beforeAll(async () => {
    op = await PxcOperatorFixture.install()
    await dbaasOk(['ha', 'create', 'mysql', name, '--no-wait', '--storage', '1Gi', '--param', 'max_connections=250'])
    await op.reconcile(ns, name)
    await rootIsLabs(ns, name)
    await mariadbAdmin('SET GLOBAL max_connect_errors = DEFAULT')
  }, 180_000)
  afterAll(async () => {
    await removeHa(name, ns)
    await op?.remove()
  })

  it('refusals write nothing: an unknown variable, a bad value, one the operator writes (2); any change rolls the members, so it asks (2 without a terminal)', async () => {
    const before = await rv()
    for (const [pair, msg] of [
      ['no_such_variable=1', /the server has no variable "no_such_variable"/],
      ['max_connect_errors=lots', /max_connect_errors=lots is not valid: it is a whole number/],
      ['max_connect_errors=0', /the server allows 1 at least/],
      ['wsrep_provider_options=gcache.size=1G', /managed by Percona XtraDB Cluster operator/],
    ] as const) {
      const r = await dbaas(['ha', 'config', 'set', name, pair, '--yes'])
      expect(r.exitCode, r.stderr).toBe(2)
      expect(r.stderr).toMatch(msg)
    }
    // A dynamic variable too: the operator restarts every member for any change of spec.pxc.configuration.
    const asks = await dbaas(['ha', 'config', 'set', name, 'max_connect_errors=500'])
    expect(asks.exitCode, asks.stderr).toBe(2)
    expect(asks.stderr).toMatch(/refusing to config set HA cluster .* without confirmation/)
    const unset = await dbaas(['ha', 'config', 'unset', name, 'wait_timeout', '--yes'])
    expect(unset.exitCode, unset.stderr).toBe(2)
    expect(unset.stderr).toContain('sets no "wait_timeout"')
    expect(await rv()).toBe(before)
    expect(await leaseOf(ns, name)).toBeUndefined()
  })

  it('--dry-run=client and =server print the plan and the object, writing nothing', async () => {
    const before = await rv()
    const client = (await dbaasOk(['ha', 'config', 'set', name, 'max_connect_errors=500', '--dry-run', '-o', 'json'])).json()
    expect(client).toMatchObject({ action: 'dry-run', dryRun: 'client', changes: [{ field: 'max_connect_errors', from: null, to: '500' }] })
    expect(client.effects.join('\n')).toMatch(/max_connect_errors: dynamic .* yet Percona XtraDB Cluster operator restarts the members/)
    expect(client.objects[0].spec.pxc.configuration).toBe(`[mysqld]\nmax_connections=250\n${BEGIN} (the lines up to "${END}" are rewritten by dbaas)\nmax_connect_errors=500\n${END}\n`)
    // An option `ha create --param` wrote (outside dbaas's block): set moves it into the block, and says so.
    const moved = (await dbaasOk(['ha', 'config', 'set', name, 'max_connections=300', '--dry-run', '-o', 'json'])).json()
    expect(moved.notes.join('\n')).toContain('the hand-written line "max_connections=250" in spec.pxc.configuration is replaced')
    expect(moved.objects[0].spec.pxc.configuration).toBe(`[mysqld]\n${BEGIN} (the lines up to "${END}" are rewritten by dbaas)\nmax_connections=300\n${END}\n`)
    const server = (await dbaasOk(['ha', 'config', 'set', name, 'max_connect_errors=500', '--dry-run=server', '-o', 'json'])).json()
    expect(server.objects[0].spec.pxc.configuration).toContain('max_connect_errors=500')
    expect(await rv()).toBe(before)
  })

  it('set: one patch of spec.pxc.configuration keeping the hand-written line, every member rolled (pxc-0 last), the value read back on every member; get shows it', async () => {
    const before = await getPxc(ns, name)
    const served = op.serveConfigChange(ns, name, before)
    const t0 = Date.now()
    const r = (await dbaasOk(['ha', 'config', 'set', name, 'max_connect_errors=500', '--yes', '-o', 'json', '--timeout', '3m'])).json()
    const returned = Date.now()
    process.stderr.write(`lab (fixture operator): ha config set on a 3-member PXC cluster returned ${((returned - t0) / 1000).toFixed(1)} s after it started, the roll included\n`)
    const { order, notApplied, readyAt } = await served
    // dbaas waited for the operator's whole roll, not only for its own write.
    expect(returned).toBeGreaterThan(readyAt)
    expect(order).toEqual([`${name}-pxc-2`, `${name}-pxc-1`, `${name}-pxc-0`])
    expect(notApplied).toEqual([])
    expect(r).toMatchObject({ verb: 'ha config set', action: 'changed', extra: { reload: ['max_connect_errors'], restart: [], rolls: true } })
    const c = await getPxc(ns, name)
    expect(c.spec.pxc.configuration).toBe(`[mysqld]\nmax_connections=250\n${BEGIN} (the lines up to "${END}" are rewritten by dbaas)\nmax_connect_errors=500\n${END}\n`)
    // The write was dbaas's, carrying the resourceVersion it read (optimistic lock).
    expect((c.metadata.managedFields ?? []).some((m: any) => m.manager === 'dbaas' && m.operation === 'Update' && JSON.stringify(m.fieldsV1).includes('f:configuration'))).toBe(true)
    expect(await labVariable('max_connect_errors')).toBe('500')
    const got = (await dbaasOk(['ha', 'config', 'get', name, '-o', 'json'])).json()
    expect(got.parameters.find((p: any) => p.name === 'max_connect_errors')).toMatchObject({ managed: '500', effective: '500', applies: 'reload' })
    // The hand-written option: not dbaas's, shown with the server's value and named in a note.
    expect(got.parameters.find((p: any) => p.name === 'max_connections')).toMatchObject({ managed: null, applies: 'reload' })
    expect(got.notes.join('\n')).toContain('written by hand in spec.pxc.configuration (outside dbaas\'s block, kept as they are): max_connections=250')
    const one = (await dbaasOk(['ha', 'config', 'get', name, 'max-connect-errors', '-o', 'json'])).json()
    expect(one.parameters).toHaveLength(1)
    const h = (await dbaasOk(['ha', 'history', name, '-o', 'json'])).json()
    expect(h.entries.at(-1)).toMatchObject({ verb: 'ha config set', result: 'succeeded', params: { max_connect_errors: '500' } })
    expect(await leaseOf(ns, name)).toBeUndefined()
    // Asking again for what is set is no change (no roll, no question).
    expect((await dbaasOk(['ha', 'config', 'set', name, 'max_connect_errors=500', '-o', 'json'])).json().action).toBe('unchanged')
  }, 240_000)

  it('unset: the block goes, the hand-written line stays, the server back to its default on every member', async () => {
    const before = await getPxc(ns, name)
    const served = op.serveConfigChange(ns, name, before)
    const r = (await dbaasOk(['ha', 'config', 'unset', name, 'max_connect_errors', '--yes', '-o', 'json', '--timeout', '3m'])).json()
    await served
    expect(r).toMatchObject({ action: 'changed', changes: [{ field: 'max_connect_errors', from: '500', to: null }] })
    expect((await getPxc(ns, name)).spec.pxc.configuration).toBe('[mysqld]\nmax_connections=250\n')
    expect(await labVariable('max_connect_errors')).toBe('100')
  }, 240_000)

  it('a read-only variable: the plan says it needs a restart; --no-wait writes it and returns', async () => {
    const r = (await dbaasOk(['ha', 'config', 'set', name, 'back_log=100', '--yes', '--no-wait', '-o', 'json'])).json()
    expect(r).toMatchObject({ action: 'requested', extra: { reload: [], restart: ['back_log'] } })
    expect(r.effects.join('\n')).toContain('back_log: needs a restart (read-only while the server runs)')
    expect((await getPxc(ns, name)).spec.pxc.configuration).toContain('back_log=100')
  })
})

lab.describe('ha config on a MariaDB operator cluster', () => {
  let op: MariadbOperatorFixture
  beforeAll(async () => {
    op = await MariadbOperatorFixture.install()
  })
  afterAll(async () => op?.remove())

  it('set and unset through spec.myCnf: replicas rolled first, the primary last, waited for; a timeout when the operator never rolls (6)', async () => {
    const name = uniqueName('hcmdb')
    const ns = `dbaas-${name}`
    onTestFinished(() => removeHa(name, ns))
    await dbaasOk(['ha', 'create', 'mariadb', name, '--no-wait', '--instances', '3', '--storage', '1Gi'])
    await op.reconcile(ns, name)
    await rootIsLabs(ns, name)
    await mariadbAdmin('SET GLOBAL net_read_timeout = DEFAULT')
    const rv = (await getMariaDB(ns, name)).metadata.resourceVersion
    const bad = await dbaas(['ha', 'config', 'set', name, 'net_read_timeout=soon', '--yes'])
    expect(bad.exitCode, bad.stderr).toBe(2)
    const managed = await dbaas(['ha', 'config', 'set', name, 'server_id=7', '--yes'])
    expect(managed.exitCode, managed.stderr).toBe(2)
    expect(managed.stderr).toContain('managed by MariaDB operator')
    expect((await getMariaDB(ns, name)).metadata.resourceVersion).toBe(rv)

    const before = await getMariaDB(ns, name)
    const served = op.serveConfigChange(ns, name, before)
    const r = (await dbaasOk(['ha', 'config', 'set', name, 'net-read-timeout=45', '--yes', '-o', 'json', '--timeout', '3m'])).json()
    const returned = Date.now()
    const { order, readyAt } = await served
    expect(returned).toBeGreaterThan(readyAt)
    expect(order).toEqual([`${name}-2`, `${name}-1`, `${name}-0`])
    expect(r).toMatchObject({ action: 'changed', changes: [{ field: 'net_read_timeout', from: null, to: '45' }] })
    expect((await getMariaDB(ns, name)).spec.myCnf).toBe(`[mariadb]\n${BEGIN} (the lines up to "${END}" are rewritten by dbaas)\nnet_read_timeout=45\n${END}\n`)
    expect(await labVariable('net_read_timeout')).toBe('45')
    expect((await dbaasOk(['ha', 'config', 'get', name, 'net_read_timeout', '-o', 'json'])).json().parameters[0]).toMatchObject({ managed: '45', effective: '45', source: 'SQL' })

    const unsetServed = op.serveConfigChange(ns, name, await getMariaDB(ns, name))
    await dbaasOk(['ha', 'config', 'unset', name, 'net_read_timeout', '--yes', '--timeout', '3m'])
    await unsetServed
    expect((await getMariaDB(ns, name)).spec.myCnf).toBe('[mariadb]\n')
    expect(await labVariable('net_read_timeout')).toBe('30')

    // Nobody rolls the pods: the wait ends at --timeout (6) saying where it stopped, the Lease released.
    const t = await dbaas(['ha', 'config', 'set', name, 'net_read_timeout=50', '--yes', '--timeout', '8s'])
    expect(t.exitCode, t.stderr).toBe(6)
    expect(t.stderr).toMatch(/MariaDB operator to roll every member onto the new configuration did not happen; where it stopped: .*pod .*-0: ready, not updated yet/)
    expect(await leaseOf(ns, name)).toBeUndefined()

    // updateStrategy OnDelete: the operator restarts nothing itself, so waiting is refused (7, nothing written);
    // --no-wait writes it with a warning and does not ask (nobody restarts anything).
    await kubectlOk(['-n', ns, 'patch', 'mariadbs.k8s.mariadb.com', name, '--type=merge', '-p', JSON.stringify({ spec: { updateStrategy: { type: 'OnDelete' } } })])
    const rv2 = (await getMariaDB(ns, name)).metadata.resourceVersion
    const manual = await dbaas(['ha', 'config', 'set', name, 'net_read_timeout=55', '--yes'])
    expect(manual.exitCode, manual.stderr).toBe(7)
    expect(manual.stderr).toContain('spec.updateStrategy.type OnDelete: MariaDB operator restarts no member itself')
    expect((await getMariaDB(ns, name)).metadata.resourceVersion).toBe(rv2)
    const noWait = (await dbaasOk(['ha', 'config', 'set', name, 'net_read_timeout=55', '--no-wait', '-o', 'json'])).json()
    expect(noWait).toMatchObject({ action: 'requested', extra: { rolls: false } })
    expect(noWait.warnings.join('\n')).toContain('restarts no member itself')
    expect((await getMariaDB(ns, name)).spec.myCnf).toContain('net_read_timeout=55')
  }, 300_000)
})
