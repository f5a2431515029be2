import { describe, expect, it } from 'vitest'
import {
  CREATING_GRACE_MS,
  PENDING_GRACE_MS,
  STATUSES,
  deriveStatus,
  groupInstances,
  latestRelease,
  podFailure,
  toView,
  type InstanceParts,
} from '../../../src/core/instances.ts'
import { ANN, Kinds, identityLabels, withKind } from '../../../src/k8s/labels.ts'
import { NOW } from '../../helpers/fake-deps.ts'
import { credentials, pod, release, statefulSet } from '../../helpers/fixtures.ts'

const iso = (msAgo: number) => new Date(NOW - msAgo).toISOString()
const secs = (msAgo: number) => Math.floor((NOW - msAgo) / 1000)

function parts(p: Partial<InstanceParts> = {}): InstanceParts {
  return { name: 'db', namespace: 'dbaas-db', releases: [], ...p }
}

describe('deriveStatus', () => {
  it('covers exactly the seven documented statuses', () => {
    expect([...STATUSES]).toEqual(['Creating', 'Ready', 'Degraded', 'Failed', 'Incomplete', 'Deleting', 'Stopped'])
  })

  it('Ready when every wanted replica is ready', () => {
    expect(deriveStatus(parts({ statefulSet: statefulSet({ name: 'db', replicas: 2, ready: 2 }) }), NOW)).toBe('Ready')
  })

  it('Creating during a first install within the grace period', () => {
    const sts = statefulSet({ name: 'db', ready: 0, created: iso(CREATING_GRACE_MS - 1000) })
    expect(deriveStatus(parts({ statefulSet: sts, releases: [release({ name: 'db', revision: 1 })] }), NOW)).toBe('Creating')
    expect(deriveStatus(parts({ statefulSet: sts }), NOW)).toBe('Creating')
  })

  it('Degraded once the first install is older than the grace period', () => {
    const sts = statefulSet({ name: 'db', ready: 0, created: iso(CREATING_GRACE_MS + 1000) })
    expect(deriveStatus(parts({ statefulSet: sts, releases: [release({ name: 'db', revision: 1 })] }), NOW)).toBe('Degraded')
  })

  it('Degraded, not Creating, when a later revision is not ready even if young', () => {
    const sts = statefulSet({ name: 'db', replicas: 3, ready: 1, created: iso(60_000) })
    expect(deriveStatus(parts({ statefulSet: sts, releases: [release({ name: 'db', revision: 2 })] }), NOW)).toBe('Degraded')
  })

  it('Stopped when scaled to zero (dbaas stop), whenever it was created, even with a pod still going away', () => {
    expect(deriveStatus(parts({ statefulSet: statefulSet({ name: 'db', replicas: 0, ready: 0, created: iso(CREATING_GRACE_MS + 1) }) }), NOW)).toBe('Stopped')
    expect(deriveStatus(parts({ statefulSet: statefulSet({ name: 'db', replicas: 0, ready: 0, created: iso(1000) }) }), NOW)).toBe('Stopped')
  })

  it('Deleting when the StatefulSet has a deletionTimestamp or the release is uninstalling', () => {
    expect(deriveStatus(parts({ statefulSet: statefulSet({ name: 'db', ready: 1, deleting: true }) }), NOW)).toBe('Deleting')
    expect(deriveStatus(parts({ statefulSet: statefulSet({ name: 'db', ready: 1 }), releases: [release({ name: 'db', status: 'uninstalling' })] }), NOW)).toBe('Deleting')
  })

  it('Failed when the latest release failed, even if pods are ready', () => {
    const rels = [release({ name: 'db', revision: 1, status: 'deployed' }), release({ name: 'db', revision: 2, status: 'failed' })]
    expect(deriveStatus(parts({ statefulSet: statefulSet({ name: 'db', ready: 1 }), releases: rels }), NOW)).toBe('Failed')
    expect(deriveStatus(parts({ releases: rels }), NOW)).toBe('Failed')
  })

  it('the latest revision decides, not the first secret listed', () => {
    const rels = [release({ name: 'db', revision: 2, status: 'deployed' }), release({ name: 'db', revision: 1, status: 'failed' })]
    expect(deriveStatus(parts({ statefulSet: statefulSet({ name: 'db', ready: 1 }), releases: rels }), NOW)).toBe('Ready')
  })

  it.each(['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError'])(
    'Failed when a pod waits in %s',
    (reason) => {
      const sts = statefulSet({ name: 'db', ready: 0, created: iso(1000) })
      expect(deriveStatus(parts({ statefulSet: sts }), NOW, [pod({ name: 'db', waiting: reason })])).toBe('Failed')
    },
  )

  it('a non-terminal waiting reason is not a failure', () => {
    const sts = statefulSet({ name: 'db', ready: 0, created: iso(1000) })
    expect(deriveStatus(parts({ statefulSet: sts }), NOW, [pod({ name: 'db', waiting: 'ContainerCreating' })])).toBe('Creating')
  })

  it('Incomplete: credentials only, or a release without a StatefulSet', () => {
    expect(deriveStatus(parts({ credentials: credentials({ name: 'db' }) }), NOW)).toBe('Incomplete')
    expect(deriveStatus(parts({ releases: [release({ name: 'db', status: 'deployed' })] }), NOW)).toBe('Incomplete')
  })

  it('pending-install without a StatefulSet: Creating within the grace, Incomplete after', () => {
    const young = release({ name: 'db', status: 'pending-install', modifiedAt: secs(PENDING_GRACE_MS - 10_000) })
    const old = release({ name: 'db', status: 'pending-install', modifiedAt: secs(PENDING_GRACE_MS + 10_000) })
    expect(deriveStatus(parts({ releases: [young] }), NOW)).toBe('Creating')
    expect(deriveStatus(parts({ releases: [old] }), NOW)).toBe('Incomplete')
  })

  it('a release stuck in pending-* with a StatefulSet is Incomplete after the grace', () => {
    const sts = statefulSet({ name: 'db', ready: 1 })
    const stuck = release({ name: 'db', status: 'pending-upgrade', revision: 2, modifiedAt: secs(PENDING_GRACE_MS + 1000) })
    const fresh = release({ name: 'db', status: 'pending-upgrade', revision: 2, modifiedAt: secs(1000) })
    expect(deriveStatus(parts({ statefulSet: sts, releases: [stuck] }), NOW)).toBe('Incomplete')
    expect(deriveStatus(parts({ statefulSet: sts, releases: [fresh] }), NOW)).toBe('Ready')
  })
})

