// Done means 9: `lab:up` twice in a row is harmless; killing one component makes `lab:status` name it;
// `lab:down` leaves no lab process running and no port held. Destructive, so it runs on a second lab of its
// own (own DBAAS_LAB_DIR, ports shifted by DBAAS_LAB_PORT_OFFSET) and never disturbs the shared one.
import { readdirSync, readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { labInfo, type RunResult } from './fixtures/lab.ts'
import { privateLab, type PrivateLab } from './fixtures/private-lab.ts'
import { components } from './lib/components.ts'
import { portsFor } from './lib/paths.ts'
import { listeningPorts } from './lib/proc.ts'
import { labOnly } from './tags.ts'

const lab = labOnly('starts, kills and stops lab processes (on a second lab of its own)')


function pidsFromStatus(stdout: string): Map<string, number> {
  const pids = new Map<string, number>()
  for (const m of stdout.matchAll(/^(\S+)\s+\S+\s+pid (\d+)/gm)) pids.set(m[1]!, Number(m[2]))
  return pids
}

/** Every live process whose command line names this lab's state or database directory. */
function processesOf(dirs: string[]): string[] {
  const found: string[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')
      if (dirs.some((d) => cmdline.includes(d))) found.push(`${entry} ${cmdline.trim().slice(0, 160)}`)
    } catch {
      // gone, or not ours to read
    }
  }
  return found
}

lab.describe('lab lifecycle (on a second, private lab)', () => {
  let priv: PrivateLab
  const cli = (...args: string[]): Promise<RunResult> => priv.cli(...args)
  const ours = () => processesOf([priv.paths.stateDir, priv.paths.dbDir])

  beforeAll(async () => {
    // A free port offset, picked at run time: never one another lab (or run) is using.
    priv = await privateLab({ start: true })
  })
  afterAll(async () => priv?.destroy())

  it('is a separate lab from the shared one', () => {
    expect(priv.paths.kubeconfig).not.toBe(labInfo().kubeconfig)
    expect(readFileSync(priv.paths.kubeconfig, 'utf8')).toContain(`https://127.0.0.1:${6443 + priv.offset}`)
  })
  it('up on a running lab is harmless: every process is left alone', async () => {
    const status = await cli('status')
    expect(status.code, status.stdout).toBe(0)
    const before = pidsFromStatus(status.stdout)
    // Every long-running component of a lab without the real node has a pid (the registry says which).
    const processes = components().filter((c) => c.kind === 'process').map((c) => c.name)
    expect([...before.keys()].sort()).toEqual(processes.sort())
    const again = await cli('up')
    expect(again.code, again.stderr).toBe(0)
    for (const name of before.keys()) expect(again.stdout).toMatch(new RegExp(`^${name}\\s+already running`, 'm'))
    expect(pidsFromStatus((await cli('status')).stdout)).toEqual(before)
  })

  it('a killed component is named by status, and up starts just that one again', async () => {
    const before = pidsFromStatus((await cli('status')).stdout)
    const victim = before.get('kube-scheduler')!
    process.kill(-victim, 'SIGKILL')
    await new Promise((r) => setTimeout(r, 300))
    const status = await cli('status')
    expect(status.code).toBe(1)
    expect(status.stdout).toMatch(/^kube-scheduler\s+DOWN/m)
    expect(status.stdout).toMatch(/^not healthy: kube-scheduler$/m)

    const up = await cli('up')
    expect(up.code, up.stderr).toBe(0)
    expect(up.stdout).toMatch(/^kube-scheduler\s+ready in/m)
    expect(up.stdout).toMatch(/^kube-apiserver\s+already running/m)
    const after = pidsFromStatus((await cli('status')).stdout)
    expect(after.get('kube-scheduler')).not.toBe(victim)
    expect(after.get('etcd')).toBe(before.get('etcd'))
  })

  it('down leaves no lab process and no port held', async () => {
    expect(ours().length).toBeGreaterThanOrEqual(11)
    const down = await cli('down')
    expect(down.code, down.stderr).toBe(0)
    expect(down.stdout).not.toMatch(/warning/)
    expect(ours()).toEqual([])
    const held = listeningPorts()
    expect(Object.values(portsFor(priv.offset)).filter((port) => held.has(port))).toEqual([])
    const status = await cli('status')
    expect(status.code).toBe(1)
    expect(status.stdout).toMatch(/^kube-apiserver\s+DOWN/m)
  })
})
