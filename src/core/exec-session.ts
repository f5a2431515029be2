// One exec session in a pod's container through the client library (WebSocket, loaded only when used): its
// stdin kept open for the caller to write and close, its stdout and stderr collected, and its final status.
// What the monitoring user, `config` and `backup --quiesce` run in a database's pod go through here.
import { PassThrough, Writable } from 'node:stream'
import type { ClusterFlags, Deps } from '../deps.ts'
import type { OperationError } from '../errors.ts'

export interface ExecTarget {
  cluster: ClusterFlags
  namespace: string
  pod: string
  container: string
}

export interface ExecSession {
  stdin: PassThrough
  output(): string
  errors(): string
  /** Resolves with the exec's final status (its exit), or not ok when the stream closed first. */
  done: Promise<{ ok: boolean; message: string }>
  close(): void
}

function collector(onData?: (all: string) => void): { stream: Writable; text: () => string } {
  let text = ''
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString('utf8')
      onData?.(text)
      cb()
    },
  })
  return { stream, text: () => text }
}

/**
 * Opens the session. `openError` says what could not be done when the exec cannot start (no pods/exec right,
 * no such container); `onOut` sees all of stdout so far each time more arrives.
 */
export async function openSession(t: ExecTarget, command: string[], deps: Pick<Deps, 'kubeconfig'>, o: { openError: (e: unknown) => OperationError; onOut?: (all: string) => void }): Promise<ExecSession> {
  const { clientNode } = await import('../k8s/client-node.ts')
  const { k8s, kc } = await clientNode(await deps.kubeconfig(t.cluster))
  const out = collector(o.onOut)
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
    throw o.openError(e)
  }
  const onClose = () => settle({ ok: false, message: 'the exec stream closed before the command finished' })
  if (ws.addEventListener) ws.addEventListener('close', onClose)
  else ws.on?.('close', onClose)
  return { stdin, output: out.text, errors: err.text, done, close: () => ws.close() }
}

/** The last lines of a failed command's stderr, or the exec's status message when it wrote none. */
export function failureDetail(s: { message: string }, stderr: string): string {
  return stderr.trim().split('\n').slice(-3).join(' ') || s.message
}
