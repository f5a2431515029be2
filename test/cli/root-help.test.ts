// The root help drawn without commander (commands/root-help.ts) is byte for byte what commander draws for the
// same command tree, at the widths a terminal may have; and main() serves it for --help, -h, help and no args.
import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { buildProgram, main } from '../../src/cli.ts'
import { rootHelp } from '../../src/commands/root-help.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'

function commanderHelp(program: Command, width: number): string {
  program.configureHelp({ sortSubcommands: false, showGlobalOptions: false, helpWidth: width })
  return program.helpInformation()
}

describe('the root help', () => {
  it.each([80, 100, 120, 160, 250, 60, 30])('at width %i is what commander draws for the same tree', async (width) => {
    const program = await buildProgram(fakeDeps())
    expect(rootHelp(width)).toBe(commanderHelp(program, width))
  })

  it('main() prints it for --help, -h and help on stdout, and for no arguments on stderr; exit 0, nothing sent', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const d = fakeDeps()
      expect(await main(argv, d)).toBe(0)
      expect(d.out.text).toBe(rootHelp(80))
      expect(d.transport.requests).toEqual([])
    }
    const d = fakeDeps()
    expect(await main([], d)).toBe(0)
    expect(d.err.text).toBe(rootHelp(80))
    expect(d.out.text).toBe('')
  })

  it('a verb help still comes from commander with the verb loaded', async () => {
    const d = fakeDeps()
    expect(await main(['help', 'create'], d)).toBe(0)
    expect(d.out.text).toContain('Usage: dbaas create [options] [engine] [name]')
    expect(d.out.text).toContain('--storage-class <class>')
  })
})
