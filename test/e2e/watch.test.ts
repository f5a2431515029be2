// list --watch and status --watch: they redraw when the cluster changes, from watches (no polling: an idle
// view sends no further list requests), and Ctrl-C ends them with exit 130.
import { execa, type ResultPromise } from 'execa'
import { afterAll, describe, expect, it } from 'vitest'
import { kubectl, kubectlOk, labInfo, tempNamespace, uniqueName } from '../lab/fixtures/lab.ts'
import { cleanupInstance, cliPath, dbaasOk } from './helpers.ts'

function start(args: string[]): { child: ResultPromise; out: () => string; err: () => string } {
  const child = execa(process.execPath, [cliPath, ...args], {
    reject: false,
    env: { CI: 'true', NO_COLOR: '1', DBAAS_TRACE: '1', KUBECONFIG: labInfo().kubeconfig },
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()))
  return { child, out: () => out, err: () => err }
}

async function until(fn: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const lists = (trace: string) => trace.split('\n').filter((l) => l.startsWith('[api] GET') && !l.includes('watch=')).length

describe('watch', () => {
  const name = uniqueName('wat')
  let nsCleanup: (() => Promise<void>) | undefined
  afterAll(async () => {
    await cleanupInstance(name)
    await nsCleanup?.()
  })

  it('list --watch shows an instance created after it started, idles without requests, exits 130 on Ctrl-C', async () => {
    const ns = await tempNamespace('watch')
    nsCleanup = ns.cleanup
    const w = start(['list', '-n', ns.name, '--watch'])
    try {
      await until(() => w.out().includes('No instances found.'), 'the first table')
      await until(() => w.err().includes('watch=1'), 'the watches')
      await dbaasOk(['create', 'postgres', name, '-n', ns.name, '--storage', '1Gi'])
      await until(() => new RegExp(`^${name}\\s+postgresql\\s+\\S+\\s+Ready\\s+1/1`, 'm').test(w.out()), 'the Ready row')
      // Idle: nothing changes, so nothing is listed again.
      await new Promise((r) => setTimeout(r, 1500))
      const before = lists(w.err())
      await new Promise((r) => setTimeout(r, 3000))
      expect(lists(w.err())).toBe(before)
    } finally {
      w.child.kill('SIGINT')
    }
    expect((await w.child).exitCode).toBe(130)
  })

  it('status --watch redraws when a pod appears', async () => {
    const ns = `${(await kubectlOk(['get', 'statefulset', '-A', '-l', `app.kubernetes.io/instance=${name}`, '-o', 'jsonpath={.items[0].metadata.namespace}'])).trim()}`
    const w = start(['status', name, '--watch'])
    try {
      await until(() => w.out().includes(`${name}-0`), 'the first status')
      expect(w.out()).not.toContain(`${name}-1 `)
      await kubectlOk(['scale', 'statefulset', name, '-n', ns, '--replicas=2'])
      await until(() => w.out().includes(`${name}-1 `), 'the second pod')
    } finally {
      w.child.kill('SIGINT')
      await kubectl(['scale', 'statefulset', name, '-n', ns, '--replicas=1'])
    }
    expect((await w.child).exitCode).toBe(130)
  })
})
