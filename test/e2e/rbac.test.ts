// dbaas rbac: what it prints is enough. A fresh lab user with no rights at all gets exactly the Role (and
// ClusterRole) dbaas prints, applied by the admin, and then runs the verbs in its namespace.
import { afterAll, beforeAll, expect } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { createLimitedUser, type LimitedUser } from '../lab/fixtures/limited-user.ts'
import { kubectl, kubectlOk, uniqueName } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { dbaas, dbaasOk } from './helpers.ts'

labOnly('signs a user with the lab CA').describe('rbac', () => {
  const ns = uniqueName('rbac-ns')
  const userName = uniqueName('rb')
  const name = uniqueName('rbpg')
  let user: LimitedUser
  let applied = ''
  const as = () => ({ env: { KUBECONFIG: user.kubeconfig } })

  beforeAll(async () => {
    user = await createLimitedUser({ name: userName, namespace: ns, rules: [] })
  })
  afterAll(async () => {
    await dbaas(['delete', name, '-n', ns, '--yes', '--ignore-not-found', '--delete-data', '--no-wait'])
    if (applied) await kubectl(['delete', '-f', '-', '--ignore-not-found', '--wait=false'], { input: applied })
    await user?.cleanup()
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
  })

  labOnly('lab user').it('without the Role, the user may do nothing', async () => {
    const r = await dbaas(['create', 'postgres', name, '-n', ns, '--storage', '1Gi'], as())
    expect(r.exitCode).toBe(5)
    expect(r.stderr).toContain('dbaas rbac')
  })

  labOnly('lab user').it('prints a Role, a ClusterRole and bindings that the API server accepts', async () => {
    const r = await dbaasOk(['rbac', '-n', ns, '--user', userName])
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS())
    expect(docs.map((d) => d.kind)).toEqual(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'])
    expect(docs[0].metadata.namespace).toBe(ns)
    applied = r.stdout
    await kubectlOk(['apply', '-f', '-'], { input: r.stdout })
  })

  labOnly('lab user').it('with it, the user runs create, list, status, connection and delete in the namespace', async () => {
    const created = (await dbaasOk(['create', 'postgres', name, '-n', ns, '--storage', '1Gi', '-o', 'json'], as())).json()
    expect(created).toMatchObject({ name, namespace: ns, status: 'Ready' })
    const list = (await dbaasOk(['list', '-n', ns, '-o', 'json'], as())).json<any[]>()
    expect(list.map((i) => i.name)).toEqual([name])
    // Without -n: cluster-wide listing is refused, dbaas falls back to the context's namespace.
    const fallback = await dbaasOk(['list', '-o', 'json'], as())
    expect(fallback.json<any[]>().map((i) => i.name)).toContain(name)
    expect((await dbaasOk(['status', name, '-o', 'json'], as())).json().status).toBe('Ready')
    const conn = (await dbaasOk(['connection', name, '--show-password', '-o', 'json'], as())).json()
    expect(conn.password).not.toBe('********')
    const del = await dbaasOk(['delete', name, '-n', ns, '--yes', '-o', 'json'], as())
    expect(del.json()).toMatchObject({ name, namespace: ns })
    const left = await kubectl(['get', 'statefulset', name, '-n', ns, '--ignore-not-found', '-o', 'name'])
    expect(left.stdout.trim()).toBe('')
  })

  labOnly('lab user').it('doctor agrees: every verb allowed in that namespace', async () => {
    const r = (await dbaasOk(['doctor', '-o', 'json'], as())).json()
    expect(r.checks.find((c: any) => c.id === 'rbac')).toMatchObject({ status: 'ok' })
    expect(r.checks.find((c: any) => c.id === 'storage')).toMatchObject({ status: 'ok' })
  })
})
