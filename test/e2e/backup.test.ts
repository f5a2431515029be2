// Issue 5, "Done means" 1-3 and 5: backups of every engine reach ready and are listed with their fields;
// restores into the same and into a new namespace, following the chain PVC → VolumeSnapshot → content →
// snapshotHandle while it exists; restore after the source is deleted; deleting a backup after restoring;
// prune deletes only expired backups. Through the real CLI, read back with kubectl.
import { execa, type ResultPromise } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kubectl, kubectlJson, uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaas, dbaasOk, namespaceExists } from './helpers.ts'

const engines = [
  { engine: 'postgres', canonical: 'postgresql' },
  { engine: 'mysql', canonical: 'mysql' },
  { engine: 'mariadb', canonical: 'mariadb' },
]

const SNAP_HANDLE_OF = async (contentName: string): Promise<string> => (await kubectlJson(['get', 'volumesnapshotcontent', contentName])).status.snapshotHandle

async function secretData(name: string, ns: string): Promise<Record<string, string>> {
  return (await kubectlJson(['get', 'secret', name, '-n', ns])).data
}

/** Records every version of the objects a watch sees (one jsonpath line per event), for following the chain. */
function record(args: string[], jsonpath: string): { lines: () => string[]; stop: () => Promise<void>; ready: Promise<void> } {
  const proc: ResultPromise = execa('kubectl', ['get', ...args, '--watch', '-o', `jsonpath=${jsonpath}{"\\n"}`], { reject: false, env: process.env })
  let out = ''
  let started!: () => void
  const ready = new Promise<void>((resolve) => (started = resolve))
  // kubectl says "No resources found" (or prints the first object) once its list is done and the watch runs.
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
    started()
  })
  proc.stderr?.on('data', () => started())
  setTimeout(() => started(), 3000).unref()
  return {
    lines: () => out.split('\n').filter(Boolean),
    ready,
    stop: async () => {
      proc.kill()
      await proc.catch(() => undefined)
    },
  }
}

