// Running the real, bundled CLI against the lab (or the cluster in DBAAS_E2E_KUBECONFIG), and reading the
// cluster back with kubectl to check what dbaas did — or that it wrote nothing.
import { execa } from 'execa'
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { kubectl, kubectlJson } from '../lab/fixtures/lab.ts'

export const cliPath = new URL('../../bin/dbaas.js', import.meta.url).pathname

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
  json<T = any>(): T
}

/** Runs `dbaas …` as a user would: no TTY, CI=true, stdin closed unless `input` is given. */
export async function dbaas(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const r = await execa(process.execPath, [cliPath, ...args], {
    reject: false,
    env: { CI: 'true', NO_COLOR: '1', ...opts.env },
    ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    timeout: opts.timeoutMs ?? 240_000,
  })
  const stdout = String(r.stdout)
  const stderr = String(r.stderr)
  return {
    exitCode: r.exitCode ?? -1,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T
      } catch {
        throw new Error(`stdout is not JSON (exit ${r.exitCode}):\n${stdout}\n--- stderr ---\n${stderr}`)
      }
    },
  }
}

/** Like dbaas(), but fails the test with stderr when the exit code is not the expected one. */
export async function dbaasOk(args: string[], opts: Parameters<typeof dbaas>[1] & { expect?: number } = {}): Promise<CliResult> {
  const r = await dbaas(args, opts)
  const want = opts.expect ?? 0
  if (r.exitCode !== want) {
    throw new Error(`dbaas ${args.join(' ')} exited ${r.exitCode}, wanted ${want}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`)
  }
  return r
}

/** Every object carrying this instance's label, anywhere in the cluster (kinds dbaas writes). */
export async function objectsOf(name: string): Promise<string[]> {
  const sel = `app.kubernetes.io/instance=${name}`
  const r = await kubectl(['get', 'secrets,statefulsets,services,pods,persistentvolumeclaims,configmaps', '-A', '-l', sel, '-o', 'name'])
  if (r.code !== 0) throw new Error(`kubectl get failed: ${r.stderr}`)
  const ns = await kubectl(['get', 'namespace', `dbaas-${name}`, '-o', 'name', '--ignore-not-found'])
  return [...r.stdout.split('\n'), ...ns.stdout.split('\n')].map((l) => l.trim()).filter(Boolean)
}

export async function namespaceExists(ns: string): Promise<boolean> {
  const r = await kubectl(['get', 'namespace', ns, '-o', 'name', '--ignore-not-found'])
  return r.stdout.trim() !== ''
}

export async function secretPassword(name: string, namespace: string): Promise<string> {
  const s = await kubectlJson(['get', 'secret', `${name}-credentials`, '-n', namespace])
  return Buffer.from(s.data.password, 'base64').toString('utf8')
}

/** Removes whatever a test left behind, without waiting. */
export async function cleanupInstance(name: string, namespace = `dbaas-${name}`): Promise<void> {
  await dbaas(['delete', name, '-n', namespace, '--yes', '--ignore-not-found', '--delete-data', '--no-wait'])
  await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false'])
}

/** A helm wrapper that records its argv (one line per call) before running the real helm. */
export function recordingHelm(): { bin: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-helm-'))
  const log = join(dir, 'argv.log')
  const bin = join(dir, 'helm')
  writeFileSync(bin, `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >> '${log}'\nexec helm "$@"\n`)
  chmodSync(bin, 0o755)
  return { bin, log }
}

/** A kubeconfig file with this content, for the bad-kubeconfig cases. */
export function kubeconfigFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-kc-'))
  const file = join(dir, 'config')
  writeFileSync(file, content, { mode: 0o600 })
  return file
}