describe('latestRelease / podFailure', () => {
  it('ignores secrets not owned by helm and converts modifiedAt seconds', () => {
    const notHelm = { metadata: { name: 'x', labels: { status: 'failed', version: '9' } } }
    const r = latestRelease([notHelm, release({ name: 'db', revision: 3, modifiedAt: 1_700_000_000 })])
    expect(r).toEqual({ status: 'deployed', revision: 3, updatedAt: new Date(1_700_000_000_000).toISOString() })
    expect(latestRelease([notHelm])).toBeUndefined()
  })
  it('reports the pod, reason and first line of the message, init containers included', () => {
    const p = pod({ name: 'db' })
    p.status.initContainerStatuses = [{ name: 'init', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: 'pull failed\nmore detail' } } }]
    expect(podFailure([p])).toBe('pod db-0 is in ErrImagePull: pull failed')
    expect(podFailure([pod({ name: 'db', ready: true })])).toBeUndefined()
  })
  it('a CreateContainerConfigError the kubelet retries (its cache not synced yet) is not a failure; a missing Secret is', () => {
    const waiting = (message: string) => {
      const p = pod({ name: 'db' })
      p.status.containerStatuses = [{ name: 'db', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message } } }]
      return p
    }
    expect(podFailure([waiting('failed to sync secret cache: timed out waiting for the condition')])).toBeUndefined()
    expect(podFailure([waiting('failed to sync configmap cache: timed out waiting for the condition')])).toBeUndefined()
    expect(podFailure([waiting('secret "db-credentials" not found')])).toBe('pod db-0 is in CreateContainerConfigError: secret "db-credentials" not found')
  })
})

