// Done means 11 (second half): `lab:stop snapshot-controller` makes its Lease go stale (renewTime stops
// moving and grows older than leaseDurationSeconds); `lab:start` brings it back (renewed again).
import { afterAll, expect, it } from 'vitest'
import { kubectlJson, labCli, waitFor } from './fixtures/lab.ts'
import { labOnly } from './tags.ts'

const lab = labOnly('stops and starts a lab component')

interface Lease {
  spec: { holderIdentity: string; renewTime: string; leaseDurationSeconds: number }
}

const readLease = () => kubectlJson<Lease>(['-n', 'kube-system', 'get', 'lease', 'snapshot-controller-leader'])
const ageMs = (l: Lease) => Date.now() - Date.parse(l.spec.renewTime)

lab.describe('snapshot-controller leader Lease', () => {
  afterAll(async () => {
    await labCli(['start', 'snapshot-controller']) // whatever happened, leave the lab whole
  })

  it('is renewed while running, goes stale when stopped, is renewed again after start', async () => {
    const first = await readLease()
    expect(first.spec.holderIdentity).toBeTruthy()
    expect(ageMs(first)).toBeLessThan(first.spec.leaseDurationSeconds * 1000)
    // Running: renewTime moves (the controller renews every retry period, 5 s by default).
    await waitFor('the Lease to be renewed', 30_000, async () => (await readLease()).spec.renewTime !== first.spec.renewTime, 500)

    const stop = await labCli(['stop', 'snapshot-controller'])
    expect(stop.code, stop.stderr).toBe(0)
    const status = await labCli(['status'])
    expect(status.code).not.toBe(0)
    expect(status.stdout).toMatch(/^snapshot-controller\s+DOWN/m)

    const atStop = await readLease()
    const duration = atStop.spec.leaseDurationSeconds * 1000
    await waitFor('the Lease to go stale', duration + 20_000, async () => ageMs(await readLease()) > duration, 1000)
    const stale = await readLease()
    expect(stale.spec.renewTime).toBe(atStop.spec.renewTime)
    expect(ageMs(stale)).toBeGreaterThan(duration)

    const startedAt = Date.now()
    const start = await labCli(['start', 'snapshot-controller'])
    expect(start.code, start.stderr).toBe(0)
    const renewed = await readLease()
    expect(Date.parse(renewed.spec.renewTime)).toBeGreaterThanOrEqual(startedAt - 1000)
    expect(ageMs(renewed)).toBeLessThan(renewed.spec.leaseDurationSeconds * 1000)
    expect((await labCli(['status'])).code).toBe(0)
  })
})
