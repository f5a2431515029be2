// Issue 5, "Done means" 1-3 and 5: backups of every engine reach ready and are listed with their fields;
// restores into the same and into a new namespace, following the chain PVC → VolumeSnapshot → content →
// snapshotHandle while it exists; restore after the source is deleted; deleting a backup after restoring;
// prune deletes only expired backups. Through the real CLI, read back with kubectl.
//
// Each test takes its own backups (and, where it deletes things, has its own source instance), so any test
// runs alone with -t and none depends on another's outcome.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { R, type KubeObject } from '../../src/k8s/kube.ts'
import { kubectl, kubectlJson, kubectlOk, uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaas, dbaasOk, instanceForTest, namespaceExists, recordChanges } from './helpers.ts'

const engines = [
  { engine: 'postgres', canonical: 'postgresql' },
  { engine: 'mysql', canonical: 'mysql' },
  { engine: 'mariadb', canonical: 'mariadb' },
]

const SNAP_HANDLE_OF = async (contentName: string): Promise<string> => (await kubectlJson(['get', 'volumesnapshotcontent', contentName])).status.snapshotHandle

async function secretData(name: string, ns: string): Promise<Record<string, string>> {
  return (await kubectlJson(['get', 'secret', name, '-n', ns])).data
}

/** Takes a backup of `instance` for the current test (exact name given), deleted when the test ends. */
async function backupForTest(instance: string, ns: string, name: string, extra: string[] = []): Promise<any> {
  onTestFinished(async () => {
    const r = await dbaas(['backup', 'delete', name, '-n', ns, '--yes', '--ignore-not-found'])
    if (r.exitCode !== 0) throw new Error(`cleanup: backup delete ${name} exited ${r.exitCode}: ${r.stderr}`)
  })
  return (await dbaasOk(['backup', 'create', instance, '--name', name, ...extra, '-o', 'json'])).json()
}

const absent = async (args: string[]) => (await kubectlOk([...args, '--ignore-not-found', '-o', 'name'])).trim() === ''

