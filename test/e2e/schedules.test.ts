// Issue 17: backups on a schedule, run by the cluster. Through the built CLI against the lab: the schedule's
// CronJob makes Jobs through the real CronJob controller (two observed); with kwok their pods do not run, so
// the job bundle (dist/job/backup-job.js) is also run directly under the schedule's ServiceAccount token from
// the TokenRequest API — its backups carry the same labels and credentials copy as manual ones, pruning keeps
// exactly --keep, and the Role is enough and no more. CloudNativePG's ScheduledBackup goes through the real
// CRD schema. Every refusal exits 2 and writes nothing; `dbaas delete` removes the schedule.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { helm, kubectl, kubectlJson, kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { cleanupInstance, dbaas, dbaasOk } from './helpers.ts'

const jobBundle = new URL('../../dist/job/backup-job.js', import.meta.url).pathname
const SCHEDULE_KINDS = 'cronjobs,jobs,configmaps,serviceaccounts,roles,rolebindings'

/** A kubeconfig holding a fresh TokenRequest token of the ServiceAccount, and the cluster's CA as a file. */
async function serviceAccountKubeconfig(ns: string, sa: string): Promise<{ kubeconfig: string; ca: string }> {
  const token = (await kubectlOk(['create', 'token', sa, '-n', ns, '--duration', '1h'])).trim()
  const cluster = JSON.parse(await kubectlOk(['config', 'view', '--minify', '--raw', '-o', 'json'])).clusters[0].cluster
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-sa-'))
  const ca = join(dir, 'ca.crt')
  writeFileSync(ca, cluster['certificate-authority-data'] ? Buffer.from(cluster['certificate-authority-data'], 'base64') : await import('node:fs').then((f) => f.readFileSync(cluster['certificate-authority'])))
  const kubeconfig = join(dir, 'kubeconfig')
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: cluster.server, 'certificate-authority': ca } }],
      users: [{ name: 'sa', user: { token } }],
      contexts: [{ name: 'sa', context: { cluster: 'c', user: 'sa', namespace: ns } }],
      'current-context': 'sa',
    }),
  )
  return { kubeconfig, ca }
}

/** Runs the job bundle as the CronJob's pod would, with the chart's environment, under the ServiceAccount. */
async function runJob(ns: string, instance: string, sa: { kubeconfig: string; ca: string }, env: Record<string, string>) {
  const r = await execa(process.execPath, [jobBundle], {
    reject: false,
    timeout: 120_000,
    env: {
      PATH: process.env.PATH,
      KUBECONFIG: sa.kubeconfig,
      NODE_EXTRA_CA_CERTS: sa.ca,
      DBAAS_JOB_MODE: 'backup',
      DBAAS_JOB_SCHEDULE: `${instance}-backups`,
      DBAAS_JOB_INSTANCE: instance,
      DBAAS_JOB_NAMESPACE: ns,
      ...env,
    },
    extendEnv: false,
  })
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }
}

async function scheduleObjects(ns: string): Promise<string[]> {
  const r = await kubectlOk(['get', SCHEDULE_KINDS, '-n', ns, '-l', 'dbaas.io/kind=backup-schedule', '-o', 'name'])
  return r.split('\n').filter(Boolean)
}

async function backupsOf(ns: string, instance: string): Promise<any[]> {
  return (await kubectlJson(['get', 'volumesnapshots', '-n', ns, '-l', `dbaas.io/kind=backup,dbaas.io/source-instance=${instance}`])).items
}

async function canI(kubeconfig: string, args: string[]): Promise<boolean> {
  const r = await kubectl(['auth', 'can-i', ...args], { kubeconfig })
  return r.stdout.trim() === 'yes'
}

