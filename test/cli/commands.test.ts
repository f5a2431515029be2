// status and logs through main(), over a FakeTransport.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { R } from '../../src/k8s/kube.ts'
import { fakeDeps, type FakeDeps } from '../helpers/fake-deps.ts'
import { credentials, namespace, pod, release, statefulSet } from '../helpers/fixtures.ts'

function seed(d: FakeDeps, pods = 1): void {
  d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', replicas: pods, ready: pods, created: '2026-11-25T11:00:00Z' }))
  d.transport.seed(R.secrets, credentials({ name: 'orders', password: 'hidden-Pa55word-1' }), release({ name: 'orders', revision: 2 }))
  for (let i = 0; i < pods; i++) d.transport.seed(R.pods, pod({ name: 'orders', index: i, ready: true }))
  d.transport.seed(R.services, {
    metadata: { name: 'orders', namespace: 'dbaas-orders', labels: { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/instance': 'orders', 'dbaas.io/kind': 'service' } },
    spec: { clusterIP: '10.0.0.5', ports: [{ port: 5432 }] },
  })
  d.transport.seed(R.events, {
    metadata: { name: 'ev1', namespace: 'dbaas-orders' },
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    involvedObject: { kind: 'Pod', name: 'orders-0', uid: 'uid-orders-0' },
    count: 3,
    lastTimestamp: '2026-11-25T11:59:00Z',
  })
  // An earlier instance of the same name left an event behind: same name, another uid.
  d.transport.seed(R.events, {
    metadata: { name: 'ev0', namespace: 'dbaas-orders' },
    type: 'Warning',
    reason: 'FailedMount',
    message: 'stale',
    involvedObject: { kind: 'Pod', name: 'orders-0', uid: 'uid-of-a-deleted-pod' },
  })
}

/** A cluster where instance orders's namespace exists (what is in it is up to each test). */
async function run(argv: string[], s: (d: FakeDeps) => void) {
  const d = fakeDeps()
  d.transport.seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders' } }))
  s(d)
  const code = await main(argv, d)
  return { d, code, out: d.out.text, err: d.err.text }
}

describe('status', () => {
  it('prints engine, status, pods, endpoint, release and recent warnings', async () => {
    const { code, out } = await run(['status', 'orders'], (d) => seed(d))
    expect(code).toBe(0)
    expect(out).toMatch(/Engine:\s+postgresql 18/)
    expect(out).toMatch(/Status:\s+Ready \(1\/1 ready\)/)
    expect(out).toMatch(/Endpoint:\s+orders\.dbaas-orders\.svc\.cluster\.local:5432/)
    expect(out).toMatch(/Release:\s+deployed, revision 2/)
    expect(out).toContain('orders-0  Running  ready=true  restarts=0')
    expect(out).toContain('BackOff Pod/orders-0: Back-off restarting failed container (x3)')
    expect(out).not.toContain('hidden-Pa55word-1')
  })

  it('-o json is a parseable document extending the list view', async () => {
    const { code, out } = await run(['status', 'orders', '-o', 'json'], (d) => seed(d))
    expect(code).toBe(0)
    const v = JSON.parse(out)
    expect(v).toMatchObject({ kind: 'instance', name: 'orders', status: 'Ready', release: { status: 'deployed', revision: 2 }, endpoint: { port: 5432 } })
    expect(v.pods).toEqual([{ name: 'orders-0', phase: 'Running', ready: true, restarts: 0, node: null, reason: null }])
    expect(v.events).toHaveLength(1)
  })

  it('a pod in CrashLoopBackOff makes the instance Failed', async () => {
    const { out } = await run(['status', 'orders', '-o', 'json'], (d) => {
      d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 0 }))
      d.transport.seed(R.secrets, credentials({ name: 'orders' }))
      d.transport.seed(R.pods, pod({ name: 'orders', waiting: 'CrashLoopBackOff' }))
    })
    expect(JSON.parse(out)).toMatchObject({ status: 'Failed', pods: [{ reason: 'CrashLoopBackOff' }] })
  })

  it('an Incomplete instance says how to complete or remove it', async () => {
    const { code, out } = await run(['status', 'orders'], (d) => d.transport.seed(R.secrets, credentials({ name: 'orders' })))
    expect(code).toBe(0)
    expect(out).toContain('Incomplete')
    expect(out).toContain('dbaas create postgresql orders -n dbaas-orders')
    expect(out).toContain('dbaas delete orders -n dbaas-orders')
  })
})

describe('logs', () => {
  it('one pod: lines as they are, from the database container, with --tail and --since passed on', async () => {
    const { d, code, out } = await run(['logs', 'orders', '--tail', '10', '--since', '5m'], (d) => {
      seed(d)
      d.transport.logs.set('dbaas-orders/orders-0', ['line 1\nli', 'ne 2\nlast without newline'])
    })
    expect(code).toBe(0)
    expect(out).toBe('line 1\nline 2\nlast without newline\n')
    const req = d.transport.requests.find((r) => r.path.endsWith('/log'))!
    expect(req.path).toBe('/api/v1/namespaces/dbaas-orders/pods/orders-0/log')
    expect(req.query).toMatchObject({ container: 'postgresql', tailLines: 10, sinceSeconds: 300 })
    expect(req.query.follow).toBeUndefined()
  })

  it('several pods: each line prefixed by its pod', async () => {
    const { out } = await run(['logs', 'orders'], (d) => {
      seed(d, 2)
      d.transport.logs.set('dbaas-orders/orders-0', ['a\n'])
      d.transport.logs.set('dbaas-orders/orders-1', ['b\n'])
    })
    expect(out.split('\n').filter(Boolean).sort()).toEqual(['[orders-0] a', '[orders-1] b'])
  })

  it('--tail that is not a number → 2', async () => {
    const { code, err } = await run(['logs', 'orders', '--tail', 'ten'], (d) => seed(d))
    expect(code).toBe(2)
    expect(err).toContain('--tail "ten"')
  })

  it('no pods → 3 with a status hint', async () => {
    const { code, err } = await run(['logs', 'orders'], (d) => d.transport.seed(R.secrets, credentials({ name: 'orders' })))
    expect(code).toBe(3)
    expect(err).toContain('has no pods')
    expect(err).toContain('dbaas status orders')
  })
})
