// The no-TTY rules: --no-input anywhere before `--`, CI, and missing arguments as usage errors.
import { describe, expect, it } from 'vitest'
import { main, noInput } from '../../src/cli.ts'
import { fakeDeps } from '../helpers/fake-deps.ts'

describe('no-input', () => {
  it('is removed from anywhere before --, and kept after it', () => {
    expect(noInput(['create', '--no-input', 'pg'])).toEqual({ args: ['create', 'pg'], noInput: true })
    expect(noInput(['--no-input', 'list'])).toEqual({ args: ['list'], noInput: true })
    expect(noInput(['connect', 'x', '--', '--no-input'])).toEqual({ args: ['connect', 'x', '--', '--no-input'], noInput: false })
    expect(noInput(['list'])).toEqual({ args: ['list'], noInput: false })
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
