// engines has no options beyond -o.
import type { CompleteContext } from '../pipeline.ts'

export function complete(_c: CompleteContext<Record<string, never>>): Record<string, never> {
  return {}
}

export function validate(): Record<string, never> {
  return {}
}
