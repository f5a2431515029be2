// What the detectors share: reads that may be refused or absent, and whether a leader Lease is alive.
import { apiInfo } from '../../k8s/errors.ts'
import type { Lease } from '../../k8s/types.ts'

export type Read<T> = T | 'forbidden' | 'absent'

/** A read whose 403 and 404 are answers ("may not look", "not installed"), not failures. */
export async function tolerant<T>(p: Promise<T>): Promise<Read<T>> {
  try {
    return await p
  } catch (err) {
    const code = apiInfo(err)?.httpCode
    if (code === 403) return 'forbidden'
    if (code === 404) return 'absent'
    throw err
  }
}

/** Seconds of clock skew allowed past a Lease's duration. */
export const LEASE_SLACK_SECONDS = 5

/** A Lease is fresh while its holder's last renewal is within its duration (plus a little clock skew). */
export function leaseFresh(lease: Lease, now: number): boolean {
  const renew = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? '')
  const duration = Number(lease.spec?.leaseDurationSeconds ?? 15)
  return Boolean(lease.spec?.holderIdentity) && Number.isFinite(renew) && now - renew <= (duration + LEASE_SLACK_SECONDS) * 1000
}
