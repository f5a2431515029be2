// The guided create flow over a FakePrompter: what is asked, what is not (given flags), live name checks,
// the equivalent command, and a declined confirmation.
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { promptBackupCreate, promptFailover, promptRestore } from '../../src/commands/interactive.ts'
import { equivalentCommand, guidedCreate, sizePresets, type GuidedInput } from '../../src/core/guided-create.ts'
import { R } from '../../src/k8s/kube.ts'
import type { Choice, Prompter } from '../../src/prompts.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'
import { credentials, namespace, statefulSet } from '../helpers/fixtures.ts'

/** Answers by question, recording every question and the validation messages it saw. */
class FakePrompter implements Prompter {
  asked: string[] = []
  rejected: string[] = []
  private answers: Record<string, unknown[]>
  constructor(answers: Record<string, unknown[]>) {
    this.answers = answers
  }
  private next(message: string): unknown {
    this.asked.push(message)
    const key = Object.keys(this.answers).find((k) => message.includes(k))
    const list = key ? this.answers[key] : undefined
    if (!list?.length) throw new Error(`unexpected question: ${message}`)
    return list.shift()
  }
  async select<T>(o: { message: string; choices: Array<Choice<T>> }): Promise<T> {
    const want = this.next(o.message)
    const c = o.choices.find((x) => x.value === want || x.name.startsWith(String(want)))
    if (!c) throw new Error(`no choice ${String(want)} for ${o.message}`)
    return c.value
  }
  async search<T>(o: { message: string; choices: Array<Choice<T>> }): Promise<T> {
    return this.select(o)
  }
  async input(o: { message: string; validate?: (v: string) => Promise<true | string> | true | string }): Promise<string> {
    for (;;) {
      const v = String(this.next(o.message))
      const ok = o.validate ? await o.validate(v) : true
      if (ok === true) return v
      this.rejected.push(ok)
    }
  }
  async confirm(o: { message: string }): Promise<boolean> {
    return this.next(o.message) as boolean
  }
}

const base = (over: Partial<GuidedInput> = {}): GuidedInput => ({ sizeGiven: false, cluster: {}, passthrough: [], ...over })

describe('guided create', () => {
  it('asks engine, name (validated live), version, size and storage class; prints the equivalent command', async () => {
    const d = fakeDeps()
    d.transport.seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders' } }))
    d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', replicas: 1, ready: 1, created: '2026-11-25T11:00:00Z' }))
    d.transport.seed(R.secrets, credentials({ name: 'orders', password: 'x-Pa55word-1' }))
    d.transport.seed(
      R.storageClasses,
      { metadata: { name: 'fast', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'a.csi' },
      { metadata: { name: 'slow' }, provisioner: 'b.csi' },
    )
    const p = new FakePrompter({ Engine: ['mysql'], Name: ['Bad_Name', 'orders', 'shop'], version: ['8.4'], Size: [sizePresets[2]], 'Storage class': ['slow'], Create: [true] })
    const a = await guidedCreate(base(), p, d)
    expect(a).toMatchObject({ engine: 'mysql', name: 'shop', version: '8.4', cpu: '2', memory: '8Gi', storage: '200Gi', storageClass: 'slow' })
    expect(p.rejected[0]).toContain('is not valid')
    expect(p.rejected[1]).toContain('"orders" already exists in namespace dbaas-orders')
    expect(a.command).toBe('dbaas create mysql shop --version 8.4 --storage 200Gi --cpu 2 --memory 8Gi --storage-class slow')
    expect(d.err.text).toContain(a.command)
  })

  it('does not ask for what was given', async () => {
    const d = fakeDeps()
    const p = new FakePrompter({ Name: ['wiki'], Create: [true] })
    const a = await guidedCreate(base({ engine: 'mariadb', version: '11.4', sizeGiven: true, namespace: 'team-a', passthrough: ['--database', 'w'] }), p, d)
    expect(p.asked).toEqual(['Name (lower-case letters, digits and dashes)', 'Create MariaDB 11.4 instance "wiki"?'])
    expect(a.command).toBe('dbaas create mariadb wiki --version 11.4 -n team-a --database w')
  })

  it('a declined confirmation is an interruption (exit 130) and creates nothing', async () => {
    const d = fakeDeps()
    const p = new FakePrompter({ Name: ['wiki'], version: ['18'], Size: [sizePresets[0]], Create: [false] })
    await expect(guidedCreate(base({ engine: 'pg' }), p, d)).rejects.toMatchObject({ exitCode: 130 })
    expect(d.transport.writes).toEqual([])
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

  it('backup create without an instance on a terminal: pick it, confirm, fills -n', async () => {
    const d = fakeDeps({ interactive: true })
    d.transport.seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders' } }))
    d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', replicas: 1, ready: 1, created: '2026-11-25T11:00:00Z' }))
    d.transport.seed(R.secrets, credentials({ name: 'orders', password: 'x-Pa55word-1' }))
    const raw: { namespace?: string } = {}
    const p = new FakePrompter({ 'Instance to back up': ['orders'], 'Back up': [true] })
    expect(await promptBackupCreate(undefined, raw, 'table', d, p)).toBe('orders')
    expect(raw.namespace).toBe('dbaas-orders')
    expect(d.err.text).toContain('dbaas backup create orders -n dbaas-orders')
  })

  it('without a terminal (or with -o json) a missing argument is a usage error naming it; given ones pass through', async () => {
    const d = fakeDeps({ interactive: false })
    await expect(promptBackupCreate(undefined, {}, 'table', d)).rejects.toMatchObject({ exitCode: 2, message: 'missing argument: instance' })
    await expect(promptRestore(undefined, { to: 'x' }, 'table', d)).rejects.toMatchObject({ exitCode: 2, message: 'missing argument: backup' })
    await expect(promptFailover(undefined, {}, 'table', d)).rejects.toMatchObject({ exitCode: 2, message: 'missing argument: name' })
    const tty = fakeDeps({ interactive: true })
    await expect(promptBackupCreate(undefined, {}, 'json', tty)).rejects.toMatchObject({ exitCode: 2 })
    expect(await promptRestore('b1', { to: 'x' }, 'table', tty)).toBe('b1')
    expect(await promptFailover('c1', {}, 'table', tty)).toBe('c1')
  })

  it('--dry-run=client stays offline: no live name check, no storage class question, no request', async () => {
    const d = fakeDeps()
    const p = new FakePrompter({ Name: ['orders'], version: ['18'], Size: [sizePresets[0]], Create: [true] })
    const a = await guidedCreate(base({ engine: 'pg', offline: true, passthrough: ['--dry-run=client'] }), p, d)
    expect(a.command).toBe('dbaas create postgresql orders --version 18 --storage 10Gi --cpu 250m --memory 512Mi --dry-run=client')
    expect(d.transport.requests).toEqual([])
  })
})
