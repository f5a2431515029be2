// What the `ha config` unit tests of every engine build the same way: the set options for one cluster, and the
// error a call that must fail ended with.
import type { HaConfigSetOptions } from '../../src/core/day2/ha-config.ts'

/** `ha config set|unset` options for the cluster `name` in `namespace`, waiting, confirmed; `o` overrides. */
export function haConfigOptions(name: string, namespace: string, base: Partial<HaConfigSetOptions> = {}) {
  return (changes: Record<string, string | null>, o: Partial<HaConfigSetOptions> = {}): HaConfigSetOptions =>
    ({
      name,
      namespace,
      cluster: { namespace },
      skipOperatorCheck: false,
      dryRun: 'none',
      wait: true,
      timeoutMs: 20_000,
      yes: true,
      changes,
      ...base,
      ...o,
    }) as HaConfigSetOptions
}

/** The error `p` rejected with; throws when it resolved. */
export async function fails(p: Promise<unknown>): Promise<{ exitCode?: number; message: string; hint?: string }> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  if (!err) throw new Error('it did not fail')
  return err as { exitCode?: number; message: string; hint?: string }
}
