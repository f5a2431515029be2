import { afterEach, describe, expect, it, vi } from 'vitest'
import { asProgram, programName } from '../../src/program-name.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'

describe('the program name', () => {
  it('is `kubectl dbaas` when run as kubectl-dbaas (npm bin link, krew launcher) or kubectl_complete-dbaas', () => {
    expect(programName('/usr/local/bin/kubectl-dbaas')).toBe('kubectl dbaas')
    expect(programName('/home/u/.krew/bin/kubectl-dbaas')).toBe('kubectl dbaas')
    expect(programName('/usr/local/bin/kubectl_complete-dbaas')).toBe('kubectl dbaas')
    expect(programName('/usr/local/bin/dbaas')).toBe('dbaas')
    expect(programName('/opt/dbaas/bin/dbaas.js')).toBe('dbaas')
    expect(programName(undefined)).toBe('dbaas')
  })

  it('rewrites dbaas in command position only', () => {
    expect(asProgram('dbaas create pg x', 'kubectl dbaas')).toBe('kubectl dbaas create pg x')
    expect(asProgram('vault read x | dbaas create pg x --password-stdin', 'kubectl dbaas')).toBe('vault read x | kubectl dbaas create pg x --password-stdin')
    expect(asProgram('dbaas backup create o && dbaas backup list o', 'kubectl dbaas')).toBe('kubectl dbaas backup create o && kubectl dbaas backup list o')
    expect(asProgram('eval "$(dbaas connection o --format env)"', 'kubectl dbaas')).toBe('eval "$(kubectl dbaas connection o --format env)"')
    // Not a command: a namespace, a label value, a file name.
    expect(asProgram('dbaas list -n dbaas-orders -l app=dbaas', 'kubectl dbaas')).toBe('kubectl dbaas list -n dbaas-orders -l app=dbaas')
    expect(asProgram('dbaas create pg x', 'dbaas')).toBe('dbaas create pg x')
  })
})

describe('help as the kubectl plugin', () => {
  const argv1 = process.argv[1]
  afterEach(() => {
    process.argv[1] = argv1 as string
    vi.resetModules()
  })

  it('usage lines and every example line say kubectl dbaas', async () => {
    process.argv[1] = '/usr/local/bin/kubectl-dbaas'
    // The name is read when the CLI's modules load, as it is when kubectl starts the plugin.
    vi.resetModules()
    const { main } = await import('../../src/cli.ts')
    for (const args of [['--help'], ['create', '--help'], ['ha', 'create', '--help'], ['backup', '--help'], ['images', '--help']]) {
      const d = fakeDeps()
      expect(await main(args, d)).toBe(0)
      const help = d.out.text
      expect(help, args.join(' ')).toMatch(/^Usage: kubectl dbaas\b/m)
      const examples = help.split('\n').filter((l) => /^ {2}\S/.test(l) && !l.trimStart().startsWith('#') && help.indexOf('Examples:') >= 0 && help.indexOf(l) > help.indexOf('Examples:'))
      for (const l of examples) expect(l, args.join(' ')).not.toMatch(/(^|\|\s*|&&\s*)dbaas\s/)
      if (args[0] !== '--help') expect(examples.some((l) => l.includes('kubectl dbaas '))).toBe(true)
    }
  })
})
