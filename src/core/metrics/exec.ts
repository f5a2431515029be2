// One command in a pod's container through exec, its stdin written in full and closed: how the monitoring
// user is made. Passwords travel on stdin only (never in argv, which `ps` in the container shows).
import { PassThrough, Writable } from 'node:stream'
import type { ClusterFlags, Deps } from '../../deps.ts'
import { OperationError } from '../../errors.ts'

export interface ExecTarget {
  cluster: ClusterFlags
  namespace: string
  pod: string
  container: string
}

export interface ExecResult {
  stdout: string
  stderr: string
}

/** Runs an exec in the pod (injected in tests); rejects with an OperationError that says what failed. */
export type Execer = (t: ExecTarget, command: string[], stdin: string, what: string) => Promise<ExecResult>

function collector(): { stream: Writable; text: () => string } {
  let text = ''
  return {
    stream: new Writable({
      write(chunk, _enc, cb) {
        text += chunk.toString('utf8')
        cb()
      },
    }),
    text: () => text,
  }
}

/** The client library's exec (WebSocket), loaded only when used. */
export function clientNodeExecer(deps: Deps, timeoutMs = 60_000): Execer {
  return async (t, command, input, what) => {
    const { clientNode } = await import('../../k8s/client-node.ts')
    const { k8s, kc } = await clientNode(await deps.kubeconfig(t.cluster))
    const out = collector()
    const err = collector()
    const stdin = new PassThrough()
    let settle!: (v: { ok: boolean; message: string }) => void
    const done = new Promise<{ ok: boolean; message: string }>((resolve) => (settle = resolve))
    let ws: { close(): void; on?(ev: string, fn: () => void): void; addEventListener?(ev: string, fn: () => void): void }
    try {
      ws = (await new k8s.Exec(kc).exec(t.namespace, t.pod, t.container, command, out.stream, err.stream, stdin, false, (status) => {
        const s = status as { status?: string; message?: string }
        settle({ ok: s.status === 'Success', message: s.message ?? '' })
      })) as unknown as typeof ws
    } catch (e) {
      throw new OperationError(`could not exec into pod ${t.namespace}/${t.pod} to ${what}: ${(e as Error)?.message ?? String(e)}`, {
        hint: 'you need the pods/exec permission in that namespace',
        cause: e,
      })
    }
    const onClose = () => settle({ ok: false, message: 'the exec stream closed before the command finished' })
    if (ws.addEventListener) ws.addEventListener('close', onClose)
    else ws.on?.('close', onClose)
    stdin.end(input)
    let timer: NodeJS.Timeout | undefined
    const r = await Promise.race([
      done,
      new Promise<{ ok: boolean; message: string }>((resolve) => (timer = setTimeout(() => resolve({ ok: false, message: `no answer within ${timeoutMs / 1000} s` }), timeoutMs))),
    ])
    clearTimeout(timer)
    ws.close()
    if (!r.ok) {
      const detail = err.text().trim().split('\n').slice(-3).join(' ') || r.message
      throw new OperationError(`${what} in pod ${t.namespace}/${t.pod} failed: ${detail}`, {
        hint: `check the database with \`dbaas logs\`; running the same command again retries it`,
      })
    }
    return { stdout: out.text(), stderr: err.text() }
  }
}
