// ha config get|set|unset over the fake API with an injected exec standing in for the primary's psql: names
// and values checked against pg_settings before anything is written (2, no write), parameters CloudNativePG
// manages refused, the merge patch of spec.postgresql.parameters under the Lease, and the wait that asks
// the primary until the value is in effect.
import { describe, expect, it } from 'vitest'
import type { HaSpec } from '../../../src/core/ha/engine.ts'
import { buildHaCluster, CNPG } from '../../../src/core/ha/engines/cnpg.ts'
import { executeHa } from '../../../src/core/day2/ha.ts'
import { haConfigGet, haConfigParams, inEffect, planHaConfig } from '../../../src/core/day2/ha-config.ts'
import { parsePgSettings } from '../../../src/core/day2/settings.ts'
import type { Execer } from '../../../src/core/metrics/exec.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeDeps, type FakeDeps } from '../../helpers/fake-deps.ts'
import { CNPG_CRDS } from '../../helpers/fake-kube.ts'
import { namespace } from '../../helpers/fixtures.ts'
import { fails, haConfigOptions } from '../../helpers/ha-config.ts'

const spec: HaSpec = { engine: 'cnpg', topology: 'streaming', name: 'pg', namespace: 'dbaas-pg', instances: 2, database: 'app', user: 'app', storage: '1Gi', params: { work_mem: '4MB' } }

function seeded(): FakeDeps {
  const d = fakeDeps()
  d.transport.installCrd(...CNPG_CRDS).seed(R.namespaces, namespace('cnpg-system'))
  d.transport.seed(R.deployments, { metadata: { name: 'cnpg-controller-manager', namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } }, status: { readyReplicas: 1 } })
  d.transport.seed(R.namespaces, namespace('dbaas-pg', { instance: { name: 'pg' } }))
  d.transport.seed(CNPG.clusters, {
    ...buildHaCluster(spec),
    status: { phase: 'Cluster in healthy state', currentPrimary: 'pg-1', targetPrimary: 'pg-1', readyInstances: 2, instanceNames: ['pg-1', 'pg-2'], instancesStatus: { healthy: ['pg-1', 'pg-2'] } },
  })
  for (const n of ['pg-1', 'pg-2']) {
    d.transport.seed(R.pods, { metadata: { name: n, namespace: 'dbaas-pg', labels: { 'cnpg.io/cluster': 'pg' } }, spec: { containers: [{ name: 'postgres', image: 'pg' }] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } })
  }
  return d
}

const KB = (v: string) => String(Number(/^(\d+)MB$/.exec(v)?.[1] ?? NaN) * 1024)

/** pg_settings as the primary answers it: work_mem and max_connections from the Cluster's spec as it is now. */
function primary(d: FakeDeps, calls: Array<{ pod: string; container: string }>): Execer {
  return async (t, command) => {
    calls.push({ pod: t.pod, container: t.container })
    const c = d.transport.get(CNPG.clusters, 'dbaas-pg', 'pg') as { spec: { postgresql?: { parameters?: Record<string, string> } } }
    const p = c.spec.postgresql?.parameters ?? {}
    const rows = [
      { name: 'work_mem', setting: p.work_mem ? KB(p.work_mem) : '4096', unit: 'kB', vartype: 'integer', min_val: '64', max_val: '2147483647', enumvals: null, context: 'user', source: p.work_mem ? 'configuration file' : 'default', pending_restart: false },
      { name: 'max_connections', setting: p.max_connections ?? '100', unit: null, vartype: 'integer', min_val: '1', max_val: '262143', enumvals: null, context: 'postmaster', source: 'configuration file', pending_restart: false },
    ]
    const sql = command[command.length - 1] as string
    return { stdout: JSON.stringify(rows.filter((r) => sql.includes(`'${r.name}'`))), stderr: '' }
  }
}

const opts = haConfigOptions('pg', 'dbaas-pg')

