// Can this cluster take CSI VolumeSnapshots? Answered as a real cluster shows it: the snapshot CRDs, a
// snapshot-controller Deployment (or its pods) labelled as upstream's manifests label it in any namespace, or
// its fresh leader Lease `snapshot-controller-leader`, and the default VolumeSnapshotClass of each driver.
// Reads that RBAC refuses (403) or that find nothing (404) are answers, not failures. Pure data: `backup`,
// `restore` and `dbaas doctor` decide what to do with it.
import { R, type Kube, type KubeObject } from '../../k8s/kube.ts'
import { leaseFresh, tolerant, type Read } from './common.ts'

export const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io'
export const SNAPSHOT_CRD = `volumesnapshots.${SNAPSHOT_GROUP}`
export const SNAPSHOT_LEASE = 'snapshot-controller-leader'
export const DEFAULT_SNAPSHOT_CLASS_ANNOTATION = 'snapshot.storage.kubernetes.io/is-default-class'
/** Labels the upstream (kubernetes-csi/external-snapshotter) manifests and common charts put on the controller. */
export const SNAPSHOT_CONTROLLER_SELECTORS = ['app.kubernetes.io/name=snapshot-controller', 'app=snapshot-controller']

export const SNAPSHOT_INSTALL_HINT =
  'install the CSI snapshot CRDs and snapshot-controller (https://github.com/kubernetes-csi/external-snapshotter: ' +
  '`kubectl kustomize client/config/crd | kubectl create -f -` and `kubectl -n kube-system kustomize deploy/kubernetes/snapshot-controller | kubectl create -f -`), ' +
  'or enable your provider\'s snapshot add-on'

export interface SnapshotSupport {
  crds: boolean
  crdVersion?: string
  controller: {
    running: boolean
    via?: 'deployment' | 'lease'
    detail: string
    /** True when RBAC refused every way of looking: `running: false` then means "could not tell". */
    unknown?: boolean
  }
  defaultClasses: Array<{ name: string; driver: string }>
}



/** The default VolumeSnapshotClass(es) among these classes, one entry per class marked default. */
export function defaultSnapshotClasses(classes: KubeObject[]): Array<{ name: string; driver: string }> {
  return classes
    .filter((c) => c.metadata.annotations?.[DEFAULT_SNAPSHOT_CLASS_ANNOTATION] === 'true')
    .map((c) => ({ name: c.metadata.name, driver: String((c as { driver?: string }).driver ?? '') }))
    .sort((a, b) => a.driver.localeCompare(b.driver) || a.name.localeCompare(b.name))
}

function servedVersion(crd: KubeObject): string | undefined {
  const versions: Array<{ name: string; served?: boolean; storage?: boolean }> = crd.spec?.versions ?? []
  return (versions.find((v) => v.storage && v.served) ?? versions.find((v) => v.served))?.name
}