describe.each(engines)('$canonical: backup and cross-namespace restore', ({ engine, canonical }) => {
  /** The source instance; each test takes its own backups of it. */
  const name = uniqueName(`bk${canonical.slice(0, 3)}`)
  const ns = `dbaas-${name}`
  beforeAll(async () => {
    await dbaasOk(['create', engine, name, '--storage', '1Gi'])
  })
  afterAll(() => cleanupInstance(name))

  it('reaches ready and is listed with its fields; instance selectors never return it', async () => {
    const backup = await backupForTest(name, ns, `${name}-l`, ['--retention', '7d'])
    expect(backup).toMatchObject({ kind: 'backup', name: `${name}-l`, instance: name, namespace: ns, engine: canonical, ready: true, status: 'Ready', retention: '7d', storage: '1Gi' })
    const vs = await kubectlJson(['get', 'volumesnapshot', backup.name, '-n', ns])
    expect(vs.status.readyToUse).toBe(true)
    expect(vs.metadata.labels).toEqual({
      'app.kubernetes.io/managed-by': 'dbaas',
      'dbaas.io/kind': 'backup',
      'dbaas.io/source-instance': name,
      'dbaas.io/engine': canonical,
    })
    expect(vs.metadata.annotations).toMatchObject({ 'dbaas.io/engine': canonical, 'dbaas.io/storage': '1Gi', 'dbaas.io/database': 'app', 'dbaas.io/user': 'app' })
    expect(Date.parse(vs.metadata.annotations['dbaas.io/expires-at'])).toBeGreaterThan(Date.now() + 6 * 86_400_000)
    // The credentials copy: owned by the snapshot, same data as the instance's Secret.
    const copy = await kubectlJson(['get', 'secret', `dbaas-backup-${backup.name}`, '-n', ns])
    expect(copy.metadata.labels['dbaas.io/kind']).toBe('backup-credentials')
    expect(copy.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'VolumeSnapshot', name: backup.name, uid: vs.metadata.uid })])
    expect(copy.data).toEqual(await secretData(`${name}-credentials`, ns))

    const list = (await dbaasOk(['backup', 'list', name, '-o', 'json'])).json<any[]>()
    expect(list.filter((b) => b.name === backup.name)).toEqual([
      expect.objectContaining({ name: backup.name, instance: name, engine: canonical, ready: true, size: '1Gi', // What the driver reported (the lab's mock CSI driver reports none; the real node's driver its capacity).
        restoreSize: vs.status.restoreSize ?? null, expiresAt: expect.any(String), retention: '7d', instanceExists: true }),
    ])
    const table = await dbaasOk(['backup', 'list', name])
    // Across namespaces (no -n) NAMESPACE is a column of its own (issue 19).
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+NAMESPACE\s+INSTANCE\s+ENGINE\s+READY\s+SIZE\s+AGE\s+EXPIRES\s+SCHEDULE$/)
    expect(table.stdout).toMatch(new RegExp(`^${backup.name}\\s+\\S+\\s+${name}\\s+${canonical}\\s+true\\s+1Gi\\s+\\S+\\s+in 7d`, 'm'))

    const bySelector = await kubectlOk(['get', 'volumesnapshots,secrets', '-A', '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name'])
    expect(bySelector).not.toContain(backup.name)
    expect((await dbaasOk(['list', '-o', 'json'])).json<any[]>().filter((i) => i.name === backup.name)).toEqual([])
  })

  it('restores into a new namespace, through a helper snapshot and Retain content that are then removed', async () => {
    const backup = await backupForTest(name, ns, `${name}-x`)
    const to = uniqueName(`${canonical.slice(0, 3)}to`)
    onTestFinished(() => cleanupInstance(to))
    const srcContent = (await kubectlJson(['get', 'volumesnapshot', backup.name, '-n', ns])).status.boundVolumeSnapshotContentName
    const srcHandle = await SNAP_HANDLE_OF(srcContent)
    // Every version of the objects restore makes, as they existed (they are removed before it returns).
    const pvcs = await recordChanges(R.pvcs, undefined, { labelSelector: `app.kubernetes.io/instance=${to}` })
    const snaps = await recordChanges(R.volumeSnapshots, undefined, { labelSelector: `dbaas.io/restore-target=${to}` })
    const contents = await recordChanges(R.volumeSnapshotContents, undefined, { labelSelector: `dbaas.io/restore-target=${to}` })
    const v = (await dbaasOk(['restore', backup.name, '--to', to, '-o', 'json'])).json()
    expect(v).toMatchObject({ name: to, namespace: `dbaas-${to}`, engine: canonical, status: 'Ready', restoredFrom: `${ns}/${backup.name}`, crossNamespace: true })

    // The chain, as it existed: PVC → helper VolumeSnapshot in the target namespace → its content → the same snapshotHandle.
    const pvc = await pvcs.first(`PVC data-${to}-0 from a VolumeSnapshot`, (e) => e.object.metadata.name === `data-${to}-0` && e.object.spec?.dataSource?.kind === 'VolumeSnapshot')
    expect(pvc.object.metadata.namespace).toBe(`dbaas-${to}`)
    const helper: string = pvc.object.spec.dataSource.name
    expect(helper).toBe(`${to}-restore-source`)
    const snap = await snaps.first(`helper snapshot ${helper} ready`, (e) => e.object.metadata.name === helper && e.object.status?.readyToUse === true && Boolean(e.object.status?.boundVolumeSnapshotContentName))
    expect(snap.object.metadata.namespace).toBe(`dbaas-${to}`)
    const contentName: string = snap.object.status.boundVolumeSnapshotContentName
    expect(snap.object.spec.source.volumeSnapshotContentName).toBe(contentName)
    const content = (await contents.first(`content ${contentName}`, (e) => e.object.metadata.name === contentName)).object as KubeObject
    expect(content.spec).toMatchObject({ deletionPolicy: 'Retain', source: { snapshotHandle: srcHandle }, volumeSnapshotRef: { namespace: `dbaas-${to}`, name: helper } })

    // …and then removed: the restored instance depends on nothing of its source.
    expect(await absent(['get', 'volumesnapshot', helper, '-n', `dbaas-${to}`])).toBe(true)
    expect(await absent(['get', 'volumesnapshotcontent', contentName])).toBe(true)
    expect(v.removed).toEqual([`volumesnapshot/dbaas-${to}/${helper}`, `volumesnapshotcontent/${contentName}`])
    // The source's content (and so the physical snapshot) is untouched.
    expect(await SNAP_HANDLE_OF(srcContent)).toBe(srcHandle)

    // The source's credentials; its own identity labels; its origin in status and list -o wide.
    expect(await secretData(`${to}-credentials`, `dbaas-${to}`)).toEqual(await secretData(`${name}-credentials`, ns))
    const sts = await kubectlJson(['get', 'statefulset', to, '-n', `dbaas-${to}`])
    expect(sts.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': to, 'app.kubernetes.io/managed-by': 'Helm', 'dbaas.io/kind': 'instance' })
    expect(sts.metadata.annotations).toMatchObject({ 'dbaas.io/restored-from': `${ns}/${backup.name}`, 'dbaas.io/restored-from-instance': name })
    const restored = await kubectlJson(['get', 'pvc', `data-${to}-0`, '-n', `dbaas-${to}`])
    expect(restored.status.phase).toBe('Bound')
    expect(restored.metadata.labels['app.kubernetes.io/instance']).toBe(to)
    // The PVC the StatefulSet adopted is the one restore pre-created (it carries the origin), and the pod uses it.
    expect(restored.metadata.uid).toBe(pvc.object.metadata.uid)
    expect(restored.metadata.annotations['dbaas.io/restored-from']).toBe(`${ns}/${backup.name}`)
    const pod = await kubectlJson(['get', 'pod', `${to}-0`, '-n', `dbaas-${to}`])
    expect(pod.spec.volumes.find((x: any) => x.name === 'data')?.persistentVolumeClaim?.claimName).toBe(`data-${to}-0`)
    const status = (await dbaasOk(['status', to, '-o', 'json'])).json()
    expect(status).toMatchObject({ status: 'Ready', restoredFrom: `${ns}/${backup.name}` })
    expect(status.volumes).toEqual([expect.objectContaining({ name: `data-${to}-0`, status: 'Bound' })])
    expect((await dbaasOk(['list', '-n', `dbaas-${to}`, '-o', 'wide'])).stdout).toContain(`${ns}/${backup.name}`)
  })
})

