// Is CloudNativePG installed here? Answered the way CNPG's own manifests show it: the CRDs through discovery
// (which every authenticated user may read), the operator as a Deployment labelled
// app.kubernetes.io/name=cloudnative-pg with ready replicas in any namespace, or a fresh leader Lease
// db9c8771.cnpg.io (Helm installs may rename the Deployment and move the namespace). Reads RBAC refuses (403)
// or that find nothing (404) are answers, not failures. Every `ha` verb and `dbaas doctor` use this.
import { R, type Kube, type KubeObject } from '../../k8s/kube.ts'
import type { Deployment } from '../../k8s/types.ts'
import { leaseFresh, tolerant, type Read } from './common.ts'

export { leaseFresh }

export interface CnpgDetection {
  crds: boolean
  /** From the CRD's labels (helm chart / app version) or the operator image's tag, when either says. */
  version?: string
  /** `unknown`: RBAC refused every way of looking (deployments and leases), so `running: false` means "could not tell". */
  operator: { running: boolean; via?: 'deployment' | 'lease'; namespace?: string; detail: string; unknown?: boolean }
}

export const CNPG_GROUP = 'postgresql.cnpg.io'
export const CNPG_CLUSTER_CRD = `clusters.${CNPG_GROUP}`
export const CNPG_OPERATOR_LABEL = 'app.kubernetes.io/name=cloudnative-pg'
export const CNPG_LEASE = 'db9c8771.cnpg.io'
/** Where CNPG's release manifests put the operator; tried directly when cluster-wide listing is refused. */
export const CNPG_DEFAULT_NAMESPACE = 'cnpg-system'

/** What to tell someone whose cluster lacks the operator. */
export const CNPG_INSTALL_HINT =
  'install CloudNativePG first: `kubectl apply --server-side -f https://raw.githubusercontent.com/cloudnative-pg/cloudnative-pg/release-1.30/releases/cnpg-1.30.0.yaml` ' +
  'or `helm install cnpg cnpg/cloudnative-pg -n cnpg-system --create-namespace` (repo https://cloudnative-pg.github.io/charts); ' +
  'pass --skip-operator-check if it is installed later (GitOps)'


function versionFromLabels(o: KubeObject | undefined): string | undefined {
  const l = { ...(o?.metadata.annotations ?? {}), ...(o?.metadata.labels ?? {}) }
  const v = l['app.kubernetes.io/version'] ?? l['cnpg.io/version']
  if (v) return v.replace(/^v/, '')
  const chart = l['helm.sh/chart'] // e.g. cloudnative-pg-0.29.1: the chart's, not the operator's, version
  return chart ? `chart ${chart.replace(/^cloudnative-pg-/, '')}` : undefined
}

function versionFromImage(d: Deployment): string | undefined {
  const image: string | undefined = d.spec?.template?.spec?.containers?.[0]?.image
  const tag = image?.split('@')[0]?.split('/').pop()?.split(':')[1]
  return tag ? tag.replace(/^v/, '') : undefined
}


export async function detectCnpg(kube: Kube, now: number = Date.now()): Promise<CnpgDetection> {
  // Discovery is readable by every authenticated user, unlike the CRD object itself.
  const [discovery, crd, deployments] = await Promise.all([
    tolerant(kube.transport.request<{ resources?: Array<{ name: string }> }>('GET', `/apis/${CNPG_GROUP}/v1`)),
    tolerant(kube.get(R.crds, undefined, CNPG_CLUSTER_CRD)),
    tolerant(kube.list(R.deployments, undefined, { labelSelector: CNPG_OPERATOR_LABEL })).then(async (d) =>
      d === 'forbidden' ? tolerant(kube.list(R.deployments, CNPG_DEFAULT_NAMESPACE, { labelSelector: CNPG_OPERATOR_LABEL })) : d,
    ),
  ])
  const crds =
    (typeof discovery === 'object' && (discovery.resources ?? []).some((r) => r.name === 'clusters')) || typeof crd === 'object'
  let version = typeof crd === 'object' ? versionFromLabels(crd) : undefined

  const deps = typeof deployments === 'object' ? deployments.items : []
  const ready = deps.find((d) => (d.status?.readyReplicas ?? 0) > 0)
  if (ready) {
    version ??= versionFromImage(ready)
    return {
      crds,
      ...(version ? { version } : {}),
      operator: {
        running: true,
        via: 'deployment',
        namespace: ready.metadata.namespace ?? '',
        detail: `deployment ${ready.metadata.namespace}/${ready.metadata.name} has ${ready.status?.readyReplicas} ready replica(s)`,
      },
    }
  }
  if (deps[0]) version ??= versionFromImage(deps[0])

  // No ready Deployment seen (or none we may list): the leader Lease of a running operator is renewed every few seconds.
  const leases = await tolerant(kube.list(R.leases, undefined, { fieldSelector: `metadata.name=${CNPG_LEASE}` })).then(async (l) => {
    if (l !== 'forbidden') return l
    const one = await tolerant(kube.get(R.leases, CNPG_DEFAULT_NAMESPACE, CNPG_LEASE))
    return typeof one === 'object' ? { metadata: {}, items: [one] } : one
  })
  const leaseItems = typeof leases === 'object' ? leases.items : []
  const fresh = leaseItems.find((l) => leaseFresh(l, now))
  if (fresh) {
    return {
      crds,
      ...(version ? { version } : {}),
      operator: {
        running: true,
        via: 'lease',
        namespace: fresh.metadata.namespace ?? '',
        detail: `leader lease ${fresh.metadata.namespace}/${CNPG_LEASE} held by ${fresh.spec?.holderIdentity}, renewed ${fresh.spec?.renewTime}`,
      },
    }
  }

  const seen: string[] = []
  if (deps.length) seen.push(`deployment ${deps.map((d) => `${d.metadata.namespace}/${d.metadata.name}`).join(', ')} has no ready replica`)
  else if (deployments === 'forbidden') seen.push('you may not list deployments to look for it')
  else seen.push(`no deployment labelled ${CNPG_OPERATOR_LABEL}`)
  if (leaseItems.length) seen.push(`leader lease ${leaseItems[0]?.metadata.namespace}/${CNPG_LEASE} is stale`)
  else if (leases === 'forbidden') seen.push('you may not read leases')
  else seen.push(`no leader lease ${CNPG_LEASE}`)
  const unknown = deployments === 'forbidden' && leases === 'forbidden'
  return { crds, ...(version ? { version } : {}), operator: { running: false, detail: seen.join('; '), ...(unknown ? { unknown: true } : {}) } }
}
