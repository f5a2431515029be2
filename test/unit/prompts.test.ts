// The no-TTY rules: --no-input anywhere before `--`, CI, and missing arguments as usage errors.
import { describe, expect, it } from 'vitest'
import { globalFlags, main } from '../../src/cli.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'

describe('no-input', () => {
  it('is removed from anywhere before --, and kept after it', () => {
    expect(globalFlags(['create', '--no-input', 'pg'])).toEqual({ args: ['create', 'pg'], noInput: true, verbosity: undefined })
    expect(globalFlags(['--no-input', 'list'])).toEqual({ args: ['list'], noInput: true, verbosity: undefined })
    expect(globalFlags(['connect', 'x', '--', '--no-input'])).toEqual({ args: ['connect', 'x', '--', '--no-input'], noInput: false, verbosity: undefined })
    expect(globalFlags(['list'])).toEqual({ args: ['list'], noInput: false, verbosity: undefined })
  })

  it('-v N, -vN, --v=N and --v N are the verbosity wherever they stand before --', () => {
    expect(globalFlags(['list', '-v', '6'])).toMatchObject({ args: ['list'], verbosity: 6 })
    expect(globalFlags(['-v8', 'status', 'x'])).toMatchObject({ args: ['status', 'x'], verbosity: 8 })
    expect(globalFlags(['list', '--v=6'])).toMatchObject({ args: ['list'], verbosity: 6 })
    expect(globalFlags(['connect', 'x', '--', '-v', '6'])).toMatchObject({ args: ['connect', 'x', '--', '-v', '6'], verbosity: undefined })
    expect(() => globalFlags(['list', '-v', 'loud'])).toThrow(/verbosity level/)
  })

  it('create without arguments on a terminal but with --no-input: exit 2 naming the argument', async () => {
    const d = fakeDeps({ interactive: true })
    expect(await main(['create', '--no-input'], d)).toBe(2)
    expect(d.err.text).toContain('missing argument: engine')
  })

  it('create without a name and without a terminal: exit 2 naming it', async () => {
    const d = fakeDeps({ interactive: false })
    expect(await main(['create', 'postgres'], d)).toBe(2)
    expect(d.err.text).toContain('missing argument: name')
  })
})
