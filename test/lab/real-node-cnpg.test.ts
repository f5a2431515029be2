// The real CloudNativePG operator on the real node (issue 13): brought up by the lab (`up --real-node --cnpg
// <ns>`), its webhooks refuse what the real operator refuses, and a Cluster of 3 gets a primary and two
// streaming standbys holding the primary's rows. kubectl only.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { kubectl, kubectlJson, kubectlOk, labCli, tempNamespace, waitFor } from './fixtures/lab.ts'
import { describeRealNode, execIn, onRealNode, realNodeName, realNodeUp } from './fixtures/real-node.ts'
import { apply } from './fixtures/workloads.ts'
import { allLabCnpgNamespaces, labCnpgNamespaces } from './lib/cnpg.ts'

const up = await realNodeUp()
// A fixed name: the operator watches only the namespaces it was told about when it started.
const ns = labCnpgNamespaces.labTest

function cluster(name: string, extra: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name, namespace: ns },
    spec: {
      instances: 3,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17',
      imagePullPolicy: 'IfNotPresent',
      storage: { size: '1Gi' },
      affinity: { nodeSelector: onRealNode.nodeSelector, tolerations: onRealNode.tolerations },
      ...extra,
    },
  }
}

interface ClusterStatus {
  status?: { readyInstances?: number; phase?: string; currentPrimary?: string; instancesStatus?: Record<string, string[]> }
}

describeRealNode(up, 'the real CloudNativePG operator on the real node', () => {
  beforeAll(async () => {
    const r = await labCli(['up', '--real-node', '--cnpg', allLabCnpgNamespaces], { timeoutMs: 600_000 })
    if (r.code !== 0) throw new Error(`lab up --cnpg failed:\n${r.stdout}\n${r.stderr}`)
    await kubectl(['create', 'namespace', ns])
  }, 660_000)
  afterAll(async () => {
    await kubectl(['-n', ns, 'delete', 'cluster', '--all', '--wait=false'])
    await kubectl(['delete', 'namespace', ns, '--wait=false'])
  })

  it('runs as a pod on the real node with its webhooks answering', async () => {
    type Pods = { items: { metadata: { deletionTimestamp?: string }; spec: { nodeName: string }; status: { phase: string } }[] }
    const pods = await kubectlJson<Pods>(['-n', 'cnpg-system', 'get', 'pods', '-l', 'app.kubernetes.io/name=cloudnative-pg'])
    // A pod on its way out (a roll of the operator) is not the operator.
    const live = pods.items.filter((p) => !p.metadata.deletionTimestamp)
    expect(live.map((p) => [p.spec.nodeName, p.status.phase])).toEqual([[realNodeName, 'Running']])
    // The validating webhook refuses a parameter the operator manages itself; the CRD schema would take it.
    const invalid = cluster('refused', { instances: 1, postgresql: { parameters: { port: '5433' } } }) as { metadata: { namespace: string } }
    const bad = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(invalid) })
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/spec\.postgresql\.parameters\.port: Invalid value: "5433": Can't set fixed configuration parameter/)
    // Its webhooks answer only for the namespaces it watches: elsewhere the fixture that plays the operator rules.
    const other = await tempNamespace('lab-cnpg-unwatched')
    try {
      invalid.metadata.namespace = other.name
      const elsewhere = await kubectl(['apply', '--dry-run=server', '-f', '-'], { input: JSON.stringify(invalid) })
      expect(elsewhere.stderr).toBe('')
      expect(elsewhere.code).toBe(0)
    } finally {
      await other.cleanup()
    }
  }, 60_000)

  it('makes a Cluster of 3: a primary and two streaming standbys with the primary\'s rows', async () => {
    const t0 = Date.now()
    await apply(cluster('pay'))
    let st: ClusterStatus['status']
    await waitFor('3 ready instances, healthy', 300_000, async () => {
      st = (await kubectlJson<ClusterStatus>(['-n', ns, 'get', 'cluster', 'pay'])).status
      return st?.readyInstances === 3 && st.phase === 'Cluster in healthy state'
    }, 1000)
    process.stderr.write(`real node: CloudNativePG Cluster of 3 healthy in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    const primary = st!.currentPrimary!
    expect(primary).toMatch(/^pay-\d+$/)
    const psql = (pod: string, sql: string) => execIn(ns, pod, ['psql', '-U', 'postgres', '-tAc', sql])
    await psql(primary, 'create table t (v int); insert into t select generate_series(1, 100)')
    const streaming = await psql(primary, "select count(*) from pg_stat_replication where state = 'streaming'")
    expect(streaming.trim()).toBe('2')
    const standbys = ['pay-1', 'pay-2', 'pay-3'].filter((p) => p !== primary)
    for (const s of standbys) {
      expect((await psql(s, 'select pg_is_in_recovery()')).trim()).toBe('t')
      await waitFor(`rows replicated to ${s}`, 30_000, async () => (await psql(s, 'select count(*) from t').catch(() => '')).trim() === '100', 300)
    }
    // Every instance pod is on the real node, on the lab's data-carrying class.
    const pods = await kubectlJson<{ items: { spec: { nodeName: string } }[] }>(['-n', ns, 'get', 'pods', '-l', 'cnpg.io/cluster=pay,cnpg.io/podRole=instance'])
    expect(pods.items.map((p) => p.spec.nodeName)).toEqual([realNodeName, realNodeName, realNodeName])
    const pvcs = await kubectlOk(['-n', ns, 'get', 'pvc', '-l', 'cnpg.io/cluster=pay', '-o', 'jsonpath={.items[*].spec.storageClassName}'])
    expect(pvcs.trim().split(' ')).toEqual(['lab-real', 'lab-real', 'lab-real'])
  }, 400_000)
})
