// Tags for tests that need the lab's own facilities (stopping a component, users signed by the lab CA,
// the local databases, fixtures that play an operator). Against a real cluster (DBAAS_E2E_KUBECONFIG) they
// are skipped, and the reason shows in the test name and on stderr; everything else runs on both.
import { describe, it } from 'vitest'

export const onLab = (): boolean => process.env.DBAAS_E2E_LAB === '1'

type Fn = () => void | Promise<void>

export interface Tagged {
  describe: (name: string, fn: Fn) => void
  it: (name: string, fn: Fn, timeout?: number) => void
}

/** `labOnly('stops a component').it(...)`: runs on the lab, skipped with the reason elsewhere. */
export function labOnly(reason: string): Tagged {
  if (onLab()) return { describe: (name, fn) => describe(name, fn), it: (name, fn, timeout) => it(name, fn, timeout) }
  const label = (name: string) => `${name} [skipped: lab only — ${reason}]`
  return {
    describe: (name, fn) => {
      process.stderr.write(`skipping "${name}": lab only — ${reason}\n`)
      describe.skip(label(name), fn)
    },
    it: (name, fn, timeout) => {
      process.stderr.write(`skipping "${name}": lab only — ${reason}\n`)
      it.skip(label(name), fn, timeout)
    },
  }
}
