// list --watch and status --watch: they redraw when the cluster changes, from watches (no polling: while
// nothing changes, nothing is listed again), and Ctrl-C ends them with exit 130.
import { describe, expect, it, onTestFinished } from 'vitest'
import { R } from '../../src/k8s/kube.ts'
import { kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { cleanupInstance, dbaasOk, deleteNamespace, instanceForTest, recordChanges, startCli } from './helpers.ts'

const lists = (trace: string) => trace.split('\n').filter((l) => l.startsWith('[api] GET') && !l.includes('watch=')).length

describe('watch', () => {
  it('list --watch shows an instance created after it started, lists nothing while nothing changes, exits 130 on Ctrl-C', async () => {
    const ns = uniqueName('watch')
    await kubectlOk(['create', 'namespace', ns])
    onTestFinished(() => deleteNamespace(ns))
    const name = uniqueName('wat')
    onTestFinished(() => cleanupInstance(name, ns))
    const w = startCli(['list', '-n', ns, '--watch'], { env: { DBAAS_TRACE: '1' } })
    await w.waitForOutput(/No instances found\./, 'the first table')
    await w.waitForOutput(/watch=1/, 'the watches', 60_000, 'err')
    await dbaasOk(['create', 'postgres', name, '-n', ns, '--storage', '1Gi'])
    await w.waitForOutput(new RegExp(`^${name}\\s+postgresql\\s+\\S+\\s+Ready\\s+1/1`, 'm'), 'the Ready row')
    // No polling: while the objects the view is made of do not change (a watch of our own on them sees no
    // event), the view lists nothing. First the view settles: no event and no list for a second (the redraw
    // of the last change is done). Then a quiet window: a negative claim needs a span of time, so this is the
    // one place here that waits for time rather than for a condition — it cannot make the test pass by
    // accident, and the window is void (the test fails) if anything changed during it.
    const sts = await recordChanges(R.statefulSets, ns)
    const pods = await recordChanges(R.pods, ns)
    const lastEvent = () => Math.max(0, ...sts.events.map((e) => e.at), ...pods.events.map((e) => e.at))
    let seen = lists(w.err())
    let seenAt = Date.now()
    await waitFor('the view to settle (no event and no list for 1 s)', 60_000, async () => {
      const n = lists(w.err())
      if (n !== seen) {
        seen = n
        seenAt = Date.now()
      }
      return Date.now() - Math.max(seenAt, lastEvent()) > 1_000
    }, 100)
    const quietFrom = { events: sts.events.length + pods.events.length, lists: lists(w.err()) }
    const windowMs = 4_000
    await new Promise((r) => setTimeout(r, windowMs))
    if (sts.events.length + pods.events.length !== quietFrom.events) throw new Error('the instance changed during the quiet window: the check proves nothing this time')
    expect(lists(w.err()), `list requests during ${windowMs} ms without changes`).toBe(quietFrom.lists)
    w.interrupt()
    expect((await w.result()).exitCode).toBe(130)
  })

  it('status --watch redraws when a pod appears', async () => {
    const name = await instanceForTest('postgres', uniqueName('wst'))
    const ns = `dbaas-${name}`
    const w = startCli(['status', name, '--watch'])
    await w.waitForOutput(new RegExp(`${name}-0`), 'the first status')
    expect(w.out()).not.toContain(`${name}-1 `)
    await kubectlOk(['scale', 'statefulset', name, '-n', ns, '--replicas=2'])
    await w.waitForOutput(new RegExp(`${name}-1 `), 'the second pod')
    w.interrupt()
    expect((await w.result()).exitCode).toBe(130)
  })
})
