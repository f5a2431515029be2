// The per-instance Lease: taken when free, refused (4) naming the holder while fresh, taken over once it
// expired or its holder process of this machine is gone; released only by its holder.
import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import { acquireLease, ANN_OP, buildLease, deadLocalHolder, LEASE_DURATION_S, leaseFree, leaseName } from '../../../src/core/day2/lease.ts'
import { R } from '../../../src/k8s/kube.ts'
import { counterRandom, NOW } from '../../helpers/fake-deps.ts'
import { FakeTransport, fakeKube } from '../../helpers/fake-kube.ts'

const deps = (now = NOW) => ({ now: () => now, randomBytes: counterRandom() })
const target = { instance: 'orders', namespace: 'dbaas-orders', what: 'instance' }
const op = { verb: 'resize', params: { storage: '20Gi' } }

function fresh(): FakeTransport {
  return new FakeTransport().seed(R.namespaces, { metadata: { name: 'dbaas-orders' } })
}

function held(holder: string, renewedAt: number): FakeTransport {
  return fresh().seed(R.leases, buildLease({ instance: 'orders', namespace: 'dbaas-orders', op: { verb: 'scale', params: { cpu: '2' } }, holder, now: renewedAt }))
}

/** A pid that does not run: a child that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid as number
}

describe('the operation lease', () => {
  it('is created when absent, with the verb, its parameters and start', async () => {
    const t = fresh()
    const lease = await acquireLease(fakeKube(t), target, op, deps())
    const l = t.get(R.leases, 'dbaas-orders', leaseName('orders'))
    expect(l?.metadata.annotations?.[ANN_OP.verb]).toBe('resize')
    expect(JSON.parse(l?.metadata.annotations?.[ANN_OP.params] ?? '')).toEqual({ storage: '20Gi' })
    expect(l?.spec?.holderIdentity).toBe(lease.holder)
    expect(l?.spec?.leaseDurationSeconds).toBe(LEASE_DURATION_S)
    await lease.release()
    expect(t.get(R.leases, 'dbaas-orders', leaseName('orders'))).toBeUndefined()
  })

  it('refuses with exit 4 naming the holder while it is renewed, writing nothing', async () => {
    const t = held('laptop/1234/abc', NOW - 5_000)
    const rv = t.get(R.leases, 'dbaas-orders', leaseName('orders'))?.metadata.resourceVersion
    const before = t.writes.length
    const err = await acquireLease(fakeKube(t), target, op, deps()).catch((e: unknown) => e)
    expect(err).toMatchObject({ exitCode: 4, code: 'busy' })
    expect((err as Error).message).toBe(`instance "orders" is busy: \`dbaas scale\` has been running on it since ${new Date(NOW - 5_000).toISOString()} (held by laptop/1234/abc)`)
    expect((err as { hint: string }).hint).toContain(`runs out at ${new Date(NOW - 5_000 + LEASE_DURATION_S * 1000).toISOString()}`)
    // The first try is a create (a released lease is deleted): refused with 409, it changed nothing.
    expect(t.writes.slice(before).map((w) => w.method)).toEqual(['POST'])
    expect(t.get(R.leases, 'dbaas-orders', leaseName('orders'))?.metadata.resourceVersion).toBe(rv)
  })

  it('takes over a lease not renewed for longer than its duration, with the resourceVersion it read', async () => {
    const t = held('laptop/1234/abc', NOW - (LEASE_DURATION_S + 1) * 1000)
    const lease = await acquireLease(fakeKube(t), target, op, deps())
    const patch = t.writes.find((w) => w.method === 'PATCH')
    expect((patch?.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion).toMatch(/^\d+$/)
    const l = t.get(R.leases, 'dbaas-orders', leaseName('orders'))
    expect(l?.spec?.holderIdentity).toBe(lease.holder)
    expect(l?.spec?.leaseTransitions).toBe(1)
    expect(l?.metadata.annotations?.[ANN_OP.verb]).toBe('resize')
    await lease.release()
  })

  it('takes over at once from a process of this machine that no longer runs', () => {
    const dead = `${hostname()}/${deadPid()}/abc`
    expect(deadLocalHolder(dead)).toBe(true)
    expect(deadLocalHolder(`${hostname()}/${process.pid}/abc`)).toBe(false)
    expect(deadLocalHolder(`another-host/${deadPid()}/abc`)).toBe(false)
    const fresh = buildLease({ instance: 'orders', namespace: 'n', op, holder: dead, now: NOW })
    expect(leaseFree(fresh, NOW)).toBe(true)
    expect(leaseFree(buildLease({ instance: 'orders', namespace: 'n', op, holder: 'another-host/1/abc', now: NOW }), NOW)).toBe(false)
  })

  it('a lost race (409 on create) reads again and names the winner', async () => {
    const t = fresh().fail({ method: 'POST', path: /leases/, failure: { code: 409, reason: 'AlreadyExists' }, times: 1 })
    // The winner's lease appears as the create fails.
    const winner = buildLease({ instance: 'orders', namespace: 'dbaas-orders', op: { verb: 'stop', params: {} }, holder: 'other/1/x', now: NOW })
    const kube = fakeKube(t)
    const orig = t.request.bind(t)
    t.request = async (method, path, opts) => {
      if (method === 'POST' && path.includes('leases')) t.seed(R.leases, winner)
      return orig(method, path, opts)
    }
    await expect(acquireLease(kube, target, op, deps())).rejects.toMatchObject({ exitCode: 4, message: expect.stringContaining('`dbaas stop`') })
  })

  it('release leaves a lease another holder has taken', async () => {
    const t = fresh()
    const lease = await acquireLease(fakeKube(t), target, op, deps())
    // Taken over as a takeover is written: a patch, which moves the resourceVersion on.
    await fakeKube(t).mergePatch(R.leases, 'dbaas-orders', leaseName('orders'), { spec: { holderIdentity: 'someone/else/x' } })
    await lease.release()
    expect(t.get(R.leases, 'dbaas-orders', leaseName('orders'))?.spec?.holderIdentity).toBe('someone/else/x')
  })
})
