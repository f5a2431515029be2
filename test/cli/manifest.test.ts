// The command manifest (what help and suggestions use without loading a verb) says what each loaded verb
// says: name, aliases, description and the term help prints for it. No verb of the tree is missing a loader.
import { Command, Help } from 'commander'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../../src/cli.ts'
import { commandTree, pathOf, type CommandEntry } from '../../src/commands/index.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'

function leaves(entries: CommandEntry[], prefix: string[] = []): Array<{ path: string[]; entry: CommandEntry }> {
  return entries.flatMap((e) => (e.children ? leaves(e.children, [...prefix, e.name]) : [{ path: [...prefix, e.name], entry: e }]))
}

function find(program: Command, path: string[]): Command {
  let c = program
  for (const name of path) c = c.commands.find((x) => x.name() === name) as Command
  return c
}

describe('the command manifest', () => {
  const help = new Help()
  it.each(leaves(commandTree).map((l) => [l.path.join(' '), l] as const))('%s: the stub matches the loaded command', async (_, { path, entry }) => {
    expect(entry.load, `${path.join(' ')} has no loader`).toBeDefined()
    const stubs = await buildProgram(fakeDeps())
    const loaded = await buildProgram(fakeDeps(), { load: pathOf(path) })
    const stub = find(stubs, path)
    const real = find(loaded, path)
    expect(real.name()).toBe(entry.name)
    expect(real.aliases()).toEqual(entry.aliases ?? [])
    expect(real.description()).toBe(entry.description)
    expect(help.subcommandTerm(stub)).toBe(help.subcommandTerm(real))
  })

  it('pathOf follows names and aliases, and stops at the first flag or unknown word', () => {
    expect(pathOf(['ha', 'backup', 'ls', 'x']).map((e) => e.name)).toEqual(['ha', 'backup', 'list'])
    expect(pathOf(['rm', 'x']).map((e) => e.name)).toEqual(['delete'])
    expect(pathOf(['--help', 'create'])).toEqual([])
    expect(pathOf(['creat', 'x'])).toEqual([])
  })
})
