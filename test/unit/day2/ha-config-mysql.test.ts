// ha config on a Percona XtraDB Cluster over the fake API, an injected exec standing in for a member's mariadb
// client (information_schema.SYSTEM_VARIABLES rows): checked before anything is written (2, no write), the
// whole my.cnf text in one merge patch keeping the hand-written line, every change a roll (asks), the write
// under the Lease with the resourceVersion read, history.
import { describe, expect, it } from 'vitest'
import type { HaSpec } from '../../../src/core/ha/engine.ts'
import { buildPxc, PXC } from '../../../src/core/ha/engines/pxc.ts'
import { executeHa } from '../../../src/core/day2/ha.ts'
import { haConfigGet, haConfigParams, planHaConfig, restarts } from '../../../src/core/day2/ha-config.ts'
import { BEGIN, END } from '../../../src/core/day2/mycnf.ts'
import type { Execer } from '../../../src/core/metrics/exec.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeDeps, type FakeDeps } from '../../helpers/fake-deps.ts'
import { namespace } from '../../helpers/fixtures.ts'
import { fails, haConfigOptions } from '../../helpers/ha-config.ts'

const spec: HaSpec = { engine: 'pxc', topology: 'galera', name: 'shop', namespace: 'dbaas-shop', instances: 3, database: 'app', user: 'app', storage: '1Gi', params: { max_connections: '250' } }

