// Issues 15 and 16 on the lab's real node: a PostgreSQL 17 instance in a real container, where what dbaas
// changes can be checked from inside — the memory limit as the container's cgroup sees it, the mounted
// configuration file reaching the pod (the kubelet's ConfigMap sync) and the server running with the new
// values after a reload or a restart. Resize: the real driver's csi-resizer expands the volume (its volumes are
// directories, so no size is visible from inside; the PVC's capacity is what the driver reported).
// Not here: an upgrade between two 17.x tags (the lab builds one image per major; it needs a second tag).
import { afterAll, expect, it } from 'vitest'
import { kubectlJson, uniqueName } from '../lab/fixtures/lab.ts'
import { describeRealNode, execIn, placementFlags, realNodeUp } from '../lab/fixtures/real-node.ts'
import { cleanupInstance, dbaasOk } from './helpers.ts'

const up = await realNodeUp()

describeRealNode(up, 'day 2 on a PostgreSQL 17 instance on the real node', () => {
  const name = uniqueName('rnd2')
  const ns = `dbaas-${name}`
  afterAll(async () => cleanupInstance(name))
  const show = async (param: string) => (await dbaasOk(['connect', name, '--', '-tA', '-c', `show ${param}`], { timeoutMs: 120_000 })).stdout.trim()
  // cgroup v2 (memory.max) or v1 (memory/memory.limit_in_bytes, what the lab's host has).
  const memoryLimit = async () => (await execIn(ns, `${name}-0`, ['sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'])).trim()
  const podUid = async () => (await kubectlJson<{ metadata: { uid: string } }>(['-n', ns, 'get', 'pod', `${name}-0`])).metadata.uid

  it('scale: the container runs under the new memory limit (its cgroup)', async () => {
    await dbaasOk(['create', 'postgres', name, '--version', '17', '--storage', '1Gi', '--memory', '256Mi', ...placementFlags], { timeoutMs: 600_000 })
    expect(await memoryLimit()).toBe(String(256 * 1024 * 1024))
    const t0 = Date.now()
    await dbaasOk(['scale', name, '--memory', '384Mi', '--yes', '--timeout', '5m'], { timeoutMs: 400_000 })
    process.stderr.write(`real node: dbaas scale --memory → new pod Ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    expect(await memoryLimit()).toBe(String(384 * 1024 * 1024))
  }, 700_000)

  it('resize: the real driver expands the volume, the pod keeps running', async () => {
    const before = await podUid()
    await dbaasOk(['resize', name, '--storage', '2Gi', '--yes', '--timeout', '5m'], { timeoutMs: 400_000 })
    const pvc = await kubectlJson<{ status: { capacity: { storage: string } } }>(['-n', ns, 'get', 'pvc', `data-${name}-0`])
    expect(pvc.status.capacity.storage).toBe('2Gi')
    expect(await podUid()).toBe(before)
  }, 500_000)

  it('config set work_mem: waits until the pod sees the mounted file, reloads, and the server runs with it', async () => {
    const before = await podUid()
    const t0 = Date.now()
    const r = (await dbaasOk(['config', 'set', name, 'work_mem=8MB', '-o', 'json', '--timeout', '4m'], { timeoutMs: 300_000 })).json()
    process.stderr.write(`real node: dbaas config set (file seen, reloaded) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    expect(r).toMatchObject({ action: 'changed', extra: { reload: ['work_mem'], restartPending: [] } })
    expect((await execIn(ns, `${name}-0`, ['cat', '/etc/dbaas/dbaas.conf']))).toContain("work_mem = '8MB'")
    expect(await show('work_mem')).toBe('8MB')
    expect(await podUid()).toBe(before)
    const got = (await dbaasOk(['config', 'get', name, 'work_mem', '-o', 'json'])).json()
    expect(got.parameters[0]).toMatchObject({ managed: '8MB', effective: '8192', unit: 'kB', source: 'configuration file', applies: 'reload', pendingRestart: false })
  }, 400_000)

  it('config set max_connections: restart pending until dbaas restart, then the server runs with it', async () => {
    const was = await show('max_connections')
    const r = (await dbaasOk(['config', 'set', name, 'max_connections=150', '-o', 'json', '--timeout', '4m'], { timeoutMs: 300_000 })).json()
    expect(r.extra).toMatchObject({ reload: [], restartPending: ['max_connections'] })
    expect(await show('max_connections')).toBe(was)
    expect((await dbaasOk(['status', name, '-o', 'json'])).json().restartPending).toEqual(['max_connections'])
    await dbaasOk(['restart', name, '--yes', '--timeout', '5m'], { timeoutMs: 400_000 })
    expect(await show('max_connections')).toBe('150')
    expect((await dbaasOk(['status', name, '-o', 'json'])).json().restartPending).toEqual([])
  }, 700_000)
})
