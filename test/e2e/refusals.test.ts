// Every class of bad input is refused with its exit code, a one-line error with a hint — and nothing is
// written to the cluster.
import { describe, expect, it } from 'vitest'
import { uniqueName } from '../lab/fixtures/lab.ts'
import { dbaas, kubeconfigFile, written } from './helpers.ts'

interface Case {
  why: string
  args: (name: string) => string[]
  env?: NodeJS.ProcessEnv
  exit: number
  message: RegExp
}

const badKubeconfig = () => kubeconfigFile('apiVersion: v1\nclusters: [[[\n')
const unreachable = () =>
  kubeconfigFile(
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
      'users: [{name: u, user: {token: abc}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
  )

const cases: Case[] = [
  { why: 'invalid name', args: () => ['create', 'postgres', 'Bad_Name'], exit: 2, message: /not valid/ },
  { why: 'name too long', args: (n) => ['create', 'postgres', `${n}-${'b'.repeat(40 - n.length)}`], exit: 2, message: /at most 40/ },
  { why: 'unknown engine', args: (n) => ['create', 'oracle', n], exit: 2, message: /unknown engine "oracle"/ },
  { why: 'unknown version', args: (n) => ['create', 'mysql', n, '--version', '5.1'], exit: 2, message: /not supported/ },
  { why: 'malformed storage', args: (n) => ['create', 'pg', n, '--storage', 'ten'], exit: 2, message: /not a size/ },
  { why: 'malformed cpu', args: (n) => ['create', 'pg', n, '--cpu', 'lots'], exit: 2, message: /not a CPU amount/ },
  { why: 'malformed memory', args: (n) => ['create', 'pg', n, '--memory', '-1'], exit: 2, message: /not a memory size/ },
  { why: 'unknown flag', args: (n) => ['create', 'pg', n, '--replicaz', '3'], exit: 2, message: /unknown option/ },
  { why: 'missing kubeconfig', args: (n) => ['create', 'pg', n, '--kubeconfig', '/nonexistent/config'], exit: 5, message: /does not exist/ },
  { why: 'broken kubeconfig', args: (n) => ['create', 'pg', n], env: { KUBECONFIG: '' }, exit: 5, message: /not valid YAML/ },
  { why: 'unreachable cluster', args: (n) => ['create', 'pg', n], env: {}, exit: 5, message: /cannot reach the cluster/ },
  { why: 'unknown storage class', args: (n) => ['create', 'pg', n, '--storage-class', 'no-such-class'], exit: 2, message: /storage class "no-such-class" does not exist/ },
  { why: 'helm missing', args: (n) => ['create', 'pg', n], env: { DBAAS_HELM: '/nonexistent/helm' }, exit: 7, message: /helm is not installed/ },
  { why: 'bad -o', args: () => ['list', '-o', 'csv'], exit: 2, message: /unknown output format/ },
  { why: 'bad --timeout', args: (n) => ['create', 'pg', n, '--timeout', 'soon'], exit: 2, message: /not a duration/ },
]

describe('bad input is refused before any write', () => {
  it.each(cases)('$why → exit $exit', async (c) => {
    const name = uniqueName('bad')
    let env = c.env
    if (c.why === 'broken kubeconfig') env = { KUBECONFIG: badKubeconfig() }
    if (c.why === 'unreachable cluster') env = { KUBECONFIG: unreachable() }
    const args = c.args(name)
    const r = await dbaas(args, env ? { env } : {})
    expect(r.exitCode, r.stderr).toBe(c.exit)
    expect(r.stderr).toMatch(c.message)
    expect(r.stdout).toBe('')
    // One line of error, then (for dbaas's own errors) one line of hint.
    const lines = r.stderr.trim().split('\n')
    expect(lines.length).toBeLessThanOrEqual(c.why === 'unknown flag' ? 3 : 2)
    // Nothing under the exact name the CLI was given (the argument after the engine, for create).
    const given = args[0] === 'create' && args[2] ? args[2] : name
    expect(await written(given)).toEqual([])
  })

  it('reports errors as JSON on stderr with -o json, keeping stdout empty', async () => {
    const r = await dbaas(['create', 'oracle', uniqueName('bad'), '-o', 'json'])
    expect(r.exitCode).toBe(2)
    expect(r.stdout).toBe('')
    const e = JSON.parse(r.stderr.trim())
    expect(e.error).toMatchObject({ code: 'usage', message: 'unknown engine "oracle"' })
    expect(e.error.hint).toContain('postgresql')
  })

  it('an unknown instance is not found (3) for every verb', async () => {
    const name = uniqueName('none')
    for (const verb of [['status', name], ['connection', name], ['logs', name], ['delete', name, '--yes']]) {
      const r = await dbaas(verb)
      expect(r.exitCode, verb.join(' ')).toBe(3)
      expect(r.stderr).toContain(`instance "${name}" not found`)
    }
  })
})
