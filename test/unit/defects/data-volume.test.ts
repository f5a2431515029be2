// Item 1 of issue 19: create never takes over a data volume it did not make; --reuse-data mounts one of the
// same engine and major version only. Every refusal writes nothing (no request but reads, no helm install).
import { describe, expect, it } from 'vitest'
import { createInstance, type CreateOptions } from '../../../src/core/create.ts'
import { getEngine } from '../../../src/engines/registry.ts'
import { R } from '../../../src/k8s/kube.ts'
import type { PersistentVolumeClaim } from '../../../src/k8s/types.ts'
import { ENGINE, ENGINE_VERSION, identityLabels, Kinds, withKind } from '../../../src/k8s/labels.ts'
import { fakeDeps, type FakeDeps } from '../../helpers/fake-deps.ts'
import { credentials, storageClass } from '../../helpers/fixtures.ts'

function opts(o: Partial<CreateOptions> = {}): CreateOptions {
  return {
    engine: getEngine('postgres'), name: 'orders', namespace: 'dbaas-orders', namespaceExplicit: false, version: '18', storage: '10Gi',
    cpu: '250m', memory: '512Mi', database: 'app', user: 'app', dryRun: 'none', wait: false, timeoutMs: 60_000, cluster: {}, ...o,
  }
}

function pvc(engine: string | undefined, version: string | undefined, extra: Partial<PersistentVolumeClaim['metadata']> = {}): PersistentVolumeClaim {
  const labels = engine ? withKind(identityLabels({ name: 'orders', engine, version: version ?? '' }), Kinds.data) : { app: 'other' }
  if (engine && version === undefined) delete labels[ENGINE_VERSION]
  return { metadata: { name: 'data-orders-0', namespace: 'dbaas-orders', labels, ...extra }, spec: {}, status: { phase: 'Bound' } }
}

function cluster(volume?: PersistentVolumeClaim): FakeDeps {
  const d = fakeDeps()
  d.transport.seed(R.storageClasses, storageClass('standard', true))
  d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
  if (volume) d.transport.seed(R.pvcs, volume)
  return d
}

async function refused(d: FakeDeps, o: CreateOptions): Promise<{ exitCode: number; message: string; hint?: string }> {
  const err = await createInstance(o, d).catch((e) => e)
  expect(err?.exitCode, String(err?.message ?? err)).toBeGreaterThan(0)
  expect(d.transport.writes).toEqual([])
  expect(d.fakeHelm.ops()).not.toContain('upgradeInstall')
  return err
}

describe('create and a data volume left behind (issue 19, item 1)', () => {
  it('a kept data-<name>-0 → exit 4 naming the volume and the ways out; nothing written', async () => {
    const err = await refused(cluster(pvc('postgresql', '18')), opts())
    expect(err.exitCode).toBe(4)
    expect(err.message).toContain('persistentvolumeclaim/data-orders-0')
    expect(err.hint).toContain('--reuse-data')
    expect(err.hint).toContain('kubectl delete pvc data-orders-0 -n dbaas-orders')
  })

  it('--reuse-data on a volume of another engine → exit 7; nothing written', async () => {
    const err = await refused(cluster(pvc('postgresql', '18')), opts({ engine: getEngine('mariadb'), version: '11.8', reuseData: true }))
    expect(err.exitCode).toBe(7)
    expect(err.message).toContain('holds postgresql data, not mariadb')
  })

  it('--reuse-data on another major version → exit 7 suggesting the recorded one', async () => {
    const err = await refused(cluster(pvc('postgresql', '17')), opts({ reuseData: true }))
    expect(err.exitCode).toBe(7)
    expect(err.hint).toBe('pass --version 17')
  })

  it('--reuse-data on a volume without an engine label → exit 7 saying how to label it', async () => {
    const err = await refused(cluster(pvc(undefined, undefined)), opts({ reuseData: true }))
    expect(err.exitCode).toBe(7)
    expect(err.hint).toContain('kubectl label pvc data-orders-0')
  })

  it('a volume being deleted → exit 7, even with --reuse-data', async () => {
    const err = await refused(cluster(pvc('postgresql', '18', { deletionTimestamp: '2026-11-25T11:00:00Z' })), opts({ reuseData: true }))
    expect(err.exitCode).toBe(7)
    expect(err.message).toContain('being deleted')
  })

  it('--reuse-data with the same engine and major installs, and says the old passwords stay', async () => {
    const d = cluster(pvc('postgresql', '18'))
    const r = await createInstance(opts({ reuseData: true }), d)
    expect(r.action).toBe('created')
    expect(d.fakeHelm.ops()).toContain('upgradeInstall')
    expect(r.notes.join('\n')).toMatch(/reusing the data of persistentvolumeclaim\/data-orders-0 \(postgresql 18\)/)
  })

  it('a volume without a recorded version is reused when the engine matches', async () => {
    const d = cluster(pvc('postgresql', undefined))
    await expect(createInstance(opts({ reuseData: true }), d)).resolves.toMatchObject({ action: 'created' })
  })

  it('an Incomplete instance being completed owns its volume (no flag needed)', async () => {
    const d = cluster(pvc('postgresql', '18'))
    d.transport.seed(R.secrets, credentials({ name: 'orders' }))
    await expect(createInstance(opts(), d)).resolves.toMatchObject({ action: 'completed' })
  })

  it('no volume: --reuse-data only notes that a new one is made', async () => {
    const d = cluster()
    const r = await createInstance(opts({ reuseData: true }), d)
    expect(r.notes.join('\n')).toContain('there is no volume data-orders-0')
    expect(d.transport.requests.some((q) => q.path.endsWith('/persistentvolumeclaims/data-orders-0'))).toBe(true)
    expect(ENGINE).toBe('dbaas.io/engine')
  })

  describe('a user who may not read volumes', () => {
    const FORBIDDEN = { code: 403, reason: 'Forbidden', message: 'persistentvolumeclaims "data-orders-0" is forbidden: User "alice" cannot get resource "persistentvolumeclaims"' }
    const forbidVolumes = (d: FakeDeps) => d.transport.fail({ method: 'GET', path: /\/persistentvolumeclaims\/data-orders-0$/, failure: FORBIDDEN })

    it('nor make dbaas-<name>: the refusal names creating namespaces (the first thing to ask for), not the volume; nothing written', async () => {
      const d = fakeDeps()
      d.transport.seed(R.storageClasses, storageClass('standard', true))
      forbidVolumes(d)
      d.transport.deny = (a) => a.resource === 'namespaces' && a.verb === 'create'
      const err = await refused(d, opts())
      expect(err.exitCode).toBe(5)
      expect(err.message).toMatch(/you may not create namespaces/)
    })

    it('in a namespace that exists: the volume cannot be checked, so 5 naming the volume read; nothing written', async () => {
      const d = cluster()
      forbidVolumes(d)
      const err = await refused(d, opts())
      expect(err.exitCode).toBe(5)
      expect(err.message).toContain('persistentvolumeclaims')
    })
  })
})
