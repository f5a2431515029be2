// Issue 12: namespaces that are not for databases, through the built CLI against the lab — Kubernetes' own and an
// operator's (a namespace holding a Deployment labelled as CloudNativePG's) are refused with exit 2 and nothing
// written, unless --allow-system-namespace; and `dbaas images` lists what a mirror needs without a cluster.
import { afterAll, describe, expect, it } from 'vitest'
import { kubectl, kubectlOk, tempNamespace, uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaas, dbaasOk, objectsOf } from './helpers.ts'

describe('namespaces that are not for databases', () => {
  const name = uniqueName('sysns')
  afterAll(() => cleanupInstance(name))

  it.each(['kube-system', 'kube-public', 'kube-node-lease'])('create, restore and ha create into %s exit 2 with the reason, writing nothing', async (ns) => {
    for (const verb of [['create', 'pg', name, '--storage', '1Gi'], ['restore', 'nosuch', '--to', name], ['ha', 'create', name]]) {
      const r = await dbaas([...verb, '-n', ns])
      expect(r.exitCode, `${verb[0]}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`namespace ${ns} .*not for databases`))
      expect(r.stderr).toContain('--allow-system-namespace')
    }
    expect(await objectsOf(name)).toEqual([])
  })

  it("an operator's namespace (CloudNativePG's Deployment there) is refused; --allow-system-namespace lets create through", async () => {
    const ns = await tempNamespace('operator')
    try {
      // No replicas: other tests' operator detection (a ready Deployment anywhere) must not take it for a running operator.
      await kubectlOk(['create', 'deployment', 'cnpg-controller-manager', '-n', ns.name, '--replicas=0', '--image', 'ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0'])
      await kubectlOk(['label', 'deployment', 'cnpg-controller-manager', '-n', ns.name, 'app.kubernetes.io/name=cloudnative-pg'])
      const r = await dbaas(['create', 'pg', name, '-n', ns.name, '--storage', '1Gi'])
      expect(r.exitCode).toBe(2)
      expect(r.stderr).toContain(`namespace ${ns.name} runs the CloudNativePG operator`)
      expect((await kubectl(['get', 'statefulset,secret', '-n', ns.name, '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name'])).stdout.trim()).toBe('')
      await dbaasOk(['create', 'pg', name, '-n', ns.name, '--storage', '1Gi', '--no-wait', '--allow-system-namespace'])
      await dbaasOk(['delete', name, '-n', ns.name, '--yes', '--delete-data'])
    } finally {
      await ns.cleanup()
    }
  })
})

describe('dbaas images', () => {
  it('lists the images a mirror needs, under the mirror, without a cluster', async () => {
    const r = await dbaasOk(['images', '--engine', 'postgres', '--image-registry', 'mirror.example:5000', '-o', 'name'], { env: { KUBECONFIG: '/nonexistent' } })
    const lines = r.stdout.trim().split('\n')
    expect(lines).toContain('mirror.example:5000/library/postgres:18')
    expect(lines).toContain('mirror.example:5000/cloudnative-pg/postgresql:18')
    for (const l of lines) expect(l.startsWith('mirror.example:5000/')).toBe(true)
  })
})
