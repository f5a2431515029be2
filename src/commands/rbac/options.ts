// rbac's options: the user's namespace (the kubeconfig context's by default), the verbs, the subject.
import { validateNamespace } from '../../core/names.ts'
import { allVerbs, resolveVerbs, type Verb } from '../../core/rbac.ts'
import { UsageError } from '../../errors.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawRbac {
  namespace?: string
  verbs?: string
  user?: string
  group?: string
  name: string
  kubeconfig?: string
  context?: string
}

export interface RbacOptions {
  namespace: string
  verbs: Verb[]
  user: string | undefined
  group: string | undefined
  name: string
}

export async function complete(c: CompleteContext<RawRbac>): Promise<RawRbac & { namespace: string }> {
  let namespace = c.raw.namespace
  if (namespace === undefined) {
    try {
      namespace = (await c.deps.kubeconfig({ kubeconfig: c.raw.kubeconfig, context: c.raw.context })).namespace
    } catch {
      namespace = 'default'
    }
  }
  return { ...c.raw, namespace }
}

export function validate(i: RawRbac & { namespace: string }): RbacOptions {
  validateNamespace(i.namespace)
  const words = i.verbs ? i.verbs.split(',').map((v) => v.trim()).filter(Boolean) : []
  const { verbs, unknown } = i.verbs ? resolveVerbs(words) : { verbs: allVerbs, unknown: [] }
  if (unknown.length) throw new UsageError(`unknown verb ${unknown.map((v) => `"${v}"`).join(', ')}`, { hint: `use: ${allVerbs.join(', ')} (or backup, ha, metrics for all of theirs; schedule for backup schedule)` })
  return { namespace: i.namespace, verbs, user: i.user, group: i.group, name: i.name }
}
