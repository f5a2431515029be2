// Done means 7: the CloudNativePG CRDs validate like on a cluster with the operator: a valid Cluster is
// accepted, `instances: "three"` is rejected by the schema, and a merge patch of the status subresource is
// accepted (the lab plays the operator here).
import { afterAll, beforeAll, expect, it } from 'vitest'
import { kubectl, kubectlJson, kubectlOk, tempNamespace } from './fixtures/lab.ts'
import { toYaml } from './fixtures/workloads.ts'
import { labOnly } from './tags.ts'

const lab = labOnly('plays the CloudNativePG operator (patches Cluster status); no operator runs on the lab')

const cluster = (name: string, namespace: string, instances: unknown) => ({
  apiVersion: 'postgresql.cnpg.io/v1',
  kind: 'Cluster',
  metadata: { name, namespace },
  spec: { instances, storage: { size: '1Gi' } },
})

lab.describe('CloudNativePG CRDs', () => {
  let ns: Awaited<ReturnType<typeof tempNamespace>>
  beforeAll(async () => {
    ns = await tempNamespace('lab-cnpg')
  })
  afterAll(async () => ns?.cleanup())

  it('has the CRDs installed (v1.30: 11 of them)', async () => {
    const crds = await kubectlJson<{ items: { metadata: { name: string } }[] }>(['get', 'crd'])
    const cnpg = crds.items.map((c) => c.metadata.name).filter((n) => n.endsWith('.postgresql.cnpg.io'))
    expect(cnpg).toContain('clusters.postgresql.cnpg.io')
    expect(cnpg.length).toBeGreaterThanOrEqual(10)
  })

  it('accepts a valid Cluster', async () => {
    await kubectlOk(['apply', '-f', '-'], { input: toYaml(cluster('pg', ns.name, 3)) })
    const got = await kubectlJson<{ spec: { instances: number } }>(['-n', ns.name, 'get', 'clusters.postgresql.cnpg.io', 'pg'])
    expect(got.spec.instances).toBe(3)
  })

  it('rejects instances: "three" through the CRD schema', async () => {
    const r = await kubectl(['apply', '-f', '-'], { input: toYaml(cluster('bad', ns.name, 'three')) })
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/spec\.instances/)
    expect(r.stderr).toMatch(/integer/)
    const missing = await kubectl(['-n', ns.name, 'get', 'clusters.postgresql.cnpg.io', 'bad'])
    expect(missing.code).not.toBe(0)
  })

  it('accepts a merge patch of the status subresource', async () => {
    const status = { targetPrimary: 'pg-1', currentPrimary: 'pg-1', phase: 'Cluster in healthy state' }
    await kubectlOk(['-n', ns.name, 'patch', 'clusters.postgresql.cnpg.io', 'pg', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })])
    const got = await kubectlJson<{ status: Record<string, unknown>; spec: { instances: number } }>(['-n', ns.name, 'get', 'clusters.postgresql.cnpg.io', 'pg'])
    expect(got.status).toMatchObject(status)
    expect(got.spec.instances).toBe(3)
  })
})
