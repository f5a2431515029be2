// completion's options: the shell.
import { shells, type Shell } from '../../core/completion.ts'
import { UsageError } from '../../errors.ts'
import type { CompleteContext } from '../pipeline.ts'

export function complete(c: CompleteContext<Record<string, never>>): { shell: string } {
  return { shell: c.args[0] as string }
}

export function validate(i: { shell: string }): { shell: Shell } {
  if (!(shells as readonly string[]).includes(i.shell)) throw new UsageError(`unknown shell "${i.shell}"`, { hint: `use one of: ${shells.join(', ')}` })
  return { shell: i.shell as Shell }
}
