// One operation at a time per instance: a coordination.k8s.io Lease named after the instance
// (`dbaas-<name>`, in its namespace), taken by every mutating day-2 verb after its preflight, renewed while
// the verb runs and deleted when it ends. A second verb meanwhile is refused (exit 4) naming the holder's
// verb and start time. A holder that stopped renewing for longer than the lease's duration is gone (killed,
// a laptop that went to sleep) and its lease is taken over; so is one held by a process of this machine that
// no longer exists (kill -9, then the same command again), without waiting for the duration.
//
// Every write carries the resourceVersion it read, so two verbs racing for a free or expired lease cannot
// both win: the loser's write is refused (409) and it reads the winner.
import { hostname } from 'node:os'
import { ConflictError } from '../../errors.ts'
import { apiInfo, isApiConflict, isApiNotFound } from '../../k8s/errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import type { Lease } from '../../k8s/types.ts'
import { INSTANCE, KIND, MANAGED_BY } from '../../k8s/labels.ts'

export const LEASE_KIND = 'operation-lease'
/** How long a holder may go without renewing before its lease is taken over. */
export const LEASE_DURATION_S = 30
/** How often a holder renews (a third of the duration, as leader election does). */
export const LEASE_RENEW_MS = 10_000

export const ANN_OP = {
  verb: 'dbaas.io/operation',
  params: 'dbaas.io/operation-params',
  started: 'dbaas.io/operation-started',
} as const

export function leaseName(instance: string): string {
  return `dbaas-${instance}`
}

/** The API's MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z')
}

export interface Operation {
  /** The command path that holds it: "scale", "ha resize". */
  verb: string
  params: Record<string, string>
}

/** Who holds an instance's lease, as the refusal names them. */
export interface LeaseHolder {
  verb: string
  startedAt: string
  holder: string
  renewedAt: string | null
  /** When the lease runs out unless renewed. */
  expiresAt: string | null
}

export function holderOf(l: Lease): LeaseHolder {
  const renew = l.spec?.renewTime ?? l.spec?.acquireTime ?? null
  const duration = Number(l.spec?.leaseDurationSeconds ?? LEASE_DURATION_S)
  const renewMs = renew ? Date.parse(renew) : NaN
  return {
    verb: l.metadata.annotations?.[ANN_OP.verb] ?? 'unknown',
    startedAt: l.metadata.annotations?.[ANN_OP.started] ?? l.spec?.acquireTime ?? 'unknown',
    holder: l.spec?.holderIdentity ?? '',
    renewedAt: renew,
    expiresAt: Number.isFinite(renewMs) ? new Date(renewMs + duration * 1000).toISOString() : null,
  }
}

/** A holder identity: host, process and a random part (two verbs of one process never share one). */
export function identity(random: (n: number) => Buffer, host = hostname(), pid = process.pid): string {
  return `${host}/${pid}/${random(3).toString('hex')}`
}

/** Whether a holder identity is this very process (its own Lease, taken a moment ago). */
export function ownHolder(holder: string, host = hostname()): boolean {
  return holder.startsWith(`${host}/${process.pid}/`)
}

/** Whether a holder identity names a process of this machine that no longer runs. */
export function deadLocalHolder(holder: string, host = hostname()): boolean {
  const [h, pidText] = holder.split('/')
  const pid = Number(pidText)
  if (h !== host || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** Free: no holder, released, expired past its duration, or held by a dead process of this machine. */
export function leaseFree(l: Lease, now: number, host = hostname()): boolean {
  const holder = l.spec?.holderIdentity
  if (!holder) return true
  const h = holderOf(l)
  if (h.expiresAt !== null && Date.parse(h.expiresAt) < now) return true
  return deadLocalHolder(holder, host)
}

export function buildLease(o: { instance: string; namespace: string; op: Operation; holder: string; now: number; transitions?: number; resourceVersion?: string | undefined }): Lease {
  const t = microTime(o.now)
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: leaseName(o.instance),
      namespace: o.namespace,
      ...(o.resourceVersion ? { resourceVersion: o.resourceVersion } : {}),
      labels: { [MANAGED_BY]: 'dbaas', [INSTANCE]: o.instance, [KIND]: LEASE_KIND },
      annotations: {
        [ANN_OP.verb]: o.op.verb,
        [ANN_OP.params]: JSON.stringify(o.op.params),
        [ANN_OP.started]: new Date(o.now).toISOString(),
      },
    },
    spec: {
      holderIdentity: o.holder,
      leaseDurationSeconds: LEASE_DURATION_S,
      acquireTime: t,
      renewTime: t,
      leaseTransitions: o.transitions ?? 0,
    },
  }
}

