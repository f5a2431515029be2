// CloudNativePG's day-2 levers as CNPG documents them — the day-2 capability of its entry in the HA engine
// registry: resources (spec.resources: a rolling update, standbys first), storage (spec.storage.size: the
// operator resizes the PVCs), declarative hibernation (cnpg.io/hibernation=on|off and its condition), a
// rolling restart (the kubectl.kubernetes.io/restartedAt annotation on the Cluster, carried to the pods,
// standbys first and the primary last), and a new imageName (a minor: a rolling update; a new major: the
// offline in-place upgrade, status.pgDataImageInfo telling which major the data files are of). Pure.
import type { CnpgCluster, PersistentVolumeClaim, Pod } from '../../k8s/types.ts'
import { FIXED_PARAMS, isHealthy, MAJORS, POD_CLUSTER_LABEL } from '../ha/engines/cnpg.ts'
import { podReady } from '../instances.ts'
import type { HaDay2Capability, Resources } from './capability.ts'
import { parseQuantityBytes, sameBytes, sameCpu } from './quantities.ts'

export const HIBERNATION = 'cnpg.io/hibernation'
export const HIBERNATION_CONDITION = 'cnpg.io/hibernation'
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt'
/** The container CNPG runs PostgreSQL in. */
export const PG_CONTAINER = 'postgres'
export const PVC_ROLE = 'cnpg.io/pvcRole'
export const UNRECOVERABLE = 'Cluster is unrecoverable and needs manual intervention'

export function livePods(pods: Pod[]): Pod[] {
  return pods.filter((p) => !p.metadata.deletionTimestamp)
}

function requested(c: CnpgCluster): boolean {
  return c.metadata.annotations?.[HIBERNATION] === 'on'
}

function condition(c: CnpgCluster): { status?: string; reason?: string; message?: string } | undefined {
  const conds = (c.status?.conditions ?? []) as Array<{ type?: string; status?: string; reason?: string; message?: string }>
  return conds.find((x) => x.type === HIBERNATION_CONDITION)
}

function container(p: Pod): NonNullable<Pod['spec']>['containers'][number] | undefined {
  return (p.spec?.containers ?? []).find((x) => x.name === PG_CONTAINER) ?? p.spec?.containers?.[0]
}

function podHas(p: Pod, want: Resources): boolean {
  const r = container(p)?.resources ?? {}
  return (want.cpu === undefined || sameCpu(r.requests?.cpu, want.cpu)) && (want.memory === undefined || (sameBytes(r.requests?.memory, want.memory) && sameBytes(r.limits?.memory, want.memory)))
}

function enough(c: CnpgCluster, pods: Pod[]): boolean {
  return livePods(pods).length >= (c.spec?.instances ?? 1)
}

export function podImage(p: Pod): string | undefined {
  return container(p)?.image
}

