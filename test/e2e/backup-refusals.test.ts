// Issue 5, "Done means" 6: every refusal of backup create and restore, with its exit code, and proof that
// nothing was written (no VolumeSnapshot, content, PVC, Secret or namespace of the refused name). Also the
// RBAC-limited user who may not create VolumeSnapshotContents, a failed install during restore (rolled
// back), and no snapshot controller or no snapshot CRDs (each on a private lab of its own: the shared lab
// keeps both). "Nothing written" means nothing under the exact name the CLI was given (helpers' written()).
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { kubectlJson, kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { privateLab, type PrivateLab } from '../lab/fixtures/private-lab.ts'
import { createLimitedUser, type LimitedUser } from '../lab/fixtures/limited-user.ts'
import { labOnly } from '../lab/tags.ts'
import { cleanupInstance, dbaas, dbaasOk, deleteNamespace, namespaceExists, written } from './helpers.ts'

describe('backup and restore refusals write nothing', () => {
  /** A ready instance with one backup: the refusals below only read them. */
  const name = uniqueName('bkref')
  const ns = `dbaas-${name}`
  const backup = `${name}-b`
  beforeAll(async () => {
    await dbaasOk(['create', 'pg', name, '--storage', '1Gi'])
    await dbaasOk(['backup', 'create', name, '--name', backup])
  })
  afterAll(async () => {
    await dbaasOk(['backup', 'delete', backup, '-n', ns, '--yes', '--ignore-not-found', '--no-wait'])
    await cleanupInstance(name)
  })

  it('backup create: instance not found → 3', async () => {
    const ghost = uniqueName('ghost')
    const r = await dbaas(['backup', 'create', ghost])
    expect(r.exitCode).toBe(3)
    expect(r.stderr).toContain(`instance "${ghost}" not found`)
    expect(await written(ghost)).toEqual([])
  })

  it('backup create: a backup of that name exists → 4', async () => {
    const before = await kubectlJson(['get', 'volumesnapshot', backup, '-n', ns])
    const r = await dbaas(['backup', 'create', name, '--name', backup])
    expect(r.exitCode).toBe(4)
    expect(r.stderr).toContain('already exists')
    expect((await kubectlJson(['get', 'volumesnapshot', backup, '-n', ns])).metadata.resourceVersion).toBe(before.metadata.resourceVersion)
  })

  it('backup create: no such VolumeSnapshotClass → 2, as an unknown --storage-class is (issue 19)', async () => {
    const b = `${name}-noclass`
    const r = await dbaas(['backup', 'create', name, '--name', b, '--class', 'no-such-class'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('VolumeSnapshotClass "no-such-class" does not exist')
    expect(await written(b)).toEqual([])
  })

  it('backup create and restore of an HA cluster → 2, naming the ha verb', async () => {
    const ha = uniqueName('bkha')
    const haNs = `dbaas-${ha}`
    onTestFinished(() => deleteNamespace(haNs))
    await kubectlOk(['create', 'namespace', haNs])
    const labels = { 'app.kubernetes.io/managed-by': 'dbaas', 'app.kubernetes.io/instance': ha, 'dbaas.io/kind': 'ha-cluster', 'dbaas.io/engine': 'postgresql' }
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: ha, namespace: haNs, labels }, spec: { instances: 1, storage: { size: '1Gi' } } }),
    })
    const r = await dbaas(['backup', 'create', ha])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain(`dbaas ha backup create ${ha}`)
    // A snapshot CloudNativePG took for that cluster, given to restore.
    const snap = `${ha}-snap`
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshot',
        metadata: { name: snap, namespace: haNs, labels: { 'cnpg.io/cluster': ha } },
        spec: { source: { persistentVolumeClaimName: `${ha}-1` } },
      }),
    })
    const to = uniqueName('bkhato')
    const rr = await dbaas(['restore', snap, '--to', to])
    expect(rr.exitCode).toBe(2)
    expect(rr.stderr).toContain(`dbaas ha restore ${snap}`)
    expect((await kubectlOk(['get', 'volumesnapshots', '-n', haNs, '-o', 'name'])).trim().split('\n')).toEqual([`volumesnapshot.snapshot.storage.k8s.io/${snap}`])
    expect(await written(to)).toEqual([])
  })

  it('restore: backup not found → 3', async () => {
    const to = uniqueName('bkto')
    const r = await dbaas(['restore', `${name}-nope`, '--to', to])
    expect(r.exitCode).toBe(3)
    expect(r.stderr).toContain(`backup "${name}-nope" not found`)
    expect(await written(to)).toEqual([])
  })

  it('restore: target exists → 4', async () => {
    const before = await kubectlJson(['get', 'statefulset', name, '-n', ns])
    const r = await dbaas(['restore', backup, '--to', name])
    expect(r.exitCode).toBe(4)
    expect(r.stderr).toContain(`instance "${name}" already exists`)
    expect((await kubectlJson(['get', 'statefulset', name, '-n', ns])).metadata.resourceVersion).toBe(before.metadata.resourceVersion)
    expect((await kubectlOk(['get', 'pvc', '-n', ns, '-o', 'name'])).trim()).toBe(`persistentvolumeclaim/data-${name}-0`)
  })

  it('restore: backup not ready → 7', async () => {
    const pending = `${name}-pending`
    onTestFinished(async () => void (await kubectlOk(['delete', 'volumesnapshot', pending, '-n', ns, '--ignore-not-found', '--wait=false'])))
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshot',
        metadata: {
          name: pending,
          namespace: ns,
          labels: { 'app.kubernetes.io/managed-by': 'dbaas', 'dbaas.io/kind': 'backup', 'dbaas.io/source-instance': name, 'dbaas.io/engine': 'postgresql' },
          annotations: { 'dbaas.io/storage': '1Gi' },
        },
        // A volume that does not exist: this snapshot never becomes ready.
        spec: { source: { persistentVolumeClaimName: `${name}-no-such-volume` } },
      }),
    })
    // The snapshot controller's error is surfaced: in the list, and in the refusal.
    const listed = async () => (await dbaasOk(['backup', 'list', name, '-o', 'json'])).json<any[]>().find((b) => b.name === pending)
    await waitFor('the snapshot controller to report its error', 30_000, async () => Boolean((await listed())?.error), 300)
    const view = await listed()
    expect(view).toMatchObject({ ready: false, status: 'Failed', size: '1Gi' })
    expect(view.error).toContain('not found')
    expect((await dbaasOk(['backup', 'list', name, '-o', 'wide'])).stdout).toContain(view.error)
    const to = uniqueName('bkto')
    const r = await dbaas(['restore', pending, '--to', to])
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toContain('is not ready to use')
    expect(r.stderr).toContain(view.error.slice(0, 40))
    expect(await written(to)).toEqual([])
  })

  it('restore: requested size below the backup\'s → 7', async () => {
    const to = uniqueName('bkto')
    const r = await dbaas(['restore', backup, '--to', to, '--storage', '512Mi'])
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toMatch(/--storage 512Mi is smaller than the backup/)
    expect(await written(to)).toEqual([])
  })

  it('restore: a storage class of another CSI driver → 7', async () => {
    const sc = uniqueName('bk-other-driver')
    onTestFinished(async () => void (await kubectlOk(['delete', 'storageclass', sc, '--ignore-not-found'])))
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: sc }, provisioner: 'other.csi.example.com' }),
    })
    const to = uniqueName('bkto')
    const r = await dbaas(['restore', backup, '--to', to, '--storage-class', sc])
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toContain('cannot be restored across CSI drivers')
    expect(await written(to)).toEqual([])
  })

  it('restore: a failed install is rolled back (namespace, volume, helper snapshot and content removed)', async () => {
    const realHelm = (await execa('sh', ['-c', 'command -v helm'])).stdout.trim()
    const dir = mkdtempSync(join(tmpdir(), 'dbaas-failing-helm-'))
    const bin = join(dir, 'helm')
    writeFileSync(bin, `#!/bin/sh\nif [ "$1" = upgrade ]; then echo "Error: INSTALLATION FAILED: simulated by the test" >&2; exit 1; fi\nexec '${realHelm}' "$@"\n`)
    chmodSync(bin, 0o755)
    const to = uniqueName('bkfail')
    onTestFinished(() => cleanupInstance(to))
    const r = await dbaas(['restore', backup, '--to', to], { env: { DBAAS_HELM: bin } })
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain('simulated by the test')
    expect(r.stderr).toContain('restore rolled back')
    // The namespace restore created is gone (or going); nothing cluster-scoped is left.
    await waitFor(`namespace dbaas-${to} to be gone`, 60_000, async () => !(await namespaceExists(`dbaas-${to}`)), 500)
    expect((await kubectlOk(['get', 'volumesnapshotcontents', '-l', `dbaas.io/restore-target=${to}`, '-o', 'name'])).trim()).toBe('')
    expect(await written(to)).toEqual([])
    // The backup is untouched and still restorable.
    expect((await kubectlJson(['get', 'volumesnapshot', backup, '-n', ns])).status.readyToUse).toBe(true)
  })
})

