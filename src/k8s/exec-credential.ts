// Exec credential plugins (client.authentication.k8s.io v1 / v1beta1), run by dbaas itself the way client-go
// runs them: KUBERNETES_EXEC_INFO describes the request, the plugin prints an ExecCredential on stdout, and
// the credential is kept until its expirationTimestamp (or until the API server answers 401). interactiveMode
// decides who gets the terminal: on one, the plugin inherits stdin (device-code logins, `aws sso`); without
// one, `Always` fails at once and the others run with stdin closed, so a plugin can never wait for input that
// will not come.
import { spawn as nodeSpawn } from 'node:child_process'
import type { Writable } from 'node:stream'
import { ClusterError } from '../errors.ts'

export const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number]
export type InteractiveMode = 'Never' | 'IfAvailable' | 'Always'

export interface ExecConfig {
  apiVersion: ExecApiVersion
  command: string
  args: string[]
  env: Array<{ name: string; value: string }>
  interactiveMode: InteractiveMode
  provideClusterInfo: boolean
  installHint?: string
}

/** What the plugin is told about the cluster when provideClusterInfo is set (ExecCredential spec.cluster). */
export interface ExecClusterInfo {
  server: string
  'tls-server-name'?: string
  'insecure-skip-tls-verify'?: boolean
  'certificate-authority-data'?: string
  'proxy-url'?: string
  'disable-compression'?: boolean
  config?: unknown
}

export interface ExecCredential {
  token?: string
  certData?: Buffer
  keyData?: Buffer
  /** Milliseconds since the epoch; undefined = valid until the server refuses it. */
  expiresAt?: number
}

export interface ExecIo {
  /** Is standard input a terminal? */
  isTerminal: boolean
  /** Where the plugin's messages go when it has no terminal (ours, by default). */
  stderr?: Writable
  env?: NodeJS.ProcessEnv
  spawn?: typeof nodeSpawn
}

export function defaultExecIo(): ExecIo {
  return { isTerminal: process.stdin.isTTY === true, stderr: process.stderr, env: process.env }
}

/** A name for the plugin in messages: its command's base name. */
function pluginName(cfg: ExecConfig): string {
  return cfg.command.split('/').pop() || cfg.command
}

/** Runs the plugin once and returns the credential it printed; every failure is a ClusterError (exit 5). */
export function runExecPlugin(cfg: ExecConfig, cluster: ExecClusterInfo | undefined, io: ExecIo = defaultExecIo()): Promise<ExecCredential> {
  const name = pluginName(cfg)
  if (cfg.interactiveMode === 'Always' && !io.isTerminal) {
    return Promise.reject(
      new ClusterError('unauthorized', `the credential plugin "${name}" needs a terminal (interactiveMode: Always), and standard input is not one`, {
        hint: 'run dbaas from a terminal, or log in with the plugin first so it has a cached credential and set interactiveMode: IfAvailable',
      }),
    )
  }
  const interactive = cfg.interactiveMode !== 'Never' && io.isTerminal
  const info = {
    apiVersion: cfg.apiVersion,
    kind: 'ExecCredential',
    spec: { interactive, ...(cfg.provideClusterInfo && cluster ? { cluster } : {}) },
  }
  const env: NodeJS.ProcessEnv = { ...(io.env ?? process.env) }
  for (const e of cfg.env) env[e.name] = e.value
  env.KUBERNETES_EXEC_INFO = JSON.stringify(info)
  const spawn = io.spawn ?? nodeSpawn
  return new Promise<ExecCredential>((resolve, reject) => {
    let stdout = ''
    let stderrTail = ''
    let child: ReturnType<typeof nodeSpawn>
    try {
      child = spawn(cfg.command, cfg.args, {
        env,
        // A terminal is handed over whole (prompts, device codes); otherwise stdin is closed so the plugin cannot
        // wait for input, and its messages are passed on to our stderr.
        stdio: [interactive ? 'inherit' : 'ignore', 'pipe', interactive ? 'inherit' : 'pipe'],
      })
    } catch (err) {
      reject(spawnError(cfg, name, err))
      return
    }
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (d: string) => {
      stdout += d
    })
    child.stderr?.on('data', (d: Buffer) => {
      io.stderr?.write(d)
      stderrTail = (stderrTail + d.toString('utf8')).slice(-2048)
    })
    child.on('error', (err) => reject(spawnError(cfg, name, err)))
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const last = stderrTail.trim().split('\n').pop()?.trim()
        reject(
          new ClusterError('unauthorized', `the credential plugin "${name}" failed (${signal ? `signal ${signal}` : `exit ${code}`})${last ? `: ${last}` : ''}`, {
            hint: `run \`${cfg.command}\` yourself to see why, or log in again`,
          }),
        )
        return
      }
      try {
        resolve(parseExecCredential(stdout, cfg, name))
      } catch (err) {
        reject(err)
      }
    })
  })
}

