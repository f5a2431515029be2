// Day 2, versions and configuration (issue 16), through the built CLI against the lab: config get/set/unset on
// single instances, upgrade on single instances, ha upgrade of a CloudNativePG cluster (its offline in-place
// major upgrade as cnpg-day2.ts plays it, after a backup).
//
// What the lab is here: a simulated pod runs `kubectl exec` on the host, where psql reaches the lab's shared
// PostgreSQL 15 and mariadb its shared MariaDB — not a server of the instance's version, and no container
// with the mounted ConfigMap. So these tests prove validation against a real pg_settings / SYSTEM_VARIABLES,
// what is written (the chart's ConfigMap, the restart-pending annotation, the history) and every refusal with
// nothing written; the wait for the pod to see the new file is proved by its honest timeout (6) — the file
// never reaches a simulated pod — and the reload runs only on a real node (none in a private lab).
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { labDatabases } from '../lab/fixtures/database.ts'
import { kubectl, kubectlJson, kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { background, historyOf, leaseOf, pod, versions } from './day2-helpers.ts'
import { CnpgOperatorFixture, getCluster } from './fixtures/cnpg-operator.ts'
import { CnpgDay2Fixture } from './fixtures/cnpg-day2.ts'
import { cleanupInstance, dbaas, dbaasOk } from './helpers.ts'

const lab = labOnly('exec into simulated pods reaches the lab\'s shared PostgreSQL and MariaDB; the CloudNativePG operator is a fixture')
const created: string[] = []
afterAll(async () => {
  for (const n of created) await cleanupInstance(n)
})

async function create(engine: string, prefix: string, extra: string[] = []): Promise<{ name: string; ns: string }> {
  const name = uniqueName(prefix)
  created.push(name)
  await dbaasOk(['create', engine, name, '--storage', '1Gi', ...extra])
  return { name, ns: `dbaas-${name}` }
}

const configMap = async (ns: string, name: string) => (await kubectlJson(['-n', ns, 'get', 'configmap', `${name}-config`])).data as Record<string, string>

lab.describe('config on a PostgreSQL single instance (validated against the lab\'s PostgreSQL 15)', () => {
  let name = ''
  let ns = ''
  beforeAll(async () => {
    ;({ name, ns } = await create('postgresql', 'd2cfpg'))
  })

  it('an unknown name, a bad value, a malformed name and unsetting what dbaas does not manage: 2, nothing written', async () => {
    const v = await versions(ns, name)
    const unknown = await dbaas(['config', 'set', name, 'no_such_parameter=1'])
    expect(unknown.exitCode, unknown.stderr).toBe(2)
    expect(unknown.stderr).toContain('the server has no parameter "no_such_parameter"')
    const bad = await dbaas(['config', 'set', name, 'work_mem=banana'])
    expect(bad.exitCode, bad.stderr).toBe(2)
    expect(bad.stderr).toContain('work_mem=banana is not valid')
    const low = await dbaas(['config', 'set', name, 'max_connections=0'])
    expect(low.exitCode, low.stderr).toBe(2)
    expect(low.stderr).toMatch(/allows 1 at least/)
    const malformed = await dbaas(['config', 'set', name, 'Max-Connections=5'])
    expect(malformed.exitCode, malformed.stderr).toBe(2)
    const unset = await dbaas(['config', 'unset', name, 'work_mem'])
    expect(unset.exitCode, unset.stderr).toBe(2)
    expect(unset.stderr).toContain('nothing to unset')
    expect(await versions(ns, name)).toEqual(v)
    expect(await leaseOf(ns, name)).toBeUndefined()
  })

  it('config set max_connections=150: written to the ConfigMap, a restart pending (status says so), config get shows 150 beside the server\'s value', async () => {
    const r = await dbaasOk(['config', 'set', name, 'max_connections=150', '--no-wait', '-o', 'json'])
    expect(r.json()).toMatchObject({ verb: 'config set', action: 'requested', changes: [{ field: 'max_connections', from: null, to: '150' }], extra: { reload: [], restartPending: ['max_connections'], restarted: false } })
    expect(r.json().effects.join('\n')).toContain('max_connections: needs a restart')
    const cm = await configMap(ns, name)
    expect(cm['dbaas.conf']).toContain("max_connections = '150'")
    expect(cm['dbaas.conf']).toMatch(/# dbaas generation [0-9a-f]{12}:/)
    // The pod did not restart: the ConfigMap is mounted, only the values changed.
    const got = (await dbaasOk(['config', 'get', name, 'max_connections', '-o', 'json'])).json()
    expect(got.parameters).toHaveLength(1)
    // effective: what the lab's PostgreSQL 15 runs with (its own max_connections), read through exec.
    expect(got.parameters[0]).toMatchObject({ name: 'max_connections', managed: '150', applies: 'restart', pendingRestart: true })
    expect(got.parameters[0].effective).toMatch(/^[0-9]+$/)
    expect(got.parameters[0].source).toBeTruthy()
    expect(got.restartPending).toEqual(['max_connections'])
    const st = (await dbaasOk(['status', name, '-o', 'json'])).json()
    expect(st.restartPending).toEqual(['max_connections'])
    expect(st.explanation).toContain(`restart pending for max_connections (\`dbaas restart ${name} -n ${ns}\``)
    // The same again: nothing to do, nothing written.
    const v = await versions(ns, name)
    expect((await dbaasOk(['config', 'set', name, 'max_connections=150', '-o', 'json'])).json().action).toBe('unchanged')
    expect(await versions(ns, name)).toEqual(v)
  })

  it('a reloadable parameter waits until the pod sees the new file: a simulated pod never does, so it times out (6) saying which generation it waits for, values written', async () => {
    const r = await dbaas(['config', 'set', name, 'work_mem=8MB', '--timeout', '8s'])
    expect(r.exitCode, r.stderr).toBe(6)
    expect(r.stderr).toMatch(/the pod does not see the new configuration file yet \(it has generation <none>, the new one is [0-9a-f]{12}\)/)
    expect((await configMap(ns, name))['dbaas.conf']).toContain("work_mem = '8MB'")
    const h = (await historyOf(ns, name)).filter((e) => e.verb === 'config set')
    expect(h.map((e) => e.result)).toEqual(['succeeded', 'timed-out'])
    expect(h[1].params).toEqual({ work_mem: '8MB' })
    expect(await leaseOf(ns, name)).toBeUndefined()
  })

  it('config unset: the parameter leaves the ConfigMap; --dry-run writes nothing', async () => {
    const v = await versions(ns, name)
    const dry = (await dbaasOk(['config', 'unset', name, 'work_mem', '--dry-run', '-o', 'json'])).json()
    expect(dry).toMatchObject({ action: 'dry-run', changes: [{ field: 'work_mem', from: '8MB', to: null }] })
    expect(await versions(ns, name)).toEqual(v)
    await dbaasOk(['config', 'unset', name, 'work_mem', '--no-wait'])
    const conf = (await configMap(ns, name))['dbaas.conf']
    expect(conf).not.toContain('work_mem')
    expect(conf).toContain("max_connections = '150'")
    expect((await historyOf(ns, name)).at(-1)).toMatchObject({ verb: 'config unset', params: { work_mem: '<unset>' }, result: 'succeeded' })
  })

  it('config set --restart: asks (--yes without a terminal), restarts the pod with the new file, nothing left pending', async () => {
    const noYes = await dbaas(['config', 'set', name, 'max_connections=160', '--restart'])
    expect(noYes.exitCode, noYes.stderr).toBe(2)
    expect(noYes.stderr).toContain('without confirmation')
    const before = await pod(ns, name)
    const r = (await dbaasOk(['config', 'set', name, 'max_connections=160', '--restart', '--yes', '-o', 'json'])).json()
    expect(r).toMatchObject({ action: 'changed', changes: [{ field: 'max_connections', from: '150', to: '160' }], extra: { restarted: true, restartPending: [] } })
    const after = await pod(ns, name)
    expect(after.metadata.uid).not.toBe(before.metadata.uid)
    expect(after.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True')
    expect((await dbaasOk(['status', name, '-o', 'json'])).json().restartPending).toEqual([])
  })

  it('config set on a stopped instance exits 7 (no server to ask), nothing written', async () => {
    await dbaasOk(['stop', name, '--yes'])
    const v = await versions(ns, name)
    const r = await dbaas(['config', 'set', name, 'work_mem=8MB'])
    expect(r.exitCode, r.stderr).toBe(7)
    expect(r.stderr).toContain(`dbaas start ${name}`)
    expect(await versions(ns, name)).toEqual(v)
    await dbaasOk(['start', name])
  })
})

lab.describe('config on a MariaDB single instance (validated against the lab\'s MariaDB)', () => {
  it('SYSTEM_VARIABLES says which variables are dynamic; an unknown one and a bad value are 2 with nothing written', async () => {
    const { name, ns } = await create('mariadb', 'd2cfma')
    // The server "inside the pod" is the lab's MariaDB: the instance's root password is made to be its own.
    await kubectlOk(['-n', ns, 'patch', 'secret', `${name}-credentials`, '-p', JSON.stringify({ stringData: { 'root-password': labDatabases.mariadb.adminPassword } })])
    const v = await versions(ns, name)
    const unknown = await dbaas(['config', 'set', name, 'no_such_variable=1'])
    expect(unknown.exitCode, unknown.stderr).toBe(2)
    expect(unknown.stderr).toContain('the server has no parameter "no_such_variable"')
    const bad = await dbaas(['config', 'set', name, 'max_connections=lots'])
    expect(bad.exitCode, bad.stderr).toBe(2)
    expect(await versions(ns, name)).toEqual(v)
    // --no-wait: written, not applied (SET GLOBAL would change the lab's shared server).
    const r = (await dbaasOk(['config', 'set', name, 'max_connections=150', 'back_log=100', '--no-wait', '-o', 'json'])).json()
    expect(r.effects.join('\n')).toContain('max_connections: applied by a reload (SET GLOBAL)')
    expect(r.effects.join('\n')).toContain('back_log: needs a restart')
    const cnf = (await configMap(ns, name))['dbaas.cnf']
    expect(cnf).toContain('[mysqld]')
    expect(cnf).toContain('max_connections = "150"')
    const got = (await dbaasOk(['config', 'get', name, '-o', 'json'])).json()
    expect(got.parameters.find((p: any) => p.name === 'max_connections')).toMatchObject({ managed: '150', applies: 'reload', pendingRestart: false })
    expect(got.parameters.find((p: any) => p.name === 'back_log')).toMatchObject({ managed: '100', applies: 'restart', pendingRestart: true })
  })
})

lab.describe('upgrade on a PostgreSQL single instance', () => {
  it('refusals (2 or 7) write nothing; a minor release rolls out and waits; back down only with --allow-downgrade', async () => {
    const { name, ns } = await create('postgresql', 'd2up', ['--version', '17'])
    const v = await versions(ns, name)
    const major = await dbaas(['upgrade', name, '--version', '18', '--yes'])
    expect(major.exitCode, major.stderr).toBe(2)
    expect(major.stderr).toContain('is a major upgrade')
    expect(major.stderr).toContain('--allow-major')
    const steps = await dbaas(['upgrade', name, '--version', '18', '--allow-major', '--yes'])
    expect(steps.exitCode, steps.stderr).toBe(7)
    expect(steps.stderr).toContain(`dbaas backup create ${name} -n ${ns}`)
    expect(steps.stderr).toContain(`dbaas create postgresql ${name}-18 -n ${ns} --version 18`)
    const down = await dbaas(['upgrade', name, '--version', '16', '--allow-major', '--allow-downgrade', '--yes'])
    expect(down.exitCode, down.stderr).toBe(2)
    expect(down.stderr).toContain('older major 16 is not possible')
    const unknown = await dbaas(['upgrade', name, '--version', '13.1', '--yes'])
    expect(unknown.exitCode, unknown.stderr).toBe(2)
    const noYes = await dbaas(['upgrade', name, '--version', '17.6'])
    expect(noYes.exitCode, noYes.stderr).toBe(2)
    expect(noYes.stderr).toContain('without confirmation')
    expect(await versions(ns, name)).toEqual(v)

    const before = await pod(ns, name)
    const up = (await dbaasOk(['upgrade', name, '--version', '17.6', '--yes', '-o', 'json'])).json()
    expect(up).toMatchObject({ verb: 'upgrade', action: 'changed', changes: [{ field: 'version', from: '17', to: '17.6' }] })
    const after = await pod(ns, name)
    expect(after.metadata.uid).not.toBe(before.metadata.uid)
    expect(after.spec.containers[0].image).toMatch(/postgres:17\.6$/)
    expect(after.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True')

    const v2 = await versions(ns, name)
    const back = await dbaas(['upgrade', name, '--version', '17.5', '--yes'])
    expect(back.exitCode, back.stderr).toBe(2)
    expect(back.stderr).toContain('is a downgrade')
    expect(await versions(ns, name)).toEqual(v2)
    await dbaasOk(['upgrade', name, '--version', '17.5', '--allow-downgrade', '--yes'])
    expect((await pod(ns, name)).spec.containers[0].image).toMatch(/postgres:17\.5$/)
    const h = (await historyOf(ns, name)).filter((e) => e.verb === 'upgrade')
    expect(h.map((e) => [e.params.version, e.result])).toEqual([
      ['17.6', 'succeeded'],
      ['17.5', 'succeeded'],
    ])
  })
})

async function removeHa(name: string, ns: string): Promise<void> {
  await dbaas(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait', '--skip-operator-check'])
  await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
}

lab.describe('ha upgrade of a CloudNativePG cluster', () => {
  let op: CnpgOperatorFixture
  const day2 = new CnpgDay2Fixture()
  beforeAll(async () => {
    op = await CnpgOperatorFixture.install()
  })
  afterAll(async () => op?.remove())

  it('a major: refused without --allow-major (2); with it, a backup first, then the offline in-place upgrade, waited for until healthy', async () => {
    const name = uniqueName('d2hu')
    const ns = `dbaas-${name}`
    onTestFinished(() => removeHa(name, ns))
    await dbaasOk(['ha', 'create', name, '--no-wait', '--instances', '2', '--storage', '1Gi', '--version', '17'])
    await op.reconcile(ns, name)
    const rv = (await getCluster(ns, name)).metadata.resourceVersion
    const refused = await dbaas(['ha', 'upgrade', name, '--version', '18', '--yes'])
    expect(refused.exitCode, refused.stderr).toBe(2)
    expect(refused.stderr).toContain('--allow-major')
    const down = await dbaas(['ha', 'upgrade', name, '--version', '16', '--allow-major', '--yes'])
    expect(down.exitCode, down.stderr).toBe(2)
    expect((await getCluster(ns, name)).metadata.resourceVersion).toBe(rv)

    const run = background(['ha', 'upgrade', name, '--version', '18', '--allow-major', '--yes', '-o', 'json'])
    onTestFinished(() => run.kill())
    let backup = ''
    await waitFor('the backup dbaas asks for first', 60_000, async () => {
      const l = await kubectlJson(['-n', ns, 'get', 'backups.postgresql.cnpg.io'])
      backup = l.items[0]?.metadata.name ?? ''
      return backup !== ''
    }, 200)
    const completed = await op.serveBackup(ns, backup)
    const { request } = await day2.serveMajorUpgrade(ns, name, { fromMajor: 17, toMajor: 18 })
    // The image was asked for only once the backup had completed.
    const asked = Date.parse((request.metadata.managedFields ?? []).filter((m: any) => m.manager === 'dbaas').map((m: any) => m.time).sort().at(-1))
    expect(asked).toBeGreaterThanOrEqual(Math.floor(completed / 1000) * 1000)
    const r = await run.done
    expect(r.exitCode, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({ verb: 'ha upgrade', action: 'changed', extra: { backup } })
    expect(out.changes[0].to).toMatch(/:18/)
    expect(out.notes.join('\n')).toContain(`dbaas ha restore ${backup}`)
    const c = await getCluster(ns, name)
    expect(c.spec.imageName).toMatch(/:18/)
    expect(c.status.pgDataImageInfo.majorVersion).toBe(18)
    expect(await leaseOf(ns, name)).toBeUndefined()
    const h = JSON.parse(c.metadata.annotations?.['dbaas.io/history'] ?? '[]')
    // The cluster's creation, then the upgrade (its entry written when it started, finished in place) and the backup
    // it took first.
    expect(h.map((e: any) => `${e.verb}:${e.result}`)).toEqual(['ha create:succeeded', 'ha upgrade:succeeded', 'ha backup create:succeeded'])
    expect(h[1]).toMatchObject({ params: { version: '18', 'allow-major': 'true' } })
    expect(h[2]).toMatchObject({ params: { backup } })
  })
})

describe('dbaas engines says which upgrades each engine supports', () => {
  it('in -o json: single instances minor in place and major as steps; CloudNativePG majors offline in place; the other operators not yet', async () => {
    const r = (await dbaasOk(['engines', '-o', 'json'])).json<any[]>()
    const by = (e: string) => r.find((x) => x.engine === e)
    for (const e of ['postgresql', 'mysql', 'mariadb']) expect(by(e).upgrades.minor).toContain('in place')
    expect(by('postgresql').upgrades.major).toContain('steps')
    expect(by('postgresql').ha.upgrades.major).toContain('offline in place after a backup')
    expect(by('mysql').ha.upgrades).toEqual({ minor: 'not supported yet', major: 'not supported yet' })
    expect(by('mariadb').ha.upgrades).toEqual({ minor: 'not supported yet', major: 'not supported yet' })
    const wide = (await dbaasOk(['engines', '-o', 'wide'])).stdout
    expect(wide).toMatch(/UPGRADE/i)
  })
})
