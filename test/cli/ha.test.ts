// dbaas ha through main() over the fake API: usage errors before any request, the operator check, and the
// shapes of create, status and connection output.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import type { HaSpec } from '../../src/core/ha/engine.ts'
import { buildHaCluster, buildHaSecret, CNPG } from '../../src/core/ha/engines/cnpg.ts'
import { buildMariaDB, buildMariadbSecret, MARIADB } from '../../src/core/ha/engines/mariadb.ts'
import { buildPxc, buildPxcSecret, PXC } from '../../src/core/ha/engines/pxc.ts'
import { MON } from '../../src/core/metrics/prometheus.ts'
import { releaseLabels, releaseName, scheduleLabels, scheduleName, SR } from '../../src/core/schedule/model.ts'
import { R } from '../../src/k8s/kube.ts'
import { fakeDeps, type FakeDeps } from '../helpers/fake-deps.ts'
import { CNPG_CRDS, fakeKube, SNAPSHOT_CRDS } from '../helpers/fake-kube.ts'
import { namespace } from '../helpers/fixtures.ts'

async function run(argv: string[], seed?: (d: FakeDeps) => void) {
  const d = fakeDeps()
  seed?.(d)
  const code = await main(argv, d)
  return { d, code, out: d.out.text, err: d.err.text }
}

const operator = (d: FakeDeps) => {
  d.transport.installCrd(...CNPG_CRDS).seed(R.namespaces, namespace('cnpg-system'))
  d.transport.seed(R.deployments, { metadata: { name: 'cnpg-controller-manager', namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } }, status: { readyReplicas: 1 } })
}
const spec: HaSpec = { engine: 'cnpg', topology: 'streaming', name: 'pg', namespace: 'dbaas-pg', instances: 2, database: 'app', user: 'app', storage: '1Gi', params: {} }
const withCluster = (d: FakeDeps) => {
  operator(d)
  d.transport.seed(R.namespaces, namespace('dbaas-pg', { instance: { name: 'pg' } }))
  d.transport.seed(CNPG.clusters, {
    ...buildHaCluster(spec),
    status: { phase: 'Cluster in healthy state', currentPrimary: 'pg-1', targetPrimary: 'pg-1', readyInstances: 2, instanceNames: ['pg-1', 'pg-2'], instancesStatus: { healthy: ['pg-1', 'pg-2'] } },
  })
  d.transport.seed(R.secrets, buildHaSecret(spec, 'p4ssw0rd-long'))
}

