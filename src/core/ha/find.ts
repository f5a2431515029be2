// Shared steps of every `ha` verb: the operator check (exit 7 with what to install), and finding a Cluster
// by name the way `find` finds instances — in -n when given, otherwise by dbaas's labels across namespaces,
// falling back to the context's namespace and dbaas-<name> when RBAC forbids listing everywhere.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { NotFoundError, PreconditionError, UsageError } from '../../errors.ts'
import { apiInfo } from '../../k8s/errors.ts'
import type { Kube } from '../../k8s/kube.ts'
import type { CnpgCluster } from '../../k8s/types.ts'
import { INSTANCE, KIND, Kinds, MANAGED } from '../../k8s/labels.ts'
import { detectCnpg, CNPG_INSTALL_HINT } from '../detect/cnpg.ts'
import { defaultNamespace } from '../names.ts'
import { CNPG } from './model.ts'

export interface HaTarget {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  skipOperatorCheck: boolean
}

export const HA_SELECTOR = `${MANAGED},${KIND}=${Kinds.haCluster}`

/** Refuses (7) unless the CRDs are installed and an operator runs; --skip-operator-check skips the operator half. */
export async function requireOperator(kube: Kube, skip: boolean, deps: Pick<Deps, 'now'>): Promise<void> {
  const d = await detectCnpg(kube, deps.now())
  if (!d.crds) {
    throw new PreconditionError('the CloudNativePG CRDs (clusters.postgresql.cnpg.io) are not installed on this cluster', { hint: CNPG_INSTALL_HINT, details: { detection: d } })
  }
  if (!d.operator.running && !skip) {
    throw new PreconditionError(`no CloudNativePG operator is running: ${d.operator.detail}`, { hint: CNPG_INSTALL_HINT, details: { detection: d } })
  }
}

export function haNotFound(name: string, namespace?: string): NotFoundError {
  return new NotFoundError(`HA cluster "${name}" not found${namespace ? ` in namespace ${namespace}` : ''}`, {
    hint: namespace ? `check the name with \`dbaas ha list -n ${namespace}\`` : 'check the name with `dbaas ha list`',
  })
}

/** The Cluster object, or NotFound (3) / ambiguous (2). With -n any CNPG Cluster of that name is accepted. */
export async function findHaCluster(kube: Kube, name: string, namespace: string | undefined): Promise<CnpgCluster> {
  if (namespace) {
    const c = await kube.find(CNPG.clusters, namespace, name)
    if (!c) throw haNotFound(name, namespace)
    return c
  }
  let found: CnpgCluster[]
  try {
    found = (await kube.list(CNPG.clusters, undefined, { labelSelector: `${HA_SELECTOR},${INSTANCE}=${name}` })).items
  } catch (err) {
    if (apiInfo(err)?.httpCode !== 403) throw err
    for (const ns of [...new Set([kube.contextNamespace, defaultNamespace(name)])]) {
      try {
        const c = await kube.find(CNPG.clusters, ns, name)
        if (c) return c
      } catch (e) {
        if (apiInfo(e)?.httpCode !== 403) throw e
      }
    }
    throw new NotFoundError(`HA cluster "${name}" not found in namespace ${kube.contextNamespace} or ${defaultNamespace(name)}`, {
      hint: "you may not list across namespaces: pass -n with the cluster's namespace",
    })
  }
  if (found.length === 0) throw haNotFound(name)
  if (found.length > 1) {
    const nss = found.map((c) => c.metadata.namespace ?? '').sort()
    throw new UsageError(`HA cluster "${name}" exists in several namespaces: ${nss.join(', ')}`, { hint: `pick one with -n, e.g. -n ${nss[0]}` })
  }
  return found[0] as CnpgCluster
}

/** The client, the operator check, then the Cluster: the opening of every verb that acts on one cluster. */
export async function openCluster(t: HaTarget, deps: Deps): Promise<{ kube: Kube; cluster: CnpgCluster }> {
  const kube = await deps.kube(t.cluster)
  await requireOperator(kube, t.skipOperatorCheck, deps)
  const cluster = await findHaCluster(kube, t.name, t.namespace)
  return { kube, cluster }
}