describe.each(engines)('$canonical: backup and cross-namespace restore', ({ engine, canonical }) => {
  const name = uniqueName(`bk${canonical.slice(0, 3)}`)
  const ns = `dbaas-${name}`
  const to = `${name}-r`
  let backup: any
  beforeAll(async () => {
    await dbaasOk(['create', engine, name, '--storage', '1Gi'])
  })
  afterAll(async () => {
    await cleanupInstance(to)
    await cleanupInstance(name)
  })

  it('reaches ready and is listed with its fields; instance selectors never return it', async () => {
    const r = await dbaasOk(['backup', 'create', name, '--retention', '7d', '-o', 'json'])
    backup = r.json()
    expect(backup).toMatchObject({ kind: 'backup', instance: name, namespace: ns, engine: canonical, ready: true, status: 'Ready', retention: '7d', storage: '1Gi' })
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
    expect(list).toEqual([
      expect.objectContaining({ name: backup.name, instance: name, engine: canonical, ready: true, size: '1Gi', restoreSize: null, expiresAt: expect.any(String), retention: '7d', instanceExists: true }),
    ])
    const table = await dbaasOk(['backup', 'list', name])
    // Across namespaces (no -n) NAMESPACE is a column of its own (issue 19).
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+NAMESPACE\s+INSTANCE\s+ENGINE\s+READY\s+SIZE\s+AGE\s+EXPIRES$/)
    expect(table.stdout).toMatch(new RegExp(`^${backup.name}\\s+\\S+\\s+${name}\\s+${canonical}\\s+true\\s+1Gi\\s+\\S+\\s+in 7d`, 'm'))

    const bySelector = await kubectl(['get', 'volumesnapshots,secrets', '-A', '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name'])
    expect(bySelector.stdout).not.toContain(backup.name)
    expect((await dbaasOk(['list', '-o', 'json'])).json<any[]>().filter((i) => i.name === backup.name)).toEqual([])
  })

  it('restores into a new namespace, through a helper snapshot and Retain content that are then removed', async () => {
    const srcContent = (await kubectlJson(['get', 'volumesnapshot', backup.name, '-n', ns])).status.boundVolumeSnapshotContentName
    const srcHandle = await SNAP_HANDLE_OF(srcContent)
    const pvcs = record(['pvc', '-A', '-l', `app.kubernetes.io/instance=${to}`], '{.metadata.namespace}/{.metadata.name} ds={.spec.dataSource.kind}/{.spec.dataSource.name}')
    const snaps = record(['volumesnapshot', '-A', '-l', `dbaas.io/restore-target=${to}`], '{.metadata.namespace}/{.metadata.name} content={.status.boundVolumeSnapshotContentName} src={.spec.source.volumeSnapshotContentName} ready={.status.readyToUse}')
    const contents = record(['volumesnapshotcontent', '-l', `dbaas.io/restore-target=${to}`], '{.metadata.name} policy={.spec.deletionPolicy} handle={.spec.source.snapshotHandle} ref={.spec.volumeSnapshotRef.namespace}/{.spec.volumeSnapshotRef.name}')
    await Promise.all([pvcs.ready, snaps.ready, contents.ready])
    let r
    try {
      r = await dbaasOk(['restore', backup.name, '--to', to, '-o', 'json'])
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 500))
      await Promise.all([pvcs.stop(), snaps.stop(), contents.stop()])
    }
    const v = r.json()
    expect(v).toMatchObject({ name: to, namespace: `dbaas-${to}`, engine: canonical, status: 'Ready', restoredFrom: `${ns}/${backup.name}`, crossNamespace: true })

    // The chain, as it existed: PVC → helper VolumeSnapshot in the target namespace → its content → the same snapshotHandle.
    const pvcLine = pvcs.lines().find((l) => l.startsWith(`dbaas-${to}/data-${to}-0 `))
    expect(pvcLine, pvcs.lines().join('\n')).toBeDefined()
    const helper = /ds=VolumeSnapshot\/(\S+)/.exec(pvcLine ?? '')?.[1]
    expect(helper).toBe(`${to}-restore-source`)
    const snapLine = snaps.lines().find((l) => l.startsWith(`dbaas-${to}/${helper} `) && /content=\S+/.test(l) && l.includes('ready=true'))
    expect(snapLine, snaps.lines().join('\n')).toBeDefined()
    const contentName = /content=(\S+)/.exec(snapLine ?? '')?.[1]
    const contentLine = contents.lines().find((l) => l.startsWith(`${contentName} `))
    expect(contentLine, contents.lines().join('\n')).toContain(`policy=Retain handle=${srcHandle} ref=dbaas-${to}/${helper}`)

    // …and then removed: the restored instance depends on nothing of its source.
    expect((await kubectl(['get', 'volumesnapshot', helper ?? '', '-n', `dbaas-${to}`, '--ignore-not-found', '-o', 'name'])).stdout.trim()).toBe('')
    expect((await kubectl(['get', 'volumesnapshotcontent', contentName ?? '', '--ignore-not-found', '-o', 'name'])).stdout.trim()).toBe('')
    expect(v.removed).toEqual([`volumesnapshot/dbaas-${to}/${helper}`, `volumesnapshotcontent/${contentName}`])
    // The source's content (and so the physical snapshot) is untouched.
    expect(await SNAP_HANDLE_OF(srcContent)).toBe(srcHandle)

    // The source's credentials; its own identity labels; its origin in status and list -o wide.
    expect(await secretData(`${to}-credentials`, `dbaas-${to}`)).toEqual(await secretData(`${name}-credentials`, ns))
    const sts = await kubectlJson(['get', 'statefulset', to, '-n', `dbaas-${to}`])
    expect(sts.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': to, 'app.kubernetes.io/managed-by': 'dbaas', 'dbaas.io/kind': 'instance' })
    expect(sts.metadata.annotations).toMatchObject({ 'dbaas.io/restored-from': `${ns}/${backup.name}`, 'dbaas.io/restored-from-instance': name })
    const pvc = await kubectlJson(['get', 'pvc', `data-${to}-0`, '-n', `dbaas-${to}`])
    expect(pvc.status.phase).toBe('Bound')
    expect(pvc.metadata.labels['app.kubernetes.io/instance']).toBe(to)
    // The PVC the StatefulSet adopted is the one restore pre-created (it carries the origin), and the pod uses it.
    expect(pvc.metadata.annotations['dbaas.io/restored-from']).toBe(`${ns}/${backup.name}`)
    const pod = await kubectlJson(['get', 'pod', `${to}-0`, '-n', `dbaas-${to}`])
    expect(pod.spec.volumes.find((x: any) => x.name === 'data')?.persistentVolumeClaim?.claimName).toBe(`data-${to}-0`)
    const status = (await dbaasOk(['status', to, '-o', 'json'])).json()
    expect(status).toMatchObject({ status: 'Ready', restoredFrom: `${ns}/${backup.name}` })
    expect(status.volumes).toEqual([expect.objectContaining({ name: `data-${to}-0`, status: 'Bound' })])
    expect((await dbaasOk(['list', '-n', `dbaas-${to}`, '-o', 'wide'])).stdout).toContain(`${ns}/${backup.name}`)
  })
})

