// The poll loop for what no watch shows (a file inside a pod, a server's settings through exec): the config waits
// of single instances and of every HA engine share it, so its endings are pinned here once.
import { expect, it } from 'vitest'
import { InterruptedError, TimeoutError } from '../../../src/errors.ts'
import { poll } from '../../../src/k8s/wait.ts'

const opts = (signal: AbortSignal, timeoutMs = 5_000) => ({
  timeoutMs,
  intervalMs: 1,
  signal,
  timedOut: (where: string) => `not there yet (${where})`,
  timeoutHint: 'run it again',
})

it('checks until done, once per turn, and returns then', async () => {
  let n = 0
  await poll(async () => ({ done: ++n === 3, where: `check ${n}` }), opts(new AbortController().signal))
  expect(n).toBe(3)
})

it('checks once more after the deadline passes and times out saying where the last check stood, with the hint', async () => {
  let n = 0
  const err = await poll(async () => ({ done: false, where: `check ${++n}` }), opts(new AbortController().signal, 20)).catch((e) => e)
  expect(err).toBeInstanceOf(TimeoutError)
  expect(err.message).toBe(`timed out after 0 s: not there yet (check ${n})`)
  expect(err.hint).toBe('run it again')
  expect(n).toBeGreaterThan(1)
})

it('a check that is done on the last turn wins over the deadline', async () => {
  let n = 0
  await poll(async () => {
    n++
    await new Promise((r) => setTimeout(r, 30))
    return { done: n === 1, where: '' }
  }, opts(new AbortController().signal, 10))
  expect(n).toBe(1)
})

it('an abort during the wait between checks ends it at once with InterruptedError, not with a timeout', async () => {
  const c = new AbortController()
  let n = 0
  const t0 = Date.now()
  const err = await poll(async () => {
    if (++n === 1) setTimeout(() => c.abort(), 10)
    return { done: false, where: '' }
  }, { ...opts(c.signal), intervalMs: 60_000 }).catch((e) => e)
  expect(err).toBeInstanceOf(InterruptedError)
  expect(Date.now() - t0).toBeLessThan(5_000)
})
