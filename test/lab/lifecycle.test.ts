// Done means 9: `lab:up` twice in a row is harmless; killing one component makes `lab:status` name it;
// `lab:down` leaves no lab process running and no port held. Destructive: the lab is brought back up at
// the end of every step, so the files that run after this one find it whole.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { afterAll, expect, it } from 'vitest'
import { kubectlJson, labCli, labInfo } from './fixtures/lab.ts'
import { labPaths, ports } from './lib/paths.ts'
import { listeningPorts } from './lib/proc.ts'
import { labOnly } from './tags.ts'

const lab = labOnly('stops, kills and restarts the lab’s own processes')

function pidsFromStatus(stdout: string): Map<string, number> {
  const pids = new Map<string, number>()
  for (const m of stdout.matchAll(/^(\S+)\s+\S+\s+pid (\d+)/gm)) pids.set(m[1]!, Number(m[2]))
  return pids
}

/** Every live process that runs a lab binary or serves the lab's database directories. */
function labProcesses(): string[] {
  const p = labPaths()
  const found: string[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue
      const exe = readlinkSync(`/proc/${entry}/exe`)
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ')
      if (exe.startsWith(p.binDir) || cmdline.includes(p.dbDir)) found.push(`${entry} ${cmdline.trim()}`)
    } catch {
      // gone, or not ours to read
    }
  }
  return found
}

const labPorts = Object.values(ports)

lab.describe('lab lifecycle', () => {
  afterAll(async () => {
    const r = await labCli(['up'])
    if (r.code !== 0) throw new Error(`could not bring the lab back up: ${r.stderr}`)
  })

  it('up on a running lab is harmless: every process is left alone', async () => {
    const before = pidsFromStatus((await labCli(['status'])).stdout)
    expect(before.size).toBe(11)
    const again = await labCli(['up'])
    expect(again.code, again.stderr).toBe(0)
    for (const name of before.keys()) expect(again.stdout).toMatch(new RegExp(`^${name}\\s+already running`, 'm'))
    expect(pidsFromStatus((await labCli(['status'])).stdout)).toEqual(before)
  })

  it('a killed component is named by status, and up starts just that one again', async () => {
    const before = pidsFromStatus((await labCli(['status'])).stdout)
    const victim = before.get('kube-scheduler')!
    process.kill(-victim, 'SIGKILL')
    await new Promise((r) => setTimeout(r, 300))
    const status = await labCli(['status'])
    expect(status.code).toBe(1)
    expect(status.stdout).toMatch(/^kube-scheduler\s+DOWN/m)
    expect(status.stdout).toMatch(/^not healthy: kube-scheduler$/m)

    const up = await labCli(['up'])
    expect(up.code, up.stderr).toBe(0)
    expect(up.stdout).toMatch(/^kube-scheduler\s+ready in/m)
    expect(up.stdout).toMatch(/^kube-apiserver\s+already running/m)
    const after = pidsFromStatus((await labCli(['status'])).stdout)
    expect(after.get('kube-scheduler')).not.toBe(victim)
    expect(after.get('etcd')).toBe(before.get('etcd'))
  })

  it('down leaves no lab process and no port held; up brings a whole lab back', async () => {
    expect(labProcesses().length).toBeGreaterThanOrEqual(11)
    const down = await labCli(['down'])
    expect(down.code, down.stderr).toBe(0)
    expect(labProcesses()).toEqual([])
    const held = listeningPorts()
    expect(labPorts.filter((port) => held.has(port))).toEqual([])
    const status = await labCli(['status'])
    expect(status.code).toBe(1)

    const up = await labCli(['up'])
    expect(up.code, up.stderr).toBe(0)
    expect((await labCli(['status'])).code).toBe(0)
    const nodes = await kubectlJson<{ items: unknown[] }>(['get', 'nodes'])
    expect(nodes.items).toHaveLength(3)
    expect(labInfo().kubeconfig).toBe(labPaths().kubeconfig)
  })
})
