// --quiesce: a consistent point for a running database, reached through exec into its pod.
// PostgreSQL: CHECKPOINT (everything committed is in the data files; the snapshot replays less WAL).
// MySQL/MariaDB: FLUSH TABLES WITH READ LOCK, held in ONE client session until the snapshot is cut: the
// client reads its statements from the exec's stdin, so the session (and its lock) lives exactly as long as
// dbaas keeps stdin open; if dbaas dies, the stream closes, the client exits and the lock goes with it.
// The root password travels on stdin too, never in argv.
import type { Deps } from '../../deps.ts'
import { OperationError } from '../../errors.ts'
import { failureDetail, openSession as openExec, type ExecSession, type ExecTarget } from '../exec-session.ts'

export type { ExecTarget }

export const LOCKED_MARK = 'dbaas-quiesce-locked'
export const UNLOCKED_MARK = 'dbaas-quiesce-unlocked'

/** psql over the container's local socket, as the image's superuser (POSTGRES_USER), else postgres. */
export const CHECKPOINT_COMMAND = ['sh', '-c', 'exec psql -X -q -v ON_ERROR_STOP=1 -U "${POSTGRES_USER:-postgres}" -d postgres -tAc CHECKPOINT']

/** The first stdin line is the root password; the rest is SQL for one client session. */
export const LOCK_SESSION_COMMAND = [
  'sh',
  '-c',
  'IFS= read -r MYSQL_PWD; export MYSQL_PWD; ' +
    'if command -v mariadb >/dev/null 2>&1; then c=mariadb; else c=mysql; fi; ' +
    'exec "$c" -u root -N -B --unbuffered',
]

export const LOCK_SQL = `FLUSH TABLES WITH READ LOCK;\nSELECT '${LOCKED_MARK}';\n`
export const UNLOCK_SQL = `UNLOCK TABLES;\nSELECT '${UNLOCKED_MARK}';\nquit\n`

function openSession(t: ExecTarget, command: string[], deps: Deps, onOut?: (all: string) => void): Promise<ExecSession> {
  return openExec(t, command, deps, {
    onOut,
    openError: (e) =>
      new OperationError(`could not exec into pod ${t.namespace}/${t.pod} to quiesce the database: ${(e as Error)?.message ?? String(e)}; nothing was created`, {
        hint: 'you need the pods/exec permission in that namespace; leave out --quiesce for a crash-consistent backup',
        cause: e,
      }),
  })
}

function failure(what: string, t: ExecTarget, s: { message: string }, stderr: string): OperationError {
  return new OperationError(`${what} in pod ${t.namespace}/${t.pod} failed: ${failureDetail(s, stderr)}; nothing was created`, {
    hint: 'leave out --quiesce for a crash-consistent backup, or check the database with `dbaas logs`',
  })
}

/** PostgreSQL: one CHECKPOINT, then return (nothing is held). */
export async function checkpoint(t: ExecTarget, deps: Deps): Promise<void> {
  const s = await openSession(t, CHECKPOINT_COMMAND, deps)
  s.stdin.end()
  const r = await s.done
  if (!r.ok) throw failure('CHECKPOINT', t, r, s.errors())
}

export interface ReadLock {
  /** UNLOCK TABLES and end the session; resolves once the client has exited. */
  release(): Promise<void>
}

/** MySQL/MariaDB: FLUSH TABLES WITH READ LOCK in one session; resolves once the lock is held. */
export async function holdReadLock(t: ExecTarget, rootPassword: string, timeoutMs: number, deps: Deps): Promise<ReadLock> {
  let locked!: () => void
  const isLocked = new Promise<void>((resolve) => (locked = resolve))
  const s = await openSession(t, LOCK_SESSION_COMMAND, deps, (all) => {
    if (all.includes(LOCKED_MARK)) locked()
  })
  s.stdin.write(`${rootPassword}\n`)
  s.stdin.write(LOCK_SQL)
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
  const first = await Promise.race([isLocked.then(() => 'locked' as const), s.done, timedOut])
  clearTimeout(timer)
  if (first !== 'locked') {
    s.stdin.end()
    s.close()
    if (first === 'timeout') {
      throw new OperationError(`FLUSH TABLES WITH READ LOCK did not return within ${Math.round(timeoutMs / 1000)} s in pod ${t.namespace}/${t.pod}; nothing was created`, {
        hint: 'a long-running query or transaction holds tables open: try again later, or leave out --quiesce',
      })
    }
    throw failure('FLUSH TABLES WITH READ LOCK', t, first, s.errors())
  }
  let released = false
  return {
    async release() {
      if (released) return
      released = true
      s.stdin.write(UNLOCK_SQL)
      s.stdin.end()
      const r = await Promise.race([s.done, new Promise<{ ok: boolean; message: string }>((resolve) => setTimeout(() => resolve({ ok: false, message: 'timeout' }), 15_000).unref())])
      s.close()
      if (!r.ok && !s.output().includes(UNLOCKED_MARK)) {
        // Closing the stream ends the session, and the lock with it; say so rather than fail the backup.
        deps.ui.update('(the lock session ended without confirming UNLOCK TABLES; closing it released the lock)')
      }
    },
  }
}
