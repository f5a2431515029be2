// Namespaces that are not for databases, through main() over a FakeTransport: Kubernetes' own are refused
// before anything is sent; an operator's own (CloudNativePG's, by its Deployment or leader Lease) before
// anything is written; --allow-system-namespace lets both through.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { R } from '../../src/k8s/kube.ts'
import { fakeDeps, NOW, type FakeDeps } from '../helpers/fake-deps.ts'
import { storageClass } from '../helpers/fixtures.ts'

async function run(argv: string[], seed: (d: FakeDeps) => void = () => {}) {
  const d = fakeDeps()
  seed(d)
  const code = await main(argv, d)
  return { d, code, out: d.out.text, err: d.err.text }
}

const verbs = [
  ['create', 'pg', 'x'],
  ['restore', 'b1', '--to', 'x'],
  ['ha', 'create', 'x'],
  ['ha', 'restore', 'b1', '--to', 'x'],
]

describe("Kubernetes' own namespaces", () => {
  it.each(['kube-system', 'kube-public', 'kube-node-lease'])('%s: every verb that creates exits 2 with the reason, sending nothing', async (ns) => {
    for (const verb of verbs) {
      const r = await run([...verb, '-n', ns])
      expect(r.code, `${verb.join(' ')}: ${r.err}`).toBe(2)
      const [line, hint] = r.err.trim().split('\n')
      expect(line).toMatch(new RegExp(`^Error: namespace ${ns} .+; it is not for databases$`))
      expect(hint).toMatch(/--allow-system-namespace/)
      expect(r.d.transport.requests, verb.join(' ')).toEqual([])
    }
  })

  it('also on a client dry run, and with -o json the error is JSON', async () => {
    const r = await run(['create', 'pg', 'x', '-n', 'kube-system', '--dry-run=client', '-o', 'json'])
    expect(r.code).toBe(2)
    expect(JSON.parse(r.err).error).toMatchObject({ code: 'usage', message: expect.stringContaining('kube-system') })
  })

  it('--allow-system-namespace lets it through', async () => {
    const r = await run(['create', 'pg', 'x', '-n', 'kube-system', '--allow-system-namespace', '--dry-run=client', '-o', 'json'])
    expect(r.code, r.err).toBe(0)
  })
})

describe("an operator's own namespace", () => {
  const cnpgDeployment = (d: FakeDeps) =>
    d.transport
      .seed(R.namespaces, { metadata: { name: 'cnpg-system' } })
      .seed(R.deployments, { metadata: { name: 'cnpg-controller-manager', namespace: 'cnpg-system', labels: { 'app.kubernetes.io/name': 'cloudnative-pg' } }, status: { readyReplicas: 1 } })
  const cnpgLease = (d: FakeDeps) =>
    d.transport.seed(R.namespaces, { metadata: { name: 'operators' } }).seed(R.leases, { metadata: { name: 'db9c8771.cnpg.io', namespace: 'operators' }, spec: { holderIdentity: 'x', renewTime: new Date(NOW).toISOString(), leaseDurationSeconds: 15 } })

  it.each([
    ['by its Deployment', 'cnpg-system', cnpgDeployment],
    ['by its leader Lease (any namespace name)', 'operators', cnpgLease],
  ])('create is refused (2) %s, nothing written', async (_how, ns, seed) => {
    const r = await run(['create', 'pg', 'x', '-n', ns, '--no-wait'], (d) => {
      d.transport.seed(R.storageClasses, storageClass('std', true))
      d.transport.seed(R.namespaces, { metadata: { name: ns } })
      seed(d)
    })
    expect(r.code).toBe(2)
    expect(r.err).toContain(`namespace ${ns} runs the CloudNativePG operator; it is not for databases`)
    expect(r.d.transport.writes).toEqual([])
    expect(r.d.fakeHelm.ops()).not.toContain('upgradeInstall')
  })

  it('restore is refused before anything is written', async () => {
    const r = await run(['restore', 'b1', '--to', 'x', '-n', 'cnpg-system'], cnpgDeployment)
    expect(r.code).toBe(2)
    expect(r.err).toContain('runs the CloudNativePG operator')
    expect(r.d.transport.writes).toEqual([])
  })

  it('--allow-system-namespace lets create through; a namespace the user may not look into passes', async () => {
    const ok = await run(['create', 'pg', 'x', '-n', 'cnpg-system', '--no-wait', '--allow-system-namespace'], (d) => {
      d.transport.seed(R.storageClasses, storageClass('std', true))
      cnpgDeployment(d)
    })
    expect(ok.code, ok.err).toBe(0)
    const hidden = await run(['create', 'pg', 'x', '-n', 'team', '--no-wait'], (d) => {
      d.transport.seed(R.storageClasses, storageClass('std', true))
      d.transport.fail({ path: /\/(deployments|leases)/, failure: { code: 403 } })
    })
    expect(hidden.code, hidden.err).toBe(0)
  })
})
