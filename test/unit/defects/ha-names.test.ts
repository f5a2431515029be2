// Issue 19, item 5 over fakes: single-instance verbs given an HA cluster's name say so (exit 2) and name the
// `dbaas ha` verb; a single instance and an HA cluster cannot share a name in one namespace (4); completion
// offers each verb only the names it accepts.
import { describe, expect, it } from 'vitest'
import { buildProgram, main } from '../../../src/cli.ts'
import { completeWords } from '../../../src/commands/complete-words.ts'
import { checkNameFree } from '../../../src/core/find.ts'
import { buildHaCluster, CNPG } from '../../../src/core/ha/engines/cnpg.ts'
import { HA_CREDENTIALS, haLabels } from '../../../src/core/ha/model.ts'
import type { HaSpec } from '../../../src/core/ha/engine.ts'
import { buildMariaDB, MARIADB } from '../../../src/core/ha/engines/mariadb.ts'
import { buildPxc, PXC } from '../../../src/core/ha/engines/pxc.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeDeps, type FakeDeps } from '../../helpers/fake-deps.ts'
import { CNPG_CRDS, fakeKube, SNAPSHOT_CRDS } from '../../helpers/fake-kube.ts'
import { credentials, statefulSet } from '../../helpers/fixtures.ts'

const spec: HaSpec = { engine: 'cnpg', topology: 'streaming', name: 'pay', namespace: 'dbaas-pay', instances: 3, database: 'app', user: 'app', storage: '1Gi', params: {} }

function world(): FakeDeps {
  const d = fakeDeps()
  d.transport.installCrd(...CNPG_CRDS, ...SNAPSHOT_CRDS)
  d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-pay' } }, { metadata: { name: 'dbaas-orders' } })
  d.transport.seed(CNPG.clusters, { ...buildHaCluster(spec), status: { phase: 'Cluster in healthy state', readyInstances: 3 } })
  d.transport.seed(R.secrets, { metadata: { name: 'pay-ha-credentials', namespace: 'dbaas-pay', labels: haLabels({ name: 'pay', engine: 'cnpg' }, HA_CREDENTIALS) }, data: {} })
  d.transport.seed(CNPG.backups, { metadata: { name: 'pay-20261125', namespace: 'dbaas-pay' }, spec: { cluster: { name: 'pay' } } })
  d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1 }))
  d.transport.seed(R.secrets, credentials({ name: 'orders' }))
  d.transport.seed(R.volumeSnapshots, { metadata: { name: 'orders-20261125', namespace: 'dbaas-orders', labels: { 'app.kubernetes.io/managed-by': 'dbaas', 'dbaas.io/kind': 'backup' } } })
  return d
}

describe('single-instance verbs on an HA cluster\'s name', () => {
  it.each([
    [['status', 'pay'], 'dbaas ha status pay -n dbaas-pay'],
    [['connection', 'pay'], 'dbaas ha connection pay -n dbaas-pay'],
    [['delete', 'pay', '--yes'], 'dbaas ha delete pay -n dbaas-pay'],
    [['delete', 'pay', '--yes', '--ignore-not-found'], 'dbaas ha delete pay -n dbaas-pay'],
    [['logs', 'pay'], 'dbaas ha status pay -n dbaas-pay'],
    [['status', 'pay', '-n', 'dbaas-pay'], 'dbaas ha status pay -n dbaas-pay'],
    [['backup', 'create', 'pay'], 'dbaas ha backup create pay -n dbaas-pay'],
  ])('%j → exit 2 naming `%s`, nothing written', async (argv, verb) => {
    const d = world()
    expect(await main(argv, d)).toBe(2)
    expect(d.err.text).toContain('is an HA cluster')
    expect(d.err.text).toContain(`this is an HA cluster: use \`${verb}\``)
    expect(d.transport.writes).toEqual([])
  })

  it('a name that is neither is still not found (3)', async () => {
    const d = world()
    expect(await main(['status', 'nothing'], d)).toBe(3)
  })
})

