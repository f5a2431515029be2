// Issues 15 and 16 on the lab's real node: a PostgreSQL 17 instance in a real container, where what dbaas
// changes can be checked from inside — the memory limit as the container's cgroup sees it, the size of the
// data directory's file system (df), the mounted configuration file reaching the pod (the kubelet's ConfigMap
// sync) and the server running with the new values after a reload or a restart. Resize: the real driver
// (labcsi --volume-fs xfs) gives each volume a file system of its own size on a loop device; the csi-resizer
// grows its file and the kubelet's node expansion grows the mounted file system online, so the pod's df sees
// the new size — a directory on the host's disk could not pass those bounds. On a stopped instance nothing
// mounts the volume, so the PVC really waits in FileSystemResizePending until `dbaas start`.
// The upgrade between two 17.x image tags is in real-node-upgrade.test.ts.
import { afterAll, expect, it } from 'vitest'
import { kubectlJson, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { describeRealNode, execIn, placementFlags, realNodeUp } from '../lab/fixtures/real-node.ts'
import { cleanupInstance, dbaasOk } from './helpers.ts'

const up = await realNodeUp()
const GiB = 1024 ** 3

describeRealNode(up, 'day 2 on a PostgreSQL 17 instance on the real node', () => {
  const name = uniqueName('rnd2')
  const ns = `dbaas-${name}`
  afterAll(async () => cleanupInstance(name))
  const show = async (param: string) => (await dbaasOk(['connect', name, '--', '-tA', '-c', `show ${param}`], { timeoutMs: 120_000 })).stdout.trim()
  // cgroup v2 (memory.max) or v1 (memory/memory.limit_in_bytes, what the lab's host has).
  const memoryLimit = async () => (await execIn(ns, `${name}-0`, ['sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes'])).trim()
  const podUid = async () => (await kubectlJson<{ metadata: { uid: string } }>(['-n', ns, 'get', 'pod', `${name}-0`])).metadata.uid
  // The size of the file system holding PGDATA, as the pod sees it (df's total, in bytes).
  const dataFsBytes = async () => Number((await execIn(ns, `${name}-0`, ['df', '-B1', '--output=size', '/var/lib/postgresql/data'])).trim().split('\n').at(-1))
  const pvc = async () => kubectlJson<{ status: { capacity?: { storage: string }; conditions?: { type: string; status: string }[] } }>(['-n', ns, 'get', 'pvc', `data-${name}-0`])

  it('scale: the container runs under the new memory limit (its cgroup)', async () => {
    await dbaasOk(['create', 'postgres', name, '--version', '17', '--storage', '1Gi', '--memory', '256Mi', ...placementFlags], { timeoutMs: 600_000 })
    expect(await memoryLimit()).toBe(String(256 * 1024 * 1024))
    const t0 = Date.now()
    await dbaasOk(['scale', name, '--memory', '384Mi', '--yes', '--timeout', '5m'], { timeoutMs: 400_000 })
    process.stderr.write(`real node: dbaas scale --memory → new pod Ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    expect(await memoryLimit()).toBe(String(384 * 1024 * 1024))
  }, 700_000)

  it('resize: the real driver expands the volume online, the pod sees its file system grow and keeps running', async () => {
    const before = await podUid()
    // 1Gi of XFS less its log and metadata; the host's disk would be far bigger.
    const small = await dataFsBytes()
    expect(small).toBeGreaterThan(0.8 * GiB)
    expect(small).toBeLessThan(1.1 * GiB)
    const t0 = Date.now()
    await dbaasOk(['resize', name, '--storage', '2Gi', '--yes', '--timeout', '5m'], { timeoutMs: 400_000 })
    process.stderr.write(`real node: dbaas resize 1Gi → 2Gi (volume and file system grown) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    expect((await pvc()).status.capacity?.storage).toBe('2Gi')
    const grown = await dataFsBytes()
    expect(grown).toBeGreaterThan(1.5 * GiB)
    expect(grown).toBeLessThanOrEqual(2 * GiB)
    process.stderr.write(`real node: df of PGDATA's file system: ${small} bytes at 1Gi, ${grown} bytes at 2Gi\n`)
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

  it('resize of a stopped instance: FileSystemResizePending until the pod mounts the volume; dbaas start grows the file system', async () => {
    await dbaasOk(['stop', name, '--yes', '--timeout', '5m'], { timeoutMs: 400_000 })
    // No pod mounts the volume: the controller grows it, the file system waits for the kubelet.
    const r = (await dbaasOk(['resize', name, '--storage', '3Gi', '--yes', '-o', 'json', '--timeout', '5m'], { timeoutMs: 400_000 })).json()
    expect(r).toMatchObject({ action: 'changed' })
    expect(r.notes.join(' ')).toContain('the instance is stopped')
    const pending = await pvc()
    expect(pending.status.conditions?.find((c) => c.type === 'FileSystemResizePending')?.status).toBe('True')
    expect(pending.status.capacity?.storage).toBe('2Gi')
    await dbaasOk(['start', name, '--timeout', '5m'], { timeoutMs: 400_000 })
    // The kubelet grows the file system when it mounts the volume for the new pod; the PVC follows.
    await waitFor('the PVC to reach 3Gi after start', 120_000, async () => (await pvc()).status.capacity?.storage === '3Gi')
    expect((await pvc()).status.conditions?.some((c) => c.type === 'FileSystemResizePending') ?? false).toBe(false)
    const grown = await dataFsBytes()
    expect(grown).toBeGreaterThan(2.5 * GiB)
    expect(grown).toBeLessThanOrEqual(3 * GiB)
    process.stderr.write(`real node: df of PGDATA's file system after start: ${grown} bytes at 3Gi\n`)
    expect(await show('server_version_num')).toMatch(/^170\d{3}$/)
  }, 1_000_000)
})
