// Is an HA engine's operator here? Answered the way each operator's own manifests show it: its CRD through
// discovery (which every authenticated user may read) or the CRD object, the operator as a Deployment with
// the labels its manifests give it and ready replicas in any namespace, or a fresh leader Lease of its
// election ID (Helm installs may rename the Deployment and move the namespace). Reads that RBAC refuses (403)
// or that find nothing (404) are answers, not failures. Every `ha` verb and `dbaas doctor` use this.
import { R, type Kube, type KubeObject } from '../../k8s/kube.ts'
import type { Deployment } from '../../k8s/types.ts'
import { leaseFresh, tolerant } from '../detect/common.ts'
import type { OperatorSpec } from './engine.ts'

export interface OperatorDetection {
  crds: boolean
  /** From the CRD's labels (chart / app version) or the operator image's tag, when either says. */
  version?: string
  operator: {
    running: boolean
    via?: 'deployment' | 'lease'
    namespace?: string
    detail: string
    /** The running operators that watch only their own namespace(s) (set when `namespace` was asked about). */
    watchesOnly?: string[]
  }
}

function versionFromLabels(o: KubeObject | undefined): string | undefined {
  const l = { ...(o?.metadata.annotations ?? {}), ...(o?.metadata.labels ?? {}) }
  const v = l['app.kubernetes.io/version'] ?? l['cnpg.io/version']
  if (v) return v.replace(/^v/, '')
  const chart = l['helm.sh/chart'] // e.g. cloudnative-pg-0.29.1: the chart's, not the operator's, version
  if (!chart) return undefined
  const m = /-(v?[0-9]+\.[0-9].*)$/.exec(chart)
  return `chart ${m ? m[1] : chart}`
}

function versionFromImage(d: Deployment): string | undefined {
  const image: string | undefined = d.spec?.template?.spec?.containers?.[0]?.image
  const tag = image?.split('@')[0]?.split('/').pop()?.split(':')[1]
  return tag ? tag.replace(/^v/, '') : undefined
}

/**
 * Detects one operator. With `namespace`, a running operator that watches only other namespaces (the PXC
 * operator's per-namespace bundle) does not count, and `watchesOnly` says where it watches.
 */
export async function detectOperator(spec: OperatorSpec, kube: Kube, now: number = Date.now(), namespace?: string): Promise<OperatorDetection> {
  const [discovery, crd, deployments] = await Promise.all([
    tolerant(kube.transport.request<{ resources?: Array<{ name: string }> }>('GET', `/apis/${spec.group}/${spec.version}`)),
    tolerant(kube.get(R.crds, undefined, spec.crd)),
    tolerant(kube.list(R.deployments, undefined, { labelSelector: spec.deploymentSelector })).then(async (d) =>
      d === 'forbidden' ? tolerant(kube.list(R.deployments, namespace ?? spec.defaultNamespace, { labelSelector: spec.deploymentSelector })) : d,
    ),
  ])
  const crds = (typeof discovery === 'object' && (discovery.resources ?? []).some((r) => r.name === spec.plural)) || typeof crd === 'object'
  let version = typeof crd === 'object' ? versionFromLabels(crd) : undefined

  const all = typeof deployments === 'object' ? deployments.items : []
  const running = all.filter((d) => (d.status?.readyReplicas ?? 0) > 0)
  const watching = namespace && spec.watches ? running.filter((d) => spec.watches?.(d, namespace)) : running
  const ready = watching[0]
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
  if (all[0]) version ??= versionFromImage(all[0])
  if (running.length && namespace) {
    // It runs, but not for this namespace: its Lease would say "running" too, so stop here.
    const where = running.map((d) => `${d.metadata.namespace}/${d.metadata.name}`)
    return {
      crds,
      ...(version ? { version } : {}),
      operator: {
        running: false,
        detail: `the ${spec.name} in ${where.join(', ')} watches only its own namespace, not ${namespace}`,
        watchesOnly: running.map((d) => d.metadata.namespace ?? ''),
      },
    }
  }

  // No ready Deployment seen (or none we may list): the leader Lease of a running operator is renewed every few seconds.
  const leases = await tolerant(kube.list(R.leases, undefined, { fieldSelector: `metadata.name=${spec.lease}` })).then(async (l) => {
    if (l !== 'forbidden') return l
    const one = await tolerant(kube.get(R.leases, spec.defaultNamespace, spec.lease))
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
        detail: `leader lease ${fresh.metadata.namespace}/${spec.lease} held by ${fresh.spec?.holderIdentity}, renewed ${fresh.spec?.renewTime}`,
      },
    }
  }

  const seen: string[] = []
  if (all.length) seen.push(`deployment ${all.map((d) => `${d.metadata.namespace}/${d.metadata.name}`).join(', ')} has no ready replica`)
  else if (deployments === 'forbidden') seen.push('you may not list deployments to look for it')
  else seen.push(`no deployment labelled ${spec.deploymentSelector}`)
  if (leaseItems.length) seen.push(`leader lease ${leaseItems[0]?.metadata.namespace}/${spec.lease} is stale`)
  else if (leases === 'forbidden') seen.push('you may not read leases')
  else seen.push(`no leader lease ${spec.lease}`)
  return { crds, ...(version ? { version } : {}), operator: { running: false, detail: seen.join('; ') } }
}
