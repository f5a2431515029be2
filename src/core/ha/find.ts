// Shared openings of every `ha` verb: the operator checks (exit 7 with what to install) and finding an HA
// cluster by name across the HA kinds the way `find` finds instances — in -n when given, otherwise by
// dbaas's labels across namespaces, falling back to the context's namespace and dbaas-<name> when RBAC
// forbids listing everywhere.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { NotFoundError, PreconditionError, UsageError } from '../../errors.ts'
import { apiInfo } from '../../k8s/errors.ts'
import type { Kube, KubeObject } from '../../k8s/kube.ts'
import { INSTANCE } from '../../k8s/labels.ts'
import { defaultNamespace } from '../names.ts'
import type { HaEngine } from './engine.ts'
import { detectOperator, type OperatorDetection } from './operators.ts'
import { HA_ENGINES, HA_SELECTOR } from './registry.ts'

export interface HaTarget {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  skipOperatorCheck: boolean
}

export { HA_SELECTOR }

export interface Found {
  engine: HaEngine
  cluster: KubeObject
}

function notInstalled(e: HaEngine): PreconditionError {
  return new PreconditionError(`the ${e.operator.name} CRDs (${e.operator.crd}) are not installed on this cluster`, { hint: e.operator.installHint })
}

/** Refuses (7) unless the engine's CRDs are served and its operator runs (for `namespace`); --skip-operator-check skips the operator half. */
export async function requireOperator(kube: Kube, engine: HaEngine, skip: boolean, deps: Pick<Deps, 'now'>, namespace?: string): Promise<OperatorDetection> {
  const d = await detectOperator(engine.operator, kube, deps.now(), namespace)
  if (!d.crds) throw Object.assign(notInstalled(engine), { details: { detection: d } })
  if (!d.operator.running && !skip) {
    const hint = d.operator.watchesOnly?.length
      ? `create the cluster in ${d.operator.watchesOnly.join(' or ')} (-n), or ${engine.operator.installHint}`
      : engine.operator.installHint
    throw new PreconditionError(`no ${engine.operator.name} is running${namespace && d.operator.watchesOnly?.length ? ` for namespace ${namespace}` : ''}: ${d.operator.detail}`, { hint, details: { detection: d } })
  }
  return d
}

/**
 * For verbs that span every HA engine (ha list, a lookup that found nothing): the engines whose CRDs are
 * served, and among them those whose operator runs. None served → 7 naming every CRD; none running → 7 with
 * every install hint (CloudNativePG's first), unless --skip-operator-check.
 */
export async function requireSomeOperator(kube: Kube, skip: boolean, deps: Pick<Deps, 'now'>): Promise<{ served: HaEngine[]; running: HaEngine[] }> {
  const found = await Promise.all(HA_ENGINES.map(async (e) => ({ e, d: await detectOperator(e.operator, kube, deps.now()) })))
  const served = found.filter((x) => x.d.crds)
  if (served.length === 0) {
    throw new PreconditionError(`no HA operator's CRDs are installed on this cluster (${HA_ENGINES.map((e) => e.operator.crd).join(', ')}), so it runs no HA clusters`, {
      hint: HA_ENGINES.map((e) => e.operator.installHint.replace(/; pass --skip-operator-check.*$/, '')).join('; or '),
    })
  }
  const running = served.filter((x) => x.d.operator.running)
  if (running.length === 0 && !skip) {
    throw new PreconditionError(served.map((x) => `no ${x.e.operator.name} is running (${x.d.operator.detail})`).join('; '), {
      hint: served.map((x) => x.e.operator.installHint.replace(/; pass --skip-operator-check.*$/, '')).join('; or ') + '; pass --skip-operator-check if it is installed later (GitOps)',
    })
  }
  return { served: served.map((x) => x.e), running: running.map((x) => x.e) }
}

export function haNotFound(name: string, namespace?: string): NotFoundError {
  return new NotFoundError(`HA cluster "${name}" not found${namespace ? ` in namespace ${namespace}` : ''}`, {
    hint: namespace ? `check the name with \`dbaas ha list -n ${namespace}\`` : 'check the name with `dbaas ha list`',
  })
}

