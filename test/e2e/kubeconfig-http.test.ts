// issue 12, done-means 4: `kubectl proxy` on loopback and a kubeconfig whose server is its http:// URL (no
// credentials: the proxy adds its own). list and status work through it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempNamespace, uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaasOk } from './helpers.ts'
import { derivedKubeconfig, kubectlProxy, type KubectlProxy } from './kubeconfig-fixtures.ts'

describe('an http:// server (kubectl proxy)', () => {
  let proxy: KubectlProxy
  let kc: string
  let ns: { name: string; cleanup: () => Promise<void> }
  const name = uniqueName('kpx')

  beforeAll(async () => {
    ns = await tempNamespace('kproxy')
    await dbaasOk(['create', 'postgres', name, '-n', ns.name, '--storage', '1Gi'])
    proxy = await kubectlProxy()
    kc = derivedKubeconfig((cluster, user) => {
      for (const k of Object.keys(cluster)) delete cluster[k]
      cluster.server = proxy.url
      for (const k of Object.keys(user)) delete user[k]
    })
  })
  afterAll(async () => {
    await proxy?.stop()
    await cleanupInstance(name, ns?.name)
    await ns?.cleanup()
  })

  it('list works', async () => {
    const r = await dbaasOk(['list', '-n', ns.name, '-o', 'json'], { env: { KUBECONFIG: kc } })
    expect(r.json().map((i: { name: string }) => i.name)).toEqual([name])
  })

  it('status works', async () => {
    const r = await dbaasOk(['status', name, '-n', ns.name, '-o', 'json'], { env: { KUBECONFIG: kc } })
    expect(r.json()).toMatchObject({ name, namespace: ns.name, status: 'Ready' })
  })

  it('with kubectl proxy stopped: exit 5, cannot reach the http:// server', async () => {
    const stopped = derivedKubeconfig((cluster, user) => {
      for (const k of Object.keys(cluster)) delete cluster[k]
      cluster.server = 'http://127.0.0.1:1'
      for (const k of Object.keys(user)) delete user[k]
    })
    const r = await dbaasOk(['list', '-n', ns.name], { env: { KUBECONFIG: stopped }, expect: 5 })
    expect(r.stderr).toContain('cannot reach the cluster at http://127.0.0.1:1: connection refused')
  })
})
