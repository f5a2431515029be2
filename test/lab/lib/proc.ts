// Detached processes recorded by pid: start one in its own process group with its output in a log file,
// tell whether a recorded pid is still that process, stop a whole group, measure RSS, see which ports listen.
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface PidRecord {
  name: string
  pid: number
  /** Absolute path of the executable, to tell our process from a recycled pid. */
  bin: string
  startedAt: number
}

export interface SpawnSpec {
  bin: string
  args: string[]
  env?: Record<string, string>
  cwd?: string
  uid?: number
  gid?: number
}

export function pidFile(pidDir: string, name: string): string {
  return join(pidDir, `${name}.json`)
}

export function readPid(pidDir: string, name: string): PidRecord | undefined {
  try {
    return JSON.parse(readFileSync(pidFile(pidDir, name), 'utf8')) as PidRecord
  } catch {
    return undefined
  }
}

export function removePid(pidDir: string, name: string): void {
  rmSync(pidFile(pidDir, name), { force: true })
}

/** Starts `spec` detached (own session and process group), stdout+stderr appended to `logFile`. */
export function spawnDetached(name: string, spec: SpawnSpec, logFile: string, pidDir: string): PidRecord {
  mkdirSync(pidDir, { recursive: true })
  const fd = openSync(logFile, 'a')
  try {
    writeFileSync(fd, `\n==== ${new Date().toISOString()} starting ${spec.bin} ${spec.args.join(' ')}\n`)
    // Never pass KUBECONFIG on: csi-provisioner prefers it over --kubeconfig, and a user's KUBECONFIG names
    // their own cluster, not the lab.
    const env = { ...(spec.env ?? process.env) }
    delete env.KUBECONFIG
    const child = spawn(spec.bin, spec.args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env,
      cwd: spec.cwd,
      uid: spec.uid,
      gid: spec.gid,
    })
    if (child.pid === undefined) throw new Error(`could not start ${spec.bin}`)
    child.on('error', () => {}) // reported through the log and the liveness checks
    child.unref()
    const rec: PidRecord = { name, pid: child.pid, bin: spec.bin, startedAt: Date.now() }
    writeFileSync(pidFile(pidDir, name), JSON.stringify(rec) + '\n')
    return rec
  } finally {
    closeSync(fd)
  }
}

function procState(pid: number): string | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return /^State:\s+(\S)/m.exec(status)?.[1]
  } catch {
    return undefined
  }
}

/** True while `pid` is alive (not a zombie) and still runs the recorded executable. */
export function isOurs(rec: PidRecord): boolean {
  const state = procState(rec.pid)
  if (state === undefined || state === 'Z' || state === 'X') return false
  try {
    const exe = readlinkSync(`/proc/${rec.pid}/exe`)
    return exe === rec.bin || exe.startsWith(rec.bin + ' ') // "… (deleted)" after a rebuild
  } catch {
    return false
  }
}

/** Pids of every live process in process group `pgid`. */
export function groupPids(pgid: number): number[] {
  const out: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(entry))
    } catch {
      // the process ended while we looked
    }
  }
  return out
}

/** Resident memory of one process, in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

/** Resident memory of a whole process group (a database server's workers count with it). */
export function groupRssBytes(pgid: number): number {
  return groupPids(pgid).reduce((sum, pid) => sum + rssBytes(pid), 0)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Stops the process group led by `rec.pid`: `signal` first, SIGKILL after `graceMs`. Only acts when the pid
 * is still the recorded executable. Resolves once no process of the group is left.
 */
export async function stopGroup(rec: PidRecord, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<'stopped' | 'killed' | 'absent'> {
  if (!isOurs(rec)) {
    // The leader is gone; children it left in its group may still run (e.g. a database's workers).
    const rest = groupPids(rec.pid)
    if (rest.length === 0) return 'absent'
  }
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(-rec.pid, sig)
    } catch {
      // group already gone
    }
  }
  send(signal)
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (groupPids(rec.pid).length === 0) return 'stopped'
    await sleep(100)
  }
  send('SIGKILL')
  for (let i = 0; i < 50 && groupPids(rec.pid).length > 0; i++) await sleep(100)
  return 'killed'
}

/** TCP ports in LISTEN state on this machine (IPv4 and IPv6). */
export function listeningPorts(): Set<number> {
  const found = new Set<number>()
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols.length < 4 || cols[3] !== '0A') continue // 0A = LISTEN
      const port = parseInt(cols[1]?.split(':').at(-1) ?? '', 16)
      if (Number.isFinite(port)) found.add(port)
    }
  }
  return found
}

/** Last `lines` lines of a log file, for reporting a component that died. */
export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return `(no log at ${file})`
  }
}
