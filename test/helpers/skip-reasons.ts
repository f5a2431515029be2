// The only reasons a test may be skipped, in one place (no vitest import: scripts/summarize-tests.ts reads it).
// A skipped test carries its reason in its title (`… [skipped: <reason>]`, see test/lab/tags.ts) or, when it
// decided at run time, in its task meta (`skipReason`); the summary fails the run on any other skip.

export const SKIP_REASONS = {
  /** Data inside volumes, real containers: the lab's pods run nothing and its volumes hold no data. */
  realCluster: 'needs a real cluster',
  /** A real CloudNativePG operator reacting on its own (on the lab, a fixture plays it step by step). */
  realOperator: 'needs a real operator',
  /** A real kubelet with a container runtime on the lab's real node, when the lab runs without one. */
  realNode: 'needs the real node',
  /** Lab facilities (stopping components, users signed by the lab CA, its databases): off the lab only. */
  lab: 'needs the lab',
} as const

export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS]

/** What may be skipped when the suite runs on the lab: everything it cannot be, nothing else. */
export const LAB_SKIP_REASONS: readonly SkipReason[] = [SKIP_REASONS.realCluster, SKIP_REASONS.realOperator, SKIP_REASONS.realNode]

export const ALL_SKIP_REASONS: readonly SkipReason[] = Object.values(SKIP_REASONS)

/** The title suffix a skipped test carries. */
export const skipMarker = (reason: SkipReason): string => `[skipped: ${reason}]`

/** Finds the skip reason in a test's full name (its own title and its describes'). */
export function reasonInTitle(fullName: string): string | undefined {
  return /\[skipped: ([^\]]+)\]/.exec(fullName)?.[1]
}
