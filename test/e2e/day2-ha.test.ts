// Day 2 for HA clusters (CloudNativePG) through the built CLI against the lab's real CNPG CRDs. The lab runs
// no operator: cnpg-operator.ts makes it present and reconciles the Cluster, cnpg-day2.ts plays its day-2
// reactions as CNPG documents them — each started before dbaas runs and driven from the test, so what dbaas
// did and what "the operator" did stay apart.
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest'
import { kubectl, uniqueName } from '../lab/fixtures/lab.ts'
import { storageClassName } from '../lab/lib/paths.ts'
import { labOnly, onLab } from '../lab/tags.ts'
import { CnpgOperatorFixture, getCluster } from './fixtures/cnpg-operator.ts'
import { clusterPods, CnpgDay2Fixture, dataPvcs } from './fixtures/cnpg-day2.ts'
import { background, leaseOf } from './day2-helpers.ts'
import { dbaas, dbaasOk } from './helpers.ts'

const lab = labOnly('plays the CloudNativePG operator and its day-2 reactions with fixtures (the lab runs no operator)')

async function removeHa(name: string, ns: string): Promise<void> {
  await dbaas(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait', '--skip-operator-check'])
  await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
}

const history = async (ns: string, name: string) => JSON.parse((await getCluster(ns, name)).metadata.annotations?.['dbaas.io/history'] ?? '[]')

lab.describe('day 2 on CloudNativePG clusters', () => {
  let op: CnpgOperatorFixture
  const day2 = new CnpgDay2Fixture()
  beforeAll(async () => {
    op = await CnpgOperatorFixture.install()
  })
  afterAll(async () => op?.remove())

  async function healthyCluster(prefix: string): Promise<{ name: string; ns: string }> {
    const name = uniqueName(prefix)
    const ns = `dbaas-${name}`
    onTestFinished(() => removeHa(name, ns))
    // The simulated nodes' class (the fixture's pods run there; the real node's driver could not expand their volumes).
    await dbaasOk(['ha', 'create', name, '--no-wait', '--instances', '3', '--storage', '1Gi', '--version', '17', '--cpu', '250m', '--memory', '256Mi', ...(onLab() ? ['--storage-class', storageClassName] : [])])
    await op.reconcile(ns, name)
    return { name, ns }
  }

  it('ha scale --cpu/--memory: spec.resources patched, every pod rolled standbys first, waited for until healthy', async () => {
    const { name, ns } = await healthyCluster('d2hs')
    const before = await getCluster(ns, name)
    const served = day2.serveResources(ns, name, before)
    const r = await dbaasOk(['ha', 'scale', name, '--cpu', '500m', '--memory', '512Mi', '--yes', '-o', 'json'])
    const { order } = await served
    expect(order).toEqual([`${name}-3`, `${name}-2`, `${name}-1`])
    expect(r.json()).toMatchObject({ kind: 'ha-cluster', verb: 'ha scale', action: 'changed', changes: [{ field: 'cpu', from: '250m', to: '500m' }, { field: 'memory', from: '256Mi', to: '512Mi' }] })
    const c = await getCluster(ns, name)
    expect(c.spec.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '512Mi' } })
    // The write carried the resourceVersion dbaas read (optimistic lock) and was made by dbaas.
    expect((c.metadata.managedFields ?? []).some((m: any) => m.manager === 'dbaas' && m.operation === 'Update' && JSON.stringify(m.fieldsV1).includes('f:resources'))).toBe(true)
    for (const p of await clusterPods(ns, name)) expect(p.spec.containers[0].resources.requests.memory).toBe('512Mi')
    expect(await leaseOf(ns, name)).toBeUndefined()
    expect((await history(ns, name)).at(-1)).toMatchObject({ verb: 'ha scale', result: 'succeeded', params: { cpu: '500m', memory: '512Mi' } })
    // --instances keeps working beside it; both together are a usage error.
    const both = await dbaas(['ha', 'scale', name, '--instances', '2', '--cpu', '1'])
    expect(both.exitCode).toBe(2)
  })

  it('ha resize: spec.storage.size, every data PVC at the new capacity; smaller is 2', async () => {
    const { name, ns } = await healthyCluster('d2hr')
    const small = await dbaas(['ha', 'resize', name, '--storage', '500Mi', '--yes'])
    expect(small.exitCode, small.stderr).toBe(2)
    expect(small.stderr).toContain('a volume cannot shrink')
    const before = await getCluster(ns, name)
    const served = day2.serveStorage(ns, name, before)
    const r = await dbaasOk(['ha', 'resize', name, '--storage', '2Gi', '--yes', '-o', 'json'])
    await served
    expect(r.json()).toMatchObject({ action: 'changed', changes: [{ field: 'storage', from: '1Gi', to: '2Gi' }] })
    expect((await getCluster(ns, name)).spec.storage.size).toBe('2Gi')
    const pvcs = await dataPvcs(ns, name)
    expect(pvcs).toHaveLength(3)
    for (const p of pvcs) expect(p.status.capacity.storage).toBe('2Gi')
    expect((await dbaasOk(['ha', 'status', name, '-o', 'json'])).json().storage).toBe('2Gi')
  })

  it('ha stop / ha start: declarative hibernation, waited for on its condition; list shows Stopped; start never asks', async () => {
    const { name, ns } = await healthyCluster('d2hh')
    const served = day2.serveHibernation(ns, name)
    const stop = await dbaasOk(['ha', 'stop', name, '--yes', '-o', 'json'])
    await served
    expect(stop.json()).toMatchObject({ action: 'changed', changes: [{ field: 'cnpg.io/hibernation', to: 'on' }] })
    expect(await clusterPods(ns, name)).toEqual([])
    expect((await dataPvcs(ns, name)).length).toBe(3)
    const c = await getCluster(ns, name)
    expect(c.status.conditions.find((x: any) => x.type === 'cnpg.io/hibernation')).toMatchObject({ status: 'True', reason: 'Hibernated' })
    const list = (await dbaasOk(['list', '-n', ns, '-o', 'json'])).json()
    expect(list.find((i: any) => i.name === name)).toMatchObject({ kind: 'ha-cluster', status: 'Stopped' })
    // Restarting a stopped cluster is refused (7), writing nothing.
    const rv = c.metadata.resourceVersion
    const restart = await dbaas(['ha', 'restart', name, '--yes'])
    expect(restart.exitCode, restart.stderr).toBe(7)
    expect(restart.stderr).toContain('is stopped (hibernated)')
    expect((await getCluster(ns, name)).metadata.resourceVersion).toBe(rv)
    const resumed = day2.serveResume(ns, name)
    const start = await dbaasOk(['ha', 'start', name, '-o', 'json'])
    await resumed
    expect(start.json()).toMatchObject({ action: 'changed', changes: [{ field: 'cnpg.io/hibernation', from: 'on', to: 'off' }] })
    expect((await clusterPods(ns, name)).length).toBe(3)
    expect((await dbaasOk(['ha', 'status', name, '-o', 'json'])).json().status).toBe('Ready')
    const h = (await dbaasOk(['ha', 'history', name, '-o', 'json'])).json()
    expect(h.entries.map((e: any) => `${e.verb}:${e.result}`)).toEqual(['ha create:succeeded', 'ha stop:succeeded', 'ha start:succeeded'])
  })

  it('ha restart: the restartedAt annotation, every pod re-created standbys first, healthy; a second verb meanwhile exits 4', async () => {
    const { name, ns } = await healthyCluster('d2hx')
    const podsBefore = new Map((await clusterPods(ns, name)).map((p: any) => [p.metadata.name, p.metadata.uid]))
    // The fixture pauses after the first standby: the restart holds the Lease while it waits.
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    let paused!: () => void
    const pausedAt = new Promise<void>((resolve) => (paused = resolve))
    const before = (await getCluster(ns, name)).metadata.annotations?.['kubectl.kubernetes.io/restartedAt']
    const run = background(['ha', 'restart', name, '--yes', '-o', 'json'])
    const served = day2.serveRestart(ns, name, { before, gate, onPaused: () => paused() })
    await Promise.race([pausedAt, run.done.then((r) => Promise.reject(new Error(`ha restart ended before the fixture paused: exit ${r.exitCode}\n${r.stderr}`)))])
    expect(await leaseOf(ns, name)).toBeDefined()
    const busy = await dbaas(['ha', 'resize', name, '--storage', '5Gi', '--yes'])
    expect(busy.exitCode, busy.stderr).toBe(4)
    expect(busy.stderr).toContain(`HA cluster "${name}" is busy: \`dbaas ha restart\``)
    expect((await getCluster(ns, name)).spec.storage.size).toBe('1Gi')
    open()
    const { order, at } = await served
    expect(order).toEqual([`${name}-3`, `${name}-2`, `${name}-1`])
    const done = await run.done
    expect(done.exitCode, done.stderr).toBe(0)
    expect(JSON.parse(done.stdout)).toMatchObject({ verb: 'ha restart', action: 'changed' })
    for (const p of await clusterPods(ns, name)) {
      expect(p.metadata.uid).not.toBe(podsBefore.get(p.metadata.name))
      expect(p.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBe(at)
    }
  })

  it('a wait that CloudNativePG never finishes times out (6) saying where it stopped', async () => {
    const { name, ns } = await healthyCluster('d2ht')
    // Nobody plays the hibernation: the condition never comes.
    const r = await dbaas(['ha', 'stop', name, '--yes', '--timeout', '10s'])
    expect(r.exitCode, r.stderr).toBe(6)
    expect(r.stderr).toMatch(/timed out after 10 s: CloudNativePG operator to hibernate the cluster did not happen; where it stopped: condition cnpg.io\/hibernation: null; pod .*-1: ready; pod .*-2: ready/)
    expect((await history(ns, name)).at(-1)).toMatchObject({ verb: 'ha stop', result: 'timed-out' })
    expect(await leaseOf(ns, name)).toBeUndefined()
  })
})
