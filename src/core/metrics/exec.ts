// One command in a pod's container through exec, its stdin written in full and closed: how the monitoring
// user is made. Passwords travel on stdin only (never in argv, which `ps` in the container shows).
import type { Deps } from '../../deps.ts'
import { OperationError } from '../../errors.ts'
import { failureDetail, openSession, type ExecTarget } from '../exec-session.ts'

export type { ExecTarget }

export interface ExecResult {
  stdout: string
  stderr: string
}

/** Runs an exec in the pod (injected in tests); rejects with an OperationError that says what failed. */
export type Execer = (t: ExecTarget, command: string[], stdin: string, what: string) => Promise<ExecResult>

/** The client library's exec (WebSocket), loaded only when used. */
export function clientNodeExecer(deps: Deps, timeoutMs = 60_000): Execer {
  return async (t, command, input, what) => {
    const s = await openSession(t, command, deps, {
      openError: (e) =>
        new OperationError(`could not exec into pod ${t.namespace}/${t.pod} to ${what}: ${(e as Error)?.message ?? String(e)}`, {
          hint: 'you need the pods/exec permission in that namespace',
          cause: e,
        }),
    })
    s.stdin.end(input)
    let timer: NodeJS.Timeout | undefined
    const r = await Promise.race([
      s.done,
      new Promise<{ ok: boolean; message: string }>((resolve) => (timer = setTimeout(() => resolve({ ok: false, message: `no answer within ${timeoutMs / 1000} s` }), timeoutMs))),
    ])
    clearTimeout(timer)
    s.close()
    if (!r.ok) {
      throw new OperationError(`${what} in pod ${t.namespace}/${t.pod} failed: ${failureDetail(r, s.errors())}`, {
        hint: `check the database with \`dbaas logs\`; running the same command again retries it`,
      })
    }
    return { stdout: s.output(), stderr: s.errors() }
  }
}
