// metrics enable|disable against the fake API server and helm: what is written, in which order, what the
// exec sends (never the password itself for PostgreSQL), and the values helm gets (the release's own plus
// `metrics`, with the label the cluster's Prometheus selects on).
import { describe, expect, it } from 'vitest'
import { disableMetrics, enableMetrics } from '../../../src/core/metrics/enable.ts'
import type { ExecTarget } from '../../../src/core/metrics/exec.ts'
import { PSQL_COMMAND, scramVerifier } from '../../../src/core/metrics/exporters.ts'
import { MON } from '../../../src/core/metrics/prometheus.ts'
import { OperationError } from '../../../src/errors.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeDeps, type FakeDeps } from '../../helpers/fake-deps.ts'
import { credentials, namespace, pod, statefulSet } from '../../helpers/fixtures.ts'

interface ExecCall {
  target: ExecTarget
  command: string[]
  stdin: string
}

function cluster(o: { operator: boolean; release?: string }): { d: FakeDeps; calls: ExecCall[]; exec: (t: ExecTarget, c: string[], s: string) => Promise<{ stdout: string; stderr: string }> } {
  const d = fakeDeps()
  const t = d.transport
  t.seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders' } }), namespace('monitoring'))
  t.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1 }))
  t.seed(R.secrets, credentials({ name: 'orders' }))
  t.seed(R.pods, pod({ name: 'orders', ready: true }))
  if (o.operator) {
    t.installCrd(MON.serviceMonitors, MON.podMonitors, MON.prometheuses)
    t.seed(MON.prometheuses, {
      metadata: { name: 'kps', namespace: 'monitoring' },
      spec: { serviceMonitorSelector: { matchLabels: { release: o.release ?? 'kube-prometheus-stack' } }, serviceMonitorNamespaceSelector: {} },
    })
  }
  d.fakeHelm.values['dbaas-orders/orders'] = { engineVersion: '18', image: { repository: 'postgres', tag: '18' }, storage: { size: '10Gi' }, auth: { existingSecret: 'orders-credentials' } }
  const calls: ExecCall[] = []
  return { d, calls, exec: async (target, command, stdin) => (calls.push({ target, command, stdin }), { stdout: '', stderr: '' }) }
}

const opts = { name: 'orders', cluster: {}, wait: false, timeoutMs: 60_000 }
const monitoringPassword = (d: FakeDeps) => Buffer.from(d.transport.get(R.secrets, 'dbaas-orders', 'orders-credentials')?.data?.['monitoring-password'] ?? '', 'base64').toString()

describe('metrics enable on a PostgreSQL instance', () => {
  it('a monitoring password in the Secret, the user by exec (a SCRAM verifier, never the password), then a helm upgrade with the release\'s values plus metrics', async () => {
    const { d, calls, exec } = cluster({ operator: true })
    const r = await enableMetrics(opts, d, exec)
    const password = monitoringPassword(d)
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(calls).toHaveLength(1)
    const call = calls[0] as ExecCall
    expect(call.target).toMatchObject({ namespace: 'dbaas-orders', pod: 'orders-0', container: 'postgresql' })
    expect(call.command).toEqual(PSQL_COMMAND)
    expect(call.command.join(' ')).not.toContain(password)
    expect(call.stdin).not.toContain(password)
    const verifier = /PASSWORD '(SCRAM-SHA-256\$4096:[^']+)'/.exec(call.stdin)?.[1] as string
    const salt = Buffer.from(verifier.split('$')[1]!.split(':')[1]!, 'base64')
    expect(scramVerifier(password, salt)).toBe(verifier)
    expect(call.stdin).toContain('GRANT pg_monitor TO "dbaas_monitor";')
    const up = d.fakeHelm.calls.find((c) => c.op === 'upgradeInstall')
    expect(up && up.op === 'upgradeInstall' && up.req.values).toEqual({
      engineVersion: '18',
      image: { repository: 'postgres', tag: '18' },
      storage: { size: '10Gi' },
      auth: { existingSecret: 'orders-credentials' },
      metrics: { enabled: true, serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } } },
    })
    expect(r).toMatchObject({ enabled: true, target: 'instance', prometheusOperator: true, scrapedBy: ['Prometheus monitoring/kps'], monitoringUser: 'dbaas_monitor' })
    expect(r.notes.join('\n')).toContain('the pod of orders restarts to add the exporter container')
  })

  it('without the Prometheus Operator: no ServiceMonitor, and the endpoint to scrape', async () => {
    const { d, exec } = cluster({ operator: false })
    const r = await enableMetrics(opts, d, exec)
    const up = d.fakeHelm.calls.find((c) => c.op === 'upgradeInstall')
    expect(up && up.op === 'upgradeInstall' && up.req.values.metrics).toEqual({ enabled: true, serviceMonitor: { enabled: false, labels: {} } })
    expect(r.monitor).toBeNull()
    expect(r.notes.join('\n')).toContain('scrape orders-0.orders-headless.dbaas-orders.svc:9187/metrics')
  })

  it('the user cannot be made: no helm upgrade (the pod does not restart for an exporter that cannot log in)', async () => {
    const { d } = cluster({ operator: true })
    const failing = async () => {
      throw new OperationError('creating the monitoring user failed: boom')
    }
    await expect(enableMetrics(opts, d, failing)).rejects.toThrow(/boom/)
    expect(d.fakeHelm.calls.filter((c) => c.op === 'upgradeInstall')).toEqual([])
  })

  it('disable: helm upgrade with metrics off, the user dropped, the password removed from the Secret', async () => {
    const { d, calls, exec } = cluster({ operator: true })
    await enableMetrics(opts, d, exec)
    const r = await disableMetrics(opts, d, exec)
    const ups = d.fakeHelm.calls.filter((c) => c.op === 'upgradeInstall')
    const last = ups.at(-1)
    expect(last && last.op === 'upgradeInstall' && last.req.values.metrics).toEqual({ enabled: false, serviceMonitor: { enabled: false, labels: {} } })
    expect(calls.at(-1)?.stdin).toContain('DROP ROLE IF EXISTS "dbaas_monitor";')
    expect(monitoringPassword(d)).toBe('')
    expect(r).toMatchObject({ enabled: false, monitor: null, monitoringUser: null })
  })
})
