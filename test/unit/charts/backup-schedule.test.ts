// The backup-schedule chart through the real helm: lint, the values dbaas sends, and its Role and ClusterRole
// equal to the job's rules in src/core/rbac.ts (what `dbaas rbac` prints and docs/backups.md lists).
import path from 'node:path'
import { execa } from 'execa'
import { parseAllDocuments } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { findHelm } from '../../helpers/find-helm.ts'
import { parseCron } from '../../../src/core/schedule/cron.ts'
import { buildScheduleValues, type ScheduleSpec } from '../../../src/core/schedule/model.ts'
import { scheduleJobPermissions, type Permission } from '../../../src/core/rbac.ts'

const chart = path.resolve(import.meta.dirname, '../../../templates/charts/backup-schedule')
let helm = ''

interface Obj {
  kind: string
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }
  rules?: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>
  spec?: any
  data?: Record<string, string>
}

const spec = (o: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  instance: 'orders',
  namespace: 'dbaas-orders',
  engine: 'postgresql',
  target: 'instance',
  cron: parseCron('0 3 * * *'),
  timeZone: 'Europe/Berlin',
  keep: 7,
  retention: undefined,
  quiesce: false,
  suspend: false,
  timeoutSeconds: 600,
  ...o,
})

async function render(values: Record<string, unknown>, args: string[] = []): Promise<{ code: number; objects: Obj[]; stderr: string }> {
  const r = await execa(helm, ['template', 'orders.backups', chart, '--namespace', 'dbaas-orders', ...args, '-f', '-'], { input: JSON.stringify(values), reject: false })
  const objects = r.exitCode === 0 ? parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj).filter(Boolean) : []
  return { code: r.exitCode ?? -1, objects, stderr: r.stderr }
}

const script = { text: 'console.log("job")\n', sha256: 'abc' }
const byKind = (objs: Obj[], kind: string) => objs.find((o) => o.kind === kind) as Obj
const flat = (rules: Obj['rules']) => (rules ?? []).flatMap((r) => r.resources.map((res) => `${r.apiGroups[0]}/${res}:${[...r.verbs].sort().join(',')}`)).sort()
const want = (perms: Permission[]) => perms.map((p) => `${p.group}/${p.resource}:${[...p.verbs].sort().join(',')}`).sort()

beforeAll(async () => {
  helm = await findHelm()
}, 120_000)