export function busyError(what: string, instance: string, namespace: string, h: LeaseHolder): ConflictError {
  return new ConflictError(`${what} "${instance}" is busy: \`dbaas ${h.verb}\` has been running on it since ${h.startedAt} (held by ${h.holder || 'unknown'})`, {
    code: 'busy',
    hint: `one operation at a time: wait until it finishes${h.expiresAt ? ` (if that process is gone, its lease lease/${leaseName(instance)} in ${namespace} runs out at ${h.expiresAt})` : ''}, then run the command again`,
    details: { holder: h },
  })
}

export interface HeldLease {
  readonly name: string
  readonly holder: string
  /** Set when a renewal found the lease taken by another holder (after an outage longer than its duration). */
  lost(): boolean
  /** Stops renewing and deletes the lease if it is still ours. Never throws. */
  release(): Promise<void>
}

export interface LeaseDeps {
  now(): number
  randomBytes(n: number): Buffer
}

/**
 * Takes the instance's lease for `op`, or throws ConflictError (4) naming the holder. `what` names the
 * thing in the message ("instance", "HA cluster").
 */
export async function acquireLease(kube: Kube, t: { instance: string; namespace: string; what: string }, op: Operation, deps: LeaseDeps): Promise<HeldLease> {
  const name = leaseName(t.instance)
  const me = identity(deps.randomBytes)
  let taken: Lease | undefined
  for (let attempt = 1; attempt <= 5 && !taken; attempt++) {
    // A released lease is deleted, so the first try creates it without reading; a 409 (it exists) reads it.
    const current = attempt === 1 ? undefined : await kube.find(R.leases, t.namespace, name)
    const now = deps.now()
    try {
      if (!current) {
        taken = await kube.create(R.leases, buildLease({ instance: t.instance, namespace: t.namespace, op, holder: me, now }))
      } else if (leaseFree(current, now)) {
        // A merge patch carrying the resourceVersion read: a racing taker makes this a 409.
        const next = buildLease({ instance: t.instance, namespace: t.namespace, op, holder: me, now, transitions: (current.spec?.leaseTransitions ?? 0) + 1, resourceVersion: current.metadata.resourceVersion })
        taken = await kube.mergePatch(R.leases, t.namespace, name, { metadata: next.metadata, spec: next.spec })
      } else {
        throw busyError(t.what, t.instance, t.namespace, holderOf(current))
      }
    } catch (err) {
      const code = apiInfo(err)?.httpCode
      // Someone else created or took it between the read and the write: read again and judge.
      if (code === 409 && attempt < 5) continue
      throw err
    }
  }
  if (!taken) throw new ConflictError(`could not take the lease of ${t.what} "${t.instance}": it kept changing`, { code: 'busy', hint: 'run the command again' })
  return holdLease(kube, taken, me, deps)
}

function holdLease(kube: Kube, first: Lease, me: string, deps: LeaseDeps): HeldLease {
  const ns = first.metadata.namespace as string
  const name = first.metadata.name
  let rv = first.metadata.resourceVersion
  let lost = false
  let stopped = false
  let renewing: Promise<void> = Promise.resolve()
  const renew = async () => {
    try {
      const l = await kube.mergePatch(R.leases, ns, name, { metadata: { resourceVersion: rv }, spec: { renewTime: microTime(deps.now()) } })
      rv = l.metadata.resourceVersion
    } catch (err) {
      // 409: changed since our last write (taken over), 404: deleted; either way it is not ours any more.
      if (isApiConflict(err) || isApiNotFound(err)) lost = true
      // Anything else (the API server unreachable for a moment): try again at the next tick.
    }
  }
  const timer = setInterval(() => {
    if (!stopped && !lost) renewing = renew()
  }, LEASE_RENEW_MS)
  timer.unref()
  return {
    name,
    holder: me,
    lost: () => lost,
    async release() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      await renewing
      if (lost) return
      try {
        // Deleted only as this holder last wrote it: taken over since, the precondition makes it a 409.
        await kube.delete(R.leases, ns, name, { resourceVersion: rv })
      } catch {
        // Taken over, already gone, or left behind: a left one runs out after its duration; nothing else depends on it.
      }
    },
  }
}
