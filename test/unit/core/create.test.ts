import { describe, expect, it } from 'vitest'
import {
  PASSWORD_ALPHABET,
  buildCredentialsSecret,
  buildNamespace,
  buildValues,
  createInstance,
  credentialsData,
  generatePassword,
  redact,
  releaseLabels,
  shmSize,
  type CreateOptions,
} from '../../../src/core/create.ts'
import { parsePlacement } from '../../../src/core/placement.ts'
import { getEngine } from '../../../src/engines/registry.ts'
import { ClusterError, ConflictError, PreconditionError, TimeoutError, UsageError } from '../../../src/errors.ts'
import { R } from '../../../src/k8s/kube.ts'
import { ANN, ENGINE, ENGINE_VERSION, INSTANCE, KIND, MANAGED_BY, NAME } from '../../../src/k8s/labels.ts'
import { fakeDeps, NOW, type FakeDeps } from '../../helpers/fake-deps.ts'
import { fakeKube, FakeTransport } from '../../helpers/fake-kube.ts'
import { credentials, namespace, pod, release, statefulSet, storageClass } from '../../helpers/fixtures.ts'

const pg = getEngine('postgres')
const mysql = getEngine('mysql')

function opts(o: Partial<CreateOptions> = {}): CreateOptions {
  const namespace = o.namespace ?? 'dbaas-orders'
  // Cast: namespaceExplicit is being added to CreateOptions (see the lead's work in progress).
  return {
    namespaceExplicit: namespace !== `dbaas-${o.name ?? 'orders'}`,
    engine: pg,
    name: 'orders',
    namespace: 'dbaas-orders',
    version: '18',
    storage: '10Gi',
    cpu: '250m',
    memory: '512Mi',
    database: 'app',
    user: 'app',
    dryRun: 'none',
    wait: false,
    timeoutMs: 600_000,
    cluster: {},
    ...o,
  } as CreateOptions
}

describe('generatePassword', () => {
  it('draws 24 characters from the alphabet, from the injected random source', () => {
    const pw = generatePassword(() => Buffer.from(Array.from({ length: 48 }, (_, i) => i)))
    expect(pw).toHaveLength(24)
    expect(pw).toBe(PASSWORD_ALPHABET.slice(0, 24))
    expect(generatePassword(() => Buffer.alloc(64, 1), 10)).toBe('B'.repeat(10))
  })

  it('only ever uses alphanumerics', () => {
    expect(PASSWORD_ALPHABET).toMatch(/^[A-Za-z0-9]{62}$/)
    const pw = generatePassword((n) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 37) % 256)), 200)
    expect(pw).toMatch(/^[A-Za-z0-9]{200}$/)
  })

  it('rejects bytes at or above the largest multiple of 62 (248), so no character is favoured', () => {
    let calls = 0
    const random = (n: number) => {
      calls++
      // First batch: only biased bytes (248..255), all rejected; then bytes that map to "b".
      return calls === 1 ? Buffer.alloc(n, 248) : Buffer.alloc(n, 62 + 27)
    }
    expect(generatePassword(random, 8)).toBe('b'.repeat(8))
    expect(calls).toBe(2)
    expect(generatePassword(() => Buffer.alloc(16, 247), 4)).toBe(PASSWORD_ALPHABET[247 % 62]!.repeat(4))
  })
})