describe('postgresql: same-namespace restore, restore after the source is gone, deleting the backup after restoring', () => {
  const name = uniqueName('bksame')
  const ns = `dbaas-${name}`
  const same = `${name}-s`
  const later = `${name}-l`
  let backup = ''
  let password = ''
  beforeAll(async () => {
    await dbaasOk(['create', 'pg', name, '--storage', '1Gi'])
    backup = (await dbaasOk(['backup', 'create', name, '--name', `${name}-b`, '-o', 'json'])).json().name
    password = (await secretData(`${name}-credentials`, ns)).password ?? ''
  })
  afterAll(async () => {
    await cleanupInstance(later)
    await dbaas(['delete', same, '-n', ns, '--yes', '--ignore-not-found', '--delete-data', '--no-wait'])
    await dbaas(['backup', 'delete', backup, '-n', ns, '--yes', '--ignore-not-found'])
    await cleanupInstance(name)
  })

  it('restores into the backup\'s namespace with the backup as the PVC\'s dataSource', async () => {
    const v = (await dbaasOk(['restore', backup, '--to', same, '-n', ns, '-o', 'json'])).json()
    expect(v).toMatchObject({ name: same, namespace: ns, status: 'Ready', crossNamespace: false, removed: [] })
    const pvc = await kubectlJson(['get', 'pvc', `data-${same}-0`, '-n', ns])
    expect(pvc.spec.dataSource).toEqual({ apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: backup })
    expect(pvc.status.phase).toBe('Bound')
    const vs = await kubectlJson(['get', 'volumesnapshot', backup, '-n', ns])
    expect(await SNAP_HANDLE_OF(vs.status.boundVolumeSnapshotContentName)).toBeTruthy()
    // No helper objects in the same namespace.
    expect((await kubectl(['get', 'volumesnapshotcontent', '-l', `dbaas.io/restore-target=${same}`, '-o', 'name'])).stdout.trim()).toBe('')
    expect((await secretData(`${same}-credentials`, ns)).password).toBe(password)
    // Its own identity: the source's selector does not pick it up, and its own does.
    const mine = await kubectl(['get', 'statefulset,pvc', '-n', ns, '-l', `app.kubernetes.io/instance=${same}`, '-o', 'name'])
    expect(mine.stdout).toContain(`statefulset.apps/${same}`)
    expect(mine.stdout).toContain(`persistentvolumeclaim/data-${same}-0`)
    const theirs = await kubectl(['get', 'statefulset,pvc', '-n', ns, '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name'])
    expect(theirs.stdout).not.toContain(same)
  })

  it('restores after the source instance is deleted, with the backup\'s credentials', async () => {
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
    const d = await dbaasOk(['backup', 'delete', backup, '--yes'])
    expect(d.stdout).toContain(`backup "${backup}" deleted`)
    expect((await kubectl(['get', 'volumesnapshot', backup, '-n', ns, '--ignore-not-found', '-o', 'name'])).stdout.trim()).toBe('')
    for (const [inst, where] of [
      [same, ns],
      [later, `dbaas-${later}`],
    ] as const) {
      expect((await dbaasOk(['status', inst, '-n', where, '-o', 'json'])).json()).toMatchObject({ status: 'Ready' })
      expect((await kubectlJson(['get', 'pvc', `data-${inst}-0`, '-n', where])).status.phase).toBe('Bound')
    }
    // Gone now: not found, unless told to ignore it.
    expect((await dbaas(['backup', 'delete', backup, '--yes'])).exitCode).toBe(3)
    expect((await dbaas(['backup', 'delete', backup, '--yes', '--ignore-not-found'])).exitCode).toBe(0)
    // The credentials copy goes with its backup (garbage collector or delete itself).
    expect((await kubectl(['get', 'secret', `dbaas-backup-${backup}`, '-n', ns, '--ignore-not-found', '-o', 'name'])).stdout.trim()).toBe('')
  })
})

describe('retention, expiry and prune', () => {
  const name = uniqueName('bkprune')
  const ns = `dbaas-${name}`
  beforeAll(async () => {
    await dbaasOk(['create', 'pg', name, '--storage', '1Gi'])
    await dbaasOk(['backup', 'create', name, '--name', `${name}-old`, '--retention', '1h'])
    await dbaasOk(['backup', 'create', name, '--name', `${name}-new`, '--retention', '7d'])
    await dbaasOk(['backup', 'create', name, '--name', `${name}-keep`])
    // An hour has "passed" for the first one: its recorded expiry is moved into the past.
    await kubectl(['annotate', 'volumesnapshot', `${name}-old`, '-n', ns, '--overwrite', `dbaas.io/expires-at=${new Date(Date.now() - 60_000).toISOString()}`])
  })
  afterAll(async () => {
    for (const b of ['old', 'new', 'keep']) await dbaas(['backup', 'delete', `${name}-${b}`, '-n', ns, '--yes', '--ignore-not-found'])
    await cleanupInstance(name)
  })

  it('shows retention and expiry', async () => {
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
    const dry = (await dbaasOk(['backup', 'prune', name, '-n', ns, '--dry-run', '-o', 'json'])).json()
    expect(dry.deleted.map((b: any) => b.name)).toEqual([`${name}-old`])
    expect((await kubectl(['get', 'volumesnapshot', `${name}-old`, '-n', ns, '-o', 'name'])).stdout.trim()).not.toBe('')
    const r = await dbaasOk(['backup', 'prune', name, '-n', ns])
    expect(r.stdout).toContain(`deleted backup ${ns}/${name}-old`)
    const left = (await kubectl(['get', 'volumesnapshot', '-n', ns, '-l', 'dbaas.io/kind=backup', '-o', 'jsonpath={.items[*].metadata.name}'])).stdout.split(' ').filter(Boolean).sort()
    expect(left).toEqual([`${name}-keep`, `${name}-new`])
    expect(await namespaceExists(ns)).toBe(true)
  })
})
