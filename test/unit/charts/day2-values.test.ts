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
