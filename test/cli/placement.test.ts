// The placement flags through main(), over a FakeTransport: refused before anything is sent (exit 2, one line,
// a hint), sent to the chart, kept on the StatefulSet and its backups, reused by a restore and replaced field by
// field by the flags given to it.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { R } from '../../src/k8s/kube.ts'
import { buildBackupSnapshot, type BackupSpec } from '../../src/core/backup/model.ts'
import { fakeDeps, NOW, type FakeDeps } from '../helpers/fake-deps.ts'
import { credentials, storageClass } from '../helpers/fixtures.ts'

async function run(argv: string[], seed: (d: FakeDeps) => void = () => {}, env: Record<string, string> = {}) {
  const d = fakeDeps()
  Object.assign(d.env, env)
  seed(d)
  const code = await main(argv, d)
  return { d, code, out: d.out.text, err: d.err.text }
}

const installValues = (d: FakeDeps) => d.fakeHelm.calls.find((c) => c.op === 'upgradeInstall')?.req?.values as Record<string, any> | undefined

describe('bad placement flags: exit 2, one line and a hint, nothing sent', () => {
  it.each([
    [['--node-selector', 'disktype'], /--node-selector "disktype" is not key=value/],
    [['--node-selector', 'bad key=x'], /not a label key/],
    [['--toleration', 'dedicated=db'], /has no effect/],
    [['--toleration', 'dedicated=db:Sometimes'], /not a taint effect/],
    [['--priority-class', 'High'], /not a PriorityClass name/],
    [['--image-pull-secret', 'Bad_Secret'], /not a Secret name/],
    [['--image-registry', 'https://mirror.example'], /has a scheme/],
    [['--image-registry', 'mirror example'], /not a registry/],
  ])('create %j', async (flags, message) => {
    for (const verb of [['create', 'pg', 'x'], ['restore', 'b1', '--to', 'x'], ['ha', 'create', 'x'], ['ha', 'restore', 'b1', '--to', 'x']]) {
      const r = await run([...verb, ...flags])
      expect(r.code, `${verb.join(' ')}: ${r.err}`).toBe(2)
      const lines = r.err.trim().split('\n')
      expect(lines[0]).toMatch(message)
      expect(lines[1]).toMatch(/^Hint: /)
      expect(r.d.transport.requests, verb.join(' ')).toEqual([])
      expect(r.d.fakeHelm.calls).toEqual([])
    }
  })

  it('a bad DBAAS_IMAGE_REGISTRY is named as such', async () => {
    const r = await run(['create', 'pg', 'x', '--dry-run=client'], () => {}, { DBAAS_IMAGE_REGISTRY: 'ftp://m' })
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/DBAAS_IMAGE_REGISTRY "ftp:\/\/m" has a scheme/)
  })
})

describe('create sends the placement to the chart', () => {
  it('with DBAAS_IMAGE_REGISTRY, and the flag over the variable', async () => {
    const seed = (d: FakeDeps) => d.transport.seed(R.storageClasses, storageClass('std', true))
    const a = await run(['create', 'pg', 'x', '--no-wait', '--node-selector', 'pool=db', '--toleration', 'pool=db:NoSchedule'], seed, { DBAAS_IMAGE_REGISTRY: 'env.example' })
    expect(a.code, a.err).toBe(0)
    expect(installValues(a.d)).toMatchObject({ nodeSelector: { pool: 'db' }, image: { registry: 'env.example' } })
    const b = await run(['create', 'pg', 'x', '--no-wait', '--image-registry', 'flag.example:5000'], seed, { DBAAS_IMAGE_REGISTRY: 'env.example' })
    expect(installValues(b.d)?.image.registry).toBe('flag.example:5000')
  })
})

