// issue 12, done-means 1: a kubeconfig with proxy-url pointing at a real HTTP CONNECT proxy on loopback
// (Debian's tinyproxy, started here). list, create, --watch and port-forward go through it — its log shows
// the tunnels — and with the proxy stopped the same commands fail with exit 5 instead of going direct.
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { provisionDatabase, type ProvisionedDatabase } from '../lab/fixtures/database.ts'
import { kubectlOk, tempNamespace, uniqueName } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { cleanupInstance, dbaas, dbaasOk } from './helpers.ts'
import { apiServer, derivedKubeconfig, startDbaas, tinyproxy, until, type Tinyproxy } from './kubeconfig-fixtures.ts'

// tinyproxy is part of the setup (test/lab/install-deps.sh): without it this fails, it is never skipped.
describe('proxy-url through tinyproxy', () => {
  let proxy: Tinyproxy
  let kc: string
  let ns: { name: string; cleanup: () => Promise<void> }
  let api: URL
  const name = uniqueName('prx')
  let db: ProvisionedDatabase | undefined

  beforeAll(async () => {
    proxy = await tinyproxy()
    kc = derivedKubeconfig((cluster) => {
      cluster['proxy-url'] = proxy.url
    })
    api = new URL(apiServer())
    ns = await tempNamespace('proxy')
  })
  afterAll(async () => {
    await db?.drop()
    await proxy?.stop()
    await cleanupInstance(name, ns?.name)
    await ns?.cleanup()
  })

  const env = () => ({ KUBECONFIG: kc })
  const apiTunnels = () => proxy.tunnels().filter((t) => t === `${api.hostname}:${api.port}`).length

  it('list goes through the proxy', async () => {
    const before = apiTunnels()
    const r = await dbaasOk(['list', '-n', ns.name, '-o', 'json'], { env: env() })
    expect(r.json()).toEqual([])
    expect(apiTunnels()).toBeGreaterThan(before)
  })

  it('create goes through the proxy', async () => {
    const before = apiTunnels()
    await dbaasOk(['create', 'postgres', name, '-n', ns.name, '--storage', '1Gi', '--user', name.replaceAll('-', '_'), '--database', name.replaceAll('-', '_')], { env: env() })
    // dbaas's connections (plain requests, the wait's watch) and helm's own, which reads proxy-url itself.
    expect(apiTunnels() - before).toBeGreaterThanOrEqual(2)
    const s = await dbaasOk(['status', name, '-n', ns.name, '-o', 'json'], { env: env() })
    expect(s.json().status).toBe('Ready')
  })

  it('list --watch holds its watches through the proxy and redraws on a change', async () => {
    const before = apiTunnels()
    const w = startDbaas(['list', '-n', ns.name, '--watch'], env())
    try {
      await w.waitOut(new RegExp(`^${name}\\s+\\S+\\s+\\S+\\s+Ready\\s+1/1`, 'm'), 'the first table')
      // One tunnel for the plain requests, one per watch (StatefulSets and pods).
      await until('the watch tunnels in the proxy log', 10_000, () => apiTunnels() - before >= 3)
      // A change made by someone else (the admin, directly): the watch through the proxy must report it.
      await kubectlOk(['scale', 'statefulset', name, '-n', ns.name, '--replicas=2'])
      await w.waitOut(new RegExp(`^${name}\\s+.*\\s2/2\\s`, 'm'), 'the redraw showing 2/2', 60_000)
      // stderr holds the watch's header and nothing else (no warning, no retry through the proxy).
      expect(w.err()).toBe(`Watching instances in namespace ${ns.name}: redrawn on every change; Ctrl-C to stop.\n`)
    } finally {
      w.child.kill('SIGINT')
      await kubectlOk(['scale', 'statefulset', name, '-n', ns.name, '--replicas=1'])
    }
    expect((await w.child).exitCode).toBe(130)
  })

  labOnly('the databases behind kwok port-forward').it('port-forward (connect --forward-only) tunnels its WebSocket through the proxy', async () => {
    const conn = (await dbaasOk(['connection', name, '-n', ns.name, '--show-password', '-o', 'json'], { env: env() })).json()
    db = await provisionDatabase({ engine: 'postgresql', user: conn.user, password: conn.password, database: conn.database })
    const f = startDbaas(['connect', name, '-n', ns.name, '--forward-only', '--show-password'], env())
    try {
      await f.waitOut(/:\/\/.*@127\.0\.0\.1:\d+\//, 'the forwarded URI')
      // The forward's WebSocket is opened when a client connects: a tunnel of its own.
      const before = apiTunnels()
      const uri = f.out().trim().split('\n').pop()!
      const q = await execa('psql', [uri, '-tA', '-c', 'select 1'], { reject: false })
      expect(q.exitCode, String(q.stderr)).toBe(0)
      expect(String(q.stdout).trim()).toBe('1')
      expect(apiTunnels()).toBeGreaterThan(before)
    } finally {
      f.child.kill('SIGINT')
    }
    expect((await f.child).exitCode).toBe(130)
  })

  describe('with the proxy stopped', () => {
    beforeAll(async () => {
      await proxy.stop()
    })

    it.each([
      ['list', ['list', '-n', 'NS']],
      ['create', ['create', 'postgres', 'NAME-2', '-n', 'NS', '--storage', '1Gi']],
      ['status', ['status', 'NAME', '-n', 'NS']],
      ['connect --forward-only', ['connect', 'NAME', '-n', 'NS', '--forward-only']],
    ])('%s fails with exit 5 naming the proxy (never a direct connection)', async (_, argv) => {
      const args = argv.map((a) => a.replace('NS', ns.name).replace('NAME', name))
      const r = await dbaas(args, { env: env(), timeoutMs: 60_000 })
      expect(r.exitCode, r.stderr).toBe(5)
      expect(r.stderr).toContain(`through the proxy ${proxy.url}: connection refused`)
    })

    it('list --watch fails with exit 5 naming the proxy (never a direct connection)', async () => {
      // The first view is read before anything is drawn: an unreachable cluster is the command's failure.
      const r = await dbaas(['list', '-n', ns.name, '--watch'], { env: env(), timeoutMs: 60_000 })
      expect(r.exitCode, r.stderr).toBe(5)
      expect(r.stderr).toContain(`through the proxy ${proxy.url}: connection refused`)
      expect(r.stdout).toBe('')
    })


    it('and nothing was created by the refused create', async () => {
      const r = await dbaas(['status', `${name}-2`, '-n', ns.name], { timeoutMs: 60_000 })
      expect(r.exitCode).toBe(3)
    })
  })
})