describe('backup schedules of a single instance', () => {
  const name = uniqueName('sch')
  const ns = `dbaas-${name}`
  let sa: { kubeconfig: string; ca: string }

  beforeAll(async () => {
    await dbaasOk(['create', 'postgres', name, '--storage', '1Gi'])
  }, 240_000)
  afterAll(async () => {
    await cleanupInstance(name)
  })

  it('refuses a bad cron, a bad zone and --keep 0 with exit 2, writing nothing', async () => {
    for (const argv of [['--cron', '61 * * * *'], ['--cron', '0 3 * * *', '--time-zone', 'Nowhere/Land'], ['--cron', '* * * * *', '--keep', '0'], ['--cron', '0 0 3 * * *']]) {
      const r = await dbaas(['backup', 'schedule', 'set', name, ...argv])
      expect(r.exitCode, r.stderr).toBe(2)
      expect(r.stderr).toMatch(/^Error: /m)
    }
    expect(await scheduleObjects(ns)).toEqual([])
    expect((await helm(['list', '-n', ns, '-q'])).stdout.trim().split('\n')).toEqual([name])
  })

  it('set --cron "* * * * *" --keep 2 makes a CronJob whose Jobs the real CronJob controller creates (two observed)', async () => {
    const r = await dbaasOk(['backup', 'schedule', 'set', name, '--cron', '* * * * *', '--keep', '2'])
    expect(r.stdout).toMatch(new RegExp(`backup schedule of "${name}" created in namespace ${ns}`))
    const runs = r.stdout.split('\n').filter((l) => /^\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} /.test(l))
    expect(runs).toHaveLength(3)
    const cj = await kubectlJson(['get', 'cronjob', `${name}-backups`, '-n', ns])
    expect(cj.spec).toMatchObject({ schedule: '* * * * *', concurrencyPolicy: 'Forbid' })
    expect(cj.spec.jobTemplate.spec.template.spec.containers[0]).toMatchObject({ image: 'node:24-slim', command: ['node', '/opt/dbaas/backup-job.js'] })
    expect((await kubectlJson(['get', 'configmap', `${name}-backups-job`, '-n', ns])).data['backup-job.js'].length).toBeGreaterThan(10_000)
    let jobs: string[] = []
    await waitFor('two Jobs of the CronJob', 190_000, async () => {
      const list = await kubectlJson(['get', 'jobs', '-n', ns])
      jobs = list.items.filter((j: any) => (j.metadata.ownerReferences ?? []).some((o: any) => o.kind === 'CronJob' && o.name === `${name}-backups`)).map((j: any) => j.metadata.name)
      return jobs.length >= 2
    }, 2000)
    expect(jobs.length).toBeGreaterThanOrEqual(2)
  }, 240_000)

  it('schedule list -o json shows it, with its last run and next runs', async () => {
    const r = await dbaasOk(['backup', 'schedule', 'list', '-n', ns, '-o', 'json'])
    const [s] = r.json()
    expect(s).toMatchObject({ kind: 'backup-schedule', instance: name, namespace: ns, cron: '* * * * *', keep: 2, suspended: false, target: 'instance' })
    expect(s.nextRuns).toHaveLength(3)
    expect(s.lastRun).toMatchObject({ result: expect.stringMatching(/Succeeded|Running|Failed/) })
  })

  it('the job, under the schedule ServiceAccount token, backs up as `backup create` does and keeps exactly --keep', async () => {
    sa = await serviceAccountKubeconfig(ns, `${name}-backups`)
    const manual = (await dbaasOk(['backup', 'create', name, '-n', ns, '-o', 'json'])).json()
    const taken: string[] = []
    for (let i = 0; i < 3; i++) {
      // backup names have a one-second clock: wait until the next second starts before the next run
      const before = Math.floor(Date.now() / 1000)
      await waitFor('the next second', 3000, async () => Math.floor(Date.now() / 1000) > before, 50)
      const r = await runJob(ns, name, sa, { DBAAS_JOB_KEEP: '2' })
      expect(r.code, r.stderr).toBe(0)
      taken.push(JSON.parse(r.stdout.trim().split('\n').pop() as string).backup.name)
    }
    const all = await backupsOf(ns, name)
    const scheduled = all.filter((b) => b.metadata.labels['dbaas.io/schedule'] === `${name}-backups`)
    expect(scheduled.map((b) => b.metadata.name).sort()).toEqual(taken.slice(1).sort())
    // the manual backup is never the schedule's to prune
    expect(all.map((b) => b.metadata.name)).toContain(manual.name)
    // the same labels and annotations as a manual backup, plus the schedule's label
    const m = all.find((b) => b.metadata.name === manual.name)
    const s = scheduled[0]
    const { ['dbaas.io/schedule']: sched, ...rest } = s.metadata.labels
    expect(sched).toBe(`${name}-backups`)
    expect(rest).toEqual(m.metadata.labels)
    expect(Object.keys(s.metadata.annotations).sort()).toEqual(Object.keys(m.metadata.annotations).sort())
    expect(s.spec.volumeSnapshotClassName).toBe(m.spec.volumeSnapshotClassName)
    expect(s.metadata.annotations['dbaas.io/snapshot-driver']).toBe(m.metadata.annotations['dbaas.io/snapshot-driver'])
    // the credentials copy, owned by the snapshot, with the instance's credentials
    const copy = await kubectlJson(['get', 'secret', `dbaas-backup-${s.metadata.name}`, '-n', ns])
    const creds = await kubectlJson(['get', 'secret', `${name}-credentials`, '-n', ns])
    expect(copy.data).toEqual(creds.data)
    expect(copy.metadata.ownerReferences).toMatchObject([{ kind: 'VolumeSnapshot', name: s.metadata.name, uid: s.metadata.uid }])
    // the pruned backup's credentials copy went with it
    expect((await kubectl(['get', 'secret', `dbaas-backup-${taken[0]}`, '-n', ns])).code).not.toBe(0)
    // backup list says which schedule took which backup
    const listed = (await dbaasOk(['backup', 'list', name, '-n', ns, '-o', 'json'])).json()
    expect(listed.find((b: any) => b.name === taken[2]).schedule).toBe(`${name}-backups`)
    expect(listed.find((b: any) => b.name === manual.name).schedule).toBeNull()
  }, 240_000)

  it("the job's Role is enough (above) and no more", async () => {
    const yes = [
      ['create', 'volumesnapshots.snapshot.storage.k8s.io', '-n', ns],
      ['delete', 'volumesnapshots.snapshot.storage.k8s.io', '-n', ns],
      ['list', 'volumesnapshotcontents.snapshot.storage.k8s.io'],
      ['get', 'persistentvolumes'],
    ]
    const no = [
      ['delete', 'statefulsets.apps', '-n', ns],
      ['create', 'pods', '-n', ns],
      ['create', 'pods', '--subresource=exec', '-n', ns],
      ['delete', 'persistentvolumeclaims', '-n', ns],
      ['patch', 'cronjobs.batch', '-n', ns],
      ['list', 'secrets', '-n', 'default'],
      ['create', 'volumesnapshots.snapshot.storage.k8s.io', '-n', 'default'],
      ['delete', 'volumesnapshotcontents.snapshot.storage.k8s.io'],
      ['create', 'volumesnapshotcontents.snapshot.storage.k8s.io'],
      ['list', 'secrets', '-A'],
      ['delete', 'persistentvolumes'],
      ['create', 'volumesnapshotclasses.snapshot.storage.k8s.io'],
    ]
    for (const a of yes) expect(await canI(sa.kubeconfig, a), a.join(' ')).toBe(true)
    for (const a of no) expect(await canI(sa.kubeconfig, a), a.join(' ')).toBe(false)
  })

  labOnly('exec into a simulated pod reaches the lab\'s real PostgreSQL').it('set again with --quiesce --retention: the job CHECKPOINTs through exec and the backups expire', async () => {
    const r = await dbaasOk(['backup', 'schedule', 'set', name, '--cron', '0 3 * * *', '--time-zone', 'Europe/Berlin', '--keep', '2', '--retention', '7d', '--quiesce'])
    expect(r.stdout).toMatch(/updated/)
    expect(r.stdout).toMatch(/\(Europe\/Berlin\)/)
    expect((await kubectlJson(['get', 'cronjob', `${name}-backups`, '-n', ns])).spec.timeZone).toBe('Europe/Berlin')
    const fresh = await serviceAccountKubeconfig(ns, `${name}-backups`)
    expect(await canI(fresh.kubeconfig, ['create', 'pods', '--subresource=exec', '-n', ns])).toBe(true)
    const run = await runJob(ns, name, fresh, { DBAAS_JOB_KEEP: '2', DBAAS_JOB_RETENTION: '7d', DBAAS_JOB_QUIESCE: 'true' })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(/Quiescing .*CHECKPOINT/)
    const made = JSON.parse(run.stdout.trim().split('\n').pop() as string).backup.name
    const b = (await backupsOf(ns, name)).find((x) => x.metadata.name === made)
    expect(b.metadata.annotations).toMatchObject({ 'dbaas.io/quiesced': 'checkpoint', 'dbaas.io/retention': '7d' })
    expect(Date.parse(b.metadata.annotations['dbaas.io/expires-at']) - Date.now()).toBeGreaterThan(6 * 86_400_000)
    expect((await backupsOf(ns, name)).filter((x) => x.metadata.labels['dbaas.io/schedule'])).toHaveLength(2)
  }, 120_000)

  it('suspend and resume flip the CronJob; status shows the schedule', async () => {
    await dbaasOk(['backup', 'schedule', 'suspend', name, '-n', ns])
    expect((await kubectlJson(['get', 'cronjob', `${name}-backups`, '-n', ns])).spec.suspend).toBe(true)
    const st = (await dbaasOk(['status', name, '-n', ns, '-o', 'json'])).json()
    expect(st.schedule).toMatchObject({ instance: name, suspended: true, nextRuns: [] })
    await dbaasOk(['backup', 'schedule', 'resume', name, '-n', ns])
    expect((await kubectlJson(['get', 'cronjob', `${name}-backups`, '-n', ns])).spec.suspend).toBe(false)
    const text = (await dbaasOk(['status', name, '-n', ns])).stdout
    expect(text).toMatch(/Backup schedule:/)
    expect(text).toMatch(/Next run:/)
  })

  it('`dbaas delete` removes the schedule (and says so); the cluster-wide role goes too', async () => {
    const r = await dbaasOk(['delete', name, '-n', ns, '--yes', '--delete-data', '-o', 'json'])
    expect(r.json().deleted).toContain(`helm release ${name}.backups`)
    expect(await scheduleObjects(ns).catch(() => [])).toEqual([])
    expect((await kubectl(['get', 'clusterrole', `dbaas-backups-${ns}-${name}`])).code).not.toBe(0)
  }, 180_000)
})

