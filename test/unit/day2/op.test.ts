// The shared part of a day-2 verb under the Lease: the re-check is one round trip when the instance is as it
// was planned from (the plan is kept: no second preflight, no read before the history write), and a full plan
// again when its release changed in between. What goes over the wire is the journal checked here.
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { executeValues, planRestart } from '../../../src/core/day2/single.ts'
import type { ChangeOptions } from '../../../src/core/day2/model.ts'
import { HISTORY_ANNOTATION } from '../../../src/core/day2/history.ts'
import { R } from '../../../src/k8s/kube.ts'
import type { Secret } from '../../../src/k8s/types.ts'
import { fakeDeps } from '../../helpers/fake-deps.ts'
import { FakeTransport, fakeKube } from '../../helpers/fake-kube.ts'
import { credentials, namespace, release, statefulSet } from '../../helpers/fixtures.ts'

const ns = 'dbaas-orders'

/** A release storage Secret as helm writes it: base64 of gzipped JSON inside the Secret's own base64. */
function releaseWithValues(revision: number): Secret {
  const r = release({ name: 'orders', revision })
  const json = JSON.stringify({ name: 'orders', version: revision, info: { status: 'deployed' }, config: { replicas: 1, engineVersion: '17' }, manifest: '' })
  const inner = gzipSync(Buffer.from(json)).toString('base64')
  return { ...r, data: { release: Buffer.from(inner).toString('base64') } }
}

function seeded(): FakeTransport {
  const sts = statefulSet({ name: 'orders', version: '17', ready: 1 })
  sts.metadata.generation = 1
  return new FakeTransport()
    .seed(R.namespaces, namespace(ns))
    .seed(R.statefulSets, sts)
    .seed(R.secrets, credentials({ name: 'orders', version: '17' }))
    .seed(R.secrets, releaseWithValues(1))
}

const opts: ChangeOptions = { name: 'orders', namespace: ns, cluster: {}, dryRun: 'none', wait: false, timeoutMs: 60_000, yes: true, canPrompt: false }

describe('a day-2 verb under the Lease', () => {
  it('keeps its plan when the instance is unchanged: one re-read, no read before the history writes', async () => {
    const t = seeded()
    const d = fakeDeps({ transport: t })
    const p = await planRestart(opts, d)
    const from = t.requests.length
    let replans = 0
    const r = await executeValues(p, opts, {}, async () => (replans++, planRestart(opts, d)), d)
    expect(r.action).toBe('requested')
    expect(replans).toBe(0)
    const sent = t.requests.slice(from).map((q) => `${q.method} ${q.path.replace(/^\/api(s\/[^/]+)?\/v1\//, '')}`)
    expect(sent).toEqual([
      // The Lease: created without a read (a released one is deleted).
      `POST namespaces/${ns}/leases`,
      // The re-check: the StatefulSet and the instance's Secrets, together.
      `GET namespaces/${ns}/statefulsets/orders`,
      `GET namespaces/${ns}/secrets`,
      // History on the credentials Secret as the re-check read it, then on the object as written.
      `PATCH namespaces/${ns}/secrets/orders-credentials`,
      `PATCH namespaces/${ns}/secrets/orders-credentials`,
      // Released only as it was last written.
      `DELETE namespaces/${ns}/leases/dbaas-orders`,
    ])
    const del = t.requests.find((q) => q.method === 'DELETE')
    expect((del?.body as { preconditions?: { resourceVersion?: string } }).preconditions?.resourceVersion).toMatch(/^\d+$/)
    expect(t.get(R.leases, ns, 'dbaas-orders')).toBeUndefined()
    expect(d.fakeHelm.ops()).toEqual(['upgradeInstall'])
    const history = JSON.parse(t.get(R.secrets, ns, 'orders-credentials')?.metadata.annotations?.[HISTORY_ANNOTATION] ?? '[]') as Array<{ verb: string; result: string }>
    expect(history.map((e) => [e.verb, e.result])).toEqual([['restart', 'succeeded']])
  })

  it('plans again when the release changed between the plan and the Lease', async () => {
    const t = seeded()
    const d = fakeDeps({ transport: t })
    const p = await planRestart(opts, d)
    // Another dbaas finished a change in between: a new revision.
    t.seed(R.secrets, releaseWithValues(2))
    let replans = 0
    await executeValues(p, opts, {}, async () => (replans++, planRestart(opts, d)), d)
    expect(replans).toBe(1)
  })

  it('plans again when the StatefulSet changed (its generation) or went away', async () => {
    for (const change of ['generation', 'gone'] as const) {
      const t = seeded()
      const d = fakeDeps({ transport: t })
      const p = await planRestart(opts, d)
      if (change === 'gone') await fakeKube(t).delete(R.statefulSets, ns, 'orders', { propagationPolicy: 'Orphan' })
      else {
        const sts = t.get(R.statefulSets, ns, 'orders')
        if (sts) sts.metadata.generation = 2
      }
      let replans = 0
      await executeValues(p, opts, {}, async () => (replans++, planRestart(opts, d)), d).catch(() => undefined)
      expect(replans, change).toBe(1)
    }
  })
})
