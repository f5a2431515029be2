// Issue 19, item 11 (last edge): `ha failover` on a cluster without a ready standby says how to get one, with
// the cluster's namespace and an instance count one above what it has — a command that works as printed.
import { describe, expect, it } from 'vitest'
import { main } from '../../../src/cli.ts'
import { buildHaCluster, CNPG } from '../../../src/core/ha/engines/cnpg.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeDeps } from '../../helpers/fake-deps.ts'
import { CNPG_CRDS } from '../../helpers/fake-kube.ts'

function cluster(instances: number, readyStandbys: number) {
  const d = fakeDeps()
  d.transport.installCrd(...CNPG_CRDS)
  d.transport.seed(R.namespaces, { metadata: { name: 'team' } })
  const c = buildHaCluster({ engine: 'cnpg', topology: 'streaming', name: 'pay', namespace: 'team', instances, database: 'app', user: 'app', storage: '1Gi', params: {} })
  d.transport.seed(CNPG.clusters, { ...c, status: { phase: 'Cluster in healthy state', instances, readyInstances: 1 + readyStandbys, currentPrimary: 'pay-1', targetPrimary: 'pay-1' } })
  for (let i = 1; i <= instances; i++) {
    const ready = i === 1 || i - 1 <= readyStandbys
    d.transport.seed(R.pods, {
      metadata: { name: `pay-${i}`, namespace: 'team', labels: { 'cnpg.io/cluster': 'pay', 'cnpg.io/instanceName': `pay-${i}`, 'cnpg.io/instanceRole': i === 1 ? 'primary' : 'replica', role: i === 1 ? 'primary' : 'replica' } },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
    })
  }
  return d
}

describe('ha failover without a ready standby', () => {
  it.each([
    [2, 0, 3],
    [3, 0, 4],
  ])('%i instances, %i ready standbys → exit 7; the hint scales to %i in the cluster\'s namespace; nothing written', async (instances, ready, next) => {
    const d = cluster(instances, ready)
    expect(await main(['ha', 'failover', 'pay', '--skip-operator-check'], d)).toBe(7)
    expect(d.err.text).toContain('has no ready member to switch over to')
    expect(d.err.text).toContain(`\`dbaas ha status pay -n team\``)
    expect(d.err.text).toContain(`\`dbaas ha scale pay -n team --instances ${next}\``)
    expect(d.transport.writes).toEqual([])
  })
})