describe('ha config set|unset (CloudNativePG)', () => {
  it('plans one merge patch of spec.postgresql.parameters and says reload vs restart', async () => {
    const d = seeded()
    const calls: Array<{ pod: string; container: string }> = []
    const p = await planHaConfig(opts({ work_mem: '8MB', max_connections: '200' }), d, primary(d, calls))
    expect(p.patch).toEqual({ spec: { postgresql: { parameters: { work_mem: '8MB', max_connections: '200' } } } })
    expect(p.plan.changes).toEqual([{ field: 'work_mem', from: '4MB', to: '8MB' }, { field: 'max_connections', from: null, to: '200' }])
    expect(p.plan.effects.join('\n')).toMatch(/work_mem: applied by a reload/)
    expect(p.plan.effects.join('\n')).toMatch(/max_connections: needs a restart — CloudNativePG operator restarts every instance itself/)
    // Asked of the primary's database container.
    expect(calls).toEqual([{ pod: 'pg-1', container: 'postgres' }])
    expect(d.transport.writes).toEqual([])
  })

  it.each([
    [{ no_such_param: '1' }, /the server has no parameter "no_such_param"; nothing was changed/],
    [{ work_mem: 'lots' }, /work_mem=lots is not valid/],
    [{ work_mem: '1kB' }, /allows 64 at least/],
    [{ listen_addresses: '*' }, /listen_addresses is managed by CloudNativePG operator and cannot be set/],
    [{ 'Bad-Name': '1' }, /is not a PostgreSQL .*parameter name/],
    [{ max_connections: null }, /has no "max_connections": there is nothing to unset/],
  ])('%j is refused with 2 and nothing is written', async (changes, msg) => {
    const d = seeded()
    const err = await fails(planHaConfig(opts(changes), d, primary(d, [])))
    expect(err.exitCode).toBe(2)
    expect(err.message).toMatch(msg)
    expect(d.transport.writes).toEqual([])
  })

  it('the same value again is a no-op', async () => {
    const d = seeded()
    const p = await planHaConfig(opts({ work_mem: '4MB' }), d, primary(d, []))
    expect(p.plan.noop).toBe(true)
  })

  it('writes under the Lease with the resourceVersion read, waits until the primary has the value, records history', async () => {
    const d = seeded()
    const o = opts({ work_mem: '8MB' })
    const ex = primary(d, [])
    const before = d.transport.get(CNPG.clusters, 'dbaas-pg', 'pg')?.metadata.resourceVersion
    const p = await planHaConfig(o, d, ex)
    const r = await executeHa(p, o, haConfigParams(o), () => planHaConfig(o, d, ex), d)
    expect(r.action).toBe('changed')
    // Two writes on the Cluster: the history's "running" entry on the object as planned (its resourceVersion),
    // then the change on top of that write alone — one patch, no conflict, no second plan.
    const onCluster = d.transport.writes.filter((w) => w.method === 'PATCH' && w.path.endsWith('/clusters/pg'))
    const bodies = onCluster.map((w) => w.body as { metadata: { resourceVersion: string }; spec?: unknown })
    expect(bodies[0]?.metadata.resourceVersion).toBe(before)
    expect(bodies[0]?.spec).toBeUndefined()
    const specPatches = bodies.filter((b) => b.spec)
    expect(specPatches).toHaveLength(1)
    expect(specPatches[0]).toEqual({ spec: { postgresql: { parameters: { work_mem: '8MB' } } }, metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } })
    expect(Number(specPatches[0]?.metadata.resourceVersion)).toBeGreaterThan(Number(before))
    expect(d.transport.writes.some((w) => w.path.includes('/leases'))).toBe(true)
    const c = d.transport.get(CNPG.clusters, 'dbaas-pg', 'pg') as { spec: { postgresql: { parameters: Record<string, string> } } }
    expect(c.spec.postgresql.parameters).toEqual({ work_mem: '8MB' })
    const history = JSON.parse((c as unknown as { metadata: { annotations: Record<string, string> } }).metadata.annotations['dbaas.io/history'] ?? '[]') as Array<{ verb: string; result: string; params: unknown }>
    expect(history.at(-1)).toMatchObject({ verb: 'ha config set', result: 'succeeded', params: { work_mem: '8MB' } })
  })

  it('unset sends null for the key (a merge patch removes it)', async () => {
    const d = seeded()
    const p = await planHaConfig(opts({ work_mem: null }), d, primary(d, []))
    expect(p.patch).toEqual({ spec: { postgresql: { parameters: { work_mem: null } } } })
    expect(p.plan.verb).toBe('ha config unset')
  })

  it('a value is in effect when it matches in the parameter\'s unit and no restart is pending', () => {
    const [wm] = parsePgSettings(JSON.stringify([{ name: 'work_mem', setting: '8192', unit: 'kB', vartype: 'integer', min_val: '64', max_val: '2147483647', enumvals: null, context: 'user', source: 'configuration file', pending_restart: false }]))
    expect(inEffect(wm!, '8MB', null)).toBe(true)
    expect(inEffect(wm!, '8192kB', null)).toBe(true)
    expect(inEffect(wm!, '16MB', null)).toBe(false)
    expect(inEffect({ ...wm!, pendingRestart: true }, '8MB', null)).toBe(false)
    // Unset: still the old value from the file is not done; the default source is.
    expect(inEffect(wm!, null, '8MB')).toBe(false)
    expect(inEffect({ ...wm!, source: 'default', value: '4096' }, null, '8MB')).toBe(true)
  })
})

describe('ha config get (CloudNativePG)', () => {
  it('shows what the Cluster sets beside the primary\'s effective value and source', async () => {
    const d = seeded()
    const v = await haConfigGet({ name: 'pg', namespace: 'dbaas-pg', cluster: { namespace: 'dbaas-pg' }, skipOperatorCheck: false }, d, primary(d, []))
    expect(v.kind).toBe('ha-cluster')
    expect(v.parameters).toEqual([{ name: 'work_mem', managed: '4MB', effective: '4096', unit: 'kB', source: 'configuration file', applies: 'reload', pendingRestart: false }])
  })

  it('an unknown key is 2', async () => {
    const d = seeded()
    const err = await fails(haConfigGet({ name: 'pg', namespace: 'dbaas-pg', cluster: { namespace: 'dbaas-pg' }, skipOperatorCheck: false, key: 'nope' }, d, primary(d, [])))
    expect(err.exitCode).toBe(2)
  })
})
