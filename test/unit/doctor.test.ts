// dbaas doctor over fakes: required vs optional checks, exit codes, RBAC per verb, JSON shape.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { runDoctor } from '../../src/core/doctor.ts'
import { R } from '../../src/k8s/kube.ts'
import { ClusterError, PreconditionError } from '../../src/errors.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'

const defaultClass = { metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'csi.x' }

describe('doctor', () => {
  it('all required checks pass: exit 0, ✔ lines', async () => {
    const d = fakeDeps()
    d.transport.seed(R.storageClasses, defaultClass)
    expect(await main(['doctor'], d)).toBe(0)
    expect(d.out.text).toContain('✔ Kubernetes cluster')
    expect(d.out.text).toContain('default StorageClass "fast"')
    expect(d.out.text).toContain('none can expand (dbaas resize refuses)')
    expect(d.out.text).toContain('✔ RBAC')
    expect(d.out.text).toContain('ready for dbaas')
  })

  it('no StorageClass at all is a required failure: exit 1, ✘ with a fix', async () => {
    const d = fakeDeps()
    expect(await main(['doctor'], d)).toBe(1)
    expect(d.out.text).toMatch(/✘ StorageClass/)
    expect(d.out.text).toContain('fix: install a CSI driver')
  })

  it('classes without a default: a warning, still exit 0', async () => {
    const d = fakeDeps()
    d.transport.seed(R.storageClasses, { metadata: { name: 'slow' } })
    expect(await main(['doctor'], d)).toBe(0)
    expect(d.out.text).toMatch(/! StorageClass +no default StorageClass/)
  })

  it('says which classes dbaas resize can grow (allowVolumeExpansion)', async () => {
    const d = fakeDeps()
    d.transport.seed(R.storageClasses, { ...defaultClass, allowVolumeExpansion: false })
    d.transport.seed(R.storageClasses, { metadata: { name: 'grow' }, provisioner: 'csi.x', allowVolumeExpansion: true })
    d.transport.seed(R.storageClasses, { metadata: { name: 'grow-too' }, provisioner: 'csi.x', allowVolumeExpansion: true })
    expect(await main(['doctor', '-o', 'json'], d)).toBe(0)
    const storage = JSON.parse(d.out.text).checks.find((c: { id: string }) => c.id === 'storage')
    expect(storage.message).toBe('default StorageClass "fast" (csi.x); can expand (dbaas resize): grow, grow-too')
  })

  it('a missing helm fails the helm check', async () => {
    const d = fakeDeps()
    d.transport.seed(R.storageClasses, defaultClass)
    d.fakeHelm.versionError = new PreconditionError('helm not found')
    expect(await main(['doctor', '-o', 'json'], d)).toBe(1)
    const r = JSON.parse(d.out.text)
    expect(r.ok).toBe(false)
    expect(r.checks.find((c: any) => c.id === 'helm')).toMatchObject({ status: 'fail', required: true })
  })

  it('an unreachable cluster fails cluster and storage, without further checks', async () => {
    const d = fakeDeps()
    d.transport.fail({ path: '/version', failure: { code: 503, message: 'down' } })
    const r = await runDoctor({ cluster: {} }, d)
    expect(r.ok).toBe(false)
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([
      ['cluster', 'fail'],
      ['helm', 'ok'],
      ['storage', 'fail'],
    ])
  })

  it('no usable kubeconfig: the cluster check fails with its hint, helm is still checked, exit 1', async () => {
    const d = fakeDeps()
    d.kubeconfig = () => {
      throw new ClusterError('kubeconfig', 'no kubeconfig found', { hint: 'set KUBECONFIG' })
    }
    expect(await main(['doctor', '-o', 'json'], d)).toBe(1)
    const r = JSON.parse(d.out.text)
    expect(r.checks.map((c: any) => [c.id, c.status])).toEqual([
      ['cluster', 'fail'],
      ['helm', 'ok'],
      ['storage', 'fail'],
    ])
    expect(r.checks[0]).toMatchObject({ message: 'no kubeconfig found', fix: 'set KUBECONFIG' })
  })

  it('RBAC: a denied namespaced permission disables its verbs; cluster-scoped ones only limit', async () => {
    const d = fakeDeps()
    d.transport.seed(R.storageClasses, defaultClass)
    // No port-forward (connect), no watching pods (create waits by watching them), no VolumeSnapshotContents.
    d.transport.deny = (a) =>
      (a.resource === 'pods' && (a as { subresource?: string }).subresource === 'portforward') ||
      (a.resource === 'pods' && a.verb === 'watch' && !(a as { subresource?: string }).subresource) ||
      a.resource === 'volumesnapshotcontents'
    const r = await runDoctor({ cluster: {}, namespace: 'team-a' }, d)
    const rbac = r.checks.find((c) => c.id === 'rbac')!
    expect(rbac.status).toBe('warn')
    expect(rbac.disables).toEqual(expect.arrayContaining(['create', 'connect']))
    expect(rbac.disables).not.toContain('list')
    // top and metrics show read exporters through a port-forward, as connect does.
    // …and the day-2 verbs that wait for a rollout (or, for history and config get, only read) likewise.
    expect(rbac.message).toMatch(/not allowed in namespace team-a: create, connect, delete, backup schedule, restore, metrics show, top, scale, resize, stop, start, restart, upgrade, config set, config unset;/)
    // ha failover --force watches pods; ha delete removes a --no-wait restore's helper content.
    expect(rbac.message).toMatch(/limited \(optional access missing[^)]*\): list, status, ha failover, ha restore, ha delete/)
    expect(rbac.message).toContain('connect: get pods/portforward, create pods/portforward')
    expect(rbac.fix).toContain('dbaas rbac -n team-a')
    expect(r.ok).toBe(true)
  })

  it('optional detectors add their checks; a failing detector becomes a warning', async () => {
    const d = fakeDeps()
    d.transport.seed(R.storageClasses, defaultClass)
    const r = await runDoctor(
      {
        cluster: {},
        detectors: [
          async () => [{ id: 'cnpg', title: 'CloudNativePG', status: 'warn', required: false, message: 'operator missing', disables: ['ha'] }],
          async () => {
            throw new Error('boom')
          },
        ],
      },
      d,
    )
    expect(r.checks.find((c) => c.id === 'cnpg')?.disables).toEqual(['ha'])
    expect(r.checks.some((c) => c.message.includes('boom'))).toBe(true)
    expect(r.ok).toBe(true)
  })
})

describe('doctor detectors', async () => {
  const { snapshotChecks, cnpgChecks } = await import('../../src/core/doctor-detectors.ts')
  it('snapshots: a stopped controller is ! and disables backup and restore; a driver without a default class is !', () => {
    const checks = snapshotChecks(
      { crds: true, crdVersion: 'v1', controller: { running: false, detail: 'lease stale' }, defaultClasses: [{ name: 'snap', driver: 'a.csi' }] },
      [{ metadata: { name: 'x' }, provisioner: 'a.csi' }, { metadata: { name: 'y' }, provisioner: 'b.csi' }],
    )
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['snapshot-crds', 'ok'],
      ['snapshot-controller', 'warn'],
      ['snapshot-class', 'warn'],
    ])
    expect(checks[1]?.disables).toEqual(['backup', 'restore'])
    expect(checks[2]?.message).toContain('none for b.csi')
  })
  it('cnpg: CRDs without an operator is ! and disables ha', () => {
    const checks = cnpgChecks({ crds: true, operator: { running: false, detail: 'no deployment' } })
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['cnpg-crds', 'ok'],
      ['cnpg-operator', 'warn'],
    ])
    expect(checks[1]?.disables).toEqual(['ha'])
  })
})