describe('backup schedules of an HA cluster (CloudNativePG)', () => {
  const name = uniqueName('schha')
  const ns = `dbaas-${name}`
  beforeAll(async () => {
    await dbaasOk(['ha', 'create', name, '--no-wait', '--skip-operator-check', '--instances', '1', '--storage', '1Gi'])
  }, 120_000)
  afterAll(async () => {
    await dbaas(['backup', 'schedule', 'delete', name, '-n', ns, '--yes', '--ignore-not-found'])
    await dbaas(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait', '--skip-operator-check'])
    await kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false'])
  })

  it('refuses --time-zone (CloudNativePG has none) with exit 2, writing nothing', async () => {
    const r = await dbaas(['backup', 'schedule', 'set', name, '--cron', '0 3 * * *', '--time-zone', 'Europe/Berlin'])
    expect(r.exitCode, r.stderr).toBe(2)
    expect(await scheduleObjects(ns)).toEqual([])
    expect((await kubectlJson(['get', 'scheduledbackups.postgresql.cnpg.io', '-n', ns])).items).toEqual([])
  })

  it('writes a ScheduledBackup (six fields, method volumeSnapshot) through the real CRD schema, plus the prune-only CronJob', async () => {
    const r = await dbaasOk(['backup', 'schedule', 'set', name, '--cron', '30 1 * * *', '--keep', '3'])
    expect(r.stderr).toMatch(/"30 1 \* \* \*" became "0 30 1 \* \* \*"/)
    const sb = await kubectlJson(['get', 'scheduledbackups.postgresql.cnpg.io', `${name}-backups`, '-n', ns])
    expect(sb.spec).toMatchObject({ schedule: '0 30 1 * * *', cluster: { name }, method: 'volumeSnapshot', backupOwnerReference: 'self' })
    const cj = await kubectlJson(['get', 'cronjob', `${name}-backups`, '-n', ns])
    expect(cj.spec.timeZone).toBeUndefined()
    expect(cj.spec.jobTemplate.spec.template.spec.containers[0].env).toContainEqual({ name: 'DBAAS_JOB_MODE', value: 'prune' })
    const [s] = (await dbaasOk(['backup', 'schedule', 'list', name, '-n', ns, '-o', 'json'])).json()
    expect(s).toMatchObject({ target: 'ha-cluster', cnpgSchedule: '0 30 1 * * *', keep: 3 })
    await dbaasOk(['backup', 'schedule', 'suspend', name, '-n', ns])
    expect((await kubectlJson(['get', 'scheduledbackups.postgresql.cnpg.io', `${name}-backups`, '-n', ns])).spec.suspend).toBe(true)
  }, 120_000)
})

// That the scheduled Jobs really run (node:24-slim, on the instance's node, backups ready and pruned to --keep)
// is proven on the lab's real node by real-node-schedules.test.ts.