describe('one name, one kind, per namespace', () => {
  it('a single instance where an HA cluster has the name → 4; and the other way round', async () => {
    const d = world()
    const kube = fakeKube(d.transport)
    await expect(checkNameFree(kube, 'pay', 'dbaas-pay', 'instance')).rejects.toMatchObject({ exitCode: 4, message: expect.stringContaining('an HA cluster named "pay" exists') })
    await expect(checkNameFree(kube, 'orders', 'dbaas-orders', 'ha-cluster')).rejects.toMatchObject({ exitCode: 4, message: expect.stringContaining('a single instance named "orders" exists') })
    await expect(checkNameFree(kube, 'pay', 'elsewhere', 'instance')).resolves.toBeUndefined()
    await expect(checkNameFree(kube, 'orders', 'elsewhere', 'ha-cluster')).resolves.toBeUndefined()
  })

  it('`create` of an HA cluster\'s name in its namespace → exit 4 before any write', async () => {
    const d = world()
    d.transport.seed(R.storageClasses, { metadata: { name: 'std', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } })
    expect(await main(['create', 'postgres', 'pay', '-n', 'dbaas-pay'], d)).toBe(4)
    expect(d.transport.writes).toEqual([])
    expect(d.fakeHelm.ops()).not.toContain('upgradeInstall')
  })
})

describe('every HA engine holds its name: Percona XtraDB Cluster and the MariaDB operator as well as CloudNativePG', () => {
  function others(): FakeDeps {
    const d = world()
    d.transport.installCrd(PXC.clusters, MARIADB.mariadbs)
    d.transport.seed(R.namespaces, { metadata: { name: 'shop' } })
    d.transport.seed(PXC.clusters, buildPxc({ ...spec, engine: 'pxc', topology: 'galera', name: 'cart', namespace: 'shop' }))
    d.transport.seed(MARIADB.mariadbs, buildMariaDB({ ...spec, engine: 'mariadb', topology: 'replication', name: 'till', namespace: 'shop' }))
    return d
  }

  it.each([
    [['status', 'cart'], 'dbaas ha status cart -n shop'],
    [['connection', 'till', '-n', 'shop'], 'dbaas ha connection till -n shop'],
    [['delete', 'cart', '--yes'], 'dbaas ha delete cart -n shop'],
  ])('%j → exit 2 naming `%s`, nothing written', async (argv, verb) => {
    const d = others()
    expect(await main(argv, d)).toBe(2)
    expect(d.err.text).toContain(`this is an HA cluster: use \`${verb}\``)
    expect(d.transport.writes).toEqual([])
  })

  it('a single instance cannot take a PXC or MariaDB cluster\'s name in its namespace (4), elsewhere it can', async () => {
    const d = others()
    const kube = fakeKube(d.transport)
    await expect(checkNameFree(kube, 'cart', 'shop', 'instance')).rejects.toMatchObject({ exitCode: 4, message: expect.stringContaining('an HA cluster named "cart" exists') })
    await expect(checkNameFree(kube, 'till', 'shop', 'instance')).rejects.toMatchObject({ exitCode: 4 })
    await expect(checkNameFree(kube, 'cart', 'elsewhere', 'instance')).resolves.toBeUndefined()
    d.transport.seed(R.storageClasses, { metadata: { name: 'std', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } })
    expect(await main(['create', 'mysql', 'till', '-n', 'shop'], d)).toBe(4)
    expect(d.transport.writes).toEqual([])
    expect(d.fakeHelm.ops()).not.toContain('upgradeInstall')
  })

  it.each(['mysql', 'mariadb', 'postgres'])('`ha create %s` of a single instance\'s name in its namespace → exit 4, nothing written', async (engine) => {
    const d = others()
    expect(await main(['ha', 'create', engine, 'orders', '-n', 'dbaas-orders', '--skip-operator-check'], d)).toBe(4)
    expect(d.err.text).toContain('a single instance named "orders" exists in namespace dbaas-orders')
    expect(d.transport.writes).toEqual([])
  })
})

describe('completion offers each verb only the names it accepts', () => {
  async function values(words: string[]): Promise<string[]> {
    const d = world()
    return (await completeWords(await buildProgram(d, { load: 'all' }), words, d)).items.map((c) => c.value).sort()
  }
  it.each([
    [['status', ''], ['orders']],
    [['connection', ''], ['orders']],
    [['delete', ''], ['orders']],
    [['logs', ''], ['orders']],
    [['backup', 'create', ''], ['orders']],
    [['connect', ''], ['orders', 'pay']],
    [['ha', 'status', ''], ['pay']],
    [['ha', 'delete', ''], ['pay']],
    [['ha', 'backup', 'create', ''], ['pay']],
    [['restore', ''], ['orders-20261125']],
    [['backup', 'delete', ''], ['orders-20261125']],
    [['ha', 'restore', ''], ['pay-20261125']],
  ])('%j → %j', async (words, want) => {
    expect(await values(words)).toEqual(want)
  })
})