const lab = labOnly('uses a user signed by the lab CA, and stops a snapshot-controller (on a private lab)')

lab.describe('restore as a user who may not create VolumeSnapshotContents', () => {
  const ns = uniqueName('bkrbac')
  const src = uniqueName('bklim')
  let user: LimitedUser
  beforeAll(async () => {
    user = await createLimitedUser({ name: uniqueName('alice'), namespace: ns })
    await dbaasOk(['create', 'pg', src, '-n', ns, '--storage', '1Gi'])
    await dbaasOk(['backup', 'create', src, '-n', ns, '--name', `${src}-b`])
  })
  afterAll(async () => {
    await user?.cleanup()
    await deleteNamespace(ns)
  })

  lab.it('is told before anything is written, and the offered restore into the source\'s namespace works', async () => {
    const env = { KUBECONFIG: user.kubeconfig }
    const to = uniqueName('bkrto')
    const r = await dbaas(['restore', `${src}-b`, '--backup-namespace', ns, '--to', to], { env })
    expect(r.exitCode).toBe(5)
    expect(r.stderr).toMatch(/needs cluster-wide access to VolumeSnapshotContents .*nothing was created/)
    expect(r.stderr).toContain(`dbaas restore ${src}-b --to ${to} -n ${ns}`)
    expect(await written(to)).toEqual([])
    const ok = await dbaas(['restore', `${src}-b`, '--backup-namespace', ns, '--to', to, '-n', ns, '-o', 'json'], { env })
    expect(ok.exitCode, ok.stderr).toBe(0)
    expect(ok.json()).toMatchObject({ name: to, namespace: ns, status: 'Ready', crossNamespace: false })
  })
})

