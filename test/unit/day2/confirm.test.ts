// The one confirmation rule of the day-2 verbs (src/commands/change.ts): a verb that restarts asks; `confirms` may
// decide from the plan (ha config set asks only when the operator will restart the instances).
import { describe, expect, it } from 'vitest'
import { runChange } from '../../../src/commands/change.ts'
import type { ChangeOptions, Day2Plan, Day2Result } from '../../../src/core/day2/model.ts'
import { fakeDeps } from '../../helpers/fake-deps.ts'

const plan = { verb: 'ha config set', kind: 'ha-cluster', name: 'pay', namespace: 'dbaas-pay', changes: [], effects: [], warnings: [], noop: false } as unknown as Day2Plan
const opts = { yes: false, dryRun: 'none', canPrompt: false } as unknown as ChangeOptions

async function run(restart: string[], o: ChangeOptions = opts): Promise<{ executed: boolean; error?: unknown }> {
  let executed = false
  try {
    await runChange(o, fakeDeps(), {
      confirms: (p: { extra: { restart: string[] } }) => p.extra.restart.length > 0,
      plan: async () => ({ plan, extra: { restart } }),
      execute: async () => ((executed = true), {} as Day2Result),
    })
    return { executed }
  } catch (error) {
    return { executed, error }
  }
}

describe('runChange confirmation decided from the plan', () => {
  it('a plan without a restart runs without asking', async () => {
    expect(await run([])).toEqual({ executed: true })
  })
  it('a plan with a restart, no terminal and no --yes: exit 2, nothing executed', async () => {
    const r = await run(['max_connections'])
    expect(r.executed).toBe(false)
    expect(r.error).toMatchObject({ exitCode: 2, message: expect.stringMatching(/without confirmation/) })
  })
  it('--yes runs it', async () => {
    expect(await run(['max_connections'], { ...opts, yes: true } as ChangeOptions)).toEqual({ executed: true })
  })
})
