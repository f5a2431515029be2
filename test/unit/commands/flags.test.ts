import { describe, expect, it } from 'vitest'
import { clusterFlags, parseDryRun, waits } from '../../../src/commands/flags.ts'
import { progressUi } from '../../../src/output/ui.ts'
import { UsageError } from '../../../src/errors.ts'
import { silentUi } from '../../../src/output/ui.ts'
import { Capture } from '../../helpers/fake-deps.ts'

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

describe('waits', () => {
  it('--wait and --no-wait win; neither leaves the verb\'s default', () => {
    expect(waits({}, true)).toBe(true)
    expect(waits({}, false)).toBe(false)
    expect(waits({ wait: true }, false)).toBe(true)
    expect(waits({ wait: false }, true)).toBe(false)
  })
})

describe('progressUi', () => {
  it('is silent for machine formats, plain lines on a non-TTY stderr', async () => {
    const err = new Capture(false)
    for (const format of ['json', 'yaml', 'name', 'jsonpath'] as const) expect(await progressUi(err, () => 0, { format })).toBe(silentUi)
    const ui = await progressUi(err, () => 0, { format: 'table' })
    expect(ui).not.toBe(silentUi)
    ui.step('Creating x')
    ui.done()
    expect(err.text).toBe('✔ Creating x (0.0s)\n')
  })
})
