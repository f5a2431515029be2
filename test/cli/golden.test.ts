// Every command's output in each of its formats, compared with golden files under test/golden/cli/ (helm's
// golden-file tests): a change to what users or scripts read shows up as a diff to review. Regenerate on
// purpose with UPDATE_GOLDEN=1. The cluster is a fake seeded with one PostgreSQL instance, one HA cluster and
// two backups, at a fixed clock.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { buildBackupSnapshot } from '../../src/core/backup/model.ts'
import type { HaSpec } from '../../src/core/ha/engine.ts'
import { buildHaCluster, buildHaSecret, CNPG } from '../../src/core/ha/engines/cnpg.ts'
import { R } from '../../src/k8s/kube.ts'
import { fakeDeps, NOW, type FakeDeps } from '../helpers/fake-deps.ts'
import { CNPG_CRDS, SNAPSHOT_CRDS } from '../helpers/fake-kube.ts'
import { credentials, pod, release, statefulSet, storageClass } from '../helpers/fixtures.ts'

const dir = join(dirname(fileURLToPath(import.meta.url)), '../golden/cli')
const update = process.env.UPDATE_GOLDEN === '1'

const haSpec: HaSpec = { engine: 'cnpg', topology: 'streaming', name: 'pay', namespace: 'dbaas-pay', instances: 2, database: 'app', user: 'app', storage: '1Gi', params: { max_connections: '200' } }

function seed(d: FakeDeps): void {
  // What the cluster serves and holds before anything of dbaas: the snapshot and CloudNativePG CRDs, the
  // namespaces the objects below live in (the fake, like a real server, has no object without its namespace).
  d.transport.installCrd(...SNAPSHOT_CRDS, ...CNPG_CRDS)
  d.transport.seed(R.namespaces, { metadata: { name: 'cnpg-system' } }, { metadata: { name: 'dbaas-pay' } })
  d.transport.seed(R.storageClasses, storageClass('standard', true))
  d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders', labels: { 'app.kubernetes.io/instance': 'orders' }, annotations: { 'dbaas.io/namespace-created': 'true' } } })
  d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1, created: '2026-11-25T11:00:00Z' }))
  d.transport.seed(R.secrets, credentials({ name: 'orders', password: 'golden-Pa55word' }), release({ name: 'orders' }))
  d.transport.seed(R.pods, pod({ name: 'orders', ready: true }))
  d.transport.seed(R.pvcs, {
    metadata: { name: 'data-orders-0', namespace: 'dbaas-orders', labels: { 'app.kubernetes.io/instance': 'orders', 'dbaas.io/kind': 'data' } },
    spec: { storageClassName: 'standard', resources: { requests: { storage: '10Gi' } } },
    status: { phase: 'Bound', capacity: { storage: '10Gi' } },
  })
  d.transport.seed(R.services, { metadata: { name: 'orders', namespace: 'dbaas-orders', labels: { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'orders', 'dbaas.io/kind': 'service' } }, spec: { clusterIP: '10.96.0.10', ports: [{ port: 5432 }] } })
  for (const [name, expires] of [['orders-20261124-120000', new Date(NOW + 2 * 86_400_000).toISOString()], ['orders-20261125-110000', undefined]] as const) {
    const vs = buildBackupSnapshot({ name, namespace: 'dbaas-orders', instance: 'orders', engine: 'postgresql', version: '18', pvc: 'data-orders-0', storage: '10Gi', database: 'app', user: 'app', quiesce: 'none', driver: 'csi.lab.local', ...(expires ? { expiresAt: expires, retention: '3d' } : {}) })
    d.transport.seed(R.volumeSnapshots, { ...vs, status: { readyToUse: true, creationTime: '2026-11-25T10:00:00Z', boundVolumeSnapshotContentName: `snapcontent-${name}` } })
  }
  d.transport.seed(R.deployments, { metadata: { name: 'cnpg-controller-manager', namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } }, status: { readyReplicas: 1 } })
  d.transport.seed(CNPG.clusters, {
    ...buildHaCluster(haSpec),
    metadata: { ...buildHaCluster(haSpec).metadata, creationTimestamp: '2026-11-24T12:00:00Z' },
    status: { phase: 'Cluster in healthy state', currentPrimary: 'pay-1', targetPrimary: 'pay-1', readyInstances: 2, instanceNames: ['pay-1', 'pay-2'], instancesStatus: { healthy: ['pay-1', 'pay-2'] } },
  })
  d.transport.seed(R.secrets, buildHaSecret(haSpec, 'golden-ha-Pa55word'))
  d.transport.seed(R.pods, ...['pay-1', 'pay-2'].map((n) => ({ metadata: { name: n, namespace: 'dbaas-pay', labels: { 'cnpg.io/cluster': 'pay' } }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } })))
}

