// Will new requests fit? Before `scale` writes anything: at least one node that may run the pod has
// allocatable CPU and memory left for them (what is already requested there counted, this instance's own
// pods given back since they are replaced), and the namespace's ResourceQuotas and LimitRanges allow them.
// Each refusal (exit 7) names the node capacity, quota or limit that blocks. What the user may not read
// (nodes for a namespaced user) is not checked, and the result says so.
import type { V1LimitRange, V1Node, V1ResourceQuota, V1Toleration } from '@kubernetes/client-node'
import { PreconditionError } from '../../errors.ts'
import { apiInfo } from '../../k8s/errors.ts'
import { R, resource, type Kube } from '../../k8s/kube.ts'
import type { ObjectMeta, Pod, Wire } from '../../k8s/types.ts'
import { formatBytes, formatMillicores, parseMillicores, parseQuantityBytes } from './quantities.ts'

export type Node = Omit<Wire<V1Node>, 'metadata'> & { metadata: ObjectMeta }
export type ResourceQuota = Omit<Wire<V1ResourceQuota>, 'metadata'> & { metadata: ObjectMeta }
export type LimitRange = Omit<Wire<V1LimitRange>, 'metadata'> & { metadata: ObjectMeta }

export const NODES = resource<Node>({ group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false })
export const QUOTAS = resource<ResourceQuota>({ group: '', version: 'v1', plural: 'resourcequotas', kind: 'ResourceQuota', namespaced: true })
export const LIMIT_RANGES = resource<LimitRange>({ group: '', version: 'v1', plural: 'limitranges', kind: 'LimitRange', namespaced: true })

/** Requests and limits in millicores and bytes (undefined = not set). */
export interface Amounts {
  cpu?: number | undefined
  memory?: number | undefined
}

export interface PodResources {
  requests: Amounts
  limits: Amounts
}

/** What the pod template asks of the scheduler besides resources. */
export interface Placement {
  nodeSelector: Record<string, string>
  tolerations: Wire<V1Toleration>[]
}

export interface NodeFit {
  node: string
  free: { cpu: number; memory: number }
}

export interface PreflightReport {
  /** Nodes that would take the new requests. Empty when nodes were not checked. */
  fits: NodeFit[]
  /** What could not be checked, and why (said as notes). */
  unchecked: string[]
}

function sumRequests(pods: Pod[]): { cpu: number; memory: number } {
  let cpu = 0
  let memory = 0
  for (const p of pods) {
    for (const c of p.spec?.containers ?? []) {
      cpu += parseMillicores(c.resources?.requests?.cpu) ?? 0
      memory += parseQuantityBytes(c.resources?.requests?.memory) ?? 0
    }
  }
  return { cpu, memory }
}

function tolerates(tolerations: Placement['tolerations'], taint: { key?: string; value?: string; effect?: string }): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false
    if (t.operator === 'Exists') return !t.key || t.key === taint.key
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '')
  })
}

