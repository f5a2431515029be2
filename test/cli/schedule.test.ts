// dbaas backup schedule … through main(), over a FakeTransport and FakeHelm: every refusal exits 2 (or 3) with
// nothing written and no helm run; set installs the chart with the values and labels dbaas promises; list reads
// a schedule back with its last run; delete uninstalls the release and keeps the backups.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { R } from '../../src/k8s/kube.ts'
import { CNPG } from '../../src/core/ha/engines/cnpg.ts'
import { haLabels } from '../../src/core/ha/model.ts'
import { SR } from '../../src/core/schedule/model.ts'
import { fakeDeps, NOW, type FakeDeps } from '../helpers/fake-deps.ts'
import { CNPG_CRDS, SNAPSHOT_CRDS } from '../helpers/fake-kube.ts'
import { credentials, statefulSet } from '../helpers/fixtures.ts'

const env = { DBAAS_JOB_BUNDLE: new URL('../../package.json', import.meta.url).pathname }

/** A cluster as the lab is: the snapshot and CloudNativePG CRDs served, the instances' namespaces there. */
function labLike(d: FakeDeps): void {
  d.transport.installCrd(...SNAPSHOT_CRDS, ...CNPG_CRDS)
  for (const ns of ['dbaas-orders', 'dbaas-pay']) d.transport.seed(R.namespaces, { metadata: { name: ns } })
}

async function run(argv: string[], seed: (d: FakeDeps) => void = () => {}) {
  const d = fakeDeps({ env })
  labLike(d)
  seed(d)
  const code = await main(argv, d)
  return { d, code, out: d.out.text, err: d.err.text }
}

const instance = (d: FakeDeps) => {
  d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1 }))
  d.transport.seed(R.secrets, credentials({ name: 'orders' }))
}

describe('backup schedule set: refusals before anything is written', () => {
  it.each([
    [['--cron', '61 * * * *'], /61 is outside 0-59/],
    [['--cron', '0 0 3 * * *'], /six fields/],
    [['--cron', '0 3 * * *', '--time-zone', 'Mars/Olympus'], /not a time zone/],
    [['--cron', '0 3 * * *', '--keep', '0'], /--keep 0/],
    [['--cron', '0 3 * * *', '--keep', 'seven'], /not a number/],
    [['--cron', '0 3 * * *', '--retention', '30s'], /too short/],
    [[], /missing --cron/],
    [['--cron', '0 3 * * *', '--toleration', 'dedicated=db:Sometimes'], /Effect/],
    [['--cron', '0 3 * * *', '--node-selector', 'pool'], /key=value/],
  ])('%j exits 2, sends no request and runs no helm', async (flags, why) => {
    const r = await run(['backup', 'schedule', 'set', 'orders', ...flags], instance)
    expect(r.code).toBe(2)
    expect(r.err).toMatch(why)
    expect(r.d.transport.requests).toHaveLength(0)
    expect(r.d.fakeHelm.calls).toHaveLength(0)
  })

  it('the job runs where the instance runs (its placement annotation); a flag given replaces that field only', async () => {
    const placed = (d: FakeDeps) => {
      const sts = statefulSet({ name: 'orders', ready: 1 })
      sts.metadata.annotations = { ...(sts.metadata.annotations ?? {}), 'dbaas.io/placement': JSON.stringify({ nodeSelector: { pool: 'db' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }], imageRegistry: 'mirror.example:5000' }) }
      d.transport.seed(R.statefulSets, sts)
      d.transport.seed(R.secrets, credentials({ name: 'orders' }))
      // A snapshot controller runs (its leader Lease is fresh), and helm's install makes the CronJob.
      d.transport.seed(R.leases, { metadata: { name: 'snapshot-controller-leader', namespace: 'kube-system' }, spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: new Date(NOW).toISOString() } })
      d.fakeHelm.onInstall = (req) => {
        d.transport.seed(SR.cronJobs, { metadata: { name: String(req.values.name), namespace: req.namespace, labels: req.values.labels as Record<string, string>, annotations: req.values.annotations as Record<string, string> }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { containers: [] } } } } } })
      }
    }
    const valuesOf = (d: FakeDeps) => {
      const up = d.fakeHelm.calls.find((c) => c.op === 'upgradeInstall')
      return (up && up.op === 'upgradeInstall' ? up.req.values : {}) as Record<string, any>
    }
    const inherited = await run(['backup', 'schedule', 'set', 'orders', '--cron', '0 3 * * *'], placed)
    expect(inherited.code, inherited.err).toBe(0)
    expect(valuesOf(inherited.d)).toMatchObject({
      nodeSelector: { pool: 'db' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }],
      image: { registry: 'mirror.example:5000', repository: 'node', tag: '24-slim' },
    })
    const moved = await run(['backup', 'schedule', 'set', 'orders', '--cron', '0 3 * * *', '--node-selector', 'pool=jobs'], placed)
    expect(moved.code, moved.err).toBe(0)
    expect(valuesOf(moved.d)).toMatchObject({ nodeSelector: { pool: 'jobs' }, tolerations: [{ key: 'dedicated' }], image: { registry: 'mirror.example:5000' } })
  })

  it('refuses --time-zone on an HA cluster (CloudNativePG has none) with exit 2, writing nothing', async () => {
    const r = await run(['backup', 'schedule', 'set', 'pay', '--cron', '0 3 * * *', '--time-zone', 'Europe/Berlin'], (d) =>
      d.transport.seed(CNPG.clusters, {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Cluster',
        metadata: { name: 'pay', namespace: 'dbaas-pay', labels: haLabels({ name: 'pay', version: '17' }, 'ha-cluster') },
        spec: { instances: 3, backup: { volumeSnapshot: { className: 'snap' } } },
      }),
    )
    expect(r.code, r.err).toBe(2)
    expect(r.err).toMatch(/CloudNativePG's ScheduledBackup has no time zone/)
    expect(r.d.transport.writes).toEqual([])
    expect(r.d.fakeHelm.calls.filter((c) => c.op !== 'version')).toEqual([])
  })

  it('says what it does not find (3)', async () => {
    const r = await run(['backup', 'schedule', 'set', 'ghost', '--cron', '0 3 * * *'])
    expect(r.code).toBe(3)
    expect(r.err).toMatch(/no instance or HA cluster "ghost"/)
    expect(r.d.transport.writes).toEqual([])
  })
})

