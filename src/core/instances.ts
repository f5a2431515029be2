// The instance model: what dbaas calls an instance, read back from cluster objects and their labels alone.
// An instance is its StatefulSet (dbaas.io/kind instance, as the chart labels it); a credentials Secret without
// one is an Incomplete instance — create writes that Secret before helm runs — so nothing dbaas created is
// ever invisible. helm's release record is read only for one instance (status, create, delete): a release left
// pending-* also makes it Incomplete. Instances of the older scheme (managed-by=dbaas written back onto the
// StatefulSet, dbaas's labels on helm's record) carry the same dbaas.io labels and are read the same way.
import { engineFromLabel } from '../engines/registry.ts'
import type { Pod, Secret, StatefulSet } from '../k8s/types.ts'
import { ANN, ENGINE, ENGINE_VERSION, INSTANCE, KIND, Kinds } from '../k8s/labels.ts'

export const STATUSES = ['Creating', 'Ready', 'Degraded', 'Failed', 'Incomplete', 'Deleting', 'Stopped'] as const
export type InstanceStatus = (typeof STATUSES)[number]

/** A helm release as its storage Secret's labels describe it (owner=helm, name, status, version). */
export interface ReleaseInfo {
  status: string
  revision: number
  updatedAt: string | undefined
}

/** The stable, documented shape of `-o json|yaml` for an instance. */
export interface InstanceView {
  /** 'ha-cluster' for a CloudNativePG Cluster dbaas created (`dbaas ha`), shown beside instances by `dbaas list`. */
  kind: 'instance' | 'ha-cluster'
  name: string
  namespace: string
  engine: string
  version: string
  status: InstanceStatus
  ready: string
  storage: string | null
  storageClass: string | null
  database: string | null
  user: string | null
  createdAt: string | null
  release: { status: string; revision: number } | null
  restoredFrom: string | null
}

/** The objects found for one instance name in one namespace. */
export interface InstanceParts {
  name: string
  namespace: string
  statefulSet?: StatefulSet | undefined
  credentials?: Secret | undefined
  releases: Secret[]
}

/** How long a first install may take before "not ready yet" means Degraded rather than Creating. */
export const CREATING_GRACE_MS = 15 * 60_000
/** How long helm may hold a release in pending-install before dbaas calls it interrupted. */
export const PENDING_GRACE_MS = 2 * 60_000

export function latestRelease(secrets: Secret[]): ReleaseInfo | undefined {
  let best: ReleaseInfo | undefined
  for (const s of secrets) {
    const l = s.metadata.labels ?? {}
    if (l.owner !== 'helm') continue
    const revision = Number(l.version ?? 0)
    if (!best || revision > best.revision) {
      best = { status: l.status ?? 'unknown', revision, updatedAt: l.modifiedAt ? new Date(Number(l.modifiedAt) * 1000).toISOString() : s.metadata.creationTimestamp }
    }
  }
  return best
}

/** Terminal pod states that no amount of waiting fixes. */
export const TERMINAL_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
])

/**
 * A CreateContainerConfigError the kubelet retries by itself: its Secret/ConfigMap cache gives a reflector one
 * second to sync ("failed to sync secret cache: timed out waiting for the condition"), which a loaded node misses.
 * A missing Secret or key ("secret \"x\" not found", "couldn't find key") stays terminal.
 */
const transientConfigError = /^failed to sync \S+ cache\b/

/** The first terminal waiting reason among a set of pods, if any ("pod x: CrashLoopBackOff"). */
export function podFailure(pods: Pod[]): string | undefined {
  for (const p of pods) {
    for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      const reason = cs?.state?.waiting?.reason
      if (typeof reason === 'string' && TERMINAL_REASONS.has(reason)) {
        const message = cs.state?.waiting?.message
        if (reason === 'CreateContainerConfigError' && transientConfigError.test(String(message ?? ''))) continue
        const msg = message ? `: ${String(message).split('\n')[0]}` : ''
        return `pod ${p.metadata.name} is in ${reason}${msg}`
      }
    }
  }
  return undefined
}

