// Issue 16's `ha config` on the lab's real node with the real CloudNativePG operator (or a real cluster with
// CloudNativePG installed, DBAAS_E2E_KUBECONFIG): `ha config set work_mem=8MB` checked against the primary's
// pg_settings, written into spec.postgresql.parameters, and waited for until the primary runs with it — which
// `ha config get` and the server itself (psql in the primary's container) then show; an unknown parameter is
// exit 2 with the Cluster's resourceVersion unchanged; max_connections (a restart: CloudNativePG restarts the
// instances itself) waited for until the primary runs with it; unset brings the default back.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CNPG } from '../../src/core/ha/engines/cnpg.ts'
import { kubectlJson, kubectlOk, labCli, uniqueName } from '../lab/fixtures/lab.ts'
import { placementFlags } from '../lab/fixtures/real-node.ts'
import { allLabCnpgNamespaces, labCnpgNamespaces } from '../lab/lib/cnpg.ts'
import { hasRealNode, onLab, realNodeOnly } from '../lab/tags.ts'
import { dbaas, dbaasOk, deleteNamespace } from './helpers.ts'

const realOnLab = onLab() && hasRealNode()
const real = realNodeOnly('the real CloudNativePG operator runs on the lab\'s real node')

real.describe('ha config with the real CloudNativePG operator', () => {
  const name = uniqueName('hacfg')
  // On the lab the operator watches only the namespaces test/lab/lib/cnpg.ts names.
  const ns = realOnLab ? labCnpgNamespaces.realNodeHaConfig : `dbaas-${name}`
  const labArgs = realOnLab ? ['--version', '17', ...placementFlags] : []
  let primary = ''
  const need = () => {
    if (!primary) throw new Error(`needs the cluster ${name} the first test creates (it failed)`)
  }
  const psql = (sql: string) => kubectlOk(['-n', ns, 'exec', primary, '-c', 'postgres', '--', 'psql', '-X', '-tA', '-d', 'postgres', '-c', sql])
  const resourceVersion = async () => (await kubectlJson<{ metadata: { resourceVersion: string } }>(['-n', ns, 'get', `${CNPG.clusters.plural}.${CNPG.clusters.group}`, name])).metadata.resourceVersion

  beforeAll(async () => {
    if (!realOnLab) return
    const r = await labCli(['up', '--real-node', '--cnpg', allLabCnpgNamespaces], { timeoutMs: 600_000 })
    if (r.code !== 0) throw new Error(`lab up --cnpg failed:\n${r.stdout}\n${r.stderr}`)
    await deleteNamespace(ns, { wait: true })
  }, 660_000)
  afterAll(async () => {
    const r = await dbaas(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait', '--skip-operator-check'])
    if (r.exitCode !== 0) throw new Error(`cleanup: ha delete ${name} exited ${r.exitCode}: ${r.stderr}`)
    await deleteNamespace(ns)
  }, 300_000)

  it('ha create --instances 2', async () => {
    const r = await dbaas(['ha', 'create', name, '-n', ns, '--instances', '2', '--storage', '1Gi', ...labArgs, '--timeout', '20m', '-o', 'json'], { timeoutMs: 21 * 60_000 })
    expect(r.exitCode, r.stderr).toBe(0)
    primary = r.json().currentPrimary
    expect(primary).toMatch(new RegExp(`^${name}-\\d+$`))
  }, 22 * 60_000)

  it('ha config set work_mem=8MB: in spec.postgresql.parameters, and the primary runs with it (ha config get, psql)', async () => {
    need()
    const t0 = Date.now()
    const r = await dbaas(['ha', 'config', 'set', name, 'work_mem=8MB', '-n', ns, '-o', 'json', '--timeout', '5m'], { timeoutMs: 400_000 })
    expect(r.exitCode, r.stderr).toBe(0)
    process.stderr.write(`real operator: ha config set work_mem (reload) in effect on the primary in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    expect(r.json()).toMatchObject({ action: 'changed', extra: { reload: ['work_mem'], restart: [] } })
    const c = await kubectlJson<{ spec: { postgresql: { parameters: Record<string, string> } } }>(['-n', ns, 'get', `${CNPG.clusters.plural}.${CNPG.clusters.group}`, name])
    expect(c.spec.postgresql.parameters.work_mem).toBe('8MB')
    const got = (await dbaasOk(['ha', 'config', 'get', name, 'work_mem', '-n', ns, '-o', 'json'])).json()
    expect(got.parameters[0]).toMatchObject({ name: 'work_mem', managed: '8MB', effective: '8192', unit: 'kB', applies: 'reload', pendingRestart: false })
    expect((await psql("select current_setting('work_mem')")).trim()).toBe('8MB')
    const history = (await dbaasOk(['ha', 'history', name, '-n', ns, '-o', 'json'])).json()
    expect(JSON.stringify(history)).toContain('ha config set')
  }, 500_000)

  it('an unknown parameter, a bad value, a parameter CloudNativePG manages: 2, the Cluster untouched', async () => {
    need()
    const before = await resourceVersion()
    for (const [pair, msg] of [
      ['no_such_parameter=1', /the server has no parameter "no_such_parameter"/],
      ['work_mem=lots', /work_mem=lots is not valid/],
      ['wal_level=minimal', /managed by CloudNativePG/],
    ] as const) {
      const r = await dbaas(['ha', 'config', 'set', name, pair, '-n', ns])
      expect(r.exitCode, r.stderr).toBe(2)
      expect(r.stderr).toMatch(msg)
    }
    expect(await resourceVersion()).toBe(before)
  }, 120_000)

  it('ha config set max_connections=150: CloudNativePG restarts the instances itself; dbaas returns once the primary runs with it', async () => {
    need()
    // The operator restarts every instance for it: as `ha restart`, it asks, and without a terminal needs --yes.
    const rv = await resourceVersion()
    const refused = await dbaas(['ha', 'config', 'set', name, 'max_connections=150', '-n', ns])
    expect(refused.exitCode, refused.stderr).toBe(2)
    expect(refused.stderr).toMatch(/without confirmation/)
    expect(await resourceVersion()).toBe(rv)
    const t0 = Date.now()
    const r = await dbaas(['ha', 'config', 'set', name, 'max_connections=150', '-n', ns, '--yes', '-o', 'json', '--timeout', '10m'], { timeoutMs: 11 * 60_000 })
    expect(r.exitCode, r.stderr).toBe(0)
    process.stderr.write(`real operator: ha config set max_connections (restart by the operator) in effect on the primary in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    expect(r.json()).toMatchObject({ action: 'changed', extra: { reload: [], restart: ['max_connections'] } })
    // The primary may have moved (a switchover is one way CNPG restarts it): ask the cluster which it is now.
    primary = (await dbaasOk(['ha', 'status', name, '-n', ns, '-o', 'json'])).json().currentPrimary
    expect((await psql("select setting || ':' || pending_restart from pg_settings where name = 'max_connections'")).trim()).toBe('150:false')
    const got = (await dbaasOk(['ha', 'config', 'get', name, 'max_connections', '-n', ns, '-o', 'json'])).json()
    expect(got.parameters[0]).toMatchObject({ managed: '150', effective: '150', applies: 'restart', pendingRestart: false })
  }, 12 * 60_000)

  it('ha config unset work_mem: the default again', async () => {
    need()
    const r = await dbaas(['ha', 'config', 'unset', name, 'work_mem', '-n', ns, '-o', 'json', '--timeout', '5m'], { timeoutMs: 400_000 })
    expect(r.exitCode, r.stderr).toBe(0)
    expect((await psql("select current_setting('work_mem')")).trim()).toBe('4MB')
  }, 500_000)
})