describe('postgresql: same-namespace restore, restore after the source is gone, deleting the backup after restoring', () => {
  /** A source instance of the current test with one backup; both removed when the test ends. */
  async function sourceWithBackup(prefix: string): Promise<{ name: string; ns: string; backup: string; password: string }> {
    const name = await instanceForTest('pg', uniqueName(prefix))
    const ns = `dbaas-${name}`
    const backup = (await backupForTest(name, ns, `${name}-b`)).name
    return { name, ns, backup, password: (await secretData(`${name}-credentials`, ns)).password ?? '' }
  }

  it('restores into the backup\'s namespace with the backup as the PVC\'s dataSource', async () => {
    const { name, ns, backup, password } = await sourceWithBackup('bksame')
    const same = `${name}-s`
    onTestFinished(() => cleanupInstance(same, ns))
    const v = (await dbaasOk(['restore', backup, '--to', same, '-n', ns, '-o', 'json'])).json()
    expect(v).toMatchObject({ name: same, namespace: ns, status: 'Ready', crossNamespace: false, removed: [] })
    const pvc = await kubectlJson(['get', 'pvc', `data-${same}-0`, '-n', ns])
    expect(pvc.spec.dataSource).toEqual({ apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: backup })
    expect(pvc.status.phase).toBe('Bound')
    const vs = await kubectlJson(['get', 'volumesnapshot', backup, '-n', ns])
    expect(await SNAP_HANDLE_OF(vs.status.boundVolumeSnapshotContentName)).toBeTruthy()
    // No helper objects in the same namespace.
    expect((await kubectlOk(['get', 'volumesnapshotcontent', '-l', `dbaas.io/restore-target=${same}`, '-o', 'name'])).trim()).toBe('')
    expect((await secretData(`${same}-credentials`, ns)).password).toBe(password)
    // Its own identity: the source's selector does not pick it up, and its own does.
    const mine = await kubectlOk(['get', 'statefulset,pvc', '-n', ns, '-l', `app.kubernetes.io/instance=${same}`, '-o', 'name'])
    expect(mine).toContain(`statefulset.apps/${same}`)
    expect(mine).toContain(`persistentvolumeclaim/data-${same}-0`)
    const theirs = await kubectlOk(['get', 'statefulset,pvc', '-n', ns, '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name'])
    expect(theirs).not.toContain(same)
  })

  it('restores after the source instance is deleted, with the backup\'s credentials', async () => {
    const { name, ns, backup, password } = await sourceWithBackup('bkgone')
    const later = `${name}-l`
    onTestFinished(() => cleanupInstance(later))
    await dbaasOk(['delete', name, '--yes'])
    expect((await dbaas(['status', name])).exitCode).toBe(3)
    const list = (await dbaasOk(['backup', 'list', name, '-o', 'json'])).json<any[]>()
    expect(list).toEqual([expect.objectContaining({ name: backup, instanceExists: false })])
    expect((await dbaasOk(['backup', 'list', name])).stdout).toContain(`${name} (deleted)`)
    const v = (await dbaasOk(['restore', backup, '--to', later, '-o', 'json'])).json()
    expect(v).toMatchObject({ name: later, status: 'Ready', restoredFrom: `${ns}/${backup}` })
    expect((await secretData(`${later}-credentials`, `dbaas-${later}`)).password).toBe(password)
  })

  it('deleting the backup after restoring leaves the restored instances and their volumes', async () => {
    const { name, ns, backup } = await sourceWithBackup('bkdel')
    const same = `${name}-s`
    const other = `${name}-o`
    onTestFinished(() => cleanupInstance(same, ns))
    onTestFinished(() => cleanupInstance(other))
    await dbaasOk(['restore', backup, '--to', same, '-n', ns])
    await dbaasOk(['restore', backup, '--to', other])
    const d = await dbaasOk(['backup', 'delete', backup, '--yes'])
    expect(d.stdout).toContain(`backup "${backup}" deleted`)
    expect(await absent(['get', 'volumesnapshot', backup, '-n', ns])).toBe(true)
    for (const [inst, where] of [
      [same, ns],
      [other, `dbaas-${other}`],
    ] as const) {
      expect((await dbaasOk(['status', inst, '-n', where, '-o', 'json'])).json()).toMatchObject({ status: 'Ready' })
      expect((await kubectlJson(['get', 'pvc', `data-${inst}-0`, '-n', where])).status.phase).toBe('Bound')
    }
    // Gone now: not found, unless told to ignore it.
    expect((await dbaas(['backup', 'delete', backup, '--yes'])).exitCode).toBe(3)
    expect((await dbaas(['backup', 'delete', backup, '--yes', '--ignore-not-found'])).exitCode).toBe(0)
    // The credentials copy goes with its backup (garbage collector or delete itself).
    expect(await absent(['get', 'secret', `dbaas-backup-${backup}`, '-n', ns])).toBe(true)
  })
})

