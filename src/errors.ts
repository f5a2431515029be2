// One family of errors for the whole CLI. Every failure a user can meet is a DbaasError with a code, an
// exit code and, where we know one, a hint saying what to do next. `main` is the only place that turns
// them into exit codes and messages; the core never prints.

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  cluster: 5,
  timeout: 6,
  precondition: 7,
  interrupted: 130,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export interface ErrorOptions {
  hint?: string
  details?: Record<string, unknown>
  cause?: unknown
}

export class DbaasError extends Error {
  readonly code: string
  readonly exitCode: ExitCode
  readonly hint: string | undefined
  readonly details: Record<string, unknown> | undefined

  constructor(code: string, exitCode: ExitCode, message: string, opts: ErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause })
    this.name = new.target.name
    this.code = code
    this.exitCode = exitCode
    this.hint = opts.hint
    this.details = opts.details
  }

  toJSON(): { code: string; message: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    }
  }
}

/** Bad input: flags, arguments, names, sizes. Exit 2. */
export class UsageError extends DbaasError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super('usage', ExitCode.usage, message, opts)
  }
}

/** The named instance, backup or object does not exist. Exit 3. */
export class NotFoundError extends DbaasError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super('not_found', ExitCode.notFound, message, opts)
  }
}

/** Already exists, or a conflicting writer. Exit 4. */
export class ConflictError extends DbaasError {
  constructor(message: string, opts: ErrorOptions & { code?: string } = {}) {
    super(opts.code ?? 'conflict', ExitCode.conflict, message, opts)
  }
}

/** Cannot reach the cluster, bad kubeconfig, authentication or RBAC. Exit 5. */
export class ClusterError extends DbaasError {
  constructor(code: 'unreachable' | 'kubeconfig' | 'unauthorized' | 'forbidden', message: string, opts: ErrorOptions = {}) {
    super(code, ExitCode.cluster, message, opts)
  }
}

/** Waited longer than --timeout. Exit 6. */
export class TimeoutError extends DbaasError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super('timeout', ExitCode.timeout, message, opts)
  }
}

/** Refused because of the cluster's state: missing CRDs or operator, not ready, in progress. Exit 7. */
export class PreconditionError extends DbaasError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super('precondition', ExitCode.precondition, message, opts)
  }
}

/** Helm failed; the message carries helm's own last words, never its argv. Exit 1. */
export class HelmError extends DbaasError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super('helm', ExitCode.failed, message, opts)
  }
}

/** Ctrl-C or a declined confirmation. Exit 130. */
export class InterruptedError extends DbaasError {
  constructor(message = 'interrupted', opts: ErrorOptions = {}) {
    super('interrupted', ExitCode.interrupted, message, opts)
  }
}

/** Anything else that went wrong on the server side. Exit 1. */
export class OperationError extends DbaasError {
  constructor(message: string, opts: ErrorOptions = {}) {
    super('failed', ExitCode.failed, message, opts)
  }
}

export function isDbaasError(err: unknown): err is DbaasError {
  return err instanceof DbaasError
}