async function controllerWorkloads(kube: Kube): Promise<{ ready?: KubeObject; seen: KubeObject[]; forbidden: boolean }> {
  // Every selector, Deployments and pods alike, in parallel: one round trip whatever is found.
  const reads = await Promise.all(
    SNAPSHOT_CONTROLLER_SELECTORS.flatMap((sel) => [
      tolerant(kube.list(R.deployments, undefined, { labelSelector: sel })),
      tolerant(kube.list(R.pods, undefined, { labelSelector: sel })),
    ]),
  )
  const forbidden = reads.some((r) => r === 'forbidden')
  const deployments = reads.filter((_, i) => i % 2 === 0).flatMap((r) => (typeof r === 'object' ? r.items : []))
  // Some distributions run it as bare pods or a DaemonSet: a running, ready pod is as good.
  const pods = reads.filter((_, i) => i % 2 === 1).flatMap((r) => (typeof r === 'object' ? r.items : []))
  const ready =
    deployments.find((x) => (x.status?.readyReplicas ?? 0) > 0) ??
    pods.find(
      (x) => x.status?.phase === 'Running' && (x.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'),
    )
  return { ...(ready ? { ready } : {}), seen: deployments, forbidden }
}

export async function detectSnapshotSupport(kube: Kube, now: number = Date.now()): Promise<SnapshotSupport> {
  // The client sends one request at a time: look at the Lease first (the upstream Deployment holds it too),
  // and list Deployments and pods only when no fresh Lease answers the question.
  const [classes, leases] = await Promise.all([
    tolerant(kube.list(R.volumeSnapshotClasses, undefined)),
    tolerant(kube.list(R.leases, undefined, { fieldSelector: `metadata.name=${SNAPSHOT_LEASE}` })).then(async (l) => {
      if (l !== 'forbidden') return l
      const one = await tolerant(kube.get(R.leases, 'kube-system', SNAPSHOT_LEASE))
      return typeof one === 'object' ? { metadata: {}, items: [one] } : one
    }),
  ])
  // Listing a snapshot kind at v1 proves the CRDs are served; the CRD object itself is read only otherwise.
  const crd: Read<KubeObject> = typeof classes === 'object' ? ({ metadata: { name: SNAPSHOT_CRD }, spec: { versions: [{ name: 'v1', served: true, storage: true }] } } as KubeObject) : await tolerant(kube.get(R.crds, undefined, SNAPSHOT_CRD))
  const leaseItems = typeof leases === 'object' ? leases.items : []
  const fresh = leaseItems.find((l) => leaseFresh(l, now))
  const workloads = fresh ? { seen: [], forbidden: false } : await controllerWorkloads(kube)

  // The CRD object needs cluster-wide read; a namespaced user learns the same from the API group itself.
  let crds = typeof crd === 'object'
  let crdVersion = typeof crd === 'object' ? servedVersion(crd) : undefined
  if (crd === 'forbidden') {
    const discovery = await tolerant(kube.transport.request<{ resources?: Array<{ name: string }> }>('GET', `/apis/${SNAPSHOT_GROUP}/v1`))
    crds = typeof discovery === 'object' && (discovery.resources ?? []).some((r) => r.name === 'volumesnapshots')
    if (crds) crdVersion = 'v1'
  }
  const defaultClasses = typeof classes === 'object' ? defaultSnapshotClasses(classes.items) : []

  let controller: SnapshotSupport['controller']
  if (fresh) {
    controller = {
      running: true,
      via: 'lease',
      detail: `leader lease ${fresh.metadata.namespace}/${SNAPSHOT_LEASE} held by ${fresh.spec?.holderIdentity}, renewed ${fresh.spec?.renewTime}`,
    }
  } else if (workloads.ready) {
    const w = workloads.ready
    const what = w.spec?.containers ? 'pod' : 'deployment'
    controller = {
      running: true,
      via: 'deployment',
      detail:
        what === 'pod'
          ? `pod ${w.metadata.namespace}/${w.metadata.name} is running and ready`
          : `deployment ${w.metadata.namespace}/${w.metadata.name} has ${w.status?.readyReplicas} ready replica(s)`,
    }
  } else {
    const seen: string[] = []
    if (workloads.seen.length) {
      seen.push(`deployment ${workloads.seen.map((d) => `${d.metadata.namespace}/${d.metadata.name}`).join(', ')} has no ready replica`)
    } else if (workloads.forbidden) seen.push('you may not list deployments to look for it')
    else seen.push('no snapshot-controller deployment or pod')
    const stale = leaseItems[0]
    if (stale) {
      const age = Math.round((now - Date.parse(stale.spec?.renewTime ?? stale.spec?.acquireTime ?? '')) / 1000)
      seen.push(`its leader lease ${stale.metadata.namespace}/${SNAPSHOT_LEASE} was last renewed ${Number.isFinite(age) ? `${age} s ago` : 'never'} (lease ${stale.spec?.leaseDurationSeconds ?? '?'} s)`)
    } else if (leases === 'forbidden') seen.push('you may not read leases')
    else seen.push(`no leader lease ${SNAPSHOT_LEASE}`)
    const unknown = workloads.forbidden && leases === 'forbidden'
    controller = { running: false, detail: seen.join('; '), ...(unknown ? { unknown: true } : {}) }
  }
  return { crds, ...(crdVersion ? { crdVersion } : {}), controller, defaultClasses }
}