function spawnError(cfg: ExecConfig, name: string, err: unknown): ClusterError {
  const code = (err as NodeJS.ErrnoException)?.code
  if (code === 'ENOENT') {
    return new ClusterError('kubeconfig', `the credential plugin "${cfg.command}" named in your kubeconfig was not found`, {
      hint: cfg.installHint?.trim().split('\n')[0] || 'install it, or fix users[].user.exec.command in your kubeconfig',
      cause: err,
    })
  }
  return new ClusterError('kubeconfig', `cannot run the credential plugin "${name}": ${code ?? (err as Error)?.message ?? String(err)}`, {
    hint: 'check users[].user.exec.command in your kubeconfig',
    cause: err,
  })
}

/** Parses and checks the plugin's ExecCredential (same apiVersion as asked, a token or a client certificate). */
export function parseExecCredential(stdout: string, cfg: Pick<ExecConfig, 'apiVersion' | 'command'>, name = cfg.command): ExecCredential {
  const bad = (why: string) =>
    new ClusterError('kubeconfig', `the credential plugin "${name}" printed ${why}`, {
      hint: 'check the plugin and users[].user.exec.apiVersion in your kubeconfig',
    })
  let doc: { apiVersion?: unknown; kind?: unknown; status?: Record<string, unknown> }
  try {
    doc = JSON.parse(stdout) as typeof doc
  } catch {
    throw bad('something that is not an ExecCredential (not JSON)')
  }
  if (!doc || typeof doc !== 'object' || doc.kind !== 'ExecCredential') throw bad('something that is not an ExecCredential')
  if (doc.apiVersion !== cfg.apiVersion) throw bad(`apiVersion ${String(doc.apiVersion)}, but the kubeconfig asks for ${cfg.apiVersion}`)
  const st = doc.status ?? {}
  const token = typeof st.token === 'string' && st.token !== '' ? st.token : undefined
  const cert = typeof st.clientCertificateData === 'string' && st.clientCertificateData !== '' ? st.clientCertificateData : undefined
  const key = typeof st.clientKeyData === 'string' && st.clientKeyData !== '' ? st.clientKeyData : undefined
  if ((cert === undefined) !== (key === undefined)) throw bad('a client certificate without its key (or a key without its certificate)')
  if (token === undefined && cert === undefined) throw bad('an ExecCredential with neither a token nor a client certificate')
  let expiresAt: number | undefined
  if (st.expirationTimestamp !== undefined && st.expirationTimestamp !== null && st.expirationTimestamp !== '') {
    expiresAt = Date.parse(String(st.expirationTimestamp))
    if (!Number.isFinite(expiresAt)) throw bad(`an expirationTimestamp that is not a time (${String(st.expirationTimestamp)})`)
  }
  return {
    ...(token !== undefined ? { token } : {}),
    ...(cert !== undefined ? { certData: Buffer.from(cert, 'utf8'), keyData: Buffer.from(key!, 'utf8') } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  }
}