describe('builders', () => {
  const o = opts({ storageClass: 'fast' })
  const identity = { [MANAGED_BY]: 'dbaas', [INSTANCE]: 'orders', [NAME]: 'postgresql', [ENGINE]: 'postgresql', [ENGINE_VERSION]: '18' }

  it('buildNamespace: identity labels, kind namespace, namespace-created annotation', () => {
    expect(buildNamespace(o)).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'dbaas-orders', labels: { ...identity, [KIND]: 'namespace' }, annotations: { [ANN.namespaceCreated]: 'true' } },
    })
  })

  it('buildCredentialsSecret: <name>-credentials with identity labels and the data as stringData', () => {
    const s = buildCredentialsSecret(o, { username: 'app', password: 'pw', database: 'app' })
    expect(s).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name: 'orders-credentials',
        namespace: 'dbaas-orders',
        labels: { ...identity, [KIND]: 'credentials' },
        annotations: { [ANN.database]: 'app', [ANN.user]: 'app' },
      },
      stringData: { username: 'app', password: 'pw', database: 'app' },
    })
  })

  it('credentialsData adds a root password only for engines that have one', () => {
    expect(credentialsData(o, 'pw', 'root')).toEqual({ username: 'app', password: 'pw', database: 'app' })
    expect(credentialsData({ ...o, engine: mysql }, 'pw', 'root')).toEqual({ username: 'app', password: 'pw', database: 'app', 'root-password': 'root' })
  })

  it('releaseLabels: identity + kind release, without managed-by (the record is helm\'s)', () => {
    const { [MANAGED_BY]: _m, ...rest } = identity
    expect(releaseLabels(o)).toEqual({ ...rest, [KIND]: 'release' })
  })

  it('buildValues: image, existing secret, storage, resources, labels and annotations', () => {
    const v = buildValues({ ...o, annotations: { [ANN.restoredFrom]: 'bk' } })
    expect(v).toEqual({
      engineVersion: '18',
      image: { repository: 'postgres', tag: '18', pullPolicy: 'IfNotPresent', registry: '' },
      auth: { existingSecret: 'orders-credentials' },
      storage: { size: '10Gi', storageClass: 'fast' },
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '512Mi' } },
      shm: { sizeLimit: '256Mi' },
      nodeSelector: {},
      tolerations: [],
      priorityClassName: '',
      imagePullSecrets: [],
      openshift: false,
      labels: {},
      annotations: {
        [ANN.storage]: '10Gi',
        [ANN.storageClass]: 'fast',
        [ANN.database]: 'app',
        [ANN.user]: 'app',
        [ANN.cpu]: '250m',
        [ANN.memory]: '512Mi',
        [ANN.restoredFrom]: 'bk',
      },
    })
    expect(buildValues(opts()).storage).toEqual({ size: '10Gi', storageClass: '' })
    expect((buildValues(opts()).annotations as Record<string, string>)[ANN.storageClass]).toBeUndefined()
  })

  it('buildValues never contains the password, even when one was given', () => {
    const password = 'Sup3r-S3cret-Pa55word-XYZ'
    const v = buildValues(opts({ engine: mysql, password, credentials: { password, 'root-password': password } }))
    expect(JSON.stringify(v)).not.toContain(password)
  })

  it('redact hides every Secret value and leaves other kinds alone', () => {
    const s = buildCredentialsSecret(o, { username: 'app', password: 'pw-123456' })
    const r = redact({ ...s, data: { extra: 'eA==' } })
    expect(r.stringData).toEqual({ username: '<redacted>', password: '<redacted>' })
    expect(r.data).toEqual({ extra: '<redacted>' })
    expect(JSON.stringify(r)).not.toContain('pw-123456')
    expect(s.stringData?.password).toBe('pw-123456') // the original is untouched
    const cm = { kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } }
    expect(redact(cm)).toBe(cm)
  })
})

// ---------------------------------------------------------------------------------------------------------------
// createInstance against a FakeTransport and FakeHelm

function cluster(seed: (d: FakeDeps) => void = () => {}): FakeDeps {
  const d = fakeDeps()
  d.transport.seed(R.storageClasses, storageClass('standard', true), storageClass('fast'))
  seed(d)
  return d
}

/** The non-GET, non-access-review requests as "METHOD kind/name". */
/** The history record on the credentials Secret (every create ends with it): named, not hidden. */
const HISTORY = 'PATCH history'

function writes(d: FakeDeps): string[] {
  return d.transport.writes.map((r) => {
    const b = r.body as { kind?: string; metadata?: { name?: string; annotations?: Record<string, string> } } | undefined
    if (r.method === 'PATCH' && b?.metadata?.annotations?.['dbaas.io/history'] !== undefined && Object.keys(b).length === 1) return HISTORY
    return `${r.method} ${b?.kind ?? r.path}/${b?.metadata?.name ?? ''}`
  })
}