describe('dbaas ha', () => {
  it.each([
    [['ha', 'create', 'pg', '--instances', '0'], /--instances must be at least 1/],
    [['ha', 'create', 'pg', '--param', 'listen_addresses=*'], /managed by CloudNativePG/],
    [['ha', 'create', 'Bad_Name'], /not valid/],
    [['ha', 'failover', 'pg', '--force', '--to', '2'], /--force and --to cannot be used together/],
    [['ha', 'scale', 'pg', '--instances', 'x'], /not valid/],
    [['ha', 'delete', 'pg'], /without confirmation/],
  ])('%j is a usage error (2)', async (argv, msg) => {
    const { code, err, d } = await run(argv, withCluster)
    expect(code).toBe(2)
    expect(err).toMatch(msg)
    expect(d.transport.writes).toEqual([])
  })

  it('refuses with 7 and the install hint when no operator runs', async () => {
    const { code, err, d } = await run(['ha', 'create', 'pg'], (x) => x.transport.installCrd(...CNPG_CRDS))
    expect(code).toBe(7)
    expect(err).toMatch(/no CloudNativePG operator is running/)
    expect(err).toMatch(/Hint: install CloudNativePG first/)
    expect(d.transport.writes).toEqual([])
  })

  it('refuses with 7 when the CRDs are missing, even with --skip-operator-check', async () => {
    const { code, err } = await run(['ha', 'list', '--skip-operator-check'])
    expect(code).toBe(7)
    expect(err).toMatch(/no HA operator's CRDs are installed on this cluster \(clusters.postgresql.cnpg.io, perconaxtradbclusters.pxc.percona.com, mariadbs.k8s.mariadb.com\)/)
    const create = await run(['ha', 'create', 'pg', '--skip-operator-check'])
    expect(create.code).toBe(7)
    expect(create.err).toMatch(/CRDs \(clusters.postgresql.cnpg.io\) are not installed/)
    expect(create.d.transport.writes).toEqual([])
  })

  it('create sends namespace, basic-auth secret and a server-side applied Cluster with the default snapshot class', async () => {
    const { code, d } = await run(['ha', 'create', 'pg', '--no-wait', '--instances', '2', '--storage', '1Gi', '-o', 'json'], (x) => {
      operator(x)
      x.transport.installCrd(...SNAPSHOT_CRDS)
      x.transport.seed(R.volumeSnapshotClasses, { metadata: { name: 'snap', annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } } })
    })
    expect(code).toBe(0)
    expect(d.transport.writes.map((w) => `${w.method} ${w.path} ${w.contentType ?? ''}`.trim())).toEqual([
      'POST /api/v1/namespaces',
      'POST /api/v1/namespaces/dbaas-pg/secrets',
      'PATCH /apis/postgresql.cnpg.io/v1/namespaces/dbaas-pg/clusters/pg application/apply-patch+yaml',
      // The cluster's history: its first entry is this create.
      'PATCH /apis/postgresql.cnpg.io/v1/namespaces/dbaas-pg/clusters/pg application/merge-patch+json',
    ])
    const cluster = d.transport.get(CNPG.clusters, 'dbaas-pg', 'pg')
    expect(cluster?.spec?.backup).toEqual({ volumeSnapshot: { className: 'snap' } })
    const history = JSON.parse(cluster?.metadata.annotations?.['dbaas.io/history'] ?? '[]') as Array<{ verb: string; result: string; params: Record<string, string> }>
    expect(history).toHaveLength(1)
    expect(history[0]).toMatchObject({ verb: 'ha create', result: 'succeeded', params: { engine: 'postgresql', instances: '2' } })
    expect(d.transport.writes[2]?.query).toMatchObject({ fieldManager: 'dbaas' })
  })

  it('create --metrics: after the Cluster, a PodMonitor labelled as the cluster\'s Prometheus selects', async () => {
    const { code, d, err } = await run(['ha', 'create', 'pg', '--no-wait', '--instances', '2', '--storage', '1Gi', '--metrics', '-o', 'json'], (x) => {
      operator(x)
      x.transport.installCrd(MON.serviceMonitors, MON.podMonitors, MON.prometheuses).seed(R.namespaces, namespace('monitoring'))
      x.transport.seed(MON.prometheuses, {
        metadata: { name: 'kps', namespace: 'monitoring' },
        spec: { podMonitorSelector: { matchLabels: { release: 'kps' } }, podMonitorNamespaceSelector: {} },
      })
    })
    expect(code, err).toBe(0)
    const paths = d.transport.writes.map((w) => `${w.method} ${w.path}`)
    expect(paths.at(-1)).toBe('PATCH /apis/monitoring.coreos.com/v1/namespaces/dbaas-pg/podmonitors/pg')
    expect(paths.indexOf('PATCH /apis/postgresql.cnpg.io/v1/namespaces/dbaas-pg/clusters/pg')).toBeLessThan(paths.length - 1)
    const monitor = d.transport.get(MON.podMonitors, 'dbaas-pg', 'pg')
    expect(monitor?.metadata.labels).toMatchObject({ release: 'kps' })
    expect(monitor?.spec?.selector).toMatchObject({ matchLabels: { 'cnpg.io/cluster': 'pg' } })
  })

  it('create: with one default VolumeSnapshotClass per CSI driver, takes the one of the storage\'s driver', async () => {
    const def = { 'snapshot.storage.kubernetes.io/is-default-class': 'true' }
    const { code, d } = await run(['ha', 'create', 'pg', '--no-wait', '--instances', '2', '--storage', '1Gi', '-o', 'json'], (x) => {
      operator(x)
      x.transport.installCrd(...SNAPSHOT_CRDS)
      x.transport.seed(R.storageClasses, { metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'b.csi.example' })
      x.transport.seed(R.volumeSnapshotClasses, { metadata: { name: 'snap-a', annotations: def }, driver: 'a.csi.example', deletionPolicy: 'Delete' })
      x.transport.seed(R.volumeSnapshotClasses, { metadata: { name: 'snap-b', annotations: def }, driver: 'b.csi.example', deletionPolicy: 'Delete' })
    })
    expect(code).toBe(0)
    expect(d.transport.get(CNPG.clusters, 'dbaas-pg', 'pg')?.spec?.backup).toEqual({ volumeSnapshot: { className: 'snap-b' } })
  })

  it('delete removes the cluster\'s backup schedule first (a dry run says so), and the namespace it no longer blocks', async () => {
    const withSchedule = (x: FakeDeps) => {
      withCluster(x)
      const labels = scheduleLabels({ instance: 'pg', engine: 'postgresql' })
      x.transport.seed(SR.scheduledBackups, { metadata: { name: scheduleName('pg'), namespace: 'dbaas-pg', labels }, spec: { schedule: '0 0 3 * * *', cluster: { name: 'pg' } } })
      x.transport.seed(SR.cronJobs, { metadata: { name: scheduleName('pg'), namespace: 'dbaas-pg', labels }, spec: { schedule: '0 3 * * *' } })
      // The schedule's helm release Secret is dbaas-labelled; it must not keep the namespace.
      x.transport.seed(R.secrets, { metadata: { name: `sh.helm.release.v1.${releaseName('pg')}.v1`, namespace: 'dbaas-pg', labels: { ...releaseLabels({ instance: 'pg', engine: 'postgresql' }), owner: 'helm', name: releaseName('pg') } } })
    }
    const dry = await run(['ha', 'delete', 'pg', '--yes', '--dry-run', '-o', 'json'], withSchedule)
    expect(dry.code, dry.err).toBe(0)
    expect(dry.d.transport.writes).toEqual([])
    expect(JSON.parse(dry.out).deleted[0]).toBe(`helm release ${releaseName('pg')} (backup schedule cronjob/${scheduleName('pg')}, scheduledbackup/${scheduleName('pg')})`)
    expect(JSON.parse(dry.out)).toMatchObject({ namespaceDeleted: true })

    const real = await run(['ha', 'delete', 'pg', '--yes', '--no-wait', '-o', 'json'], withSchedule)
    expect(real.code, real.err).toBe(0)
    expect(real.d.transport.get(SR.scheduledBackups, 'dbaas-pg', scheduleName('pg'))).toBeUndefined()
    expect(real.d.fakeHelm.calls.filter((c) => c.op === 'uninstall').map((c) => c.op === 'uninstall' && c.release)).toEqual([releaseName('pg')])
    expect(JSON.parse(real.out)).toMatchObject({ namespaceDeleted: true })
    expect(JSON.parse(real.out).deleted).toContain(`scheduledbackup/${scheduleName('pg')}`)
  })

  it('ha restore of a backup the user may not read is the refusal (5), not "not found" (3)', async () => {
    const { code, err, d } = await run(['ha', 'restore', 'pg-20261125120000', '--to', 'copy', '-n', 'dbaas-pg'], (x) => {
      withCluster(x)
      x.transport.fail({ method: 'GET', path: /^\/apis\/postgresql\.cnpg\.io\/v1\/backups$/, failure: { code: 403, reason: 'Forbidden', message: 'backups.postgresql.cnpg.io is forbidden: User "alice" cannot list resource "backups" at the cluster scope' } })
    })
    expect(code, err).toBe(5)
    expect(err).toMatch(/forbidden/i)
    expect(d.transport.writes).toEqual([])
  })

  it('status prints phase, primary and each instance', async () => {
    const { code, out } = await run(['ha', 'status', 'pg'], withCluster)
    expect(code).toBe(0)
    expect(out).toMatch(/Phase:\s+Cluster in healthy state/)
    expect(out).toMatch(/Primary:\s+pg-1/)
    expect(out).toMatch(/Read-write:\s+pg-rw\.dbaas-pg\.svc\.cluster\.local:5432/)
    expect(out).toMatch(/pg-2\s+standby\s+ready=false/) // no pod seen: not counted ready
  })

  it('connection masks the password unless asked, and URIs require TLS', async () => {
    const masked = await run(['ha', 'connection', 'pg', '--format', 'uri'], withCluster)
    expect(masked.out.trim()).toBe('postgresql://app:********@pg-rw.dbaas-pg.svc.cluster.local:5432/app?sslmode=require')
    const shown = await run(['ha', 'connection', 'pg', '--format', 'uri', '--show-password'], withCluster)
    expect(shown.out.trim()).toBe('postgresql://app:p4ssw0rd-long@pg-rw.dbaas-pg.svc.cluster.local:5432/app?sslmode=require')
  })

  it('an unknown cluster is exit 3', async () => {
    const { code, err } = await run(['ha', 'status', 'nope'], withCluster)
    expect(code).toBe(3)
    expect(err).toMatch(/HA cluster "nope" not found/)
  })
})

