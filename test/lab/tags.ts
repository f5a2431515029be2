// Tags for tests that need what only some clusters have. A skipped test always says why: the reason (one of
// SKIP_REASONS) is in its title (`… [skipped: needs a real cluster]`) and on stderr with the detail, and
// scripts/summarize-tests.ts fails the run when a test skipped on the lab for any reason but
// "needs a real cluster", "needs a real operator" or "needs the real node" — or without a reason.
//
//   labOnly(detail)        the lab's own facilities (stopping a component, users signed by its CA, its
//                          databases, fixtures that play an operator); skipped against DBAAS_E2E_KUBECONFIG
//   realClusterOnly(detail)  data in volumes, real containers; skipped on the lab
//   realOperatorOnly(detail) the real CloudNativePG operator; skipped on the lab
//   realNodeOnly(detail)   a real kubelet; skipped where the lab has no real node
import { describe, it, type TestContext } from 'vitest'
import { SKIP_REASONS, skipMarker, type SkipReason } from '../helpers/skip-reasons.ts'

export { SKIP_REASONS, type SkipReason }

export const onLab = (): boolean => process.env.DBAAS_E2E_LAB === '1'

/** Whether the lab runs a real node (a kubelet with a container runtime), as its global setup reports it. */
export const hasRealNode = (): boolean => process.env.DBAAS_E2E_REAL_NODE === '1'

type Fn = () => void | Promise<void>
type TestFn = (ctx: TestContext) => void | Promise<void>

export interface Tagged {
  describe: (name: string, fn: Fn) => void
  it: (name: string, fn: TestFn, timeout?: number) => void
}

/** Runs when `runs` is true; otherwise declares the tests skipped with `reason` in their titles and on stderr. */
export function runsWhen(runs: boolean, reason: SkipReason, detail: string): Tagged {
  if (runs) return { describe: (name, fn) => describe(name, fn), it: (name, fn, timeout) => it(name, fn, timeout) }
  const label = (name: string) => `${name} ${skipMarker(reason)}`
  const say = (name: string) => process.stderr.write(`skipping "${name}": ${reason} (${detail})\n`)
  return {
    describe: (name, fn) => {
      say(name)
      describe.skip(label(name), fn)
    },
    it: (name, fn, timeout) => {
      say(name)
      it.skip(label(name), fn, timeout)
    },
  }
}

export const labOnly = (detail: string): Tagged => runsWhen(onLab(), SKIP_REASONS.lab, detail)
export const realClusterOnly = (detail: string): Tagged => runsWhen(!onLab(), SKIP_REASONS.realCluster, detail)
export const realOperatorOnly = (detail: string): Tagged => runsWhen(!onLab(), SKIP_REASONS.realOperator, detail)
export const realNodeOnly = (detail: string): Tagged => runsWhen(!onLab() || hasRealNode(), SKIP_REASONS.realNode, detail)

/**
 * Skips the running test when only the run can tell (e.g. what the cluster offers): the reason goes to stderr
 * and into the task's meta, where the summary reads it.
 */
export function skipNow(ctx: TestContext, reason: SkipReason, detail: string): never {
  ;(ctx.task.meta as Record<string, unknown>).skipReason = reason
  process.stderr.write(`skipping "${ctx.task.name}": ${reason} (${detail})\n`)
  ctx.skip(`${reason}: ${detail}`)
  throw new Error('unreachable: ctx.skip() ends the test')
}
