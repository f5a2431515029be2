// Finding an instance by name, the same way for every verb: in the -n namespace when given; otherwise by
// label across all namespaces in one request; when RBAC forbids that, in the context's namespace and then
// in dbaas-<name>.
import { ConflictError, NotFoundError, UsageError, type DbaasError } from '../errors.ts'
import { apiInfo } from '../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../k8s/kube.ts'
import { instanceSelector, KIND } from '../k8s/labels.ts'
import { HA_CREDENTIALS } from './ha/model.ts'
import { HA_ENGINES } from './ha/registry.ts'
import { groupInstances, type InstanceParts } from './instances.ts'
import { defaultNamespace } from './names.ts'
import { notFoundSuggesting } from './did-you-mean.ts'

export interface FindOptions {
  name: string
  /** -n, when given. */
  namespace?: string | undefined
  /** The `dbaas ha …` verb that does for an HA cluster what the caller does for an instance (default: status). */
  haVerb?: string | undefined
}

/** A single-instance verb was given an HA cluster's name: exit 2, naming the `dbaas ha` verb to use. */
export class HaClusterError extends UsageError {
  readonly namespace: string
  constructor(name: string, namespace: string, haVerb: string) {
    super(`"${name}" is an HA cluster (namespace ${namespace}), not a single instance`, {
      hint: `this is an HA cluster: use \`dbaas ${haVerb} ${name} -n ${namespace}\``,
      details: { kind: 'ha-cluster', namespace },
    })
    this.namespace = namespace
  }
}

/**
 * The namespaces holding an HA cluster of this name, of any HA engine (CloudNativePG, Percona XtraDB Cluster,
 * the MariaDB operator): with -n, any object of an HA kind with that name; otherwise the ones dbaas labelled.
 */
export async function haClusterNamespaces(kube: Kube, name: string, namespace?: string): Promise<string[]> {
  const found = await Promise.all(
    HA_ENGINES.map(async (e) => {
      try {
        if (namespace) return (await kube.find(e.resource, namespace, name)) ? [namespace] : []
        const list = await kube.list(e.resource, undefined, { labelSelector: instanceSelector(name), metadataOnly: true })
        return list.items.map((c) => c.metadata.namespace ?? '')
      } catch (err) {
        // This engine's CRDs are not served (404), or the user may not look (403): no HA cluster of that kind.
        const code = apiInfo(err)?.httpCode
        if (code === 404 || code === 403) return []
        throw err
      }
    }),
  )
  return [...new Set(found.flat())].sort()
}

/**
 * One name, one kind, per namespace: a single instance and an HA cluster of the same name would share
 * Services, Secrets and every `dbaas` verb's lookups. Both creates (and restore) call this before writing;
 * it refuses (exit 4) when the other kind holds the name there.
 */
export async function checkNameFree(kube: Kube, name: string, namespace: string, creating: 'instance' | 'ha-cluster'): Promise<void> {
  if (creating === 'instance') {
    if ((await haClusterNamespaces(kube, name, namespace)).length === 0) return
    throw new ConflictError(`an HA cluster named "${name}" exists in namespace ${namespace}; a single instance cannot have the same name there; nothing was created`, {
      code: 'already_exists',
      hint: `pick another name or namespace; \`dbaas ha status ${name} -n ${namespace}\` shows the HA cluster`,
    })
  }
  let parts: InstanceParts | undefined
  try {
    parts = await partsIn(kube, name, namespace)
  } catch (err) {
    if (isForbidden(err)) return
    throw err
  }
  if (!parts) return
  throw new ConflictError(`a single instance named "${name}" exists in namespace ${namespace}; an HA cluster cannot have the same name there; nothing was created`, {
    code: 'already_exists',
    hint: `pick another name or namespace; \`dbaas status ${name} -n ${namespace}\` shows the instance`,
  })
}

/** Not an instance: an HA cluster of that name is a usage error naming the `ha` verb; otherwise did-you-mean. */
async function notFoundOrHa(kube: Kube, opts: FindOptions, namespace: string | undefined, fallback: DbaasError): Promise<DbaasError> {
  const ha = await haClusterNamespaces(kube, opts.name, namespace)
  if (ha.length > 0) return new HaClusterError(opts.name, ha[0] as string, opts.haVerb ?? 'ha status')
  return notFoundSuggesting(kube, opts.name, namespace, fallback)
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
    if (!parts) throw await notFoundOrHa(kube, opts, opts.namespace, notFound(name, opts.namespace))
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
    for (const ns of [...new Set([kube.contextNamespace, defaultNamespace(name)])]) {
      if ((await haClusterNamespaces(kube, name, ns)).length) throw new HaClusterError(name, ns, opts.haVerb ?? 'ha status')
    }
    throw new NotFoundError(`instance "${name}" not found in namespace ${kube.contextNamespace} or ${defaultNamespace(name)}`, {
      hint: 'you may not list across namespaces: pass -n with the instance\'s namespace',
    })
  }
  if (found.namespaces.length === 0) throw await notFoundOrHa(kube, opts, undefined, notFound(name))
  if (found.namespaces.length > 1) {
    throw new UsageError(`instance "${name}" exists in several namespaces: ${found.namespaces.join(', ')}`, {
      hint: `pick one with -n, e.g. -n ${found.namespaces[0]}`,
      details: { namespaces: found.namespaces },
    })
  }
  const ns = found.namespaces[0] as string
  const parts = await partsIn(kube, name, ns, found.secrets)
  if (!parts) throw notFound(name, ns)
  return parts
}