/** A private lab with a ready PostgreSQL instance and a backup of it, for one describe. */
function privateLabWithBackup(prefix: string) {
  const ctx = { priv: undefined as unknown as PrivateLab, env: {} as NodeJS.ProcessEnv, name: uniqueName(prefix) }
  beforeAll(async () => {
    ctx.priv = await privateLab({ start: true })
    ctx.env = { KUBECONFIG: ctx.priv.paths.kubeconfig }
    await dbaasOk(['create', 'pg', ctx.name, '--storage', '1Gi'], { env: ctx.env })
    await dbaasOk(['backup', 'create', ctx.name, '--name', `${ctx.name}-b`], { env: ctx.env })
  })
  afterAll(async () => ctx.priv?.destroy())
  return ctx
}

lab.describe('no snapshot controller (on a private lab: the shared one keeps its controller)', () => {
  const ctx = privateLabWithBackup('bknoctl')

  lab.it('backup create and restore refuse with 7 and write nothing', async () => {
    const { priv, env, name } = ctx
    const inPriv = (n: string) => written(n, (a) => priv.kubectl(a))
    const stop = await priv.cli('stop', 'snapshot-controller')
    expect(stop.code, stop.stderr).toBe(0)
    // The controller is detected as on a real cluster: its leader Lease goes stale once it stops renewing.
    await waitFor('the snapshot-controller Lease to go stale', 60_000, async () => {
      const l = JSON.parse(await priv.kubectlOk(['-n', 'kube-system', 'get', 'lease', 'snapshot-controller-leader', '-o', 'json']))
      return Date.now() - Date.parse(l.spec.renewTime) > (l.spec.leaseDurationSeconds + 6) * 1000
    }, 1000)
    const r = await dbaas(['backup', 'create', name, '--name', `${name}-refused`], { env })
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toContain('no snapshot controller is running')
    expect(await inPriv(`${name}-refused`)).toEqual([])
    const to = uniqueName('bkto')
    const rr = await dbaas(['restore', `${name}-b`, '--to', to], { env })
    expect(rr.exitCode).toBe(7)
    expect(rr.stderr).toContain('no snapshot controller is running')
    expect(await inPriv(to)).toEqual([])
  }, 120_000)
})

lab.describe('no snapshot CRDs (on a private lab: the shared one keeps its CRDs)', () => {
  const ctx = privateLabWithBackup('bknocrd')

  lab.it('without the snapshot CRDs, backup create and restore refuse with 7 and write nothing', async () => {
    const { priv, env, name } = ctx
    const inPriv = (n: string) => written(n, (a) => priv.kubectl(a))
    // Only this private lab loses its CRDs (and with them every snapshot in it).
    await priv.kubectlOk(['delete', 'crd', 'volumesnapshots.snapshot.storage.k8s.io', 'volumesnapshotcontents.snapshot.storage.k8s.io', 'volumesnapshotclasses.snapshot.storage.k8s.io', '--wait=true', '--timeout=60s'])
    const r = await dbaas(['backup', 'create', name, '--name', `${name}-nocrd`], { env })
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toContain('no VolumeSnapshot CRDs')
    expect(r.stderr).toContain('external-snapshotter')
    expect(await inPriv(`${name}-nocrd`)).toEqual([])
    const to = uniqueName('bkto')
    const rr = await dbaas(['restore', `${name}-b`, '--to', to], { env })
    expect(rr.exitCode).toBe(7)
    expect(rr.stderr).toContain('no VolumeSnapshot CRDs')
    expect(await inPriv(to)).toEqual([])
    // Listing says why it is empty instead of failing.
    const list = await dbaas(['backup', 'list'], { env })
    expect(list.exitCode).toBe(0)
    expect(list.stderr).toContain('no VolumeSnapshot CRDs')
  }, 120_000)
})
