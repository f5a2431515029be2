// Issue 5, "Done means" 4: --quiesce runs the engine's statement in the lab's real database, reached through
// exec into the simulated pod. PostgreSQL: the requested-checkpoint counter moves. MariaDB: FLUSH TABLES
// WITH READ LOCK is requested before the snapshot exists, and a writer stays blocked until the snapshot is cut
// — both ordering claims checked by when each event was seen (a watch on the VolumeSnapshots records when
// the snapshot appeared and when it was cut).
import { execa } from 'execa'
import { afterAll, beforeAll, expect } from 'vitest'
import { R } from '../../src/k8s/kube.ts'
import { kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { labDatabases, mariadbAdmin, psqlAdmin } from '../lab/fixtures/database.ts'
import { labOnly } from '../lab/tags.ts'
import { cleanupInstance, dbaas, dbaasOk, recordChanges, startCli } from './helpers.ts'

const lab = labOnly('observes the quiesce statements in the lab\'s own databases')

lab.describe('backup create --quiesce, PostgreSQL', () => {
  const name = uniqueName('bkqpg')
  beforeAll(async () => void (await dbaasOk(['create', 'pg', name, '--storage', '1Gi'])))
  afterAll(() => cleanupInstance(name))

  lab.it('runs CHECKPOINT in the database before the snapshot', async () => {
    const count = async () => Number((await psqlAdmin(['select checkpoints_req from pg_stat_bgwriter'])).trim())
    const before = await count()
    const backup = `${name}-q`
    // The moment the snapshot appears, the checkpoint must already have been requested.
    let atCreate: Promise<number> | undefined
    await recordChanges(R.volumeSnapshots, `dbaas-${name}`, {
      fieldSelector: `metadata.name=${backup}`,
      onEvent: (e) => {
        if (e.type === 'ADDED' && !atCreate) atCreate = count()
      },
    })
    const v = (await dbaasOk(['backup', 'create', name, '--quiesce', '--name', backup, '-o', 'json'])).json()
    expect(v).toMatchObject({ ready: true, quiesced: 'checkpoint' })
    expect(atCreate, 'the watch saw the snapshot created').toBeDefined()
    expect(await atCreate).toBeGreaterThan(before)
    // Without --quiesce, no CHECKPOINT is requested by dbaas (the counter may still move on its own, so only the record is checked).
    const plain = (await dbaasOk(['backup', 'create', name, '--name', `${name}-plain`, '-o', 'json'])).json()
    expect(plain.quiesced).toBe('none')
  })
})

lab.describe('backup create --quiesce, MariaDB', () => {
  const name = uniqueName('bkqmy')
  const ns = `dbaas-${name}`
  const db = `bq_${name.replaceAll('-', '_')}`
  const pwd = labDatabases.mariadb.adminPassword
  const client = (sql: string) =>
    execa('mariadb', ['--no-defaults', '--protocol=tcp', '-h', '127.0.0.1', '-P', String(labDatabases.mariadb.port), '-u', 'root', '-N', '-B', '-e', sql], {
      env: { ...process.env, MYSQL_PWD: pwd },
      reject: false,
    })
  const processlist = async () =>
    (await mariadbAdmin('select id, state, info from information_schema.processlist where info is not null'))
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [id, state, info] = l.split('\t')
        return { id: id ?? '', state: state ?? '', info: info ?? '' }
      })
  const comCount = async (v: string) => Number((await mariadbAdmin(`show global status like '${v}'`)).split('\t')[1])

  beforeAll(async () => {
    await dbaasOk(['create', 'mariadb', name, '--storage', '1Gi'])
    // The database "inside the pod" is the lab's MariaDB: the instance's root password is made to be its own.
    await kubectlOk(['-n', ns, 'patch', 'secret', `${name}-credentials`, '-p', JSON.stringify({ stringData: { 'root-password': pwd } })])
    await mariadbAdmin(`CREATE DATABASE ${db}; CREATE TABLE ${db}.t (id int); CREATE TABLE ${db}.t2 (id int);`)
  })
  afterAll(async () => {
    await mariadbAdmin(`DROP DATABASE IF EXISTS ${db}`)
    await cleanupInstance(name)
  })

  lab.it('holds FLUSH TABLES WITH READ LOCK in one session until the snapshot is cut', async () => {
    const backup = `${name}-q`
    const unlocksBefore = await comCount('Com_unlock_tables')
    const snapshots = await recordChanges(R.volumeSnapshots, ns, { fieldSelector: `metadata.name=${backup}` })
    // 1. Our own table lock, held until we end its session, makes dbaas's FLUSH TABLES WITH READ LOCK wait
    //    where we can see it (however long dbaas takes to get there).
    const holder = client(`LOCK TABLES ${db}.t WRITE; SELECT SLEEP(600); UNLOCK TABLES;`)
    let holderId = ''
    await waitFor('the test\'s table lock', 30_000, async () => {
      holderId = (await processlist()).find((p) => p.info.startsWith('SELECT SLEEP(600)'))?.id ?? ''
      return holderId !== ''
    }, 50)
    const run = startCli(['backup', 'create', name, '--quiesce', '--name', backup, '-o', 'json'])
    await waitFor('dbaas to request the global read lock', 120_000, async () => (await processlist()).some((p) => p.info === 'FLUSH TABLES WITH READ LOCK'), 50)
    const lockRequestedAt = Date.now()
    // 2. A writer to another table queues behind the requested global lock (MariaDB lets no new write past a
    //    waiting FLUSH TABLES WITH READ LOCK) — seen waiting before anything is released.
    const writer = client(`INSERT INTO ${db}.t2 VALUES (1)`)
    let writerDoneAt = 0
    void writer.then(() => (writerDoneAt = Date.now()))
    await waitFor('the writer to wait for the lock', 30_000, async () => (await processlist()).some((p) => p.info.startsWith(`INSERT INTO ${db}.t2`) && /lock/i.test(p.state)), 20)
    // 3. Ending our session releases our table lock: dbaas's global lock is granted and held while it takes
    //    the snapshot; the writer stays blocked until dbaas unlocks.
    await mariadbAdmin(`KILL CONNECTION ${holderId}`)
    await holder
    const w = await writer
    expect(w.exitCode, String(w.stderr)).toBe(0)
    // The order of events: lock requested → snapshot created → snapshot cut → writer through.
    const created = await snapshots.first(`VolumeSnapshot ${backup} created`, (e) => e.type === 'ADDED')
    const cut = await snapshots.first(`VolumeSnapshot ${backup} cut`, (e) => Boolean(e.object.status?.creationTime) || e.object.status?.readyToUse === true)
    expect(lockRequestedAt).toBeLessThan(created.at)
    expect(cut.at).toBeLessThanOrEqual(writerDoneAt)
    const r = await run.result()
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ name: backup, ready: true, quiesced: 'read-lock' })
    expect(await comCount('Com_unlock_tables')).toBeGreaterThan(unlocksBefore)
    // The session is gone: nothing of dbaas's is left holding or waiting.
    expect((await processlist()).filter((p) => /FLUSH TABLES|UNLOCK/.test(p.info))).toEqual([])
  })

  lab.it('refuses with nothing created when the lock cannot be taken (wrong root password)', async () => {
    await kubectlOk(['-n', ns, 'patch', 'secret', `${name}-credentials`, '-p', JSON.stringify({ stringData: { 'root-password': 'not-the-password' } })])
    try {
      const r = await dbaas(['backup', 'create', name, '--quiesce', '--name', `${name}-bad`])
      expect(r.exitCode).toBe(1)
      expect(r.stderr).toMatch(/FLUSH TABLES WITH READ LOCK .*failed.*nothing was created/)
      expect((await kubectlOk(['get', 'volumesnapshot', `${name}-bad`, '-n', ns, '--ignore-not-found', '-o', 'name'])).trim()).toBe('')
      expect((await kubectlOk(['get', 'secret', `dbaas-backup-${name}-bad`, '-n', ns, '--ignore-not-found', '-o', 'name'])).trim()).toBe('')
    } finally {
      await kubectlOk(['-n', ns, 'patch', 'secret', `${name}-credentials`, '-p', JSON.stringify({ stringData: { 'root-password': pwd } })])
    }
  })
})