describe('backup-schedule chart', () => {
  it('passes helm lint --strict with the values dbaas sends', async () => {
    const r = await execa(helm, ['lint', '--strict', chart, '--namespace', 'dbaas-orders', '-f', '-'], { input: JSON.stringify(buildScheduleValues(spec(), script)), reject: false })
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
  }, 30_000)

  it("renders the job's Role rule for rule as src/core/rbac.ts lists it, exec only with --quiesce", async () => {
    const plain = await render(buildScheduleValues(spec(), script))
    expect(flat(byKind(plain.objects, 'Role').rules)).toEqual(want(scheduleJobPermissions.backup))
    const quiesced = await render(buildScheduleValues(spec({ quiesce: true }), script))
    expect(flat(byKind(quiesced.objects, 'Role').rules)).toEqual(want([...scheduleJobPermissions.backup, ...scheduleJobPermissions.quiesce]))
    const prune = await render(buildScheduleValues(spec({ target: 'ha-cluster', timeZone: undefined }), script))
    expect(flat(byKind(prune.objects, 'Role').rules)).toEqual(want(scheduleJobPermissions.prune))
    for (const r of [plain, quiesced, prune]) expect(flat(byKind(r.objects, 'ClusterRole').rules)).toEqual(want(scheduleJobPermissions.cluster))
  }, 60_000)

  it('makes a CronJob with the zone, the node image (mirrored through image.registry), the script and the schedule label', async () => {
    const r = await render(buildScheduleValues(spec({ placement: { imageRegistry: 'mirror.example.com/hub' } }), script))
    expect(r.code, r.stderr).toBe(0)
    const cj = byKind(r.objects, 'CronJob')
    expect(cj.metadata.name).toBe('orders-backups')
    expect(cj.spec).toMatchObject({ schedule: '0 3 * * *', timeZone: 'Europe/Berlin', suspend: false, concurrencyPolicy: 'Forbid' })
    expect(cj.metadata.labels).toMatchObject({ 'dbaas.io/kind': 'backup-schedule', 'dbaas.io/schedule': 'orders-backups', 'dbaas.io/source-instance': 'orders' })
    expect(cj.metadata.labels?.['app.kubernetes.io/instance']).toBeUndefined()
    const pod = cj.spec.jobTemplate.spec.template.spec
    expect(pod.serviceAccountName).toBe('orders-backups')
    expect(pod.containers[0].image).toBe('mirror.example.com/hub/node:24-slim')
    expect(pod.containers[0].command).toEqual(['node', '/opt/dbaas/backup-job.js'])
    const env = Object.fromEntries(pod.containers[0].env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]))
    expect(env).toMatchObject({ DBAAS_JOB_MODE: 'backup', DBAAS_JOB_INSTANCE: 'orders', DBAAS_JOB_KEEP: '7', DBAAS_JOB_SCHEDULE: 'orders-backups' })
    expect(byKind(r.objects, 'ConfigMap').data?.['backup-job.js']).toBe(script.text)
    const plain = await render(buildScheduleValues(spec(), script))
    const plainPod = byKind(plain.objects, 'CronJob').spec.jobTemplate.spec.template.spec
    expect(plainPod.containers[0].image).toBe('node:24-slim')
    for (const k of ['nodeSelector', 'tolerations', 'priorityClassName', 'imagePullSecrets']) expect(plainPod[k], k).toBeUndefined()
  }, 60_000)

  it('places the job\'s pods as the placement says: node selector, tolerations, priority class, pull secrets', async () => {
    const placement = {
      nodeSelector: { pool: 'db' },
      tolerations: [{ key: 'dedicated', operator: 'Equal' as const, value: 'db', effect: 'NoSchedule' as const }],
      priorityClassName: 'databases',
      imagePullSecrets: ['mirror-pull'],
    }
    const r = await render(buildScheduleValues(spec({ placement }), script))
    expect(r.code, r.stderr).toBe(0)
    const pod = byKind(r.objects, 'CronJob').spec.jobTemplate.spec.template.spec
    expect(pod).toMatchObject({ nodeSelector: { pool: 'db' }, tolerations: placement.tolerations, priorityClassName: 'databases', imagePullSecrets: [{ name: 'mirror-pull' }] })
    const bad = await render(buildScheduleValues(spec({ placement: { nodeSelector: { 'bad key!': 'x' } } }), script))
    expect(bad.code).not.toBe(0)
  }, 60_000)

  it('runs the prune-only job for an HA cluster, without a zone', async () => {
    const r = await render(buildScheduleValues(spec({ target: 'ha-cluster', timeZone: undefined }), script))
    const cj = byKind(r.objects, 'CronJob')
    expect(cj.spec.timeZone).toBeUndefined()
    expect(cj.metadata.annotations?.['dbaas.io/cnpg-schedule']).toBe('0 0 3 * * *')
    const env = cj.spec.jobTemplate.spec.template.spec.containers[0].env
    expect(env).toContainEqual({ name: 'DBAAS_JOB_MODE', value: 'prune' })
    expect(env).toContainEqual({ name: 'DBAAS_JOB_SCHEDULED_BACKUP', value: 'orders-backups' })
  }, 30_000)

  it('refuses values outside its schema', async () => {
    const bad = await render({ ...buildScheduleValues(spec(), script), mode: 'restore' })
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toMatch(/mode/)
  }, 30_000)
})