describe('createInstance', () => {
  it('writes namespace → secret → helm upgradeInstall, in that order, and nothing else', async () => {
    const d = cluster()
    const order: string[] = []
    const origRequest = d.transport.request.bind(d.transport)
    d.transport.request = async (m, p, o) => {
      if (m === 'POST' && !p.includes('selfsubjectaccessreviews')) order.push(`kube ${(o?.body as { kind: string }).kind}`)
      return origRequest(m, p, o)
    }
    d.fakeHelm.onInstall = () => void order.push('helm upgradeInstall')
    const r = await createInstance(opts(), d)
    expect(order).toEqual(['kube Namespace', 'kube Secret', 'helm upgradeInstall'])
    expect(writes(d)).toEqual(['POST Namespace/dbaas-orders', 'POST Secret/orders-credentials', HISTORY])
    expect(r.action).toBe('created')
    const install = d.fakeHelm.calls.find((c) => c.op === 'upgradeInstall')
    expect(install).toMatchObject({ req: { release: 'orders', chart: 'postgresql', namespace: 'dbaas-orders', labels: releaseLabels(opts()), timeoutSeconds: 600, target: { context: 'fake' } } })
  })

  it('the generated password lands in the Secret only: not in helm values, labels or the result', async () => {
    const d = cluster()
    const r = await createInstance(opts(), d)
    const secret = d.transport.get(R.secrets, 'dbaas-orders', 'orders-credentials')!
    const password = Buffer.from(secret.data!.password!, 'base64').toString()
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(JSON.stringify(d.fakeHelm.calls)).not.toContain(password)
    expect(JSON.stringify(r)).not.toContain(password)
  })

  it('uses the namespace as is when it exists (no namespace write)', async () => {
    const d = cluster((d) => d.transport.seed(R.namespaces, { metadata: { name: 'team' } }))
    await createInstance(opts({ namespace: 'team' }), d)
    expect(writes(d)).toEqual(['POST Secret/orders-credentials', HISTORY])
  })

  it('an existing complete instance → ConflictError (exit 4), nothing written', async () => {
    const d = cluster((d) => {
      d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
      d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1 }))
      d.transport.seed(R.secrets, credentials({ name: 'orders' }), release({ name: 'orders' }))
    })
    const err = await createInstance(opts(), d).catch((e) => e)
    expect(err).toBeInstanceOf(ConflictError)
    expect(err.exitCode).toBe(4)
    expect(err.code).toBe('already_exists')
    expect(writes(d)).toEqual([])
    expect(d.fakeHelm.ops()).not.toContain('upgradeInstall')
  })

  it('the same name with another engine → ConflictError, nothing written', async () => {
    const d = cluster((d) => {
      d.transport.seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders', engine: 'mysql', version: '8.4' } }))
      d.transport.seed(R.secrets, credentials({ name: 'orders', engine: 'mysql', version: '8.4' }))
    })
    const err = await createInstance(opts(), d).catch((e) => e)
    expect(err).toBeInstanceOf(ConflictError)
    expect(err.message).toContain('mysql')
    expect(writes(d)).toEqual([])
  })

  it('an unknown --storage-class → UsageError listing the classes, nothing written', async () => {
    const d = cluster()
    const err = await createInstance(opts({ storageClass: 'gold' }), d).catch((e) => e)
    expect(err).toBeInstanceOf(UsageError)
    // The API server lists in name order.
    expect(err.hint).toContain('fast, standard')
    expect(writes(d)).toEqual([])
    expect(d.fakeHelm.ops()).toEqual(['version'])
  })

  it('no default storage class → PreconditionError (exit 7), nothing written; an explicit class is fine', async () => {
    const d = fakeDeps()
    d.transport.seed(R.storageClasses, storageClass('fast'))
    const err = await createInstance(opts(), d).catch((e) => e)
    expect(err).toBeInstanceOf(PreconditionError)
    expect(err.exitCode).toBe(7)
    expect(err.hint).toContain('--storage-class')
    expect(writes(d)).toEqual([])
    await createInstance(opts({ storageClass: 'fast' }), d)
    expect(writes(d)).toHaveLength(3)
  })

  it('the beta default-class annotation counts too', async () => {
    const d = fakeDeps()
    d.transport.seed(R.storageClasses, { metadata: { name: 'old', annotations: { 'storageclass.beta.kubernetes.io/is-default-class': 'true' } } })
    await expect(createInstance(opts(), d)).resolves.toMatchObject({ action: 'created' })
  })

  it('RBAC denied (SelfSubjectAccessReview) → ClusterError forbidden (exit 5), nothing written', async () => {
    const d = cluster()
    d.transport.deny = (a) => a.verb === 'create' && a.resource === 'statefulsets'
    const err = await createInstance(opts(), d).catch((e) => e)
    expect(err).toBeInstanceOf(ClusterError)
    expect(err.code).toBe('forbidden')
    expect(err.exitCode).toBe(5)
    expect(err.message).toContain('create statefulsets.apps')
    expect(err.message).toContain('nothing was created')
    expect(writes(d)).toEqual([])
    expect(d.fakeHelm.ops()).not.toContain('upgradeInstall')
  })

  it('asks to create the namespace only when it does not exist', async () => {
    const d = cluster((d) => d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } }))
    d.transport.deny = (a) => a.resource === 'namespaces'
    await createInstance(opts(), d)
    const reviews = d.transport.requests.filter((r) => r.path.endsWith('selfsubjectaccessreviews'))
    expect(reviews.map((r) => (r.body as any).spec.resourceAttributes.resource)).not.toContain('namespaces')
    const d2 = cluster()
    d2.transport.deny = (a) => a.resource === 'namespaces'
    const err = await createInstance(opts(), d2).catch((e) => e)
    expect(err.code).toBe('forbidden')
    expect(err.hint).toContain('dbaas-orders')
  })

  it('helm missing → PreconditionError, nothing written', async () => {
    const d = cluster()
    d.fakeHelm.versionError = new PreconditionError('helm is not installed', { hint: 'install helm' })
    const err = await createInstance(opts(), d).catch((e) => e)
    expect(err).toBeInstanceOf(PreconditionError)
    expect(writes(d)).toEqual([])
  })

  it('a namespace being deleted → PreconditionError, nothing written', async () => {
    const d = cluster((d) => d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders', deletionTimestamp: '2026-11-25T11:00:00Z' } }))
    const err = await createInstance(opts(), d).catch((e) => e)
    expect(err).toBeInstanceOf(PreconditionError)
    expect(writes(d)).toEqual([])
  })

  it('completes an Incomplete instance (secret, no StatefulSet): reuses the secret, installs, action "completed"', async () => {
    const d = cluster((d) => {
      d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
      d.transport.seed(R.secrets, credentials({ name: 'orders', password: 'the-original-password' }))
    })
    const r = await createInstance(opts({ password: 'a-new-password-from-stdin' }), d)
    expect(writes(d)).toEqual([HISTORY])
    expect(d.fakeHelm.ops()).toContain('upgradeInstall')
    expect(r.action).toBe('completed')
    expect(r.notes.join()).toMatch(/kept the existing password/)
    const s = d.transport.get(R.secrets, 'dbaas-orders', 'orders-credentials')!
    expect(Buffer.from(s.data!.password!, 'base64').toString()).toBe('the-original-password')
  })

  it('a release stuck in pending-install is uninstalled with --no-hooks before the install', async () => {
    const d = cluster((d) => {
      d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
      d.transport.seed(R.secrets, credentials({ name: 'orders' }), release({ name: 'orders', status: 'pending-install', modifiedAt: Math.floor(NOW / 1000) - 3600 }))
    })
    await createInstance(opts(), d)
    expect(d.fakeHelm.ops().filter((o) => o !== 'version')).toEqual(['uninstall', 'upgradeInstall'])
    expect(d.fakeHelm.calls.find((c) => c.op === 'uninstall')).toMatchObject({ release: 'orders', namespace: 'dbaas-orders', opts: { noHooks: true } })
  })

  it('a pending-upgrade release is rolled back before the install', async () => {
    const d = cluster((d) => {
      d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
      d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1 }))
      d.transport.seed(R.secrets, credentials({ name: 'orders' }), release({ name: 'orders', revision: 2, status: 'pending-upgrade', modifiedAt: Math.floor(NOW / 1000) - 3600 }))
    })
    await createInstance(opts(), d)
    expect(d.fakeHelm.ops().filter((o) => o !== 'version')).toEqual(['rollback', 'upgradeInstall'])
  })

  it('a Failed instance of the same engine is completed', async () => {
    const d = cluster((d) => {
      d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
      d.transport.seed(R.statefulSets, statefulSet({ name: 'orders' }))
      d.transport.seed(R.secrets, credentials({ name: 'orders' }), release({ name: 'orders', status: 'failed' }))
    })
    await expect(createInstance(opts(), d)).resolves.toMatchObject({ action: 'completed' })
  })

  it('waits for a ready pod when asked, and returns the instance as read back', async () => {
    const d = cluster()
    d.fakeHelm.onInstall = () => {
      d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1 }))
      d.transport.seed(R.pods, pod({ name: 'orders', ready: true }))
    }
    const r = await createInstance(opts({ wait: true }), d)
    expect(r.instance).toMatchObject({ name: 'orders', status: 'Ready', ready: '1/1' })
  })

  it('--dry-run=client makes zero requests and prints the Secret redacted', async () => {
    const d = fakeDeps()
    d.fakeHelm.templateOutput = 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: orders\n---\n# empty\n'
    const password = 'a-password-from-stdin-123'
    const r = await createInstance(opts({ dryRun: 'client', password }), d)
    expect(d.transport.requests).toEqual([])
    expect(d.kubeCalls).toEqual([])
    expect(r.action).toBe('dry-run')
    expect(r.objects.map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.namespace ?? ''}`)).toEqual([
      'Namespace/dbaas-orders/',
      'Secret/orders-credentials/dbaas-orders',
      'StatefulSet/orders/dbaas-orders',
    ])
    expect(r.objects[1]!.stringData).toEqual({ username: '<redacted>', password: '<redacted>', database: '<redacted>' })
    expect(JSON.stringify(r)).not.toContain(password)
    expect(r.instance).toMatchObject({ status: 'Creating', createdAt: new Date(NOW).toISOString(), release: null })
  })

  it('--dry-run=client with -n does not print a Namespace', async () => {
    const d = fakeDeps()
    const r = await createInstance(opts({ dryRun: 'client', namespace: 'team' }), d)
    expect(r.objects.map((o) => o.kind)).toEqual(['Secret'])
  })

  it('--dry-run=server in an existing namespace sends every object with dryRun=All and stores nothing', async () => {
    const d = cluster((d) => d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } }))
    d.fakeHelm.templateOutput = 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: orders\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: orders\n'
    const r = await createInstance(opts({ dryRun: 'server' }), d)
    for (const w of d.transport.writes) expect(w.query.dryRun).toBe('All')
    expect(d.transport.writes).toHaveLength(2)
    expect(d.transport.get(R.secrets, 'dbaas-orders', 'orders-credentials')).toBeUndefined()
    expect(r.notes.join()).toContain('PodDisruptionBudget/orders was not validated')
    expect(JSON.stringify(r.objects)).toContain('<redacted>')
    expect(d.fakeHelm.ops()).not.toContain('upgradeInstall')
  })

  it('--dry-run=server without the namespace says which objects could not be validated', async () => {
    const d = cluster()
    d.fakeHelm.templateOutput = 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: orders\n'
    const r = await createInstance(opts({ dryRun: 'server' }), d)
    expect(d.transport.writes.map((w) => [w.method, w.query.dryRun])).toEqual([['POST', 'All']])
    expect(r.notes[0]).toMatch(/namespace dbaas-orders does not exist yet.*Secret\/orders-credentials, StatefulSet\/orders/)
    expect(d.transport.get(R.namespaces, undefined, 'dbaas-orders')).toBeUndefined()
  })

  it('an RBAC-limited user (namespaced Role only) can create in its existing namespace with -n', async () => {
    // Cluster-scoped reads (the Namespace, StorageClasses) are forbidden to a namespaced Role.
    const d = fakeDeps({ contextNamespace: 'team' })
    d.transport.seed(R.namespaces, { metadata: { name: 'team' } })
    d.transport.seed(R.storageClasses, storageClass('standard', true))
    const clusterScoped = /^\/api\/v1\/namespaces\/[^/]+$|^\/apis\/storage\.k8s\.io\//
    d.transport.fail({ method: 'GET', path: clusterScoped, failure: { code: 403, reason: 'Forbidden', message: 'forbidden at the cluster scope' } })
    d.transport.deny = (a) => a.namespace !== 'team'
    const r = await createInstance(opts({ namespace: 'team' }), d)
    expect(r.action).toBe('created')
    expect(d.transport.get(R.secrets, 'team', 'orders-credentials')).toBeDefined()
  })

  it('an RBAC-limited user without -n is refused before any write when dbaas-<name> would need creating', async () => {
    const d = fakeDeps({ contextNamespace: 'team' })
    d.transport.fail({ method: 'GET', path: /^\/api\/v1\/namespaces\/[^/]+$|^\/apis\/storage\.k8s\.io\//, failure: { code: 403, reason: 'Forbidden' } })
    d.transport.deny = (a) => a.namespace !== 'team'
    const err = await createInstance(opts(), d).catch((e) => e)
    expect(err).toBeInstanceOf(ClusterError)
    expect(err.code).toBe('forbidden')
    expect(err.message).toContain('create namespaces')
    expect(writes(d)).toEqual([])
    expect(d.fakeHelm.ops()).not.toContain('upgradeInstall')
  })

  it('an existing complete instance is a conflict (4) even on a cluster without a default storage class', async () => {
    const d = fakeDeps()
    d.transport.seed(R.storageClasses, storageClass('fast'))
    d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
    d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1, annotations: { [ANN.storageClass]: 'fast' } }))
    d.transport.seed(R.secrets, credentials({ name: 'orders' }), release({ name: 'orders' }))
    const err = await createInstance(opts(), d).catch((e) => e)
    expect(err).toBeInstanceOf(ConflictError)
    expect(writes(d)).toEqual([])
  })

  it('an instance still Creating (an earlier create interrupted while waiting) is not reinstalled, only waited for', async () => {
    const d = cluster((d) => {
      d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
      d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 0, created: new Date(NOW - 60_000).toISOString() }))
      d.transport.seed(R.secrets, credentials({ name: 'orders' }), release({ name: 'orders', status: 'deployed' }))
    })
    const r = await createInstance(opts(), d)
    expect(r.action).toBe('completed')
    expect(d.fakeHelm.ops().filter((o) => o !== 'version')).toEqual([])
    expect(writes(d)).toEqual([HISTORY])
  })

  it('a pending-install still within its grace (another create running) is not uninstalled', async () => {
    const d = cluster((d) => {
      d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
      d.transport.seed(R.secrets, credentials({ name: 'orders' }), release({ name: 'orders', status: 'pending-install', modifiedAt: Math.floor(NOW / 1000) - 10 }))
    })
    await createInstance(opts(), d).catch(() => undefined)
    expect(d.fakeHelm.ops()).not.toContain('uninstall')
  })

  it('a StatefulSet of the same name that dbaas does not manage is refused before any write', async () => {
    const d = cluster((d) => {
      d.transport.seed(R.namespaces, { metadata: { name: 'team' } })
      d.transport.seed(R.statefulSets, { metadata: { name: 'orders', namespace: 'team', labels: { app: 'orders' } }, spec: { replicas: 1 } })
    })
    const err = await createInstance(opts({ namespace: 'team' }), d).catch((e) => e)
    expect(err).toBeInstanceOf(ConflictError)
    expect(writes(d)).toEqual([])
    expect(d.fakeHelm.ops()).not.toContain('upgradeInstall')
  })
})

describe('createInstance with placement flags', () => {
  const PC = { group: 'scheduling.k8s.io', version: 'v1', plural: 'priorityclasses', kind: 'PriorityClass', namespaced: false } as const

  it('sends them to the chart and keeps them on the StatefulSet as dbaas.io/placement', async () => {
    const d = cluster((d) => d.transport.seed(PC, { metadata: { name: 'databases' } }))
    const placement = parsePlacement({ nodeSelector: ['pool=db'], toleration: ['dedicated=db:NoSchedule'], priorityClass: 'databases', imageRegistry: 'mirror.example:5000' })
    await createInstance(opts({ placement }), d)
    const values = d.fakeHelm.calls.find((c) => c.op === 'upgradeInstall')!.req!.values as Record<string, any>
    expect(values.nodeSelector).toEqual({ pool: 'db' })
    expect(values.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }])
    expect(values.priorityClassName).toBe('databases')
    expect(values.image.registry).toBe('mirror.example:5000')
    expect(JSON.parse(values.annotations[ANN.placement])).toEqual(placement)
  })

  it('a PriorityClass that does not exist → UsageError (exit 2) before anything is written', async () => {
    const d = cluster()
    const err = await createInstance(opts({ placement: { priorityClassName: 'nope' } }), d).catch((e) => e)
    expect(err).toBeInstanceOf(UsageError)
    expect(err.message).toContain('"nope"')
    expect(err.hint).toContain('priorityclasses')
    expect(writes(d)).toEqual([])
    expect(d.fakeHelm.ops()).not.toContain('upgradeInstall')
  })

  it('a PriorityClass the user may not read is left to admission', async () => {
    const d = cluster()
    d.transport.fail({ method: 'GET', path: /priorityclasses/, failure: { code: 403 } })
    await expect(createInstance(opts({ placement: { priorityClassName: 'hidden' } }), d)).resolves.toMatchObject({ action: 'created' })
  })

  it('a pull secret missing from the namespace is a note, not a refusal', async () => {
    const d = cluster((d) => {
      d.transport.seed(R.namespaces, { metadata: { name: 'team' } })
      d.transport.seed(R.secrets, { metadata: { name: 'have', namespace: 'team' } })
    })
    const r = await createInstance(opts({ namespace: 'team', placement: { imagePullSecrets: ['have', 'lack'] } }), d)
    expect(r.notes.join('\n')).toMatch(/image pull secret lack not found in namespace team/)
    expect(r.notes.join('\n')).not.toMatch(/\bhave\b/)
  })

  it('without placement, values carry empty placement keys and no annotation', () => {
    const v = buildValues(opts()) as Record<string, any>
    expect(v).toMatchObject({ nodeSelector: {}, tolerations: [], priorityClassName: '', imagePullSecrets: [] })
    expect(v.image.registry).toBe('')
    expect(v.annotations).not.toHaveProperty(ANN.placement)
  })

  it('postgresql gets /dev/shm at half the memory limit; other engines send no shm value', () => {
    expect((buildValues(opts({ memory: '512Mi' })) as any).shm).toEqual({ sizeLimit: '256Mi' })
    expect((buildValues(opts({ memory: '3Gi' })) as any).shm).toEqual({ sizeLimit: '1536Mi' })
    expect(shmSize('1G')).toBe('476Mi')
    expect(buildValues(opts({ engine: mysql, version: '8.4' }))).not.toHaveProperty('shm')
  })
})

describe('OpenShift', () => {
  /** Discovery of security.openshift.io answers as on OpenShift (200) or elsewhere (404), whatever the fake's default. */
  function discovery(d: FakeDeps, served: boolean): void {
    const orig = d.transport.request.bind(d.transport)
    d.transport.request = async (m, p, o) => {
      if (m === 'GET' && p === '/apis/security.openshift.io') {
        if (served) return { kind: 'APIGroup', name: 'security.openshift.io', versions: [{ groupVersion: 'security.openshift.io/v1', version: 'v1' }] } as never
        return orig(m, '/apis/security.openshift.io/v1/nosuchresource', o)
      }
      return orig(m, p, o)
    }
  }
  const installed = (d: FakeDeps) => d.fakeHelm.calls.find((c) => c.op === 'upgradeInstall')!.req!.values as Record<string, unknown>

  it('a cluster serving security.openshift.io gets charts that leave uids to the SCC', async () => {
    const d = cluster((d) => discovery(d, true))
    await createInstance(opts(), d)
    expect(installed(d).openshift).toBe(true)
  })

  it('elsewhere not, unless --openshift', async () => {
    const d = cluster((d) => discovery(d, false))
    d.transport.fail({ method: 'GET', path: '/apis/security.openshift.io/v1/nosuchresource', failure: { code: 404 } })
    await createInstance(opts(), d)
    expect(installed(d).openshift).toBe(false)
    const e = cluster((d) => discovery(d, false))
    e.transport.fail({ method: 'GET', path: '/apis/security.openshift.io/v1/nosuchresource', failure: { code: 404 } })
    await createInstance(opts({ openshift: true }), e)
    expect(installed(e).openshift).toBe(true)
  })

  it('a client dry run contacts nothing: only --openshift decides', async () => {
    const d = cluster()
    await createInstance(opts({ dryRun: 'client', openshift: true }), d)
    expect(d.transport.requests).toEqual([])
    expect((d.fakeHelm.calls.find((c) => c.op === 'template')!.req!.values as Record<string, unknown>).openshift).toBe(true)
  })
})

describe('labels dbaas owns (no relabelling after helm)', () => {
  it('writes nothing after the install: helm wrote the chart objects with the labels dbaas finds them by', async () => {
    const d = cluster()
    d.fakeHelm.onInstall = () => {
      const s = statefulSet({ name: 'orders', ready: 1 })
      // What the chart renders and helm writes: managed-by Helm, dbaas.io/kind instance.
      d.transport.seed(R.statefulSets, { ...s, metadata: { ...s.metadata, labels: { ...s.metadata.labels, [MANAGED_BY]: 'Helm' } } })
    }
    const r = await createInstance(opts(), d)
    expect(r.instance.status).toBe('Ready')
    // No relabelling: the one PATCH is the history record on the credentials Secret.
    expect(writes(d)).toEqual(['POST Namespace/dbaas-orders', 'POST Secret/orders-credentials', HISTORY])
    expect(d.transport.writes.filter((w) => w.method === 'PATCH').map((w) => w.path)).toEqual(['/api/v1/namespaces/dbaas-orders/secrets/orders-credentials'])
  })

  it('the chart values carry no labels (the chart sets its own), the release record no managed-by', () => {
    expect(buildValues(opts()).labels).toEqual({})
    expect(releaseLabels(opts())).not.toHaveProperty(MANAGED_BY)
    expect(releaseLabels(opts())).toMatchObject({ [INSTANCE]: 'orders', [KIND]: 'release', [ENGINE]: 'postgresql' })
  })
})

describe('the instance\'s history records create', () => {
  it('a finished entry on the credentials Secret: verb, parameters, start, end, succeeded', async () => {
    const d = cluster()
    await createInstance(opts(), d)
    const secret = d.transport.get(R.secrets, 'dbaas-orders', 'orders-credentials')
    const h = JSON.parse(secret?.metadata.annotations?.['dbaas.io/history'] ?? '[]')
    expect(h).toEqual([
      { id: expect.stringMatching(/^create-\d+-[0-9a-f]{4}$/), verb: 'create', params: { engine: 'postgresql', version: '18', storage: '10Gi' }, startedAt: expect.any(String), endedAt: expect.any(String), result: 'succeeded', message: 'created (not waited for)' },
    ])
  })

  it('a wait that times out is recorded as timed-out; a refusal (nothing written) is not recorded', async () => {
    const d = cluster()
    d.fakeHelm.onInstall = () => {
      throw new TimeoutError('timed out after 1 s')
    }
    await expect(createInstance(opts(), d)).rejects.toBeInstanceOf(TimeoutError)
    const h = JSON.parse(d.transport.get(R.secrets, 'dbaas-orders', 'orders-credentials')?.metadata.annotations?.['dbaas.io/history'] ?? '[]')
    expect(h).toMatchObject([{ verb: 'create', result: 'timed-out', message: 'timed out after 1 s' }])
  })
})
