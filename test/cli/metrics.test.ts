// The metrics verbs' surface through main(): usage errors (exit 2) before any request, refusals that write
// nothing, and `metrics <name>` running `metrics show <name>`.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { exporterFor } from '../../src/core/metrics/exporters.ts'
import { PXC } from '../../src/core/ha/engines/pxc.ts'
import { R } from '../../src/k8s/kube.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'
import { credentials, statefulSet } from '../helpers/fixtures.ts'

describe('metrics verbs refuse bad input with exit 2, before any request', () => {
  it.each([
    [['metrics', 'enable', 'Bad_Name']],
    [['metrics', 'disable', 'x', '--timeout', 'soon']],
    [['metrics', 'enable', 'x', '-o', 'xml']],
    [['metrics', 'x', '--interval', '100ms']],
    [['metrics', 'show', 'x', '--window', '5m']],
    [['metrics', 'x', '--watch', '-o', 'json']],
    [['top', '--watch', '-o', 'yaml']],
    [['top', '--interval', 'often']],
    [['top', 'Not-A-Name']],
    [['metrics', 'dashboards', 'install', '--label', 'no-equals-sign']],
    [['metrics', 'dashboards', 'install', '--label', 'a=b c']],
    [['metrics', 'dashboards', 'install', '--folder', ' ']],
    [['metrics', 'enable']],
  ])('%j', async (argv) => {
    const d = fakeDeps()
    expect(await main(argv, d)).toBe(2)
    expect(d.transport.requests).toEqual([])
    expect(d.fakeHelm.calls).toEqual([])
    expect(d.out.text).toBe('')
    expect(d.err.text).toMatch(/^(Error: |error: |{"error":)/m)
  })

  it('an engine without an exporter is a usage error naming those that have one', () => {
    expect(() => exporterFor('sqlite')).toThrow(/no metrics exporter for engine "sqlite"/)
    try {
      exporterFor('sqlite')
    } catch (err) {
      expect((err as { exitCode: number }).exitCode).toBe(2)
      expect((err as { hint: string }).hint).toContain('postgresql, mysql, mariadb')
    }
  })
})

describe('metrics <name> is metrics show <name>', () => {
  it('an instance without an exporter: exit 7 with the command that adds one, nothing written', async () => {
    const d = fakeDeps()
    d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
    d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1 }))
    d.transport.seed(R.secrets, credentials({ name: 'orders' }))
    expect(await main(['metrics', 'orders', '-o', 'json'], d)).toBe(7)
    expect(d.err.text).toContain('instance \\"orders\\" has no metrics exporter')
    expect(d.err.text).toContain('dbaas metrics enable orders -n dbaas-orders')
    expect(d.transport.writes).toEqual([])
  })

  it('metrics enable on an instance that does not exist: exit 3, nothing written', async () => {
    const d = fakeDeps()
    expect(await main(['metrics', 'enable', 'nope'], d)).toBe(3)
    expect(d.transport.writes).toEqual([])
    expect(d.fakeHelm.calls.filter((c) => c.op === 'upgradeInstall')).toEqual([])
  })

  it('metrics enable on an instance whose pod is not ready: exit 7, nothing written', async () => {
    const d = fakeDeps()
    d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
    d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 0 }))
    d.transport.seed(R.secrets, credentials({ name: 'orders' }))
    expect(await main(['metrics', 'enable', 'orders'], d)).toBe(7)
    expect(d.err.text).toContain('has no ready pod')
    expect(d.transport.writes).toEqual([])
    expect(d.fakeHelm.calls.filter((c) => c.op === 'upgradeInstall')).toEqual([])
  })
})

describe('an HA cluster without an exporter of dbaas\'s', () => {
  it('metrics enable of a Percona XtraDB Cluster: exit 2, nothing written', async () => {
    const d = fakeDeps()
    d.transport.installCrd({ ...PXC.clusters, status: true })
    d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-shop' } })
    d.transport.seed(PXC.clusters, { metadata: { name: 'shop', namespace: 'dbaas-shop', labels: { 'dbaas.io/kind': 'ha-cluster', 'app.kubernetes.io/instance': 'shop' } }, spec: {} })
    expect(await main(['metrics', 'enable', 'shop'], d)).toBe(2)
    expect(d.err.text).toContain('no metrics exporter for')
    expect(d.transport.writes).toEqual([])
    expect(d.fakeHelm.calls.filter((c) => c.op === 'upgradeInstall')).toEqual([])
  })
})