describe('backup schedule list and delete', () => {
  const cronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: 'orders-backups',
      namespace: 'dbaas-orders',
      uid: 'cj-1',
      creationTimestamp: '2026-11-25T10:00:00Z',
      labels: { 'app.kubernetes.io/managed-by': 'Helm', 'dbaas.io/kind': 'backup-schedule', 'dbaas.io/source-instance': 'orders', 'dbaas.io/schedule': 'orders-backups' },
      annotations: { 'dbaas.io/cron': '0 3 * * *', 'dbaas.io/keep': '2', 'dbaas.io/retention': '', 'dbaas.io/quiesce': 'false', 'dbaas.io/schedule-target': 'instance' },
    },
    spec: { schedule: '0 3 * * *', timeZone: 'Europe/Berlin', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'backup', image: 'node:24-slim' }] } } } } },
    status: { lastScheduleTime: '2026-11-25T02:00:00Z' },
  }
  const failedJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'orders-backups-29400000', namespace: 'dbaas-orders', labels: { 'dbaas.io/kind': 'backup-schedule', 'dbaas.io/source-instance': 'orders' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'orders-backups', uid: 'cj-1' }] },
    status: { startTime: '2026-11-25T02:00:01Z', conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastTransitionTime: '2026-11-25T02:01:00Z' }] },
  }

  it('-o json shows the schedule, its next runs in its zone and its failed last run', async () => {
    const r = await run(['backup', 'schedule', 'list', '-o', 'json'], (d) => {
      d.transport.seed(SR.cronJobs, cronJob)
      d.transport.seed(SR.jobs, failedJob)
    })
    expect(r.code, r.err).toBe(0)
    const [s] = JSON.parse(r.out)
    expect(s).toMatchObject({ kind: 'backup-schedule', instance: 'orders', namespace: 'dbaas-orders', cron: '0 3 * * *', timeZone: 'Europe/Berlin', keep: 2, suspended: false, consecutiveFailures: 1 })
    expect(s.lastRun).toMatchObject({ job: 'orders-backups-29400000', result: 'Failed', message: 'Job has reached the specified backoff limit' })
    // NOW is 2026-11-25T12:00Z; 03:00 in Berlin (CET) is 02:00Z
    expect(s.nextRuns).toEqual(['2026-11-26T02:00:00.000Z', '2026-11-27T02:00:00.000Z', '2026-11-28T02:00:00.000Z'])
    expect(r.err).toMatch(/the last backup run of dbaas-orders\/orders failed/)
    expect(NOW).toBe(Date.parse('2026-11-25T12:00:00Z'))
  })

  it('delete uninstalls the schedule release, keeps the backups, and needs --yes without a terminal', async () => {
    const refused = await run(['backup', 'schedule', 'delete', 'orders'], (d) => d.transport.seed(SR.cronJobs, cronJob))
    expect(refused.code).toBe(2)
    expect(refused.d.fakeHelm.calls).toEqual([])
    const r = await run(['backup', 'schedule', 'delete', 'orders', '--yes', '-o', 'json'], (d) => {
      d.transport.seed(SR.cronJobs, cronJob)
      d.transport.seed(R.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sh.helm.release.v1.orders.backups.v1', namespace: 'dbaas-orders', labels: { owner: 'helm', name: 'orders.backups' } } })
    })
    expect(r.code, r.err).toBe(0)
    expect(r.d.fakeHelm.calls.filter((c) => c.op === 'uninstall')).toMatchObject([{ release: 'orders.backups', namespace: 'dbaas-orders' }])
    expect(JSON.parse(r.out)).toMatchObject({ name: 'orders', found: true, kept: [{ object: 'backups' }] })
  })
})
