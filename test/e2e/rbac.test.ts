// dbaas rbac: what it prints is enough. A fresh lab user with no rights at all gets exactly the Role (and
// ClusterRole) dbaas prints, applied by the admin, and then runs the verbs in its namespace. Each test has
// its own namespace and user.
import { expect, onTestFinished } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { createLimitedUser, type LimitedUser } from '../lab/fixtures/limited-user.ts'
import { kubectlOk, uniqueName } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { cleanupInstance, dbaas, dbaasOk, deleteNamespace, secretPassword } from './helpers.ts'

const lab = labOnly('signs a user with the lab CA')

/** A namespace and a user with no rights in it; with `role`, what `dbaas rbac` prints, applied by the admin. */
async function freshUser(role: boolean): Promise<{ ns: string; user: LimitedUser; as: { env: NodeJS.ProcessEnv }; printed: string }> {
  const ns = uniqueName('rbac-ns')
  onTestFinished(() => deleteNamespace(ns))
  const user = await createLimitedUser({ name: uniqueName('rb'), namespace: ns, rules: [] })
  onTestFinished(() => user.cleanup())
  let printed = ''
  if (role) {
    printed = (await dbaasOk(['rbac', '-n', ns, '--user', user.name])).stdout
    onTestFinished(async () => void (await kubectlOk(['delete', '-f', '-', '--ignore-not-found', '--wait=false'], { input: printed })))
    await kubectlOk(['apply', '-f', '-'], { input: printed })
  }
  return { ns, user, as: { env: { KUBECONFIG: user.kubeconfig } }, printed }
}

lab.describe('rbac', () => {
  lab.it('without the Role, the user may do nothing: create is refused (5) pointing at dbaas rbac', async () => {
    const { ns, as } = await freshUser(false)
    const name = uniqueName('rbpg')
    const r = await dbaas(['create', 'postgres', name, '-n', ns, '--storage', '1Gi'], as)
    expect(r.exitCode).toBe(5)
    expect(r.stderr).toContain('dbaas rbac')
  })

  lab.it('prints a Role, a ClusterRole and bindings that the API server accepts', async () => {
    const { ns, printed } = await freshUser(true)
    const docs = parseAllDocuments(printed).map((d) => d.toJS())
    expect(docs.map((d) => d.kind)).toEqual(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'])
    expect(docs[0].metadata.namespace).toBe(ns)
    // Accepted: the objects exist as printed.
    const role = JSON.parse(await kubectlOk(['get', 'role', docs[0].metadata.name, '-n', ns, '-o', 'json']))
    expect(role.rules).toEqual(docs[0].rules)
  })

  lab.it('with it, the user runs create, list, status, connection and delete in the namespace', async () => {
    const { ns, as } = await freshUser(true)
    const name = uniqueName('rbpg')
    onTestFinished(() => cleanupInstance(name, ns))
    const created = (await dbaasOk(['create', 'postgres', name, '-n', ns, '--storage', '1Gi', '-o', 'json'], as)).json()
    expect(created).toMatchObject({ name, namespace: ns, status: 'Ready' })
    const list = (await dbaasOk(['list', '-n', ns, '-o', 'json'], as)).json<any[]>()
    expect(list.map((i) => i.name)).toEqual([name])
    // Without -n: cluster-wide listing is refused, dbaas falls back to the context's namespace.
    const fallback = await dbaasOk(['list', '-o', 'json'], as)
    expect(fallback.json<any[]>().map((i) => i.name)).toContain(name)
    expect((await dbaasOk(['status', name, '-o', 'json'], as)).json().status).toBe('Ready')
    const conn = (await dbaasOk(['connection', name, '--show-password', '-o', 'json'], as)).json()
    expect(conn.password).toBe(await secretPassword(name, ns))
    const del = await dbaasOk(['delete', name, '-n', ns, '--yes', '-o', 'json'], as)
    expect(del.json()).toMatchObject({ name, namespace: ns })
    expect((await kubectlOk(['get', 'statefulset', name, '-n', ns, '--ignore-not-found', '-o', 'name'])).trim()).toBe('')
  })

  lab.it('doctor agrees: every verb allowed in that namespace', async () => {
    const { as } = await freshUser(true)
    const r = (await dbaasOk(['doctor', '-o', 'json'], as)).json()
    expect(r.checks.find((c: any) => c.id === 'rbac')).toMatchObject({ status: 'ok' })
    expect(r.checks.find((c: any) => c.id === 'storage')).toMatchObject({ status: 'ok' })
  })
})
