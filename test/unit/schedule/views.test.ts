// A schedule read back from its CronJob and Jobs: the last run's result and message (the pod's termination
// message first), consecutive failures, and doctor's warning about a failed last run.
import { describe, expect, it } from 'vitest'
import { scheduleChecks } from '../../../src/core/doctor-detectors.ts'
import { jobConfigFromEnv, runView, toScheduleView, type CronJob, type Job } from '../../../src/core/schedule/model.ts'
import type { Pod } from '../../../src/k8s/types.ts'
import { UsageError } from '../../../src/errors.ts'

const NOW = Date.parse('2026-11-25T12:00:00Z')
const cj: CronJob = {
  metadata: { name: 'orders-backups', namespace: 'dbaas-orders', labels: { 'dbaas.io/source-instance': 'orders' }, annotations: { 'dbaas.io/cron': '@daily', 'dbaas.io/keep': '7', 'dbaas.io/schedule-target': 'instance' } },
  spec: { schedule: '0 0 * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'backup', image: 'node:24-slim' }] } } } } },
}
const job = (name: string, start: string, outcome: 'Complete' | 'Failed' | 'Running', message?: string): Job => ({
  metadata: { name, namespace: 'dbaas-orders', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'orders-backups', uid: 'u' }] },
  status: { startTime: start, ...(outcome === 'Running' ? {} : { conditions: [{ type: outcome, status: 'True', ...(message ? { message } : {}), lastTransitionTime: start }] }) },
})
const pod = (jobName: string, message: string): Pod => ({ metadata: { name: `${jobName}-x`, labels: { 'job-name': jobName } }, status: { containerStatuses: [{ name: 'backup', image: '', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, message } } }] } } as Pod)

describe('schedule views', () => {
  it("takes the last run's message from the job's last words, and counts failures back to a success", () => {
    const jobs = [job('a', '2026-11-23T00:00:01Z', 'Complete'), job('b', '2026-11-24T00:00:01Z', 'Failed', 'BackoffLimitExceeded'), job('c', '2026-11-25T00:00:01Z', 'Failed', 'BackoffLimitExceeded')]
    const v = toScheduleView(cj, jobs, [pod('c', 'failed: VolumeSnapshot dbaas-orders/x is not ready; the snapshot driver reports: disk full')], NOW)
    expect(v.lastRun).toMatchObject({ job: 'c', result: 'Failed', message: 'failed: VolumeSnapshot dbaas-orders/x is not ready; the snapshot driver reports: disk full' })
    expect(v.consecutiveFailures).toBe(2)
    expect(v).toMatchObject({ cron: '@daily', keep: 7, timeZone: null, nextRuns: ['2026-11-26T00:00:00.000Z', '2026-11-27T00:00:00.000Z', '2026-11-28T00:00:00.000Z'] })
    const [check] = scheduleChecks([v])
    expect(check).toMatchObject({ id: 'backup-schedules', status: 'warn', required: false })
    expect(check?.message).toMatch(/dbaas-orders\/orders: 2 failed run\(s\) in a row, last: failed: VolumeSnapshot/)
    expect(check?.fix).toMatch(/dbaas backup schedule run orders -n dbaas-orders/)
  })

  it('is quiet when the last run succeeded, and absent without schedules', () => {
    const v = toScheduleView(cj, [job('a', '2026-11-25T00:00:01Z', 'Complete')], [], NOW)
    expect(scheduleChecks([v])).toMatchObject([{ status: 'ok' }])
    expect(scheduleChecks([])).toEqual([])
    expect(runView(job('r', '2026-11-25T00:00:01Z', 'Running')).result).toBe('Running')
  })

  it("reads the job's configuration from the chart's environment, refusing what is missing", () => {
    const env = { DBAAS_JOB_MODE: 'backup', DBAAS_JOB_SCHEDULE: 'orders-backups', DBAAS_JOB_INSTANCE: 'orders', DBAAS_JOB_NAMESPACE: 'dbaas-orders', DBAAS_JOB_KEEP: '0', DBAAS_JOB_RETENTION: '14d', DBAAS_JOB_QUIESCE: 'true' }
    expect(jobConfigFromEnv(env)).toMatchObject({ mode: 'backup', keep: undefined, retention: '14d', quiesce: true, timeoutMs: 600_000 })
    expect(() => jobConfigFromEnv({ ...env, DBAAS_JOB_INSTANCE: '' })).toThrow(UsageError)
    expect(() => jobConfigFromEnv({ ...env, DBAAS_JOB_MODE: 'restore' })).toThrow(/not backup or prune/)
  })
})
