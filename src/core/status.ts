// dbaas status: one instance in detail — pods, volume, endpoint, recent warnings and the helm release.
import type { ClusterFlags, Deps } from '../deps.ts'
import { orForbidden } from '../k8s/errors.ts'
import { R, type Kube } from '../k8s/kube.ts'
import type { Event, PersistentVolumeClaim, Pod } from '../k8s/types.ts'
import { ANN, instanceSelector } from '../k8s/labels.ts'
import { engineFromLabel } from '../engines/registry.ts'
import { findInstance } from './find.ts'
import { pendingNow } from './day2/pending.ts'
import { latestRelease, podReady, toView, type InstanceView } from './instances.ts'
import { watchSources, type LiveView, type WatchSource } from './live.ts'
import { scheduleOf } from './schedule/manage.ts'
import type { ScheduleView } from './schedule/model.ts'

export interface StatusOptions {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
}

export interface PodView {
  name: string
  phase: string
  ready: boolean
  restarts: number
  node: string | null
  reason: string | null
}

export interface StatusView extends InstanceView {
  pods: PodView[]
  /** Parameters `dbaas config set` wrote that wait for a restart of the pod (empty when none). */
  restartPending: string[]
  volumes: Array<{ name: string; status: string; capacity: string | null; storageClass: string | null }>
  endpoint: { host: string; port: number } | null
  events: Array<{ type: string; reason: string; object: string; message: string; count: number; lastSeen: string | null }>
  explanation: string
  /** Its backup schedule (`dbaas backup schedule set`): last run and result, next run; null when it has none. */
  schedule: ScheduleView | null
}

function podView(p: Pod): PodView {
  const statuses = p.status?.containerStatuses ?? []
  const waiting = statuses.map((c) => c?.state?.waiting?.reason).find((r) => typeof r === 'string')
  return {
    name: p.metadata.name,
    phase: p.metadata.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Pending'),
    ready: podReady(p),
    restarts: statuses.reduce((n, c) => n + (c?.restartCount ?? 0), 0),
    node: p.spec?.nodeName ?? null,
    reason: waiting ?? null,
  }
}

/** One sentence saying what the status means and what to do about it. */
export function explain(v: InstanceView): string {
  const ref = `${v.name} -n ${v.namespace}`
  switch (v.status) {
    case 'Ready':
      return 'running and accepting connections'
    case 'Creating':
      return 'starting for the first time; `dbaas status ' + ref + '` again to follow it'
    case 'Degraded':
      return 'fewer pods are ready than wanted; see the pods and events below'
    case 'Failed':
      return `cannot run; fix the cause shown below, then \`dbaas create ${v.engine} ${ref}\` to complete it, or \`dbaas delete ${ref}\``
    case 'Incomplete':
      return `creation did not finish; \`dbaas create ${v.engine} ${ref}\` completes it, \`dbaas delete ${ref}\` removes it`
    case 'Deleting':
      return 'being deleted'
    case 'Stopped':
      return `stopped (its data volume is kept); \`dbaas start ${ref}\` starts it`
  }
}

type EventView = StatusView['events'][number]

const eventTime = (e: Event): string => String(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '')

/** When the instance last became what it is: the latest Ready transition of its pods. */
export function lastTransition(pods: Pod[]): string | undefined {
  const times = pods.flatMap((p) => (p.status?.conditions ?? []).filter((c) => c.type === 'Ready').map((c) => String(c.lastTransitionTime ?? '')))
  return times.filter(Boolean).sort().at(-1)
}

/**
 * The warnings worth showing: this instance's objects only (by uid: an earlier instance of the same name left
 * its own), for a Ready instance only those newer than its last transition (older ones are history), one line
 * per reason, object and message with their counts added, newest first, at most 10.
 */
export function recentWarnings(events: Event[], uids: Set<unknown>, ready: boolean, since: string | undefined): EventView[] {
  const mine = events.filter((e) => uids.has(e.involvedObject?.uid) && (!ready || !since || eventTime(e) > since))
  const byKey = new Map<string, EventView>()
  for (const e of mine.sort((a, b) => eventTime(b).localeCompare(eventTime(a)))) {
    const v: EventView = {
      type: e.type ?? 'Warning',
      reason: e.reason ?? '',
      object: `${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}`,
      message: String(e.message ?? '').trim(),
      count: e.count ?? 1,
      lastSeen: e.lastTimestamp ?? e.eventTime ?? null,
    }
    const k = `${v.reason}|${v.object}|${v.message}`
    const seen = byKey.get(k)
    if (seen) seen.count += v.count
    else byKey.set(k, v)
  }
  return [...byKey.values()].slice(0, 10)
}

