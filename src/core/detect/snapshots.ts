// Can this cluster take CSI VolumeSnapshots? Answered as a real cluster shows it: the snapshot CRDs, a
// snapshot-controller Deployment (or its pods) labelled as upstream's manifests label it in any namespace, or
// its fresh leader Lease `snapshot-controller-leader`, and the default VolumeSnapshotClass of each driver.
// Reads that RBAC refuses (403) or that find nothing (404) are answers, not failures. Pure data: `backup`,
// `restore` and `dbaas doctor` decide what to do with it.
import { R, type Kube } from '../../k8s/kube.ts'
import type { CustomResourceDefinition, Deployment, Pod, VolumeSnapshotClass } from '../../k8s/types.ts'
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
  /** RBAC refused listing VolumeSnapshotClasses: `defaultClasses` is then empty because it could not be read. */
  classesForbidden?: boolean
}



/** The default VolumeSnapshotClass(es) among these classes, one entry per class marked default. */
export function defaultSnapshotClasses(classes: VolumeSnapshotClass[]): Array<{ name: string; driver: string }> {
  return classes
    .filter((c) => c.metadata.annotations?.[DEFAULT_SNAPSHOT_CLASS_ANNOTATION] === 'true')
    .map((c) => ({ name: c.metadata.name, driver: String(c.driver ?? '') }))
    .sort((a, b) => a.driver.localeCompare(b.driver) || a.name.localeCompare(b.name))
}

function servedVersion(crd: CustomResourceDefinition): string | undefined {
  const versions = crd.spec?.versions ?? []
  return (versions.find((v) => v.storage && v.served) ?? versions.find((v) => v.served))?.name
}

type Workload = { kind: 'deployment'; object: Deployment } | { kind: 'pod'; object: Pod }

async function controllerWorkloads(kube: Kube): Promise<{ ready?: Workload; seen: Deployment[]; forbidden: boolean }> {
  // Every selector, Deployments and pods alike, in parallel: one round trip whatever is found.
  const [deploymentReads, podReads] = await Promise.all([
    Promise.all(SNAPSHOT_CONTROLLER_SELECTORS.map((sel) => tolerant(kube.list(R.deployments, undefined, { labelSelector: sel })))),
    Promise.all(SNAPSHOT_CONTROLLER_SELECTORS.map((sel) => tolerant(kube.list(R.pods, undefined, { labelSelector: sel })))),
  ])
  const forbidden = [...deploymentReads, ...podReads].some((r) => r === 'forbidden')
  const deployments = deploymentReads.flatMap((r) => (typeof r === 'object' ? r.items : []))
  // Some distributions run it as bare pods or a DaemonSet: a running, ready pod is as good.
  const pods = podReads.flatMap((r) => (typeof r === 'object' ? r.items : []))
  const deployment = deployments.find((x) => (x.status?.readyReplicas ?? 0) > 0)
  const pod = pods.find((x) => x.status?.phase === 'Running' && (x.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'))
  const ready: Workload | undefined = deployment ? { kind: 'deployment', object: deployment } : pod ? { kind: 'pod', object: pod } : undefined
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
  const crd: Read<CustomResourceDefinition> =
    typeof classes === 'object'
      ? { metadata: { name: SNAPSHOT_CRD }, spec: { group: SNAPSHOT_GROUP, names: { kind: 'VolumeSnapshot', plural: 'volumesnapshots' }, scope: 'Namespaced', versions: [{ name: 'v1', served: true, storage: true }] } }
      : await tolerant(kube.get(R.crds, undefined, SNAPSHOT_CRD))
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
    controller = {
      running: true,
      via: 'deployment',
      detail:
        w.kind === 'pod'
          ? `pod ${w.object.metadata.namespace}/${w.object.metadata.name} is running and ready`
          : `deployment ${w.object.metadata.namespace}/${w.object.metadata.name} has ${w.object.status?.readyReplicas} ready replica(s)`,
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
  return { crds, ...(crdVersion ? { crdVersion } : {}), controller, defaultClasses, ...(classes === 'forbidden' ? { classesForbidden: true } : {}) }
}