describe('dbaas ha scale', () => {
  it('patches spec.instances with the resourceVersion and retries a 409 on the fresh object', async () => {
    const { code, out, d } = await run(['ha', 'scale', 'pg', '--no-wait', '--instances', '3'], (x) => {
      withCluster(x)
      // The operator writes status between dbaas's read and its patch: dbaas's resourceVersion is stale.
      const request = x.transport.request.bind(x.transport)
      let raced = false
      x.transport.request = async (method, path, opts) => {
        if (method === 'PATCH' && !raced) {
          raced = true
          await fakeKube(x.transport).mergePatch(CNPG.clusters, 'dbaas-pg', 'pg', { status: { phase: 'Cluster in healthy state', timelineID: 2 } }, { subresource: 'status' })
        }
        return request(method, path, opts)
      }
    })
    expect(code).toBe(0)
    expect(out).toContain('scaled from 2 to 3')
    const all = d.transport.requests.filter((q) => q.method === 'PATCH' && !q.path.endsWith('/status'))
    // The size (a 409, then accepted on the fresh object), then the cluster's history.
    expect(all).toHaveLength(3)
    const history = JSON.parse((all[2]?.body as { metadata: { annotations: Record<string, string> } }).metadata.annotations['dbaas.io/history'] ?? '[]')
    expect(history).toMatchObject([{ verb: 'ha scale', params: { instances: '3' }, result: 'succeeded', message: 'instances 2 → 3 (not waited for)' }])
    const patches = all.slice(0, 2)
    const rvs = patches.map((p) => (p.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion)
    expect(Number(rvs[1])).toBeGreaterThan(Number(rvs[0]))
    expect(patches[0]?.body).toMatchObject({ metadata: { resourceVersion: expect.any(String) }, spec: { instances: 3 } })
    expect(patches[0]?.contentType).toBe('application/merge-patch+json')
    expect(d.transport.get(CNPG.clusters, 'dbaas-pg', 'pg')?.spec?.instances).toBe(3)
  })
})

// ---- the MySQL-family engines through the same verbs ----

const PXC_CRDS = [{ ...PXC.clusters, status: true }]
const MARIADB_CRDS = [{ ...MARIADB.mariadbs, status: true }, { ...MARIADB.physicalBackups, status: true }]
const pxcOperator = (d: FakeDeps) => {
  d.transport.installCrd(...PXC_CRDS)
  d.transport.seed(R.namespaces, { metadata: { name: 'pxc-operator' } })
  d.transport.seed(R.deployments, {
    metadata: { name: 'percona-xtradb-cluster-operator', namespace: 'pxc-operator', labels: { 'app.kubernetes.io/name': 'percona-xtradb-cluster-operator' } },
    spec: { template: { spec: { containers: [{ name: 'op', image: 'percona/percona-xtradb-cluster-operator:1.18.0', env: [{ name: 'WATCH_NAMESPACE', value: '' }] }] } } },
    status: { readyReplicas: 1 },
  })
}
const mariadbOperator = (d: FakeDeps) => {
  d.transport.installCrd(...MARIADB_CRDS, ...SNAPSHOT_CRDS)
  d.transport.seed(R.namespaces, { metadata: { name: 'mariadb-operator' } })
  d.transport.seed(R.deployments, { metadata: { name: 'mariadb-operator', namespace: 'mariadb-operator', labels: { 'app.kubernetes.io/name': 'mariadb-operator' } }, status: { readyReplicas: 1 } })
}
const pxcSpec: HaSpec = { engine: 'pxc', topology: 'galera', name: 'shop', namespace: 'dbaas-shop', instances: 3, database: 'app', user: 'app', storage: '1Gi', params: {}, version: '8.4' }
const mdbSpec: HaSpec = { engine: 'mariadb', topology: 'replication', name: 'wiki', namespace: 'dbaas-wiki', instances: 3, database: 'app', user: 'app', storage: '1Gi', params: {}, version: '11.8', snapshotClass: 'snap' }
const readyPod = (name: string, labels: Record<string, string>) => ({ metadata: { name, namespace: name.startsWith('shop') ? 'dbaas-shop' : 'dbaas-wiki', labels }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } })
const withPxc = (d: FakeDeps) => {
  pxcOperator(d)
  d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-shop' } })
  d.transport.seed(PXC.clusters, { ...buildPxc(pxcSpec), status: { state: 'ready', pxc: { size: 3, ready: 3 }, haproxy: { size: 2, ready: 2 } } })
  d.transport.seed(R.secrets, buildPxcSecret(pxcSpec, { password: 'app-pw-123456', root: 'root-pw-123456' }))
  for (const i of [0, 1, 2]) d.transport.seed(R.pods, readyPod(`shop-pxc-${i}`, { 'app.kubernetes.io/instance': 'shop', 'app.kubernetes.io/component': 'pxc' }))
}
const mdbStatus = (primary: number) => ({
  conditions: [
    { type: 'Ready', status: 'True', reason: 'StatefulSetReady', message: 'Running' },
    { type: 'PrimarySwitched', status: 'True', reason: 'SwitchPrimary', message: 'Switchover complete' },
  ],
  replicas: 3,
  currentPrimary: `wiki-${primary}`,
  currentPrimaryPodIndex: primary,
  replication: {
    roles: Object.fromEntries([0, 1, 2].map((i) => [`wiki-${i}`, i === primary ? 'Primary' : 'Replica'])),
    replicas: Object.fromEntries([0, 1, 2].filter((i) => i !== primary).map((i) => [`wiki-${i}`, { slaveIORunning: true, slaveSQLRunning: true }])),
  },
})
const withMariadb = (d: FakeDeps) => {
  mariadbOperator(d)
  d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-wiki' } })
  d.transport.seed(MARIADB.mariadbs, { ...buildMariaDB(mdbSpec), status: mdbStatus(0) })
  d.transport.seed(R.secrets, buildMariadbSecret(mdbSpec, { password: 'app-pw-123456', root: 'root-pw-123456' }))
  for (const i of [0, 1, 2]) d.transport.seed(R.pods, readyPod(`wiki-${i}`, { 'app.kubernetes.io/name': 'mariadb', 'app.kubernetes.io/instance': 'wiki' }))
}

