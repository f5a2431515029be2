// dbaas ha through main() over the fake API: usage errors before any request, the operator check, and the
// shapes of create, status and connection output.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { buildHaCluster, buildHaSecret, CNPG, type HaSpec } from '../../src/core/ha/model.ts'
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
const spec: HaSpec = { name: 'pg', namespace: 'dbaas-pg', instances: 2, database: 'app', user: 'app', storage: '1Gi', params: {} }
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
    expect(err).toMatch(/CRDs \(clusters.postgresql.cnpg.io\) are not installed/)
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
    ])
    const cluster = d.transport.get(CNPG.clusters, 'dbaas-pg', 'pg')
    expect(cluster?.spec?.backup).toEqual({ volumeSnapshot: { className: 'snap' } })
    expect(d.transport.writes[2]?.query).toMatchObject({ fieldManager: 'dbaas' })
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
    const patches = d.transport.requests.filter((q) => q.method === 'PATCH' && !q.path.endsWith('/status'))
    expect(patches).toHaveLength(2)
    const rvs = patches.map((p) => (p.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion)
    expect(Number(rvs[1])).toBeGreaterThan(Number(rvs[0]))
    expect(patches[0]?.body).toMatchObject({ metadata: { resourceVersion: expect.any(String) }, spec: { instances: 3 } })
    expect(patches[0]?.contentType).toBe('application/merge-patch+json')
    expect(d.transport.get(CNPG.clusters, 'dbaas-pg', 'pg')?.spec?.instances).toBe(3)
  })
})
