// CloudNativePG's day-2 levers as CNPG documents them, as pure functions over its Cluster and pods (the
// shape the HA engine registry's capabilities take: a patch, and a test of done): resources
// (spec.resources: a rolling update, standbys first), storage (spec.storage.size: the operator resizes the
// PVCs), declarative hibernation (cnpg.io/hibernation=on|off and its condition), a rolling restart (the
// kubectl.kubernetes.io/restartedAt annotation on the Cluster, which the operator carries to the pods, standbys
// first and the primary last). No IO here.
import type { CnpgCluster, PersistentVolumeClaim, Pod } from '../../k8s/types.ts'
import { isHealthy, POD_CLUSTER_LABEL } from '../ha/model.ts'
import { podReady } from '../instances.ts'
import { parseMillicores, parseQuantityBytes, sameBytes, sameCpu } from './quantities.ts'

export const HIBERNATION = 'cnpg.io/hibernation'
export const HIBERNATION_CONDITION = 'cnpg.io/hibernation'
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt'
/** The container CNPG runs PostgreSQL in. */
export const PG_CONTAINER = 'postgres'
export const PVC_ROLE = 'cnpg.io/pvcRole'

export function hibernationRequested(c: CnpgCluster): boolean {
  return c.metadata.annotations?.[HIBERNATION] === 'on'
}

export function hibernationCondition(c: CnpgCluster): { status?: string; reason?: string; message?: string } | undefined {
  const conds = (c.status?.conditions ?? []) as Array<{ type?: string; status?: string; reason?: string; message?: string }>
  return conds.find((x) => x.type === HIBERNATION_CONDITION)
}

/** Hibernated as CNPG reports it: the condition True (reason Hibernated) and no pod left. */
export function hibernated(c: CnpgCluster, pods: Pod[]): boolean {
  return hibernationRequested(c) && hibernationCondition(c)?.status === 'True' && pods.length === 0
}

/** Back from hibernation: the condition gone (CNPG removes it once the annotation is off) and the cluster healthy. */
export function resumed(c: CnpgCluster, pods: Pod[]): boolean {
  return !hibernationRequested(c) && hibernationCondition(c) === undefined && isHealthy(c) && livePods(pods).filter(podReady).length >= (c.spec?.instances ?? 1)
}

export function hibernatePatch(on: boolean): Record<string, unknown> {
  return { metadata: { annotations: { [HIBERNATION]: on ? 'on' : 'off' } } }
}

export function podSelector(c: CnpgCluster): string {
  return `${POD_CLUSTER_LABEL}=${c.metadata.name}`
}

export function pvcSelector(c: CnpgCluster): string {
  return `${POD_CLUSTER_LABEL}=${c.metadata.name},${PVC_ROLE}=PG_DATA`
}

export function livePods(pods: Pod[]): Pod[] {
  return pods.filter((p) => !p.metadata.deletionTimestamp)
}

// ---- resources

export interface Resources {
  cpu?: string | undefined
  memory?: string | undefined
}

export function resourcesOf(c: CnpgCluster): Resources & { limitMemory?: string | undefined } {
  const r = c.spec?.resources ?? {}
  return { cpu: r.requests?.cpu, memory: r.requests?.memory, limitMemory: r.limits?.memory }
}

/** A merge patch of spec.resources: requests cpu/memory and the memory limit (as `ha create` sets them). */
export function resourcesPatch(want: Resources): Record<string, unknown> {
  const requests: Record<string, string> = {}
  if (want.cpu !== undefined) requests.cpu = want.cpu
  if (want.memory !== undefined) requests.memory = want.memory
  return { spec: { resources: { requests, ...(want.memory !== undefined ? { limits: { memory: want.memory } } : {}) } } }
}

function podHas(p: Pod, want: Resources): boolean {
  const c = (p.spec?.containers ?? []).find((x) => x.name === PG_CONTAINER) ?? p.spec?.containers?.[0]
  const r = c?.resources ?? {}
  return (want.cpu === undefined || sameCpu(r.requests?.cpu, want.cpu)) && (want.memory === undefined || (sameBytes(r.requests?.memory, want.memory) && sameBytes(r.limits?.memory, want.memory)))
}

/** Rolled out: every instance's pod runs with the new resources and is ready, and the cluster is healthy. */
export function resourcesDone(c: CnpgCluster, pods: Pod[], want: Resources): boolean {
  const live = livePods(pods)
  if (hibernationRequested(c)) return true
  return isHealthy(c) && live.length >= (c.spec?.instances ?? 1) && live.every((p) => podHas(p, want) && podReady(p))
}

// ---- storage

export function storagePatch(size: string): Record<string, unknown> {
  return { spec: { storage: { size } } }
}

export function storageDone(c: CnpgCluster, pvcs: PersistentVolumeClaim[], bytes: number): boolean {
  const data = pvcs.filter((p) => !p.metadata.deletionTimestamp)
  return data.length > 0 && data.every((p) => (parseQuantityBytes(p.status?.capacity?.storage) ?? 0) >= bytes) && (hibernationRequested(c) || isHealthy(c))
}

// ---- restart

export function restartPatch(at: string): Record<string, unknown> {
  return { metadata: { annotations: { [RESTARTED_AT]: at } } }
}

/** Every pod was replaced since `at` (or carries the annotation) and is ready, the cluster healthy. */
export function restartDone(c: CnpgCluster, pods: Pod[], at: string): boolean {
  const live = livePods(pods)
  const since = Date.parse(at)
  const fresh = (p: Pod) => p.metadata.annotations?.[RESTARTED_AT] === at || Date.parse(p.metadata.creationTimestamp ?? '') >= since - 1000
  return isHealthy(c) && live.length >= (c.spec?.instances ?? 1) && live.every((p) => fresh(p) && podReady(p))
}

/** "pod x-1: ready, new; pod x-2: not ready" for timeouts. */
export function podsWhere(pods: Pod[], fresh: (p: Pod) => boolean): string {
  if (pods.length === 0) return 'no pod'
  return pods.map((p) => `pod ${p.metadata.name}: ${p.metadata.deletionTimestamp ? 'terminating' : podReady(p) ? 'ready' : 'not ready'}${fresh(p) ? ', updated' : ', not updated yet'}`).join('; ')
}

export { parseMillicores }