const cases: Array<[string, string[]]> = [
  ['list', ['list']],
  ['list.wide', ['list', '-o', 'wide']],
  ['list.no-headers', ['list', '--no-headers']],
  ['list.json', ['list', '-o', 'json']],
  ['list.yaml', ['list', '-o', 'yaml']],
  ['list.name', ['list', '-o', 'name']],
  ['list.jsonpath', ['list', '-o', 'jsonpath={range [*]}{.name}{"\\t"}{.kind}{"\\t"}{.status}{"\\n"}{end}']],
  ['status', ['status', 'orders']],
  ['status.json', ['status', 'orders', '-o', 'json']],
  ['status.yaml', ['status', 'orders', '-o', 'yaml']],
  ['connection', ['connection', 'orders']],
  ['connection.uri', ['connection', 'orders', '--format', 'uri']],
  ['connection.env', ['connection', 'orders', '--format', 'env', '--show-password']],
  ['connection.json', ['connection', 'orders', '-o', 'json']],
  ['connection.yaml', ['connection', 'orders', '-o', 'yaml']],
  ['delete.dry-run', ['delete', 'orders', '--dry-run']],
  ['delete.dry-run.json', ['delete', 'orders', '--dry-run', '--delete-data', '-o', 'json']],
  ['delete.dry-run.yaml', ['delete', 'orders', '--dry-run', '-o', 'yaml']],
  ['delete.ignore-not-found.json', ['delete', 'nosuch', '--ignore-not-found', '--yes', '-o', 'json']],
  ['backup-list', ['backup', 'list']],
  ['backup-list.wide', ['backup', 'list', '-o', 'wide']],
  ['backup-list.json', ['backup', 'list', '-o', 'json']],
  ['backup-list.yaml', ['backup', 'list', '-o', 'yaml']],
  ['backup-delete.dry-run', ['backup', 'delete', 'orders-20261125-110000', '--dry-run']],
  ['backup-delete.dry-run.json', ['backup', 'delete', 'orders-20261125-110000', '--dry-run', '-o', 'json']],
  ['backup-prune.dry-run', ['backup', 'prune', '--dry-run']],
  ['backup-prune.dry-run.json', ['backup', 'prune', '--dry-run', '-o', 'json']],
  ['create.dry-run.yaml', ['create', 'pg', 'fresh', '--dry-run=client', '-o', 'yaml']],
  ['create.dry-run.json', ['create', 'pg', 'fresh', '--dry-run=client', '-o', 'json']],
  ['ha-list', ['ha', 'list']],
  ['ha-list.json', ['ha', 'list', '-o', 'json']],
  ['ha-list.yaml', ['ha', 'list', '-o', 'yaml']],
  ['ha-status', ['ha', 'status', 'pay']],
  ['ha-status.json', ['ha', 'status', 'pay', '-o', 'json']],
  ['ha-status.yaml', ['ha', 'status', 'pay', '-o', 'yaml']],
  ['ha-connection', ['ha', 'connection', 'pay']],
  ['ha-connection.json', ['ha', 'connection', 'pay', '-o', 'json']],
  ['ha-connection.env', ['ha', 'connection', 'pay', '--format', 'env']],
  ['ha-create.dry-run.yaml', ['ha', 'create', 'fresh', '--dry-run=client', '-o', 'yaml']],
  ['ha-create.dry-run.json', ['ha', 'create', 'fresh', '--dry-run=client', '-o', 'json']],
  ['ha-delete.dry-run', ['ha', 'delete', 'pay', '--dry-run']],
  ['ha-delete.dry-run.json', ['ha', 'delete', 'pay', '--dry-run', '-o', 'json']],
  ['engines', ['engines']],
  ['engines.json', ['engines', '-o', 'json']],
  ['engines.yaml', ['engines', '-o', 'yaml']],
  ['version', ['version']],
  ['rbac', ['rbac', '-n', 'team-a', '--user', 'alice', '--verbs', 'list,status']],
  ['rbac.json', ['rbac', '-n', 'team-a', '--verbs', 'list', '-o', 'json']],
]

describe('golden output', () => {
  it.each(cases)('%s', async (name, argv) => {
    const d = fakeDeps()
    seed(d)
    const code = await main(argv, d)
    const text = `# dbaas ${argv.join(' ')}\n# exit ${code}\n# --- stdout\n${d.out.text}# --- stderr\n${d.err.text}`
    const file = join(dir, `${name}.txt`)
    if (update) {
      mkdirSync(dir, { recursive: true })
      writeFileSync(file, text)
    }
    expect(existsSync(file), `no golden file ${file}: run with UPDATE_GOLDEN=1 and review it`).toBe(true)
    expect(text).toBe(readFileSync(file, 'utf8'))
    expect(code).toBe(0)
  })
})
