// The abortable sleep the polling and --watch loops use: it ends early on abort, and leaves no listener on the
// signal after either ending (a loop that sleeps every 2 s for hours would otherwise hold one per turn).
import { getEventListeners } from 'node:events'
import { expect, it } from 'vitest'
import { sleep } from '../../../src/k8s/wait.ts'

it('resolves after its time and leaves no abort listener behind', async () => {
  const c = new AbortController()
  for (let i = 0; i < 20; i++) await sleep(1, c.signal)
  expect(getEventListeners(c.signal, 'abort')).toHaveLength(0)
})

it('resolves at once when the signal aborts, and at once when it already has', async () => {
  const c = new AbortController()
  const t0 = Date.now()
  const p = sleep(60_000, c.signal)
  c.abort()
  await p
  await sleep(60_000, c.signal)
  expect(Date.now() - t0).toBeLessThan(1000)
  expect(getEventListeners(c.signal, 'abort')).toHaveLength(0)
})