export function podReady(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
}

export function deriveStatus(parts: InstanceParts, now: number, pods?: Pod[]): InstanceStatus {
  const sts = parts.statefulSet
  const release = latestRelease(parts.releases)
  if (sts?.metadata.deletionTimestamp || release?.status === 'uninstalling') return 'Deleting'
  if (release?.status === 'failed') return 'Failed'
  if (!sts) {
    if (release?.status === 'pending-install' && release.updatedAt && now - Date.parse(release.updatedAt) < PENDING_GRACE_MS) {
      return 'Creating'
    }
    return 'Incomplete'
  }
  if (release?.status?.startsWith('pending-') && release.updatedAt && now - Date.parse(release.updatedAt) >= PENDING_GRACE_MS) {
    return 'Incomplete'
  }
  const want = sts.spec?.replicas ?? 1
  // `dbaas stop` scaled it to zero (its data volume kept): stopped, whatever pod is still going away.
  if (want === 0) return 'Stopped'
  if (pods && podFailure(pods)) return 'Failed'
  const ready = sts.status?.readyReplicas ?? 0
  if (want > 0 && ready >= want) return 'Ready'
  const created = Date.parse(sts.metadata.creationTimestamp ?? '')
  const firstInstall = !release || release.revision <= 1
  if (firstInstall && Number.isFinite(created) && now - created < CREATING_GRACE_MS) return 'Creating'
  return 'Degraded'
}

export function toView(parts: InstanceParts, now: number, pods?: Pod[]): InstanceView {
  const sts = parts.statefulSet
  const src = sts ?? parts.credentials ?? parts.releases[0]
  const labels = src?.metadata.labels ?? {}
  const ann = { ...(parts.credentials?.metadata.annotations ?? {}), ...(sts?.metadata.annotations ?? {}) }
  const release = latestRelease(parts.releases)
  const want = sts?.spec?.replicas ?? 1
  const ready = sts?.status?.readyReplicas ?? 0
  return {
    kind: 'instance',
    name: parts.name,
    namespace: parts.namespace,
    engine: labels[ENGINE] ?? 'unknown',
    version: labels[ENGINE_VERSION] ?? 'unknown',
    status: deriveStatus(parts, now, pods),
    ready: sts ? `${ready}/${want}` : '0/0',
    storage: ann[ANN.storage] ?? null,
    storageClass: ann[ANN.storageClass] ?? null,
    database: ann[ANN.database] ?? null,
    user: ann[ANN.user] ?? null,
    createdAt: (sts ?? parts.credentials)?.metadata.creationTimestamp ?? null,
    release: release ? { status: release.status, revision: release.revision } : null,
    restoredFrom: ann[ANN.restoredFrom] ?? null,
  }
}

/**
 * Groups StatefulSets and dbaas-labelled Secrets (metadata only: credentials, and for one instance helm's
 * release records) into instances. Backups' Secrets carry no instance label and are ignored here.
 */
export function groupInstances(statefulSets: StatefulSet[], secrets: Secret[]): InstanceParts[] {
  const byKey = new Map<string, InstanceParts>()
  const partsFor = (ns: string, name: string) => {
    const k = `${ns}/${name}`
    let p = byKey.get(k)
    if (!p) {
      p = { name, namespace: ns, releases: [] }
      byKey.set(k, p)
    }
    return p
  }
  for (const s of statefulSets) {
    const l = s.metadata.labels ?? {}
    if (l[KIND] !== Kinds.instance || !l[INSTANCE]) continue
    partsFor(s.metadata.namespace ?? '', l[INSTANCE]).statefulSet = s
  }
  for (const s of secrets) {
    const l = s.metadata.labels ?? {}
    const name = l[INSTANCE]
    if (!name || !engineFromLabel(l[ENGINE])) continue
    if (l.owner === 'helm') partsFor(s.metadata.namespace ?? '', name).releases.push(s)
    else if (l[KIND] === Kinds.credentials) partsFor(s.metadata.namespace ?? '', name).credentials = s
  }
  return [...byKey.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
}