/** A data volume still Pending: which class, which provisioner, and what the provisioning events say. */
async function pendingVolume(kube: Kube, pvcs: PersistentVolumeClaim[], events: Event[]): Promise<string | undefined> {
  const pvc = pvcs.find((p) => (p.status?.phase ?? 'Pending') === 'Pending')
  if (!pvc) return undefined
  const className = pvc.spec?.storageClassName
  const cls = className ? await orForbidden(kube.find(R.storageClasses, undefined, className)).catch(() => undefined) : undefined
  const provisioner = cls && cls !== 'forbidden' ? cls.provisioner : undefined
  const said = events
    .filter((e) => e.involvedObject?.uid === pvc.metadata.uid && /Provision/.test(e.reason ?? ''))
    .sort((a, b) => eventTime(b).localeCompare(eventTime(a)))[0]?.message
  const where = className ? `storage class ${className}${provisioner ? `, provisioner ${provisioner}` : cls === undefined ? ', which does not exist' : ''}` : 'no storage class'
  return `its data volume ${pvc.metadata.name} is Pending (${where}): no volume has been provisioned for it yet${said ? ` — ${String(said).trim()}` : provisioner ? `; is the ${provisioner} provisioner running?` : ''}`
}

export async function instanceStatus(o: StatusOptions, deps: Deps): Promise<StatusView> {
  const kube = await deps.kube(o.cluster)
  const parts = await findInstance(kube, { name: o.name, namespace: o.namespace })
  const ns = parts.namespace
  const sel = instanceSelector(o.name)
  const [pods, pvcs, services, events, schedule] = await Promise.all([
    kube.list(R.pods, ns, { labelSelector: sel }).then((l) => l.items),
    kube.list(R.pvcs, ns, { labelSelector: sel }).then((l) => l.items),
    kube.list(R.services, ns, { labelSelector: sel }).then((l) => l.items),
    kube.list(R.events, ns, { fieldSelector: 'type=Warning' }).then((l) => l.items),
    scheduleOf(kube, ns, o.name, deps.now()),
  ])
  const allEvents = events
  const now = deps.now()
  const view = toView(parts, now, pods)
  const engine = engineFromLabel(view.engine)
  const client = services.find((s) => s.spec?.clusterIP !== 'None')
  // Events of these very objects (by uid): an earlier instance of the same name left its own behind.
  const uids = new Set([parts.statefulSet, ...pods, ...pvcs].map((x) => x?.metadata.uid).filter(Boolean))
  const recent = recentWarnings(events, uids, view.status === 'Ready', lastTransition(pods))
  const stuck = view.status === 'Creating' || view.status === 'Degraded' ? await pendingVolume(kube, pvcs, allEvents) : undefined
  const release = latestRelease(parts.releases)
  const pending = pendingNow(parts.statefulSet, pods)
  return {
    ...view,
    pods: pods.map(podView),
    volumes: pvcs.map((p) => ({
      name: p.metadata.name,
      status: p.status?.phase ?? 'Pending',
      capacity: p.status?.capacity?.storage ?? p.spec?.resources?.requests?.storage ?? null,
      storageClass: p.spec?.storageClassName ?? null,
    })),
    endpoint: client ? { host: `${client.metadata.name}.${ns}.svc.cluster.local`, port: client.spec?.ports?.[0]?.port ?? engine?.port ?? 0 } : null,
    events: recent,
    release: release ? { status: release.status, revision: release.revision } : null,
    storage: view.storage ?? parts.statefulSet?.metadata.annotations?.[ANN.storage] ?? null,
    explanation: [explain(view), ...(stuck ? [stuck] : []), ...(pending.length ? [`restart pending for ${pending.join(', ')} (\`dbaas restart ${o.name} -n ${ns}\` applies ${pending.length > 1 ? 'them' : 'it'})`] : [])].join('; '),
    restartPending: pending,
    schedule: schedule ?? null,
  }
}

/** `status --watch`: the instance found once, then its view read again on every change to its objects. */
export async function liveStatus(o: StatusOptions, deps: Deps): Promise<LiveView<StatusView>> {
  const kube = await deps.kube(o.cluster)
  const first = await instanceStatus(o, deps)
  const ns = first.namespace
  const sel = instanceSelector(o.name)
  const sources: WatchSource[] = [
    { r: R.statefulSets, namespace: ns, opts: { fieldSelector: `metadata.name=${o.name}` } },
    { r: R.pods, namespace: ns, opts: { labelSelector: sel } },
    { r: R.pvcs, namespace: ns, opts: { labelSelector: sel } },
    { r: R.events, namespace: ns, opts: { fieldSelector: 'type=Warning' } },
  ]
  let pending: StatusView | undefined = first
  return {
    signal: deps.signal,
    read: async () => {
      const v = pending ?? (await instanceStatus({ ...o, namespace: ns }, deps))
      pending = undefined
      return v
    },
    changes: (onChange) => watchSources(kube, sources, deps.signal, onChange),
  }
}
