// Labels dbaas owns: instances as the charts now label them (managed-by Helm, found by dbaas.io/kind) and as
// the older scheme left them (managed-by=dbaas written back onto the StatefulSet, dbaas's labels with
// managed-by=dbaas on helm's release record, an interrupted create's StatefulSet still saying Helm) are found,
// listed, shown and completed the same way; list never reads helm's release records.
import { describe, expect, it } from 'vitest'
import { createInstance, type CreateOptions } from '../../../src/core/create.ts'
import { deleteInstance, planDelete } from '../../../src/core/delete.ts'
import { listInstances } from '../../../src/core/list.ts'
import { instanceStatus } from '../../../src/core/status.ts'
import { getEngine } from '../../../src/engines/registry.ts'
import { R, type KubeObject } from '../../../src/k8s/kube.ts'
import { fakeDeps, NOW, type FakeDeps } from '../../helpers/fake-deps.ts'
import { storageClass } from '../../helpers/fixtures.ts'

type Scheme = 'helm-labels' | 'old-relabelled' | 'old-interrupted'

const ns = (name: string) => `dbaas-${name}`
const identity = (name: string) => ({
  'app.kubernetes.io/instance': name,
  'app.kubernetes.io/name': 'postgresql',
  'dbaas.io/engine': 'postgresql',
  'dbaas.io/engine-version': '18',
})

/** The StatefulSet as each scheme leaves it. */
function sts(name: string, scheme: Scheme, ready = 1): KubeObject {
  const managedBy = scheme === 'old-relabelled' ? 'dbaas' : 'Helm'
  return {
    metadata: {
      name,
      namespace: ns(name),
      labels: { ...identity(name), 'app.kubernetes.io/managed-by': managedBy, 'dbaas.io/kind': 'instance' },
      annotations: { 'dbaas.io/storage': '10Gi', 'dbaas.io/database': 'app', 'dbaas.io/user': 'app', 'meta.helm.sh/release-name': name },
      creationTimestamp: new Date(NOW - 3_600_000).toISOString(),
    },
    spec: { replicas: 1 },
    status: { readyReplicas: ready },
  }
}

/** The credentials Secret: dbaas writes it itself in every scheme. */
function creds(name: string): KubeObject {
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  return {
    metadata: { name: `${name}-credentials`, namespace: ns(name), labels: { ...identity(name), 'app.kubernetes.io/managed-by': 'dbaas', 'dbaas.io/kind': 'credentials' } },
    data: { username: b64('app'), password: b64('pw-12345678'), database: b64('app') },
  }
}

/** helm's release record; the old scheme put managed-by=dbaas among dbaas's release labels. */
function record(name: string, scheme: Scheme, status = 'deployed', modifiedAt = Math.floor((NOW - 3_600_000) / 1000)): KubeObject {
  return {
    type: 'helm.sh/release.v1',
    metadata: {
      name: `sh.helm.release.v1.${name}.v1`,
      namespace: ns(name),
      labels: {
        ...identity(name),
        ...(scheme === 'helm-labels' ? {} : { 'app.kubernetes.io/managed-by': 'dbaas' }),
        'dbaas.io/kind': 'release',
        owner: 'helm',
        name,
        status,
        version: '1',
        modifiedAt: String(modifiedAt),
      },
    },
  }
}

function cluster(seed: (d: FakeDeps) => void): FakeDeps {
  const d = fakeDeps()
  d.transport.seed(R.storageClasses, storageClass('standard', true))
  seed(d)
  return d
}

const schemes: Scheme[] = ['helm-labels', 'old-relabelled', 'old-interrupted']

