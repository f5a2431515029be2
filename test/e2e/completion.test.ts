// Completion through the real shells' functions: bash's completion function run in a subshell with
// COMP_WORDS set, against the lab for live instance names; zsh's and fish's; kubectl's plugin completion
// executable. zsh and fish are part of the setup (test/lab/install-deps.sh): without them these tests fail.
import { execa } from 'execa'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { labInfo, uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, cliPath, dbaas, dbaasOk } from './helpers.ts'

const binDir = mkdtempSync(join(tmpdir(), 'dbaas-bin-'))
writeFileSync(join(binDir, 'dbaas'), `#!/bin/sh\nexec "${process.execPath}" "${cliPath}" "$@"\n`)
chmodSync(join(binDir, 'dbaas'), 0o755)

/** Runs bash's completion for these words (the last one is being completed) and returns COMPREPLY. */
async function bashComplete(words: string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const arr = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ')
  const script = `source <(dbaas completion bash); COMP_WORDS=(dbaas ${arr}); COMP_CWORD=${words.length}; _dbaas; printf '%s\\n' "\${COMPREPLY[@]}"`
  const r = await execa('bash', ['-c', script], { env: { PATH: `${binDir}:${process.env.PATH}`, KUBECONFIG: labInfo().kubeconfig, ...env }, reject: false })
  expect(r.exitCode, String(r.stderr)).toBe(0)
  return String(r.stdout).split('\n').filter(Boolean)
}

describe('completion', () => {
  const name = uniqueName('compl')
  beforeAll(async () => {
    await dbaasOk(['create', 'postgres', name, '--storage', '1Gi', '--no-wait'])
  })
  afterAll(() => cleanupInstance(name))

  it('prints a script for each shell and refuses others', async () => {
    for (const sh of ['bash', 'zsh', 'fish']) expect((await dbaasOk(['completion', sh])).stdout).toContain('__complete')
    const bad = await dbaas(['completion', 'tcsh'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('unknown shell')
  })

  it('completes subcommands', async () => {
    expect(await bashComplete(['cr'])).toEqual(['create'])
    expect(await bashComplete(['co'])).toEqual(expect.arrayContaining(['connection', 'connect', 'completion']))
  })

  it('completes flags, engines and versions', async () => {
    expect(await bashComplete(['create', 'postgres', 'x', '--stor'])).toEqual(['--storage', '--storage-class'])
    expect(await bashComplete(['create', 'ma'])).toEqual(['mariadb'])
    expect(await bashComplete(['create', 'mysql', 'x', '--version', ''])).toEqual(['9.7', '8.4'])
    expect(await bashComplete(['list', '-o', 'y'])).toEqual(['yaml'])
  })

  it('completes live instance names from the cluster', async () => {
    expect(await bashComplete(['status', name.slice(0, 7)])).toContain(name)
    expect(await bashComplete(['delete', name])).toEqual([name])
  })

  it('is silent when the cluster cannot be reached, within --request-timeout', async () => {
    const t0 = Date.now()
    const words = await bashComplete(['status', '--request-timeout', '1s', 'x'], { KUBECONFIG: '/nonexistent/kubeconfig' })
    expect(words).toEqual([])
    expect(Date.now() - t0).toBeLessThan(10_000)
  })

  it('did you mean: a mistyped instance name and a mistyped subcommand', async () => {
    const typo = name.slice(0, -1)
    const r = await dbaas(['status', typo])
    expect(r.exitCode).toBe(3)
    expect(r.stderr).toContain(`did you mean "${name}"`)
    const sub = await dbaas(['stauts', name])
    expect(sub.exitCode).toBe(2)
    expect(sub.stderr).toContain('(Did you mean status?)')
  })

  it('zsh calls the same __complete', async () => {
    const env = { PATH: `${binDir}:${process.env.PATH}`, KUBECONFIG: labInfo().kubeconfig }
    const zsh = await execa('zsh', ['-c', `compdef() {}; _describe() { print -l -- "\${(@P)4}" }; source <(dbaas completion zsh); words=(dbaas create ma); CURRENT=3; _dbaas`], { env, reject: false })
    expect(zsh.exitCode, String(zsh.stderr)).toBe(0)
    expect(String(zsh.stdout).trim()).toBe('mariadb:MariaDB 12.3, 11.8, 11.4, 10.11')
  })

  it('fish calls the same __complete, with live instance names', async () => {
    const env = { PATH: `${binDir}:${process.env.PATH}`, KUBECONFIG: labInfo().kubeconfig }
    const fish = await execa('fish', ['-c', `dbaas completion fish | source; complete -C "dbaas status ${name.slice(0, 7)}"`], { env, reject: false })
    expect(fish.exitCode, String(fish.stderr)).toBe(0)
    expect(String(fish.stdout)).toMatch(new RegExp(`^${name}\t`, 'm'))
  })

  it('kubectl_complete-dbaas speaks cobra\'s protocol for `kubectl dbaas <TAB>`', async () => {
    const bin = new URL('../../bin/kubectl_complete-dbaas', import.meta.url).pathname
    const r = await execa(bin, ['status', name], { env: { KUBECONFIG: labInfo().kubeconfig }, reject: false })
    expect(r.exitCode, String(r.stderr)).toBe(0)
    expect(String(r.stdout).split('\n')).toEqual([expect.stringMatching(new RegExp(`^${name}\\t`)), ':4'])
  })
})
