// Done means 11 (first half): a user limited by RBAC (client cert signed by the lab CA, namespaced Role)
// lists in its namespace and gets Forbidden at the cluster scope.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createLimitedUser, type LimitedUser } from './fixtures/limited-user.ts'
import { kubectl, kubectlOk, tempNamespace } from './fixtures/lab.ts'
import { labOnly } from './tags.ts'

const lab = labOnly('signs a user certificate with the lab CA')

lab.describe('RBAC-limited user', () => {
  let ns: Awaited<ReturnType<typeof tempNamespace>>
  let other: Awaited<ReturnType<typeof tempNamespace>>
  let user: LimitedUser
  beforeAll(async () => {
    ns = await tempNamespace('lab-team')
    other = await tempNamespace('lab-other')
    user = await createLimitedUser({ name: `alice-${ns.name.slice(-6)}`, namespace: ns.name })
    await kubectlOk(['-n', ns.name, 'create', 'secret', 'generic', 'visible', '--from-literal=k=v'])
  })
  afterAll(async () => {
    await user?.cleanup()
    await ns?.cleanup()
    await other?.cleanup()
  })

  it('is authenticated as the user in group dev-team', async () => {
    const who = JSON.parse(await kubectlOk(['auth', 'whoami', '-o', 'json'], { kubeconfig: user.kubeconfig })) as { status: { userInfo: { username: string; groups: string[] } } }
    expect(who.status.userInfo.username).toBe(user.name)
    expect(who.status.userInfo.groups).toContain('dev-team')
  })

  it('lists in its namespace', async () => {
    const r = await kubectl(['get', 'secrets', '-o', 'name'], { kubeconfig: user.kubeconfig })
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain('secret/visible')
    const pods = await kubectl(['-n', ns.name, 'get', 'pods'], { kubeconfig: user.kubeconfig })
    expect(pods.code).toBe(0)
  })

  it('gets Forbidden cluster-wide and in other namespaces', async () => {
    const all = await kubectl(['get', 'secrets', '-A'], { kubeconfig: user.kubeconfig })
    expect(all.code).not.toBe(0)
    expect(all.stderr).toMatch(/Forbidden|forbidden/)
    expect(all.stderr).toMatch(/at the cluster scope/)
    const elsewhere = await kubectl(['-n', other.name, 'get', 'secrets'], { kubeconfig: user.kubeconfig })
    expect(elsewhere.code).not.toBe(0)
    expect(elsewhere.stderr).toMatch(/forbidden/)
    const nodes = await kubectl(['get', 'nodes'], { kubeconfig: user.kubeconfig })
    expect(nodes.stderr).toMatch(/forbidden/)
  })
})