describe.each(schemes)('an instance labelled the %s way', (scheme) => {
  const name = `db-${scheme.split('-')[0]}`
  const seed = (d: FakeDeps) => {
    d.transport.seed(R.namespaces, { metadata: { name: ns(name) } })
    d.transport.seed(R.statefulSets, sts(name, scheme))
    d.transport.seed(R.secrets, creds(name), record(name, scheme))
  }

  it('is listed Ready from its StatefulSet and credentials alone', async () => {
    const d = cluster(seed)
    const r = await listInstances({ cluster: {} }, d)
    expect(r.items.map((i) => [i.name, i.status, i.engine, i.version])).toEqual([[name, 'Ready', 'postgresql', '18']])
    // helm's record is not read to list.
    expect(d.transport.requests.every((q) => !String(q.query.labelSelector ?? '').includes('owner=helm'))).toBe(true)
    // Credentials of instances and of HA clusters (whose engine says which HA kind to list), never helm's records.
    expect(d.transport.requests.find((q) => q.path === '/api/v1/secrets')?.query.labelSelector).toBe('dbaas.io/kind in (credentials,ha-credentials)')
  })

  it('status reads its release', async () => {
    const d = cluster(seed)
    const v = await instanceStatus({ name, cluster: {} }, d)
    expect(v.status).toBe('Ready')
    expect(v.release).toEqual({ status: 'deployed', revision: 1 })
  })

  it('create of the same name is a conflict (4), nothing written', async () => {
    const d = cluster(seed)
    const err = await createInstance(opts(name), d).catch((e) => e)
    expect(err.exitCode).toBe(4)
    expect(d.transport.writes).toEqual([])
  })

  it('delete uninstalls its release', async () => {
    const d = cluster(seed)
    const o = { name, cluster: {}, deleteData: false, wait: false, timeoutMs: 1000, dryRun: false }
    await deleteInstance(await planDelete(o, d), o, d)
    expect(d.fakeHelm.calls.filter((c) => c.op === 'uninstall')).toHaveLength(1)
  })
})

function opts(name: string, o: Partial<CreateOptions> = {}): CreateOptions {
  return {
    engine: getEngine('postgres'),
    name,
    namespace: ns(name),
    namespaceExplicit: false,
    version: '18',
    storage: '10Gi',
    cpu: '250m',
    memory: '512Mi',
    database: 'app',
    user: 'app',
    dryRun: 'none',
    wait: false,
    timeoutMs: 60_000,
    cluster: {},
    ...o,
  }
}

describe.each(['helm-labels', 'old-relabelled'] as Scheme[])('an interrupted create (%s release record left pending-install)', (scheme) => {
  const name = 'halfway'
  const seed = (d: FakeDeps) => {
    d.transport.seed(R.namespaces, { metadata: { name: ns(name) } })
    d.transport.seed(R.secrets, creds(name), record(name, scheme, 'pending-install', Math.floor((NOW - 10 * 60_000) / 1000)))
  }

  it('is Incomplete in list and status, and a second create clears the record and installs, with no relabelling', async () => {
    const d = cluster(seed)
    expect((await listInstances({ cluster: {} }, d)).items.map((i) => i.status)).toEqual(['Incomplete'])
    expect((await instanceStatus({ name, cluster: {} }, d)).status).toBe('Incomplete')
    // What helm does: the chart's objects, and its record of the new release (dbaas's labels, no managed-by).
    d.fakeHelm.onInstall = () => void d.transport.seed(R.statefulSets, sts(name, 'helm-labels')).seed(R.secrets, record(name, 'helm-labels'))
    const r = await createInstance(opts(name), d)
    expect(r.action).toBe('completed')
    expect(d.fakeHelm.ops().filter((op) => op !== 'version')).toEqual(['uninstall', 'upgradeInstall'])
    // Nothing but the install: the credentials were already there, and no label is written back — the one
    // write is the history record (an annotation on the credentials Secret).
    expect(d.transport.writes.map((w) => [w.method, w.path, Object.keys((w.body as { metadata: { annotations?: object } }).metadata.annotations ?? {})])).toEqual([
      ['PATCH', `/api/v1/namespaces/${ns(name)}/secrets/${name}-credentials`, ['dbaas.io/history']],
    ])
    expect(r.instance.status).toBe('Ready')
  })
})

describe('a StatefulSet helm installed that an older dbaas never relabelled (old-interrupted)', () => {
  it('is an instance now, not Incomplete: the chart labels already say what it is', async () => {
    const name = 'db-old'
    const d = cluster((d) => {
      d.transport.seed(R.namespaces, { metadata: { name: `dbaas-${name}` } })
      d.transport.seed(R.statefulSets, sts(name, 'old-interrupted', 0))
      d.transport.seed(R.secrets, creds(name))
    })
    const items = (await listInstances({ cluster: {} }, d)).items
    expect(items.map((i) => [i.name, i.status])).toEqual([[name, 'Degraded']])
  })
})
