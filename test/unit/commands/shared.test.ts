import { describe, expect, it } from 'vitest'
import { clusterFlags, parseDryRun, withProgress } from '../../../src/commands/shared.ts'
import { UsageError } from '../../../src/errors.ts'
import { silentUi } from '../../../src/output/ui.ts'
import { fakeDeps } from '../../helpers/fake-deps.ts'

describe('parseDryRun', () => {
  it.each([
    [undefined, 'none'],
    [false, 'none'],
    ['none', 'none'],
    [true, 'client'],
    ['client', 'client'],
    ['server', 'server'],
  ] as const)('%j → %s', (v, want) => {
    expect(parseDryRun(v)).toBe(want)
  })
  it('refuses anything else', () => {
    expect(() => parseDryRun('all')).toThrow(UsageError)
  })
})

describe('clusterFlags', () => {
  it('passes the flags through after validating the namespace and request timeout', () => {
    expect(clusterFlags({ kubeconfig: '/k', context: 'c', namespace: 'team', requestTimeout: '10s' })).toEqual({
      kubeconfig: '/k',
      context: 'c',
      namespace: 'team',
      requestTimeout: '10s',
    })
    expect(() => clusterFlags({ namespace: 'Team' })).toThrow(UsageError)
    expect(() => clusterFlags({ requestTimeout: 'later' })).toThrow(/--request-timeout/)
  })
})

describe('withProgress', () => {
  it('is silent for machine formats and --quiet, plain lines on a non-TTY stderr', async () => {
    const d = fakeDeps()
    for (const fmt of ['json', 'yaml', 'name'] as const) expect((await withProgress(d, fmt)).ui).toBe(silentUi)
    expect((await withProgress(d, 'table', true)).ui).toBe(silentUi)
    const ui = (await withProgress(d, 'table')).ui
    expect(ui).not.toBe(silentUi)
    ui.step('Creating x')
    ui.done()
    expect(d.out.text).toBe('')
    expect(d.err.text).toBe('✔ Creating x (0.0s)\n')
  })
})
