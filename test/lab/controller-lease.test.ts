// Done means 11 (second half): `lab:stop snapshot-controller` makes its Lease go stale (renewTime stops
// moving and grows older than leaseDurationSeconds); `lab:start` brings it back (renewed again). Runs on a
// private lab, so the shared lab's snapshot controller never stops under other tests.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { waitFor } from './fixtures/lab.ts'
import { privateLab, type PrivateLab } from './fixtures/private-lab.ts'
import { labOnly } from './tags.ts'

const lab = labOnly('stops and starts a lab component (on a second lab of its own)')

interface Lease {
  spec: { holderIdentity: string; renewTime: string; leaseDurationSeconds: number }
}

lab.describe('snapshot-controller leader Lease', () => {
  let priv: PrivateLab
  beforeAll(async () => {
    priv = await privateLab({ start: true })
  })
  afterAll(async () => priv?.destroy())

  const readLease = async (): Promise<Lease> => {
    const r = await priv.kubectl(['-n', 'kube-system', 'get', 'lease', 'snapshot-controller-leader', '-o', 'json'])
    if (r.code !== 0) throw new Error(r.stderr)
    return JSON.parse(r.stdout) as Lease
  }
  const ageMs = (l: Lease) => Date.now() - Date.parse(l.spec.renewTime)

  it('is renewed while running, goes stale when stopped, is renewed again after start', async () => {
    const first = await readLease()
    expect(first.spec.holderIdentity).toBeTruthy()
    expect(ageMs(first)).toBeLessThan(first.spec.leaseDurationSeconds * 1000)
    // Running: renewTime moves (the controller renews every retry period, 5 s by default).
    await waitFor('the Lease to be renewed', 30_000, async () => (await readLease()).spec.renewTime !== first.spec.renewTime, 500)

    const stop = await priv.cli('stop', 'snapshot-controller')
    expect(stop.code, stop.stderr).toBe(0)
    const status = await priv.cli('status')
    expect(status.code).not.toBe(0)
    expect(status.stdout).toMatch(/^snapshot-controller\s+DOWN/m)

    const atStop = await readLease()
    const duration = atStop.spec.leaseDurationSeconds * 1000
    await waitFor('the Lease to go stale', duration + 20_000, async () => ageMs(await readLease()) > duration, 1000)
    const stale = await readLease()
    expect(stale.spec.renewTime).toBe(atStop.spec.renewTime)
    expect(ageMs(stale)).toBeGreaterThan(duration)

    const startedAt = Date.now()
    const start = await priv.cli('start', 'snapshot-controller')
    expect(start.code, start.stderr).toBe(0)
    const renewed = await readLease()
    expect(Date.parse(renewed.spec.renewTime)).toBeGreaterThanOrEqual(startedAt - 1000)
    expect(ageMs(renewed)).toBeLessThan(renewed.spec.leaseDurationSeconds * 1000)
    expect((await priv.cli('status')).code).toBe(0)
  })
})