/** Whether the scheduler could put the pod on this node at all (ready, schedulable, selector, taints). */
export function eligible(n: Node, p: Placement): string | undefined {
  if (n.spec?.unschedulable) return 'cordoned'
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready')
  if (ready && ready.status !== 'True') return 'not ready'
  for (const [k, v] of Object.entries(p.nodeSelector)) if (n.metadata.labels?.[k] !== v) return `no label ${k}=${v}`
  for (const t of n.spec?.taints ?? []) {
    if ((t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(p.tolerations, t)) return `taint ${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`
  }
  return undefined
}

/** Free allocatable per eligible node: allocatable minus every non-terminated pod's requests there, this instance's pods excepted. */
export function nodeRoom(nodes: Node[], pods: Pod[], own: (p: Pod) => boolean, placement: Placement): { fits: NodeFit[]; skipped: string[] } {
  const fits: NodeFit[] = []
  const skipped: string[] = []
  for (const n of nodes) {
    const why = eligible(n, placement)
    if (why) {
      skipped.push(`${n.metadata.name} (${why})`)
      continue
    }
    const on = pods.filter((p) => p.spec?.nodeName === n.metadata.name && !own(p) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed')
    const used = sumRequests(on)
    const alloc = n.status?.allocatable ?? {}
    fits.push({
      node: n.metadata.name,
      free: { cpu: (parseMillicores(alloc.cpu) ?? 0) - used.cpu, memory: (parseQuantityBytes(alloc.memory) ?? 0) - used.memory },
    })
  }
  return { fits, skipped }
}

function fmtAmounts(a: Amounts): string {
  return [a.cpu !== undefined ? `cpu ${formatMillicores(a.cpu)}` : '', a.memory !== undefined ? `memory ${formatBytes(a.memory)}` : ''].filter(Boolean).join(', ')
}

/** Refuses (7) unless some eligible node has room for `want` (requests) for each of `replicas` pods. */
export function checkNodes(fits: NodeFit[], skipped: string[], want: Amounts, what: string): NodeFit[] {
  const ok = fits.filter((f) => (want.cpu ?? 0) <= f.free.cpu && (want.memory ?? 0) <= f.free.memory)
  if (ok.length > 0) return ok
  const best = [...fits].sort((a, b) => b.free.cpu - a.free.cpu || b.free.memory - a.free.memory)
  const room = best.slice(0, 3).map((f) => `${f.node}: ${formatMillicores(Math.max(0, f.free.cpu))} CPU and ${formatBytes(Math.max(0, f.free.memory))} memory free`)
  throw new PreconditionError(
    `no node can run ${what} with requests of ${fmtAmounts(want)}: ${fits.length === 0 ? 'no node may run its pod' : `the most allocatable room left is ${room.join('; ')}`}${skipped.length ? ` (not eligible: ${skipped.slice(0, 5).join(', ')})` : ''}; nothing was changed`,
    { hint: 'ask for less (--cpu/--memory), free room on a node, or add a node with more capacity' },
  )
}

const QUOTA_KEYS: Array<{ key: string; kind: 'requests' | 'limits'; res: 'cpu' | 'memory' }> = [
  { key: 'requests.cpu', kind: 'requests', res: 'cpu' },
  { key: 'cpu', kind: 'requests', res: 'cpu' },
  { key: 'requests.memory', kind: 'requests', res: 'memory' },
  { key: 'memory', kind: 'requests', res: 'memory' },
  { key: 'limits.cpu', kind: 'limits', res: 'cpu' },
  { key: 'limits.memory', kind: 'limits', res: 'memory' },
]

const parse = (res: 'cpu' | 'memory', q: string | undefined): number | undefined => (res === 'cpu' ? parseMillicores(q) : parseQuantityBytes(q))
const show = (res: 'cpu' | 'memory', n: number): string => (res === 'cpu' ? formatMillicores(n) : formatBytes(n))

/**
 * Refuses (7) when a ResourceQuota of the namespace would be exceeded once the instance's pods (`current`
 * each, `replicas` of them) are replaced by pods asking `next`. A quota that limits a resource the new pod
 * does not set refuses the pod at admission: said too.
 */
export function checkQuotas(quotas: ResourceQuota[], current: PodResources, next: PodResources, replicas: number, namespace: string): void {
  for (const q of quotas) {
    for (const k of QUOTA_KEYS) {
      const hard = parse(k.res, q.status?.hard?.[k.key] ?? q.spec?.hard?.[k.key])
      if (hard === undefined) continue
      const mine = next[k.kind][k.res]
      if (mine === undefined) {
        throw new PreconditionError(`ResourceQuota ${q.metadata.name} in ${namespace} limits ${k.key}, and the new pod would not set ${k.kind}.${k.res}; nothing was changed`, {
          hint: k.res === 'cpu' && k.kind === 'limits' ? 'dbaas sets no CPU limit: ask an admin to drop limits.cpu from the quota, or to add a LimitRange default' : `pass --${k.res}`,
        })
      }
      const used = parse(k.res, q.status?.used?.[k.key]) ?? 0
      const after = used - (current[k.kind][k.res] ?? 0) * replicas + mine * replicas
      if (after > hard) {
        throw new PreconditionError(
          `ResourceQuota ${q.metadata.name} in ${namespace} allows ${k.key} ${show(k.res, hard)}; ${show(k.res, Math.max(0, used))} is used, and the change would bring it to ${show(k.res, after)}; nothing was changed`,
          { hint: `ask for less, or ask an admin to raise ${k.key} in quota ${q.metadata.name}` },
        )
      }
    }
  }
}

/** Refuses (7) requests or limits outside a LimitRange's min/max for containers (or pods). */
export function checkLimitRanges(ranges: LimitRange[], next: PodResources, namespace: string): void {
  for (const lr of ranges) {
    for (const item of lr.spec?.limits ?? []) {
      if (item.type !== 'Container' && item.type !== 'Pod') continue
      for (const res of ['cpu', 'memory'] as const) {
        const max = parse(res, item.max?.[res])
        const min = parse(res, item.min?.[res])
        for (const kind of ['requests', 'limits'] as const) {
          const v = next[kind][res]
          if (v === undefined) continue
          if (max !== undefined && v > max) {
            throw new PreconditionError(`LimitRange ${lr.metadata.name} in ${namespace} allows a ${item.type.toLowerCase()} at most ${show(res, max)} of ${res}; the new ${kind}.${res} is ${show(res, v)}; nothing was changed`, {
              hint: `ask for at most ${show(res, max)}`,
            })
          }
          if (min !== undefined && v < min) {
            throw new PreconditionError(`LimitRange ${lr.metadata.name} in ${namespace} wants a ${item.type.toLowerCase()} to ask at least ${show(res, min)} of ${res}; the new ${kind}.${res} is ${show(res, v)}; nothing was changed`, {
              hint: `ask for at least ${show(res, min)}`,
            })
          }
        }
      }
    }
  }
}

/** Reads what the checks need (each read forbidden to the user is skipped and reported) and runs them. */
export async function preflightResources(
  kube: Kube,
  o: { namespace: string; what: string; own: (p: Pod) => boolean; placement: Placement; current: PodResources; next: PodResources; replicas: number },
): Promise<PreflightReport> {
  const unchecked: string[] = []
  const soft = async <T>(p: Promise<T>, what: string): Promise<T | undefined> => {
    try {
      return await p
    } catch (err) {
      if (apiInfo(err)?.httpCode === 403) {
        unchecked.push(`${what} (you may not read them)`)
        return undefined
      }
      throw err
    }
  }
  const [nodes, pods, quotas, ranges] = await Promise.all([
    soft(kube.list(NODES, undefined).then((l) => l.items), 'node capacity'),
    soft(kube.list(R.pods, undefined, { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' }).then((l) => l.items), 'node capacity'),
    soft(kube.list(QUOTAS, o.namespace).then((l) => l.items), 'resource quotas'),
    soft(kube.list(LIMIT_RANGES, o.namespace).then((l) => l.items), 'limit ranges'),
  ])
  if (ranges) checkLimitRanges(ranges, o.next, o.namespace)
  if (quotas) checkQuotas(quotas, o.current, o.next, o.replicas, o.namespace)
  let fits: NodeFit[] = []
  if (nodes && pods) {
    const room = nodeRoom(nodes, pods, o.own, o.placement)
    fits = checkNodes(room.fits, room.skipped, o.next.requests, o.what)
  }
  return { fits, unchecked: [...new Set(unchecked)] }
}
