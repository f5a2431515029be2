// The chart values the day-2 verbs set, rendered by the real helm: replicas (stop/start) and restartedAt (a
// rolling restart through a pod-template annotation), and what each chart's schema refuses.
import path from 'node:path'
import { execa } from 'execa'
import { parseAllDocuments } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { findHelm } from '../../helpers/find-helm.ts'

const chartsDir = path.resolve(import.meta.dirname, '../../../templates/charts')
let helm = ''
beforeAll(async () => {
  helm = await findHelm()
}, 60_000)

async function render(chart: string, values: object): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa(helm, ['template', 'x', path.join(chartsDir, chart), '--namespace', 'n', '-f', '-'], { input: JSON.stringify(values), reject: false, timeout: 60_000 })
  return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr }
}

type Sts = { kind: string; spec: { replicas: number; template: { metadata: { annotations?: Record<string, string> } } } }
const statefulSet = (out: string): Sts => parseAllDocuments(out).map((d) => d.toJS() as Sts).find((o) => o?.kind === 'StatefulSet') as Sts

describe.each(['postgresql', 'mysql', 'mariadb'])('%s chart, day-2 values', (chart) => {
  const base = { auth: { existingSecret: 'x-credentials' } }

  it('runs one pod by default, with no restart annotation', async () => {
    const r = await render(chart, base)
    expect(r.exitCode, r.stderr).toBe(0)
    const sts = statefulSet(r.stdout)
    expect(sts.spec.replicas).toBe(1)
    expect(sts.spec.template.metadata.annotations).toBeUndefined()
  })

  it('replicas 0 stops the pod; restartedAt becomes a pod-template annotation', async () => {
    const r = await render(chart, { ...base, replicas: 0, restartedAt: '2026-11-30T10:00:00Z' })
    expect(r.exitCode, r.stderr).toBe(0)
    const sts = statefulSet(r.stdout)
    expect(sts.spec.replicas).toBe(0)
    expect(sts.spec.template.metadata.annotations).toEqual({ 'dbaas.io/restarted-at': '2026-11-30T10:00:00Z' })
  })

  it('refuses more than one replica and a non-string restartedAt', async () => {
    for (const bad of [{ replicas: 2 }, { replicas: -1 }, { restartedAt: 5 }]) {
      const r = await render(chart, { ...base, ...bad })
      expect(r.exitCode, JSON.stringify(bad)).not.toBe(0)
      expect(r.stderr).toMatch(/values don't meet the specifications of the schema|schema/)
    }
  })
})

describe.each(['postgresql', 'mysql', 'mariadb'])('%s chart, the configuration dbaas manages', (chart) => {
  const base = { auth: { existingSecret: 'x-credentials' } }
  type Obj = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: any }
  const objects = (out: string): Obj[] => parseAllDocuments(out).map((d) => d.toJS() as Obj).filter(Boolean)

  it('renders config as the server reads it, with the generation of its values, mounted read-only', async () => {
    const config: Record<string, string> = chart === 'postgresql' ? { work_mem: '64MB', log_line_prefix: "%m it's" } : { max_connections: '150', sql_mode: 'STRICT_TRANS_TABLES' }
    const r = await render(chart, { ...base, config })
    expect(r.exitCode, r.stderr).toBe(0)
    const all = objects(r.stdout)
    const cm = all.find((o) => o.kind === 'ConfigMap') as Obj
    expect(cm.metadata.name).toBe('x-config')
    const { createHash } = await import('node:crypto')
    const { generationOf } = await import('../../../src/core/day2/settings.ts')
    const gen = generationOf(config, (s) => createHash('sha256').update(s).digest('hex'))
    const file = chart === 'postgresql' ? (cm.data?.['dbaas.conf'] as string) : (cm.data?.['dbaas.cnf'] as string)
    expect(file).toContain(`dbaas generation ${gen}:`)
    if (chart === 'postgresql') {
      expect(file).toContain("work_mem = '64MB'")
      expect(file).toContain("log_line_prefix = '%m it''s'")
      expect(cm.data?.['postgresql.conf']).toContain("include_if_exists = '/etc/dbaas/dbaas.conf'")
    } else {
      expect(file).toContain('[mysqld]')
      expect(file).toContain('max_connections = "150"')
    }
    const sts = all.find((o) => o.kind === 'StatefulSet') as Obj
    const c0 = sts.spec.template.spec.containers[0]
    expect(c0.volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/dbaas', readOnly: true })
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'config', configMap: { name: 'x-config' } })
    expect(c0.args.join(' ')).toContain(chart === 'postgresql' ? '-c config_file=/etc/dbaas/postgresql.conf' : '--defaults-extra-file=/etc/dbaas/dbaas.cnf')
    // mysqld and mariadbd take --defaults-extra-file only as their first option.
    if (chart !== 'postgresql') expect(c0.args[1]).toBe('--defaults-extra-file=/etc/dbaas/dbaas.cnf')
  })

  it('the generation changes with the values, and an empty config renders an empty section', async () => {
    const a = objects((await render(chart, { ...base, config: { a_b: '1' } })).stdout).find((o) => o.kind === 'ConfigMap') as Obj
    const b = objects((await render(chart, { ...base, config: { a_b: '2' } })).stdout).find((o) => o.kind === 'ConfigMap') as Obj
    expect(JSON.stringify(a.data)).not.toBe(JSON.stringify(b.data))
    const empty = await render(chart, base)
    expect(empty.exitCode, empty.stderr).toBe(0)
    const bad = await render(chart, { ...base, config: { 'Bad-Name': '1' } })
    expect(bad.exitCode).not.toBe(0)
  })
})
