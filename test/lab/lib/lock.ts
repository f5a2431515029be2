// One lab command at a time on a machine: `up`, `down`, `start` and `stop` take an exclusive lock file next
// to the state directory (`<state>.lock`, holding the owner's pid; a dead owner's lock is taken over).
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs'
import { dirname } from 'node:path'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export async function withLock<T>(stateDir: string, what: string, fn: () => Promise<T>, opts: { timeoutMs?: number; out?: (l: string) => void } = {}): Promise<T> {
  const file = `${stateDir}.lock`
  mkdirSync(dirname(file), { recursive: true })
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000)
  let told = false
  for (;;) {
    try {
      const fd = openSync(file, 'wx')
      writeSync(fd, `${process.pid} ${what}\n`)
      closeSync(fd)
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      let owner = NaN
      let doing = ''
      try {
        const [pid, ...rest] = readFileSync(file, 'utf8').trim().split(' ')
        owner = Number(pid)
        doing = rest.join(' ')
      } catch {
        continue // released meanwhile
      }
      if (!Number.isFinite(owner) || !alive(owner)) {
        rmSync(file, { force: true }) // its owner died without releasing it
        continue
      }
      if (Date.now() > deadline) throw new Error(`another lab command (pid ${owner}: ${doing}) holds ${file}`)
      if (!told) {
        opts.out?.(`waiting for another lab command (pid ${owner}: ${doing}) …`)
        told = true
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  try {
    return await fn()
  } finally {
    rmSync(file, { force: true })
  }
}
