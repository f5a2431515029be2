// Version rules of `upgrade`, pure: what a requested version is against the running one. A version is a
// series (PostgreSQL's major "17", MySQL's and MariaDB's "8.4" / "11.8" — the versions dbaas creates) and,
// optionally, the rest of an image tag ("17.6", "11.8.3"). A bare series tag ("17") floats: dbaas cannot
// tell which minor it runs.
import { UsageError } from '../../errors.ts'

export type VersionChange = 'same' | 'minor-up' | 'minor-down' | 'minor-pin' | 'major-up' | 'major-down'

/** How many leading components make the series: PostgreSQL 1 ("17"), MySQL and MariaDB 2 ("8.4"). */
export function seriesLength(engine: string): number {
  return engine === 'postgresql' ? 1 : 2
}

export function parseVersion(v: string, flag = '--version'): number[] {
  const t = v.trim().replace(/^v/, '')
  if (!/^[0-9]+(\.[0-9]+){0,2}$/.test(t)) {
    throw new UsageError(`${flag} "${v}" is not a version`, { hint: 'e.g. --version 17.6 (a minor release of the running major) or --version 18 (a new major, with --allow-major)' })
  }
  return t.split('.').map(Number)
}

export function seriesOf(engine: string, v: string): string {
  return parseVersion(v).slice(0, seriesLength(engine)).join('.')
}

function cmp(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** The version part of an image tag: "18.1-system-trixie" → "18.1", "17" → "17"; undefined when it is no version. */
export function tagVersion(tag: string): { version: string; suffix: string } | undefined {
  const m = /^v?([0-9]+(?:\.[0-9]+){0,2})(.*)$/.exec(tag)
  return m ? { version: m[1] as string, suffix: m[2] ?? '' } : undefined
}

/** What going from `current` (a tag's version) to `wanted` is, for this engine. */
export function classify(engine: string, current: string, wanted: string): VersionChange {
  const n = seriesLength(engine)
  const a = parseVersion(current)
  const b = parseVersion(wanted)
  const major = cmp(b.slice(0, n), a.slice(0, n))
  if (major > 0) return 'major-up'
  if (major < 0) return 'major-down'
  if (a.length === b.length && cmp(a, b) === 0) return 'same'
  // A floating series tag ("17") or a request for the bare series: which minor runs is unknown.
  if (a.length <= n || b.length <= n) return 'minor-pin'
  return cmp(b, a) > 0 ? 'minor-up' : 'minor-down'
}

/** The refusals every engine shares (2): a major downgrade, a major without --allow-major, a minor downgrade without --allow-downgrade. */
export function checkChange(change: VersionChange, o: { current: string; wanted: string; allowMajor: boolean; allowDowngrade: boolean; what: string }): void {
  if (change === 'major-down') {
    throw new UsageError(`${o.what} runs ${o.current}: going back to the older major ${o.wanted} is not possible (its data files are of the newer major)`, {
      hint: 'restore a backup taken before the major upgrade into a new instance instead (`dbaas restore <backup> --to <new-name>`)',
    })
  }
  if (change === 'major-up' && !o.allowMajor) {
    throw new UsageError(`${o.current} → ${o.wanted} is a major upgrade: it changes the data files and cannot be undone in place`, {
      hint: `pass --allow-major to do it (a backup is taken first); \`dbaas upgrade --help\` says what each engine does`,
    })
  }
  if (change === 'minor-down' && !o.allowDowngrade) {
    throw new UsageError(`${o.current} → ${o.wanted} is a downgrade`, { hint: 'pass --allow-downgrade to go back to an older minor release of the same major (e.g. away from a bad image)' })
  }
}
