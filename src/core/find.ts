// Finding an instance by name, the same way for every verb: in the -n namespace when given; otherwise by
// label across all namespaces in one request; when RBAC forbids that, in the context's namespace and then
// in dbaas-<name>.
import { NotFoundError, UsageError, type DbaasError } from '../errors.ts'
import { apiInfo } from '../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../k8s/kube.ts'
import { instanceSelector, KIND } from '../k8s/labels.ts'
import { HA_CREDENTIALS } from './ha/model.ts'
import { groupInstances, type InstanceParts } from './instances.ts'
import { defaultNamespace } from './names.ts'
import { notFoundSuggesting } from './did-you-mean.ts'

export interface FindOptions {
  name: string
  /** -n, when given. */
  namespace?: string | undefined
}

function isForbidden(err: unknown): boolean {
  return apiInfo(err)?.httpCode === 403
}

/** The namespaces holding objects dbaas labelled with this instance name. */
export async function namespacesOf(kube: Kube, name: string): Promise<{ namespaces: string[]; secrets: KubeObject[] } | 'forbidden'> {
  try {
    const list = await kube.list(R.secrets, undefined, { labelSelector: instanceSelector(name), metadataOnly: true })
    // An HA cluster's initdb Secret carries the same identity labels; it is not a single instance.
    const secrets = list.items.filter((s) => s.metadata.labels?.[KIND] !== HA_CREDENTIALS)
    const namespaces = [...new Set(secrets.map((s) => s.metadata.namespace ?? ''))].sort()
    return { namespaces, secrets }
  } catch (err) {
    if (isForbidden(err)) return 'forbidden'
    throw err
  }
}

async function partsIn(kube: Kube, name: string, namespace: string, secrets?: KubeObject[]): Promise<InstanceParts | undefined> {
  const [sts, found] = await Promise.all([
    kube.find(R.statefulSets, namespace, name),
    secrets ? Promise.resolve(secrets) : kube.list(R.secrets, namespace, { labelSelector: instanceSelector(name), metadataOnly: true }).then((l) => l.items),
  ])
  const groups = groupInstances(sts ? [sts] : [], found.filter((s) => s.metadata.namespace === namespace || s.metadata.namespace === undefined))
  return groups.find((g) => g.name === name)
}

export function notFound(name: string, namespace?: string): DbaasError {
  return new NotFoundError(`instance "${name}" not found${namespace ? ` in namespace ${namespace}` : ''}`, {
    hint: namespace ? `check the name and namespace with \`dbaas list -n ${namespace}\`` : 'check the name with `dbaas list`',
  })
}

/** Resolves an instance to its namespace and objects, or throws NotFound (3) / ambiguous (2). */
export async function findInstance(kube: Kube, opts: FindOptions): Promise<InstanceParts> {
  const { name } = opts
  if (opts.namespace) {
    const parts = await partsIn(kube, name, opts.namespace)
    if (!parts) throw await notFoundSuggesting(kube, name, opts.namespace, notFound(name, opts.namespace))
    return parts
  }
  const found = await namespacesOf(kube, name)
  if (found === 'forbidden') {
    // No cluster-wide access: look where the instance would be, in order.
    for (const ns of [...new Set([kube.contextNamespace, defaultNamespace(name)])]) {
      try {
        const parts = await partsIn(kube, name, ns)
        if (parts) return parts
      } catch (err) {
        if (!isForbidden(err)) throw err
      }
    }
    throw new NotFoundError(`instance "${name}" not found in namespace ${kube.contextNamespace} or ${defaultNamespace(name)}`, {
      hint: 'you may not list across namespaces: pass -n with the instance\'s namespace',
    })
  }
  if (found.namespaces.length === 0) throw await notFoundSuggesting(kube, name, undefined, notFound(name))
  if (found.namespaces.length > 1) {
    throw new UsageError(`instance "${name}" exists in several namespaces: ${found.namespaces.join(', ')}`, {
      hint: `pick one with -n, e.g. dbaas … ${name} -n ${found.namespaces[0]}`,
      details: { namespaces: found.namespaces },
    })
  }
  const ns = found.namespaces[0] as string
  const parts = await partsIn(kube, name, ns, found.secrets)
  if (!parts) throw notFound(name, ns)
  return parts
}