describe('restore reuses the source placement kept on the backup', () => {
  const placement = { nodeSelector: { pool: 'db' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }], priorityClassName: 'databases', imageRegistry: 'mirror.example:5000' }
  const spec: BackupSpec = {
    name: 'b1',
    namespace: 'dbaas-orders',
    instance: 'orders',
    engine: 'postgresql',
    version: '18',
    pvc: 'data-orders-0',
    storage: '10Gi',
    database: 'app',
    user: 'app',
    quiesce: 'none',
    driver: 'csi.x',
    placement: JSON.stringify(placement),
  }
  const seed = (d: FakeDeps) => {
    d.transport.seed(R.crds, { metadata: { name: 'volumesnapshots.snapshot.storage.k8s.io' } })
    d.transport.seed(R.leases, { metadata: { name: 'snapshot-controller-leader', namespace: 'kube-system' }, spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: new Date(NOW).toISOString() } })
    d.transport.seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
    d.transport.seed(R.storageClasses, { metadata: { name: 'std', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'csi.x' })
    d.transport.seed({ group: 'scheduling.k8s.io', version: 'v1', plural: 'priorityclasses', kind: 'PriorityClass', namespaced: false }, { metadata: { name: 'databases' } })
    d.transport.seed(R.volumeSnapshots, { ...buildBackupSnapshot(spec), status: { readyToUse: true, boundVolumeSnapshotContentName: 'c1' } })
    const creds = credentials({ name: 'orders' })
    d.transport.seed(R.secrets, { ...creds, metadata: { name: 'dbaas-backup-b1', namespace: 'dbaas-orders' } })
  }

  it('the backup carries the instance annotation as it was', () => {
    expect(buildBackupSnapshot(spec).metadata.annotations?.['dbaas.io/placement']).toBe(JSON.stringify(placement))
  })

  it('without flags: the source placement, kept on the restored StatefulSet too', async () => {
    const r = await run(['restore', 'b1', '--to', 'copy', '-n', 'dbaas-orders', '--no-wait'], seed)
    expect(r.code, r.err).toBe(0)
    const v = installValues(r.d)!
    expect(v.nodeSelector).toEqual(placement.nodeSelector)
    expect(v.tolerations).toEqual(placement.tolerations)
    expect(v.priorityClassName).toBe('databases')
    expect(v.image.registry).toBe('mirror.example:5000')
    expect(JSON.parse(v.annotations['dbaas.io/placement'])).toEqual(placement)
  })

  it('flags replace the fields they name; an empty value clears one', async () => {
    const r = await run(['restore', 'b1', '--to', 'copy', '-n', 'dbaas-orders', '--no-wait', '--node-selector', 'pool=test', '--toleration', '', '--image-registry', ''], seed)
    expect(r.code, r.err).toBe(0)
    const v = installValues(r.d)!
    expect(v.nodeSelector).toEqual({ pool: 'test' })
    expect(v.tolerations).toEqual([])
    expect(v.priorityClassName).toBe('databases')
    expect(v.image.registry).toBe('')
    expect(JSON.parse(v.annotations['dbaas.io/placement'])).toEqual({ nodeSelector: { pool: 'test' }, priorityClassName: 'databases' })
  })
})

describe('ha create', () => {
  it('--dry-run=client shows the placement in the Cluster and the image under the mirror', async () => {
    const r = await run(['ha', 'create', 'pay', '--dry-run=client', '-o', 'json', '--version', '17', '--node-selector', 'pool=db', '--toleration', 'pool=db:NoSchedule', '--priority-class', 'databases', '--image-pull-secret', 'pull'], () => {}, { DBAAS_IMAGE_REGISTRY: 'mirror.example:5000' })
    expect(r.code, r.err).toBe(0)
    expect(r.d.transport.requests).toEqual([])
    const cluster = JSON.parse(r.out).items.find((o: { kind: string }) => o.kind === 'Cluster')
    expect(cluster.spec).toMatchObject({
      imageName: 'mirror.example:5000/cloudnative-pg/postgresql:17',
      imagePullSecrets: [{ name: 'pull' }],
      priorityClassName: 'databases',
      affinity: { nodeSelector: { pool: 'db' }, tolerations: [{ key: 'pool', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] },
    })
  })
})