export const cnpgDay2: HaDay2Capability<CnpgCluster> = {
  pvcSelector: (c) => `${POD_CLUSTER_LABEL}=${c.metadata.name},${PVC_ROLE}=PG_DATA`,
  container: PG_CONTAINER,
  resources: {
    current: (c) => {
      const r = c.spec?.resources ?? {}
      return { cpu: r.requests?.cpu, memory: r.requests?.memory, limitMemory: r.limits?.memory }
    },
    // Requests cpu/memory and the memory limit, as `ha create` sets them.
    patch: (want) => {
      const requests: Record<string, string> = {}
      if (want.cpu !== undefined) requests.cpu = want.cpu
      if (want.memory !== undefined) requests.memory = want.memory
      return { spec: { resources: { requests, ...(want.memory !== undefined ? { limits: { memory: want.memory } } : {}) } } }
    },
    // Rolled out: every instance's pod runs with the new resources and is ready, the cluster healthy. A
    // hibernated cluster has no pod to roll: the spec is the change.
    done: (c, pods, want) => requested(c) || (isHealthy(c) && enough(c, pods) && livePods(pods).every((p) => podHas(p, want) && podReady(p))),
  },
  resize: {
    size: (c) => c.spec?.storage?.size,
    storageClass: (c) => c.spec?.storage?.storageClass,
    patch: (size) => ({ spec: { storage: { size } } }),
    done: (c, pvcs, bytes) => {
      const data = pvcs.filter((p) => !p.metadata.deletionTimestamp)
      return data.length > 0 && data.every((p) => (parseQuantityBytes(p.status?.capacity?.storage) ?? 0) >= bytes) && (requested(c) || isHealthy(c))
    },
  },
  hibernation: {
    field: HIBERNATION,
    requested,
    condition,
    patch: (on) => ({ metadata: { annotations: { [HIBERNATION]: on ? 'on' : 'off' } } }),
    // Hibernated as CNPG reports it: the condition True (reason Hibernated) and no pod left.
    hibernated: (c, pods) => requested(c) && condition(c)?.status === 'True' && pods.length === 0,
    // Back: the condition gone (CNPG removes it once the annotation is off), every instance ready, healthy.
    resumed: (c, pods) => !requested(c) && condition(c) === undefined && isHealthy(c) && livePods(pods).filter(podReady).length >= (c.spec?.instances ?? 1),
  },
  restart: {
    field: RESTARTED_AT,
    last: (c) => c.metadata.annotations?.[RESTARTED_AT],
    patch: (at) => ({ metadata: { annotations: { [RESTARTED_AT]: at } } }),
    // Every pod replaced since `at` (or carrying the annotation) and ready, the cluster healthy.
    done: (c, pods, at) => {
      const since = Date.parse(at)
      const fresh = (p: Pod) => p.metadata.annotations?.[RESTARTED_AT] === at || Date.parse(p.metadata.creationTimestamp ?? '') >= since - 1000
      return isHealthy(c) && enough(c, pods) && livePods(pods).every((p) => fresh(p) && podReady(p))
    },
  },
  // spec.postgresql.parameters: the instance manager writes them and reloads; for a parameter that needs a
  // restart, CNPG restarts the instances itself (standbys first, then the primary).
  config: {
    kind: 'parameters',
    current: (c) => Object.fromEntries(Object.entries(c.spec?.postgresql?.parameters ?? {}).map(([k, v]) => [k, String(v)])),
    fixed: FIXED_PARAMS,
    patch: (changes) => ({ spec: { postgresql: { parameters: changes } } }),
    field: 'spec.postgresql.parameters',
  },
  upgrade: {
    image: (c) => c.spec?.imageName ?? c.status?.image,
    majors: MAJORS,
    dataMajor: (c) => Number((c.status?.pgDataImageInfo as { majorVersion?: number } | undefined)?.majorVersion ?? NaN),
    patch: (image) => ({ spec: { imageName: image } }),
    offlineMajor: true,
    done: (c, pods, image, major) => {
      const dataOk = major === undefined || Number((c.status?.pgDataImageInfo as { majorVersion?: number } | undefined)?.majorVersion) === Number(major)
      return dataOk && c.status?.image === image && isHealthy(c) && enough(c, pods) && livePods(pods).every((p) => podImage(p) === image && podReady(p))
    },
    failed: (c) => (c.status?.phase === UNRECOVERABLE ? `${c.status.phaseReason || c.status.phase}` : undefined),
  },
}

/** "pod x-1: ready, updated; pod x-2: not ready" for timeouts. */
export function podsWhere(pods: Pod[], fresh: (p: Pod) => boolean): string {
  if (pods.length === 0) return 'no pod'
  return pods.map((p) => `pod ${p.metadata.name}: ${p.metadata.deletionTimestamp ? 'terminating' : podReady(p) ? 'ready' : 'not ready'}${fresh(p) ? ', updated' : ', not updated yet'}`).join('; ')
}

export function pvcWhereCapacity(p: PersistentVolumeClaim): string {
  return `${p.metadata.name} capacity ${p.status?.capacity?.storage ?? '<none>'}`
}
