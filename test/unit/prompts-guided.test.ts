// The guided flows over a FakePrompter, through main(): what is asked, what is not (given flags), live name
// checks, the equivalent command, a declined confirmation, and that nothing is asked without a terminal.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { equivalentCommand, sizePresets } from '../../src/core/guided-create.ts'
import { R } from '../../src/k8s/kube.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'
import { FakePrompter } from '../helpers/fake-prompter.ts'
import { credentials, namespace, statefulSet, storageClass } from '../helpers/fixtures.ts'

function withOrders(d: ReturnType<typeof fakeDeps>): void {
  d.transport.seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders' } }))
  d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', replicas: 1, ready: 1, created: '2026-11-25T11:00:00Z' }))
  d.transport.seed(R.secrets, credentials({ name: 'orders', password: 'x-Pa55word-1' }))
}

describe('guided create', () => {
  it('asks engine, name (validated live), version, size and storage class; prints the equivalent command', async () => {
    const p = new FakePrompter({ Engine: ['mysql'], Name: ['Bad_Name', 'orders', 'shop'], version: ['8.4'], Size: [sizePresets[2]], 'Storage class': ['slow'], Create: [true] })
    const d = fakeDeps({ interactive: true, prompter: p })
    withOrders(d)
    d.transport.seed(
      R.storageClasses,
      { metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'a.csi' },
      { metadata: { name: 'slow' }, provisioner: 'b.csi' },
    )
    expect(await main(['create', '--dry-run=server'], d)).toBe(0)
    expect(p.rejected[0]).toContain('is not valid')
    expect(p.rejected[1]).toContain('"orders" already exists in namespace dbaas-orders')
    const command = 'dbaas create mysql shop --version 8.4 --storage 200Gi --cpu 2 --memory 8Gi --storage-class slow --dry-run=server'
    expect(d.err.text).toContain(`The same without prompts:\n  ${command}`)
    expect(d.err.text).toContain(`To do the same in a script:\n  ${command}`)
    // The answers reached create exactly as flags would have: the chart got them as values.
    const rendered = d.fakeHelm.calls.find((c) => c.op === 'template')
    expect(rendered?.req).toMatchObject({ release: 'shop', chart: 'mysql', values: { storage: { size: '200Gi', storageClass: 'slow' }, resources: { requests: { cpu: '2', memory: '8Gi' } } } })
  })

  it('does not ask for what was given', async () => {
    const p = new FakePrompter({ Name: ['wiki'], Create: [true] })
    const d = fakeDeps({ interactive: true, prompter: p })
    expect(await main(['create', 'mariadb', '--version', '11.4', '--storage', '5Gi', '-n', 'team-a', '--database', 'w', '--dry-run=client'], d)).toBe(0)
    expect(p.asked).toEqual(['Name (lower-case letters, digits and dashes)', 'Create MariaDB 11.4 instance "wiki"?'])
    expect(d.err.text).toContain('dbaas create mariadb wiki --version 11.4 -n team-a --database w --dry-run=client')
  })

  it('a declined confirmation is an interruption (exit 130) and creates nothing', async () => {
    const p = new FakePrompter({ Name: ['wiki'], version: ['18'], Size: [sizePresets[0]], Create: [false] })
    const d = fakeDeps({ interactive: true, prompter: p })
    expect(await main(['create', 'pg'], d)).toBe(130)
    expect(d.transport.writes).toEqual([])
    expect(d.fakeHelm.ops()).not.toContain('upgradeInstall')
  })

  it('quotes what a shell would split', () => {
    expect(equivalentCommand({ engine: 'postgresql', name: 'a', version: '18' }, { namespace: undefined, passthrough: ['--user', "o'neil"] })).toBe(
      "dbaas create postgresql a --version 18 --user 'o'\\''neil'",
    )
  })

  it('create on a terminal with -o json does not prompt: missing arguments stay usage errors', async () => {
    const d = fakeDeps({ interactive: true })
    expect(await main(['create', '-o', 'json'], d)).toBe(2)
    expect(d.err.text).toContain('missing argument: engine')
  })

  it('--dry-run=client stays offline: no live name check, no storage class question, no request', async () => {
    const p = new FakePrompter({ Name: ['orders'], version: ['18'], Size: [sizePresets[0]], Create: [true] })
    const d = fakeDeps({ interactive: true, prompter: p })
    expect(await main(['create', 'pg', '--dry-run=client'], d)).toBe(0)
    expect(d.err.text).toContain('dbaas create postgresql orders --version 18 --storage 10Gi --cpu 250m --memory 512Mi --dry-run=client')
    expect(d.transport.requests).toEqual([])
  })
})

describe('guided backup create, restore and failover', () => {
  it('backup create without an instance on a terminal: pick it, confirm; the command runs in its namespace', async () => {
    const p = new FakePrompter({ 'Instance to back up': ['orders'], 'Back up': [true] })
    const d = fakeDeps({ interactive: true, prompter: p })
    withOrders(d)
    d.transport.seed(R.storageClasses, storageClass('standard', true))
    await main(['backup', 'create', '--dry-run=client'], d)
    expect(p.asked).toEqual(['Instance to back up (type to filter)', 'Back up "orders" now?'])
    expect(d.err.text).toContain('dbaas backup create orders -n dbaas-orders')
  })

  it('without a terminal (or with -o json) a missing argument is a usage error naming it, and nothing is asked', async () => {
    for (const [argv, message] of [
      [['backup', 'create'], 'missing argument: instance'],
      [['restore', '--to', 'x'], 'missing argument: backup'],
      [['ha', 'failover'], 'missing argument: name'],
    ] as const) {
      const d = fakeDeps({ interactive: false })
      expect(await main([...argv], d)).toBe(2)
      expect(d.err.text).toContain(message)
      expect(d.transport.requests).toEqual([])
    }
    const tty = fakeDeps({ interactive: true })
    expect(await main(['backup', 'create', '-o', 'json'], tty)).toBe(2)
    expect(tty.transport.requests).toEqual([])
  })
})
