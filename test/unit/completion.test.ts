// Completion over fakes: the __complete protocol, the tree walk, flag values and live names.
import { describe, expect, it } from 'vitest'
import { buildProgram, main } from '../../src/cli.ts'
import { completeWords } from '../../src/commands/complete-words.ts'
import { completionScript, formatCompletion } from '../../src/core/completion.ts'
import { R } from '../../src/k8s/kube.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'
import { credentials, namespace, statefulSet } from '../helpers/fixtures.ts'

async function values(words: string[], seed = false): Promise<string[]> {
  const d = fakeDeps()
  if (seed) {
    d.transport.seed(R.namespaces, namespace('dbaas-orders', { instance: { name: 'orders' } }))
    d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', replicas: 1, ready: 1, created: '2026-11-25T11:00:00Z' }))
    d.transport.seed(R.secrets, credentials({ name: 'orders', password: 'x-Pa55word-1' }))
  }
  const r = await completeWords(await buildProgram(d, { load: 'all' }), words, d)
  return r.items.map((c) => c.value)
}

describe('completion', () => {
  it('formats cobra\'s protocol', () => {
    expect(formatCompletion([{ value: 'a', description: 'first' }, { value: 'b' }], 4)).toBe('a\tfirst\nb\n:4\n')
    expect(formatCompletion([{ value: 'a', description: 'first' }], 4, false)).toBe('a\n:4\n')
  })

  it('subcommands, then engines, then nothing for a new name', async () => {
    expect(await values([''])).toEqual(expect.arrayContaining(['create', 'list', 'doctor', 'completion']))
    expect(await values(['create', ''])).toEqual(expect.arrayContaining(['postgresql', 'pg', 'mysql', 'mariadb']))
    expect(await values(['create', 'postgres', ''])).toEqual([])
  })

  it('flag values: versions of the engine given, -o formats', async () => {
    expect(await values(['create', 'mariadb', 'x', '--version', ''])).toEqual(['12.3', '11.8', '11.4', '10.11'])
    expect(await values(['list', '-o', ''])).toEqual(['table', 'wide', 'json', 'yaml', 'name', 'jsonpath='])
    expect(await values(['list', '--output=j'])).toEqual(expect.arrayContaining(['--output=json']))
  })

  it('live instance names for instance arguments', async () => {
    expect(await values(['status', ''], true)).toEqual(['orders'])
    expect(await values(['connect', '-n', 'dbaas-orders', ''], true)).toEqual(['orders'])
  })

  it('silent on cluster errors', async () => {
    const d = fakeDeps()
    d.transport.fail({ path: /./, failure: { code: 500, message: 'boom' } })
    expect(await main(['__complete', 'status', ''], d)).toBe(0)
    expect(d.out.text).toBe(':4\n')
    expect(d.err.text).toBe('')
  })

  it('scripts call __complete for each shell', () => {
    expect(completionScript('bash')).toContain('complete -F _dbaas dbaas')
    expect(completionScript('zsh')).toContain('compdef _dbaas dbaas')
    expect(completionScript('fish')).toContain('complete -c dbaas')
  })
})
