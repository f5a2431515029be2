// The RBAC table as a Role/ClusterRole, and `dbaas rbac` through main().
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { main } from '../../src/cli.ts'
import { accessChecks, permissionOf, rbacManifests, resolveVerbs, toRules, VERB_GROUPS } from '../../src/core/rbac.ts'
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

  it('maps a request to the rule the API server checks', () => {
    expect(permissionOf('GET', '/api/v1/namespaces/a/secrets?labelSelector=x')).toEqual({ group: '', resource: 'secrets', verb: 'list', cluster: false })
    expect(permissionOf('GET', '/api/v1/secrets')).toEqual({ group: '', resource: 'secrets', verb: 'list', cluster: false })
    expect(permissionOf('GET', '/apis/apps/v1/namespaces/a/statefulsets?fieldSelector=metadata.name%3Dx&watch=1&allowWatchBookmarks=true')).toMatchObject({ verb: 'watch', resource: 'statefulsets', group: 'apps' })
    expect(permissionOf('GET', '/api/v1/namespaces/a/pods/p-0/log?container=c')).toMatchObject({ verb: 'get', resource: 'pods/log' })
    expect(permissionOf('PATCH', '/apis/postgresql.cnpg.io/v1/namespaces/a/clusters/pg/status')).toMatchObject({ verb: 'patch', resource: 'clusters/status' })
    expect(permissionOf('GET', '/api/v1/namespaces/a')).toEqual({ group: '', resource: 'namespaces', verb: 'get', cluster: true })
    expect(permissionOf('POST', '/api/v1/namespaces')).toMatchObject({ verb: 'create', resource: 'namespaces', cluster: true })
    expect(permissionOf('GET', '/apis/coordination.k8s.io/v1/leases?fieldSelector=x')).toMatchObject({ cluster: true })
    expect(permissionOf('DELETE', '/api/v1/namespaces/a/pods')).toMatchObject({ verb: 'deletecollection' })
    expect(permissionOf('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).toBeUndefined()
    expect(permissionOf('GET', '/apis/postgresql.cnpg.io/v1')).toBeUndefined()
    expect(permissionOf('GET', '/version')).toBeUndefined()
  })

  it('--verbs takes command paths and the groups backup and ha', () => {
    expect(resolveVerbs(['backup create', 'ha-failover'])).toEqual({ verbs: ['backup create', 'ha failover'], unknown: [] })
    expect(resolveVerbs(['ha']).verbs).toEqual(VERB_GROUPS.ha)
    expect(resolveVerbs(['backup', 'restore']).verbs).toEqual([...VERB_GROUPS.backup!, 'restore'])
    expect(resolveVerbs(['fly']).unknown).toEqual(['fly'])
  })

  it('the issue-19 gaps are in the table: exec for --quiesce, CNPG backups, deleting pods for --force, watches, Secrets', () => {
    const has = (verb: Parameters<typeof accessChecks>[0], v: string, resource: string, sub?: string) =>
      accessChecks(verb, 'ns').some((c) => c.verb === v && c.resource === resource && (sub === undefined || c.subresource === sub))
    expect(has('backup create', 'create', 'pods', 'exec')).toBe(true)
    expect(has('ha backup create', 'create', 'backups')).toBe(true)
    expect(has('ha failover', 'delete', 'pods')).toBe(true)
    expect(has('status', 'watch', 'events')).toBe(true)
    expect(has('backup create', 'create', 'secrets')).toBe(true)
    expect(has('restore', 'create', 'statefulsets')).toBe(true)
    expect(has('restore', 'create', 'services')).toBe(true)
  })

  it('prints YAML documents for kubectl apply; unknown verbs are usage errors', async () => {
    const d = fakeDeps()
    expect(await main(['rbac', '-n', 'team-a', '--user', 'alice', '--verbs', 'list,logs'], d)).toBe(0)
    const docs = parseAllDocuments(d.out.text).map((x) => x.toJS())
    expect(docs.map((x) => x.kind)).toEqual(['Role', 'RoleBinding'])
    const bad = fakeDeps()
    expect(await main(['rbac', '--verbs', 'fly'], bad)).toBe(2)
    expect(bad.err.text).toContain('unknown verb "fly"')
  })
})
