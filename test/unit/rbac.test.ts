// The RBAC table as a Role/ClusterRole, and `dbaas rbac` through main().
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { main } from '../../src/cli.ts'
import { accessChecks, rbacManifests, toRules } from '../../src/core/rbac.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'

describe('rbac', () => {
  it('merges permissions into compact rules, verbs in a stable order', () => {
    expect(
      toRules([
        { group: '', resource: 'secrets', verbs: ['list', 'get'] },
        { group: '', resource: 'services', verbs: ['get', 'list'] },
        { group: '', resource: 'secrets', verbs: ['get'] },
      ]),
    ).toEqual([{ apiGroups: [''], resources: ['secrets', 'services'], verbs: ['get', 'list'] }])
  })

  it('puts cluster-scoped permissions in a ClusterRole, and binds only with a subject', () => {
    const objs = rbacManifests({ namespace: 'team-a', verbs: ['list', 'restore'] })
    expect(objs.map((o) => o.kind)).toEqual(['Role', 'ClusterRole'])
    expect(JSON.stringify(objs[1])).toContain('volumesnapshotcontents')
    expect(JSON.stringify(objs[0])).not.toContain('volumesnapshotcontents')
    const bound = rbacManifests({ namespace: 'team-a', verbs: ['list'], user: 'alice' })
    expect(bound.map((o) => o.kind)).toEqual(['Role', 'RoleBinding'])
  })

  it('access checks carry the namespace only for namespaced resources, and split subresources', () => {
    const checks = accessChecks('connect', 'ns1')
    expect(checks).toContainEqual({ verb: 'create', group: '', resource: 'pods', subresource: 'portforward', namespace: 'ns1', optional: false })
    expect(accessChecks('create', 'ns1').find((c) => c.resource === 'storageclasses')).toMatchObject({ optional: true })
    expect(accessChecks('create', 'ns1').find((c) => c.resource === 'storageclasses')).not.toHaveProperty('namespace')
  })

  it('prints YAML documents for kubectl apply; unknown verbs are usage errors', async () => {
    const d = fakeDeps()
    expect(await main(['rbac', '-n', 'team-a', '--user', 'alice', '--verbs', 'list,status'], d)).toBe(0)
    const docs = parseAllDocuments(d.out.text).map((x) => x.toJS())
    expect(docs.map((x) => x.kind)).toEqual(['Role', 'RoleBinding'])
    const bad = fakeDeps()
    expect(await main(['rbac', '--verbs', 'fly'], bad)).toBe(2)
    expect(bad.err.text).toContain('unknown verb "fly"')
  })
})