describe('groupInstances', () => {
  it('groups StatefulSets, credentials and helm release secrets by namespace and name', () => {
    const g = groupInstances(
      [statefulSet({ name: 'b' }), statefulSet({ name: 'a', namespace: 'team' })],
      [
        credentials({ name: 'b' }),
        release({ name: 'b', revision: 1 }),
        release({ name: 'b', revision: 2 }),
        credentials({ name: 'a', namespace: 'team' }),
      ],
    )
    expect(g.map((p) => `${p.namespace}/${p.name}`)).toEqual(['dbaas-b/b', 'team/a'])
    const b = g[0]!
    expect(b.statefulSet?.metadata.name).toBe('b')
    expect(b.credentials?.metadata.name).toBe('b-credentials')
    expect(b.releases.map((r) => r.metadata.labels?.version)).toEqual(['1', '2'])
    expect(g[1]!.releases).toEqual([])
  })

  it('the same name in two namespaces is two instances', () => {
    const g = groupInstances([statefulSet({ name: 'x', namespace: 'n1' }), statefulSet({ name: 'x', namespace: 'n2' })], [])
    expect(g).toHaveLength(2)
  })

  it('credentials without a StatefulSet become an Incomplete instance', () => {
    const [p] = groupInstances([], [credentials({ name: 'half' })])
    expect(p?.statefulSet).toBeUndefined()
    expect(deriveStatus(p!, NOW)).toBe('Incomplete')
  })

  it('ignores backup credentials, secrets without an instance label or a known engine, and non-instance StatefulSets', () => {
    const id = identityLabels({ name: 'db', engine: 'postgresql', version: '18' })
    const backupCreds = { metadata: { name: 'bk', namespace: 'dbaas-db', labels: withKind(id, Kinds.backupCredentials) } }
    const noInstance = { metadata: { name: 'y', namespace: 'dbaas-db', labels: { 'app.kubernetes.io/managed-by': 'dbaas', 'dbaas.io/engine': 'postgresql', 'dbaas.io/kind': 'credentials' } } }
    const alias = credentials({ name: 'z', engine: 'postgres' }) // aliases are never written as labels
    const haSts = { ...statefulSet({ name: 'h' }), metadata: { ...statefulSet({ name: 'h' }).metadata, labels: withKind(id, Kinds.haCluster) } }
    expect(groupInstances([haSts], [backupCreds, noInstance, alias])).toEqual([])
  })
})

describe('toView', () => {
  it('has exactly the documented fields', () => {
    const v = toView(parts({ statefulSet: statefulSet({ name: 'db' }) }), NOW)
    expect(Object.keys(v).sort()).toEqual(
      ['kind', 'name', 'namespace', 'engine', 'version', 'status', 'ready', 'storage', 'storageClass', 'database', 'user', 'createdAt', 'release', 'restoredFrom'].sort(),
    )
  })

  it('reads engine/version from labels and the rest from annotations', () => {
    const sts = statefulSet({
      name: 'db',
      engine: 'mysql',
      version: '8.4',
      replicas: 3,
      ready: 2,
      created: '2026-11-01T00:00:00Z',
      annotations: { [ANN.storage]: '20Gi', [ANN.storageClass]: 'fast', [ANN.database]: 'shop', [ANN.user]: 'web', [ANN.restoredFrom]: 'bk-1' },
    })
    const v = toView(parts({ statefulSet: sts, releases: [release({ name: 'db', engine: 'mysql', revision: 4 })] }), NOW)
    expect(v).toEqual({
      kind: 'instance',
      name: 'db',
      namespace: 'dbaas-db',
      engine: 'mysql',
      version: '8.4',
      status: 'Degraded',
      ready: '2/3',
      storage: '20Gi',
      storageClass: 'fast',
      database: 'shop',
      user: 'web',
      createdAt: '2026-11-01T00:00:00Z',
      release: { status: 'deployed', revision: 4 },
      restoredFrom: 'bk-1',
    })
  })

  it('an Incomplete instance is shown from its credentials with nulls, never undefined', () => {
    const v = toView(parts({ credentials: credentials({ name: 'db', created: '2026-11-25T11:00:00Z' }) }), NOW)
    expect(v).toMatchObject({ status: 'Incomplete', ready: '0/0', engine: 'postgresql', version: '18', storage: null, storageClass: null, database: 'app', release: null, restoredFrom: null, createdAt: '2026-11-25T11:00:00Z' })
    expect(JSON.stringify(v)).not.toContain('undefined')
    for (const value of Object.values(v)) expect(value).not.toBeUndefined()
  })
})