function seeded(o: { updateStrategy?: string } = {}): FakeDeps {
  const d = fakeDeps()
  d.transport.installCrd({ ...PXC.clusters, status: true })
  d.transport.seed(R.namespaces, namespace('dbaas-shop', { instance: { name: 'shop' } }))
  const c = buildPxc(spec)
  if (o.updateStrategy) (c.spec as Record<string, unknown>).updateStrategy = o.updateStrategy
  d.transport.seed(PXC.clusters, { ...c, status: { state: 'ready', pxc: { size: 3, ready: 3 }, haproxy: { size: 2, ready: 2 } } })
  d.transport.seed(R.secrets, { metadata: { name: 'shop-ha-credentials', namespace: 'dbaas-shop' }, data: { root: Buffer.from('r00t').toString('base64') } })
  for (const i of [0, 1, 2]) {
    d.transport.seed(R.pods, {
      metadata: { name: `shop-pxc-${i}`, namespace: 'dbaas-shop', labels: { 'app.kubernetes.io/instance': 'shop', 'app.kubernetes.io/component': 'pxc' }, annotations: { 'percona.com/configuration-hash': 'h0' } },
      spec: { containers: [{ name: 'pxc', image: 'pxc' }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    })
  }
  return d
}

/** A member's answer: SYSTEM_VARIABLES rows (tab-separated) for the names the SQL asks about. */
function member(calls: Array<{ pod: string; container: string; stdin: string }>): Execer {
  const rows: Record<string, string> = {
    max_connect_errors: 'max_connect_errors\t100\tBIGINT UNSIGNED\t1\t18446744073709551615\tNULL\tNO\tCOMPILE-TIME',
    max_connections: 'max_connections\t250\tBIGINT UNSIGNED\t10\t100000\tNULL\tNO\tCONFIG',
    back_log: 'back_log\t80\tBIGINT UNSIGNED\t1\t65535\tNULL\tYES\tAUTO',
  }
  return async (t, command, stdin) => {
    calls.push({ pod: t.pod, container: t.container, stdin })
    const sql = command[command.length - 1] as string
    return { stdout: Object.entries(rows).filter(([n]) => sql.includes(`'${n}'`)).map(([, r]) => `${r}\n`).join(''), stderr: '' }
  }
}

const opts = haConfigOptions('shop', 'dbaas-shop', { skipOperatorCheck: true })

const block = (...lines: string[]) => `${BEGIN}\n${lines.join('\n')}\n${END}\n`

describe('ha config set|unset (Percona XtraDB Cluster)', () => {
  it('plans one merge patch of the whole text, the hand-written line kept; dynamic vs restart; every change rolls (asks)', async () => {
    const d = seeded()
    const calls: Array<{ pod: string; container: string; stdin: string }> = []
    const p = await planHaConfig(opts({ 'max-connect-errors': '500', back_log: '100' }), d, member(calls))
    expect(p.patch).toEqual({ spec: { pxc: { configuration: `[mysqld]\nmax_connections=250\n${block('back_log=100', 'max_connect_errors=500')}` } } })
    expect(p.plan.changes).toEqual([{ field: 'max_connect_errors', from: null, to: '500' }, { field: 'back_log', from: null, to: '100' }])
    expect(p.plan.effects.join('\n')).toMatch(/max_connect_errors: dynamic/)
    expect(p.plan.effects.join('\n')).toMatch(/back_log: needs a restart/)
    expect(p.extra).toEqual({ reload: ['max_connect_errors'], restart: ['back_log'], rolls: true })
    expect(restarts(p)).toBe(true)
    // Asked of HAProxy's writer (pxc-0, the cluster healthy), in its pxc container, root's password on stdin.
    expect(calls).toEqual([{ pod: 'shop-pxc-0', container: 'pxc', stdin: 'r00t\n' }])
    expect(d.transport.writes).toEqual([])
  })

  it.each([
    [{ no_such_variable: '1' }, 2, /the server has no variable "no_such_variable"; nothing was changed/],
    [{ max_connect_errors: 'lots' }, 2, /max_connect_errors=lots is not valid/],
    [{ max_connections: '5' }, 2, /allows 10 at least/],
    [{ wsrep_sst_method: 'rsync' }, 2, /managed by Percona XtraDB Cluster operator/],
    [{ 'bad name': '1' }, 2, /is not a MySQL .* variable name/],
    [{ wait_timeout: null }, 2, /sets no "wait_timeout": there is nothing to unset/],
  ])('%j is refused with %i and nothing is written', async (changes, code, msg) => {
    const d = seeded()
    const err = await fails(planHaConfig(opts(changes), d, member([])))
    expect(err.exitCode).toBe(code)
    expect(err.message).toMatch(msg)
    expect(d.transport.writes).toEqual([])
  })

  it('a member update strategy (OnDelete) refuses to wait (7); --no-wait writes it without asking', async () => {
    const d = seeded({ updateStrategy: 'OnDelete' })
    const err = await fails(planHaConfig(opts({ max_connect_errors: '500' }), d, member([])))
    expect(err.exitCode).toBe(7)
    expect(err.message).toContain('spec.updateStrategy OnDelete')
    const p = await planHaConfig(opts({ max_connect_errors: '500' }, { wait: false }), d, member([]))
    expect(restarts(p)).toBe(false)
    expect(p.plan.warnings.join('\n')).toContain('restarts no member itself')
  })

  it('unset of the hand-written option removes its line; the text keeps the section', async () => {
    const d = seeded()
    const p = await planHaConfig(opts({ max_connections: null }), d, member([]))
    expect(p.patch).toEqual({ spec: { pxc: { configuration: '[mysqld]\n' } } })
    expect(p.plan.verb).toBe('ha config unset')
  })

  it('--no-wait: the patch under the Lease with the resourceVersion read, history recorded', async () => {
    const d = seeded()
    const o = opts({ max_connect_errors: '500' }, { wait: false })
    const ex = member([])
    const before = d.transport.get(PXC.clusters, 'dbaas-shop', 'shop')?.metadata.resourceVersion
    const p = await planHaConfig(o, d, ex)
    const r = await executeHa(p, o, haConfigParams(o), () => planHaConfig(o, d, ex), d)
    expect(r.action).toBe('requested')
    const bodies = d.transport.writes.filter((w) => w.method === 'PATCH' && w.path.endsWith('/perconaxtradbclusters/shop')).map((w) => w.body as { metadata: { resourceVersion: string }; spec?: { pxc: { configuration: string } } })
    expect(bodies[0]?.metadata.resourceVersion).toBe(before)
    const specPatches = bodies.filter((b) => b.spec)
    expect(specPatches).toHaveLength(1)
    expect(specPatches[0]?.spec?.pxc.configuration).toBe(`[mysqld]\nmax_connections=250\n${block('max_connect_errors=500')}`)
    expect(d.transport.writes.some((w) => w.path.includes('/leases'))).toBe(true)
    const c = d.transport.get(PXC.clusters, 'dbaas-shop', 'shop') as unknown as { metadata: { annotations: Record<string, string> } }
    const history = JSON.parse(c.metadata.annotations['dbaas.io/history'] ?? '[]') as Array<{ verb: string; result: string }>
    expect(history.at(-1)).toMatchObject({ verb: 'ha config set', params: { max_connect_errors: '500' } })
  })

  it('get: dbaas\'s values and the hand-written ones, each with what the member runs with', async () => {
    const d = seeded()
    const v = await haConfigGet({ name: 'shop', namespace: 'dbaas-shop', cluster: { namespace: 'dbaas-shop' }, skipOperatorCheck: true }, d, member([]))
    expect(v.parameters).toEqual([{ name: 'max_connections', managed: null, effective: '250', unit: null, source: 'CONFIG', applies: 'reload', pendingRestart: false }])
    expect(v.notes.join('\n')).toContain('written by hand in spec.pxc.configuration')
  })
})

describe('ha config set run again while the operator still rolls the members', () => {
  it('only the wait is left: no question, the same text, done on the operator\'s own report', async () => {
    const d = seeded()
    const c = d.transport.get(PXC.clusters, 'dbaas-shop', 'shop') as { spec: { pxc: { configuration: string } } }
    c.spec.pxc.configuration = `[mysqld]\nmax_connections=250\n${block('max_connect_errors=500')}`
    d.transport.seed(PXC.clusters, { ...(c as object), status: { state: 'initializing', pxc: { size: 3, ready: 2 }, haproxy: { size: 2, ready: 2 } } } as never)
    const p = await planHaConfig(opts({ max_connect_errors: '500' }), d, member([]))
    expect(p.plan.noop).toBe(false)
    expect(p.plan.notes.join('\n')).toContain('waiting for Percona XtraDB Cluster operator to finish rolling the members')
    expect(restarts(p)).toBe(false)
    expect(p.patch).toEqual({ spec: { pxc: { configuration: c.spec.pxc.configuration } } })
    // Once healthy again, the roll is done whatever hash the pods carry.
    const healthy = { ...(c as object), metadata: { name: 'shop', namespace: 'dbaas-shop', generation: 1 }, status: { state: 'ready', pxc: { size: 3, ready: 3 }, haproxy: { size: 2, ready: 2 } } }
    const pod = (i: number) => ({ metadata: { name: `shop-pxc-${i}`, annotations: { 'percona.com/configuration-hash': 'h0' }, creationTimestamp: '2026-01-01T00:00:00Z' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } })
    expect(p.done(healthy as never, [pod(0), pod(1), pod(2)] as never, [])).toBe(true)
    expect(p.done({ ...healthy, status: { state: 'initializing' } } as never, [pod(0), pod(1), pod(2)] as never, [])).toBe(false)
  })
})
