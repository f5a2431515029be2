// The charts' metrics section through the real helm: the exporter sidecar, its Service port, the
// ServiceMonitor with dbaas's labels plus the Prometheus objects' own, the registry mirror, and the schema.
import path from 'node:path'
import { execa } from 'execa'
import { parseAllDocuments } from 'yaml'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildValues, type CreateOptions } from '../../../src/core/create.ts'
import { metricsValues, serviceMonitorBase } from '../../../src/core/metrics/monitor.ts'
import { getEngine } from '../../../src/engines/registry.ts'
import { findHelm } from '../../helpers/find-helm.ts'

const chartsDir = path.resolve(import.meta.dirname, '../../../templates/charts')
let helm = ''
beforeAll(async () => void (helm = await findHelm()))

interface Obj {
  kind: string
  metadata: { name: string; labels?: Record<string, string> }
  spec: Record<string, any>
}

async function render(chart: string, values: object): Promise<{ code: number; objects: Obj[]; stderr: string }> {
  const r = await execa(helm, ['template', 'orders', path.join(chartsDir, chart), '--namespace', 'dbaas-orders', '-f', '-'], { input: JSON.stringify(values), reject: false })
  const objects = r.exitCode === 0 ? parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj).filter(Boolean) : []
  return { code: r.exitCode ?? -1, objects, stderr: r.stderr }
}

function values(engine: string, metrics?: Record<string, unknown>): Record<string, unknown> {
  const e = getEngine(engine)
  const o = { engine: e, name: 'orders', namespace: 'dbaas-orders', version: e.defaultVersion, storage: '1Gi', cpu: '250m', memory: '512Mi', database: 'app', user: 'app' } as CreateOptions
  return { ...buildValues(o), ...(metrics ? { metrics } : {}) }
}

const kprom = { served: true, plan: { labels: { ...serviceMonitorBase('orders', 'postgresql', '18'), release: 'kube-prometheus-stack' }, verdicts: [] } }

describe.each([
  ['postgresql', 9187, 'quay.io/prometheuscommunity/postgres-exporter:v0.20.1', 'DATA_SOURCE_PASS'],
  ['mysql', 9104, 'quay.io/prometheus/mysqld-exporter:v0.20.0', 'MYSQLD_EXPORTER_PASSWORD'],
  ['mariadb', 9104, 'quay.io/prometheus/mysqld-exporter:v0.20.0', 'MYSQLD_EXPORTER_PASSWORD'],
])('%s chart, metrics', (engine, port, image, passwordEnv) => {
  it('off by default: no sidecar, no metrics port, no ServiceMonitor', async () => {
    const r = await render(engine, values(engine))
    expect(r.code).toBe(0)
    const sts = r.objects.find((o) => o.kind === 'StatefulSet')!
    expect(sts.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual([engine])
    expect(r.objects.some((o) => o.kind === 'ServiceMonitor')).toBe(false)
    expect(JSON.stringify(r.objects)).not.toContain('"metrics"')
  })

  it('enabled: the sidecar with its port and the password by reference, a Service port, a ServiceMonitor with the copied label', async () => {
    const base = serviceMonitorBase('orders', engine, getEngine(engine).defaultVersion)
    const r = await render(engine, values(engine, metricsValues(true, { ...kprom, plan: { ...kprom.plan, labels: { ...base, release: 'kube-prometheus-stack' } } }, base)))
    expect(r.code, r.stderr).toBe(0)
    const sts = r.objects.find((o) => o.kind === 'StatefulSet')!
    const exporter = sts.spec.template.spec.containers.find((c: { name: string }) => c.name === 'exporter')
    expect(exporter.image).toBe(image)
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: port, protocol: 'TCP' }])
    expect(exporter.env.find((e: { name: string }) => e.name === passwordEnv).valueFrom.secretKeyRef).toEqual({ name: 'orders-credentials', key: 'monitoring-password' })
    expect(exporter.readinessProbe).toBeUndefined()
    expect(exporter.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true })
    const headless = r.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'orders-headless')!
    expect(headless.spec.ports.find((p: { name: string }) => p.name === 'metrics')).toEqual({ name: 'metrics', port, targetPort: 'metrics', protocol: 'TCP' })
    const plain = r.objects.find((o) => o.kind === 'Service' && o.metadata.name === 'orders')!
    expect(plain.spec.ports.map((p: { name: string }) => p.name)).toEqual(['db'])
    const sm = r.objects.find((o) => o.kind === 'ServiceMonitor')!
    expect(sm.metadata.labels).toEqual({ ...base, release: 'kube-prometheus-stack' })
    expect(sm.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/name': engine, 'dbaas.io/kind': 'service' })
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }])
  })

  it('without the Prometheus Operator: the sidecar, no ServiceMonitor', async () => {
    const r = await render(engine, values(engine, metricsValues(true, { served: false }, {})))
    expect(r.objects.find((o) => o.kind === 'StatefulSet')!.spec.template.spec.containers).toHaveLength(2)
    expect(r.objects.some((o) => o.kind === 'ServiceMonitor')).toBe(false)
  })

  it('the schema refuses an unknown metrics key and a bad user name', async () => {
    expect((await render(engine, values(engine, { enabled: true, sidecar: true }))).code).not.toBe(0)
    expect((await render(engine, values(engine, { enabled: true, username: 'Robert"); DROP' }))).code).not.toBe(0)
  })

  it('--image-registry (image.registry) mirrors the exporter image as it does the database\'s', async () => {
    const v = values(engine, { enabled: true })
    const r = await render(engine, { ...v, image: { ...(v.image as object), registry: 'mirror.example:5000/dbaas' } })
    expect(r.code, r.stderr).toBe(0)
    const c = r.objects.find((o) => o.kind === 'StatefulSet')!.spec.template.spec.containers
    expect(c.find((x: { name: string }) => x.name === 'exporter').image).toBe(`mirror.example:5000/dbaas/${image.replace(/^quay\.io\//, '')}`)
    expect(c[0].image).toMatch(/^mirror\.example:5000\/dbaas\/library\//)
  })

  it('a label in serviceMonitor.labels never replaces an identity label', async () => {
    const r = await render(engine, values(engine, { enabled: true, serviceMonitor: { enabled: true, labels: { 'dbaas.io/kind': 'x', 'app.kubernetes.io/instance': 'y', team: 'db' } } }))
    expect(r.objects.find((o) => o.kind === 'ServiceMonitor')!.metadata.labels).toMatchObject({ 'dbaas.io/kind': 'monitor', 'app.kubernetes.io/instance': 'orders', team: 'db' })
  })
})
