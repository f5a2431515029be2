// What the day-2 e2e tests share: "nothing was written" as the resourceVersions of everything an instance
// is made of (and no Lease left), a CLI run in the background in its own process group (to interrupt it, or
// to hold an instance's Lease while another verb tries), and reading an instance back with kubectl.
import { execa, type ResultPromise } from 'execa'
import { kubectl, kubectlJson, waitFor } from '../lab/fixtures/lab.ts'
import { cliPath } from './helpers.ts'

export { waitFor }

/** name → resourceVersion of every object of the instance (StatefulSet, Secrets, PVCs, Services) and its Lease if any. */
export async function versions(ns: string, name: string): Promise<Record<string, string>> {
  const list = await kubectlJson(['-n', ns, 'get', 'statefulsets,secrets,persistentvolumeclaims,services,leases,configmaps', '-o', 'json'])
  const out: Record<string, string> = {}
  for (const o of list.items) {
    const mine = o.metadata.labels?.['app.kubernetes.io/instance'] === name || o.metadata.name.includes(name)
    if (mine) out[`${o.kind}/${o.metadata.name}`] = o.metadata.resourceVersion
  }
  return out
}

export async function leaseOf(ns: string, name: string): Promise<any | undefined> {
  const r = await kubectl(['-n', ns, 'get', 'lease', `dbaas-${name}`, '-o', 'json', '--ignore-not-found'])
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined
}

export async function statefulSet(ns: string, name: string): Promise<any | undefined> {
  const r = await kubectl(['-n', ns, 'get', 'statefulset', name, '-o', 'json', '--ignore-not-found'])
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined
}

export async function pod(ns: string, name: string): Promise<any | undefined> {
  const r = await kubectl(['-n', ns, 'get', 'pod', `${name}-0`, '-o', 'json', '--ignore-not-found'])
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined
}

export interface Background {
  proc: ResultPromise
  stderr(): string
  /** SIGKILL to the whole group (helm included), as a crash or a closed laptop would. */
  kill(): void
  done: Promise<{ exitCode: number; stdout: string; stderr: string }>
}

/** `dbaas …` in its own process group, running on while the test does other things. */
export function background(args: string[], env: NodeJS.ProcessEnv = {}): Background {
  let err = ''
  const proc = execa(process.execPath, [cliPath, ...args], { reject: false, detached: true, env: { CI: 'true', NO_COLOR: '1', ...env }, stdin: 'ignore', timeout: 300_000 })
  proc.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')))
  const done = proc.then((r) => ({ exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }))
  return {
    proc,
    stderr: () => err,
    kill: () => {
      if (proc.pid) {
        try {
          process.kill(-proc.pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
    },
    done,
  }
}

/** The history entries recorded on a single instance's credentials Secret. */
export async function historyOf(ns: string, name: string): Promise<any[]> {
  const s = await kubectlJson(['-n', ns, 'get', 'secret', `${name}-credentials`])
  return JSON.parse(s.metadata.annotations?.['dbaas.io/history'] ?? '[]')
}