describe('retention, expiry and prune', () => {
  /** An instance of the current test with backups old (expired), new (7d) and keep (no retention). */
  async function withBackups(prefix: string): Promise<{ name: string; ns: string }> {
    const name = await instanceForTest('pg', uniqueName(prefix))
    const ns = `dbaas-${name}`
    await backupForTest(name, ns, `${name}-old`, ['--retention', '1h'])
    await backupForTest(name, ns, `${name}-new`, ['--retention', '7d'])
    await backupForTest(name, ns, `${name}-keep`)
    // An hour has "passed" for the first one: its recorded expiry is moved into the past.
    await kubectlOk(['annotate', 'volumesnapshot', `${name}-old`, '-n', ns, '--overwrite', `dbaas.io/expires-at=${new Date(Date.now() - 60_000).toISOString()}`])
    return { name, ns }
  }

  it('shows retention and expiry', async () => {
    const { name } = await withBackups('bkret')
    const list = (await dbaasOk(['backup', 'list', name, '-o', 'json'])).json<any[]>()
    const by = Object.fromEntries(list.map((b) => [b.name, b]))
    expect(by[`${name}-old`]).toMatchObject({ retention: '1h', expired: true })
    expect(by[`${name}-new`]).toMatchObject({ retention: '7d', expired: false })
    expect(by[`${name}-keep`]).toMatchObject({ retention: null, expiresAt: null, expired: false })
    const wide = (await dbaasOk(['backup', 'list', name, '-o', 'wide'])).stdout
    expect(wide).toMatch(new RegExp(`^${name}-old\\s.*\\sexpired\\s.*1h`, 'm'))
    expect(wide).toMatch(new RegExp(`^${name}-new\\s.*\\sin 7d\\s.*7d`, 'm'))
    expect(wide).toMatch(new RegExp(`^${name}-keep\\s.*\\snever\\s`, 'm'))
  })

  it('prune --dry-run deletes nothing; prune deletes only the expired backup', async () => {
    const { name, ns } = await withBackups('bkprune')
    const dry = (await dbaasOk(['backup', 'prune', name, '-n', ns, '--dry-run', '-o', 'json'])).json()
    expect(dry.deleted.map((b: any) => b.name)).toEqual([`${name}-old`])
    expect(await absent(['get', 'volumesnapshot', `${name}-old`, '-n', ns])).toBe(false)
    const r = await dbaasOk(['backup', 'prune', name, '-n', ns])
    expect(r.stdout).toContain(`deleted backup ${ns}/${name}-old`)
    const left = (await kubectlOk(['get', 'volumesnapshot', '-n', ns, '-l', 'dbaas.io/kind=backup', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean).sort()
    expect(left).toEqual([`${name}-keep`, `${name}-new`])
    expect(await namespaceExists(ns)).toBe(true)
  })
})