describe('dbaas ha with Percona XtraDB Cluster and the MariaDB operator', () => {
  it.each([
    [['ha', 'create', 'mysql', 'shop', '--instances', '2'], /--instances must be at least 3/, /postgresql and mariadb HA clusters take fewer/],
    [['ha', 'create', 'mysql', 'shop', '--instances', '4'], /--instances 4 is even/, /3 or 5/],
    [['ha', 'create', 'mysql', 'shop', '--galera'], /--galera is not supported for MySQL \(Percona XtraDB Cluster\)/, /ha create mariadb <name> --galera/],
    [['ha', 'create', 'mysql', 'shop', '--snapshot-class', 'x'], /--snapshot-class is not supported/, /postgresql, mariadb/],
    [['ha', 'create', 'mysql', 'a-name-longer-than-twenty-two'], /at most 22/, /shorter/],
    [['ha', 'create', 'mysql', 'shop', '--user', 'xtrabackup'], /reserved by the Percona XtraDB Cluster operator/, /another user/],
    [['ha', 'create', 'mysql', 'shop', '--param', 'wsrep_sst_method=rsync'], /managed by the Percona XtraDB Cluster operator/, /Galera/],
    [['ha', 'create', 'mysql', 'shop', '--version', '9.7'], /not a MySQL version/, /8\.4, 8\.0, 5\.7/],
    [['ha', 'create', 'mariadb', 'wiki', '--instances', '1'], /at least 2/, /dbaas create mariadb/],
    [['ha', 'create', 'mariadb', 'wiki', '--galera', '--instances', '2'], /at least 3/, /odd/],
    [['ha', 'create', 'mariadb', 'wiki', '--param', 'server_id=3'], /managed by the MariaDB operator/, /leave it out/],
    [['ha', 'create', 'oracle', 'db'], /unknown HA engine "oracle"/, /postgres\/postgresql\/pg, mysql\/pxc, mariadb/],
    [['ha', 'create', 'mysql', 'shop', '--metrics'], /--metrics is not supported for MySQL/, /engines that support --metrics: postgresql/],
    [['ha', 'create', 'mariadb', 'wiki', '--metrics'], /--metrics is not supported for MariaDB/, /engines that support --metrics: postgresql/],
  ])('%j is a usage error (2) before any request', async (argv, msg, hint) => {
    const { code, err, d } = await run(argv)
    expect(code).toBe(2)
    expect(err).toMatch(msg)
    expect(err).toMatch(hint)
    expect(d.transport.requests).toEqual([])
  })

  it('ha create mysql sends namespace, credentials Secret (root and owner) and a server-side applied PerconaXtraDBCluster', async () => {
    const { code, d, out } = await run(['ha', 'create', 'mysql', 'shop', '--no-wait', '-o', 'json'], pxcOperator)
    expect(code).toBe(0)
    expect(d.transport.writes.map((w) => `${w.method} ${w.path} ${w.contentType ?? ''}`.trim())).toEqual([
      'POST /api/v1/namespaces',
      'POST /api/v1/namespaces/dbaas-shop/secrets',
      'PATCH /apis/pxc.percona.com/v1/namespaces/dbaas-shop/perconaxtradbclusters/shop application/apply-patch+yaml',
      'PATCH /apis/pxc.percona.com/v1/namespaces/dbaas-shop/perconaxtradbclusters/shop application/merge-patch+json',
    ])
    const secret = d.transport.get(R.secrets, 'dbaas-shop', 'shop-ha-credentials')
    expect(Object.keys(secret?.data ?? {}).sort()).toEqual(['password', 'root', 'username'])
    expect(JSON.stringify(d.transport.get(PXC.clusters, 'dbaas-shop', 'shop'))).not.toContain(Buffer.from(secret?.data?.password ?? '', 'base64').toString())
    expect(JSON.parse(out)).toMatchObject({ kind: 'ha-cluster', name: 'shop', engine: 'mysql', operator: 'Percona XtraDB Cluster', topology: 'galera', version: '8.4', instances: 3 })
    // No VolumeSnapshotClass is looked up for an engine without snapshot backups.
    expect(d.transport.requests.some((q) => q.path.includes('volumesnapshotclasses'))).toBe(false)
  })

  it('ha create mariadb sends the MariaDB and, with a snapshot class, the suspended PhysicalBackup template scale-outs need', async () => {
    const { code, d } = await run(['ha', 'create', 'mariadb', 'wiki', '--no-wait'], (x) => {
      mariadbOperator(x)
      x.transport.seed(R.volumeSnapshotClasses, { metadata: { name: 'snap', annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } } })
    })
    expect(code).toBe(0)
    expect(d.transport.writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      'POST /api/v1/namespaces',
      'POST /api/v1/namespaces/dbaas-wiki/secrets',
      'PATCH /apis/k8s.mariadb.com/v1alpha1/namespaces/dbaas-wiki/mariadbs/wiki',
      'PATCH /apis/k8s.mariadb.com/v1alpha1/namespaces/dbaas-wiki/physicalbackups/wiki-replica-template',
      'PATCH /apis/k8s.mariadb.com/v1alpha1/namespaces/dbaas-wiki/mariadbs/wiki',
    ])
    expect(d.transport.get(MARIADB.mariadbs, 'dbaas-wiki', 'wiki')?.metadata.annotations?.['dbaas.io/snapshot-class']).toBe('snap')
  })

  it('a single word stays a PostgreSQL cluster, and says how to get the other engine', async () => {
    const { code, d, err } = await run(['ha', 'create', 'mysql', '--dry-run=client', '-o', 'json'])
    expect(code).toBe(0)
    expect(err).toMatch(/"mysql" was taken as the name of a PostgreSQL cluster; for a MySQL \(Percona XtraDB Cluster\) cluster: dbaas ha create mysql <name>/)
    expect(d.transport.requests).toEqual([])
  })

  it('refuses with 7 and the engine\'s install hint when its operator is missing, writing nothing', async () => {
    const { code, err, d } = await run(['ha', 'create', 'mariadb', 'wiki'], (x) => x.transport.installCrd(...MARIADB_CRDS))
    expect(code).toBe(7)
    expect(err).toMatch(/no MariaDB operator is running/)
    expect(err).toMatch(/Hint: install the MariaDB operator first: .*helm install mariadb-operator/)
    expect(d.transport.writes).toEqual([])
  })

  it('a PXC operator that watches only its own namespace does not count for another', async () => {
    const { code, err } = await run(['ha', 'create', 'mysql', 'shop'], (x) => {
      x.transport.installCrd(...PXC_CRDS)
      x.transport.seed(R.namespaces, { metadata: { name: 'team' } })
      x.transport.seed(R.deployments, {
        metadata: { name: 'percona-xtradb-cluster-operator', namespace: 'team', labels: { 'app.kubernetes.io/name': 'percona-xtradb-cluster-operator' } },
        spec: { template: { spec: { containers: [{ name: 'op', env: [{ name: 'WATCH_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }] }] } } },
        status: { readyReplicas: 1 },
      })
    })
    expect(code).toBe(7)
    expect(err).toMatch(/watches only its own namespace, not dbaas-shop/)
    expect(err).toMatch(/Hint: create the cluster in team \(-n\)/)
  })

  it('status, list and connection read each operator into the one shape', async () => {
    const st = await run(['ha', 'status', 'shop', '-o', 'json'], (x) => {
      withPxc(x)
      withMariadb(x)
    })
    expect(st.code).toBe(0)
    expect(JSON.parse(st.out)).toMatchObject({ engine: 'mysql', topology: 'galera', status: 'Ready', currentPrimary: 'shop-pxc-0', members: [{ name: 'shop-pxc-0', role: 'writer' }, { role: 'member' }, { role: 'member' }], services: { rw: 'shop-haproxy.dbaas-shop.svc.cluster.local', port: 3306 } })
    const list = await run(['ha', 'list', '-o', 'json'], (x) => {
      withPxc(x)
      withMariadb(x)
    })
    expect(JSON.parse(list.out).map((v: { name: string; engine: string; status: string }) => [v.name, v.engine, v.status])).toEqual([
      ['shop', 'mysql', 'Ready'],
      ['wiki', 'mariadb', 'Ready'],
    ])
    const all = await run(['list', '-o', 'json'], (x) => {
      withPxc(x)
      withMariadb(x)
    })
    expect(JSON.parse(all.out).map((v: { name: string; kind: string; engine: string }) => [v.name, v.kind, v.engine])).toEqual([
      ['shop', 'ha-cluster', 'mysql'],
      ['wiki', 'ha-cluster', 'mariadb'],
    ])
    // Secrets, StatefulSets, then one request per HA kind in use (no CNPG request: no PostgreSQL cluster).
    expect(all.d.transport.requests.map((q) => q.path).sort()).toEqual(['/api/v1/secrets', '/apis/apps/v1/statefulsets', '/apis/k8s.mariadb.com/v1alpha1/mariadbs', '/apis/pxc.percona.com/v1/perconaxtradbclusters'])
    const conn = await run(['ha', 'connection', 'wiki', '--format', 'uri', '--show-password'], withMariadb)
    expect(conn.out.trim()).toBe('mysql://app:app-pw-123456@wiki-primary.dbaas-wiki.svc.cluster.local:3306/app')
    const env = await run(['ha', 'connection', 'wiki', '--format', 'env'], withMariadb)
    expect(env.out).toMatch(/^MYSQL_HOST='wiki-primary\.dbaas-wiki\.svc\.cluster\.local'$/m)
    expect(env.out).not.toMatch(/MYSQL_PWD/)
  })

  it('ha backup create on a PXC cluster is 7 naming PerconaXtraDBClusterBackup and object storage; nothing written', async () => {
    const { code, err, d } = await run(['ha', 'backup', 'create', 'shop'], withPxc)
    expect(code).toBe(7)
    expect(err).toMatch(/XtraBackup to object storage only/)
    expect(err).toMatch(/Hint: .*spec\.backup\.storages.*PerconaXtraDBClusterBackup/)
    expect(d.transport.writes).toEqual([])
  })

  it('failover on a Galera cluster says there is no primary and offers --force; --to is a usage error', async () => {
    const plain = await run(['ha', 'failover', 'shop'], withPxc)
    expect(plain.code).toBe(7)
    expect(plain.err).toMatch(/is a Galera cluster .* no primary to switch over/)
    expect(plain.err).toMatch(/Hint: `dbaas ha failover shop -n dbaas-shop --force` delete the member HAProxy writes to/)
    expect(plain.d.transport.writes).toEqual([])
    const to = await run(['ha', 'failover', 'shop', '--to', '1'], withPxc)
    expect(to.code).toBe(2)
    expect(to.err).toMatch(/--to is not supported for a Galera cluster/)
    expect(to.d.transport.writes).toEqual([])
  })

  it('a MariaDB switchover is one merge patch of spec.replication.primary.podIndex, retried on a 409, then waited for', async () => {
    const switched = { ...buildMariaDB(mdbSpec), spec: { ...buildMariaDB(mdbSpec).spec, replication: { enabled: true, primary: { podIndex: 1, autoFailover: true } } }, status: mdbStatus(1) }
    const { code, d, out } = await run(['ha', 'failover', 'wiki', '--to', '1', '-o', 'json'], (x) => {
      withMariadb(x)
      x.transport.fail({ method: 'PATCH', path: /\/mariadbs\/wiki$/, failure: { code: 409, reason: 'Conflict', message: 'the object has been modified' }, times: 1 })
      x.transport.watchEvents = [{ type: 'MODIFIED', object: switched }]
    })
    expect(code).toBe(0)
    expect(JSON.parse(out)).toMatchObject({ action: 'switched-over', engine: 'mariadb', from: 'wiki-0', primary: 'wiki-1', attempts: 2 })
    const patches = d.transport.requests.filter((q) => q.method === 'PATCH')
    // Two tries of the switchover (a 409, then accepted), then the cluster's history.
    expect(patches).toHaveLength(3)
    for (const p of patches.slice(0, 2)) {
      expect(p.contentType).toBe('application/merge-patch+json')
      expect(p.body).toEqual({ metadata: { resourceVersion: expect.any(String) }, spec: { replication: { primary: { podIndex: 1 } } } })
    }
    const history = JSON.parse((patches[2]?.body as { metadata: { annotations: Record<string, string> } }).metadata.annotations['dbaas.io/history'] ?? '[]')
    expect(history).toMatchObject([{ verb: 'ha failover', result: 'succeeded', message: 'wiki-0 → wiki-1' }])
  })

  it('MariaDB switchover refusals write nothing: not a member (3), not replicating (7), the primary already (0)', async () => {
    const missing = await run(['ha', 'failover', 'wiki', '--to', '5'], withMariadb)
    expect(missing.code).toBe(3)
    expect(missing.d.transport.writes).toEqual([])
    const broken = await run(['ha', 'failover', 'wiki', '--to', 'wiki-2'], (x) => {
      withMariadb(x)
      const m = x.transport.get(MARIADB.mariadbs, 'dbaas-wiki', 'wiki')
      if (m?.status?.replication?.replicas) m.status.replication.replicas['wiki-2'] = { slaveIORunning: true, slaveSQLRunning: false, lastSQLError: 'duplicate key' }
    })
    expect(broken.code).toBe(7)
    expect(broken.err).toMatch(/wiki-2 is not replicating .*SQL false.*duplicate key/)
    expect(broken.d.transport.writes).toEqual([])
    const already = await run(['ha', 'failover', 'wiki', '--to', '0'], withMariadb)
    expect(already.code).toBe(0)
    expect(already.out).toMatch(/wiki-0 is already the primary/)
    expect(already.d.transport.writes).toEqual([])
  })

  it('scaling a MariaDB replication cluster out without a backup template is 7; within the rules it patches spec.replicas', async () => {
    const noTemplate = await run(['ha', 'scale', 'wiki', '--instances', '4', '--no-wait'], (x) => {
      withMariadb(x)
      const m = x.transport.get(MARIADB.mariadbs, 'dbaas-wiki', 'wiki')
      if (m?.spec?.replication) delete m.spec.replication.replica
    })
    expect(noTemplate.code).toBe(7)
    expect(noTemplate.err).toMatch(/cannot scale out: the MariaDB operator seeds new replicas from a PhysicalBackup template/)
    expect(noTemplate.d.transport.writes).toEqual([])
    const ok = await run(['ha', 'scale', 'wiki', '--instances', '4', '--no-wait'], withMariadb)
    expect(ok.code).toBe(0)
    expect(ok.d.transport.writes.map((w) => w.body)).toEqual([
      { metadata: { resourceVersion: expect.any(String) }, spec: { replicas: 4 } },
      { metadata: { resourceVersion: expect.any(String), annotations: { 'dbaas.io/history': expect.stringContaining('"verb":"ha scale"') } } },
    ])
    const pxcTwo = await run(['ha', 'scale', 'shop', '--instances', '2', '--no-wait'], withPxc)
    expect(pxcTwo.code).toBe(2)
    expect(pxcTwo.d.transport.writes).toEqual([])
  })

  it('ha backup delete, prune and the retention a backup carries', async () => {
    const seedBackups = (x: FakeDeps) => {
      withMariadb(x)
      const pb = (name: string, expiresAt?: string) => ({
        apiVersion: 'k8s.mariadb.com/v1alpha1',
        kind: 'PhysicalBackup',
        metadata: { name, namespace: 'dbaas-wiki', labels: { 'app.kubernetes.io/managed-by': 'dbaas', 'app.kubernetes.io/instance': 'wiki', 'dbaas.io/kind': 'backup', 'dbaas.io/engine': 'mariadb' }, annotations: (expiresAt ? { 'dbaas.io/expires-at': expiresAt } : {}) as Record<string, string> },
        spec: { mariaDbRef: { name: 'wiki' }, storage: { volumeSnapshot: { volumeSnapshotClassName: 'snap' } } },
        status: { conditions: [{ type: 'Complete', status: 'True', reason: 'SnapshotComplete', message: 'Success' }] },
      })
      x.transport.seed(MARIADB.physicalBackups, pb('wiki-old', '2026-11-20T00:00:00Z'), pb('wiki-new', '2026-12-20T00:00:00Z'), pb('wiki-keep'))
      for (const b of ['wiki-old', 'wiki-new', 'wiki-keep']) x.transport.seed(R.volumeSnapshots, { metadata: { name: `${b}-20261120000000`, namespace: 'dbaas-wiki', labels: { 'physicalbackup.k8s.mariadb.com/name': b } }, status: { readyToUse: true } })
    }
    const dry = await run(['ha', 'backup', 'prune', '--dry-run', '-o', 'json'], seedBackups)
    expect(dry.code).toBe(0)
    expect(JSON.parse(dry.out)).toMatchObject({ dryRun: true, kept: 2, deleted: [{ name: 'wiki-old', snapshots: [{ name: 'wiki-old-20261120000000' }] }] })
    expect(dry.d.transport.writes).toEqual([])
    const pruned = await run(['ha', 'backup', 'prune', '--no-wait'], seedBackups)
    expect(pruned.code).toBe(0)
    expect(pruned.d.transport.writes.map((w) => `${w.method} ${w.path}`)).toEqual([
      'DELETE /apis/k8s.mariadb.com/v1alpha1/namespaces/dbaas-wiki/physicalbackups/wiki-old',
      'DELETE /apis/snapshot.storage.k8s.io/v1/namespaces/dbaas-wiki/volumesnapshots/wiki-old-20261120000000',
    ])
    const noYes = await run(['ha', 'backup', 'delete', 'wiki-keep'], seedBackups)
    expect(noYes.code).toBe(2)
    expect(noYes.d.transport.writes).toEqual([])
    const del = await run(['ha', 'backup', 'delete', 'wiki-keep', '--yes', '--no-wait', '-o', 'json'], seedBackups)
    expect(del.code).toBe(0)
    expect(JSON.parse(del.out)).toMatchObject({ name: 'wiki-keep', found: true, deleted: ['physicalbackup.k8s.mariadb.com/wiki-keep', 'volumesnapshot/wiki-keep-20261120000000'] })
    const gone = await run(['ha', 'backup', 'delete', 'nope', '--yes'], seedBackups)
    expect(gone.code).toBe(3)
    expect((await run(['ha', 'backup', 'delete', 'nope', '--yes', '--ignore-not-found'], seedBackups)).code).toBe(0)
  })

  it('backup delete on an HA backup points at a command that exists', async () => {
    const { code, err } = await run(['backup', 'delete', 'wiki-b1', '--yes'], (x) => {
      withMariadb(x)
      x.transport.seed(MARIADB.physicalBackups, { metadata: { name: 'wiki-b1', namespace: 'dbaas-wiki' }, spec: { mariaDbRef: { name: 'wiki' } } })
    })
    expect(code).toBe(2)
    expect(err).toMatch(/is a backup of an HA cluster/)
    expect(err).toMatch(/Hint: use `dbaas ha backup delete wiki-b1`/)
  })
})

describe('dbaas ha list across engines whose operators differ', () => {
  it('lists every served kind, warning about clusters whose operator is not running', async () => {
    const { code, out, err } = await run(['ha', 'list', '-o', 'json'], (x) => {
      withPxc(x)
      x.transport.installCrd(...MARIADB_CRDS)
      x.transport.seed(R.namespaces, { metadata: { name: 'dbaas-wiki' } })
      x.transport.seed(MARIADB.mariadbs, { ...buildMariaDB(mdbSpec), status: mdbStatus(0) })
    })
    expect(code).toBe(0)
    expect(JSON.parse(out).map((v: { name: string }) => v.name)).toEqual(['shop', 'wiki'])
    expect(err).toMatch(/Warning: no MariaDB operator is running: its clusters \(dbaas-wiki\/wiki\) are not being reconciled/)
  })

  it('ha backup prune needs no operator', async () => {
    const { code, out } = await run(['ha', 'backup', 'prune', '--dry-run', '-o', 'json'])
    expect(code).toBe(0)
    expect(JSON.parse(out)).toEqual({ dryRun: true, deleted: [], kept: 0 })
  })
})