/** A read where "this kind is not served" (404) means none, and RBAC's refusal is an answer. */
async function tolerantFind(kube: Kube, e: HaEngine, namespace: string, name: string): Promise<KubeObject | undefined | 'forbidden'> {
  try {
    return await kube.find(e.resource, namespace, name)
  } catch (err) {
    const code = apiInfo(err)?.httpCode
    if (code === 403) return 'forbidden'
    throw err
  }
}

async function tolerantList(kube: Kube, e: HaEngine, namespace: string | undefined, labelSelector: string): Promise<KubeObject[] | 'forbidden'> {
  try {
    return (await kube.list(e.resource, namespace, { labelSelector })).items
  } catch (err) {
    const code = apiInfo(err)?.httpCode
    if (code === 404) return []
    if (code === 403) return 'forbidden'
    throw err
  }
}

/**
 * The HA cluster of this name, of whichever engine, or NotFound (3) / ambiguous (2). With -n, any object of
 * an HA kind with that name is accepted (one dbaas did not label included).
 */
export async function findHaCluster(kube: Kube, name: string, namespace: string | undefined): Promise<Found> {
  if (namespace) {
    const hits: Found[] = []
    let forbidden = 0
    for (const e of HA_ENGINES) {
      const c = await tolerantFind(kube, e, namespace, name)
      if (c === 'forbidden') forbidden++
      else if (c) hits.push({ engine: e, cluster: c })
    }
    if (hits.length === 1) return hits[0] as Found
    if (hits.length > 1) {
      throw new UsageError(`"${name}" names several HA clusters in ${namespace}: ${hits.map((h) => `${h.engine.object}/${name}`).join(', ')}`, { hint: 'dbaas cannot tell which one you mean; rename or delete one with kubectl' })
    }
    if (forbidden === HA_ENGINES.length) throw new NotFoundError(`HA cluster "${name}" not found in namespace ${namespace}: you may not read HA clusters there`, { hint: 'ask for read access to the HA kinds (`dbaas rbac`)' })
    throw haNotFound(name, namespace)
  }
  const sel = `${HA_SELECTOR},${INSTANCE}=${name}`
  const lists = await Promise.all(HA_ENGINES.map(async (e) => ({ e, items: await tolerantList(kube, e, undefined, sel) })))
  if (lists.every((l) => l.items === 'forbidden')) {
    for (const ns of [...new Set([kube.contextNamespace, defaultNamespace(name)])]) {
      for (const e of HA_ENGINES) {
        const c = await tolerantFind(kube, e, ns, name)
        if (c && c !== 'forbidden') return { engine: e, cluster: c }
      }
    }
    throw new NotFoundError(`HA cluster "${name}" not found in namespace ${kube.contextNamespace} or ${defaultNamespace(name)}`, {
      hint: "you may not list across namespaces: pass -n with the cluster's namespace",
    })
  }
  const found: Found[] = lists.flatMap((l) => (l.items === 'forbidden' ? [] : l.items.map((c) => ({ engine: l.e, cluster: c }))))
  if (found.length === 0) throw haNotFound(name)
  if (found.length > 1) {
    const nss = found.map((f) => f.cluster.metadata.namespace ?? '').sort()
    throw new UsageError(`HA cluster "${name}" exists in several namespaces: ${nss.join(', ')}`, { hint: `pick one with -n, e.g. -n ${nss[0]}` })
  }
  return found[0] as Found
}

/**
 * The client, the cluster, then its operator: the opening of every verb that acts on one HA cluster. When
 * nothing of that name is found and no HA operator runs at all, the missing operator is the answer (7).
 */
export async function openCluster(t: HaTarget, deps: Deps): Promise<{ kube: Kube } & Found> {
  const kube = await deps.kube(t.cluster)
  let found: Found
  try {
    found = await findHaCluster(kube, t.name, t.namespace)
  } catch (err) {
    if (err instanceof NotFoundError) await requireSomeOperator(kube, t.skipOperatorCheck, deps)
    throw err
  }
  await requireOperator(kube, found.engine, t.skipOperatorCheck, deps, found.cluster.metadata.namespace)
  return { kube, ...found }
}
