// Turns API responses and network failures into DbaasErrors with sentences a person can act on. Raw
// headers, bodies and URLs with query strings never reach the user.
import {
  ClusterError,
  ConflictError,
  type DbaasError,
  NotFoundError,
  OperationError,
  UsageError,
} from '../errors.ts'
import { ProxyError } from './proxy.ts'

export interface ApiStatus {
  kind?: string
  status?: string
  message?: string
  reason?: string
  code?: number
  details?: { name?: string; kind?: string; group?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> }
}

export function parseStatus(text: string): ApiStatus | undefined {
  try {
    const v = JSON.parse(text) as ApiStatus
    return v && typeof v === 'object' ? v : undefined
  } catch {
    return undefined
  }
}

/** An error from the API server carries its HTTP code and the Status reason for callers that branch on them. */
export interface ApiErrorInfo {
  httpCode: number
  reason: string | undefined
}

export function apiInfo(err: unknown): ApiErrorInfo | undefined {
  const d = (err as DbaasError | undefined)?.details
  return d && typeof d.httpCode === 'number' ? { httpCode: d.httpCode, reason: d.reason as string | undefined } : undefined
}

export function isApiNotFound(err: unknown): boolean {
  return apiInfo(err)?.httpCode === 404
}

export function isApiConflict(err: unknown): boolean {
  return apiInfo(err)?.httpCode === 409
}

export function apiError(httpCode: number, body: string, method: string, path: string): DbaasError {
  const st = parseStatus(body)
  const message = (st?.message ?? '').trim()
  const details = { httpCode, reason: st?.reason, method, path: path.split('?')[0] }
  switch (httpCode) {
    case 401:
      return new ClusterError('unauthorized', 'the cluster rejected your credentials (401 Unauthorized)', {
        hint: 'your kubeconfig credentials have expired or are wrong: log in again or pick another --context',
        details,
      })
    case 403:
      return new ClusterError('forbidden', `forbidden: ${message || 'the cluster refused this request'}`, {
        hint: 'ask a cluster admin for access (`dbaas rbac` prints the Role dbaas needs), or use -n with a namespace you may use',
        details,
      })
    case 404:
      return new NotFoundError(message || `not found: ${details.path}`, { details })
    case 409:
      return new ConflictError(message || 'conflict', {
        code: st?.reason === 'AlreadyExists' ? 'already_exists' : 'conflict',
        details,
      })
    case 400:
    case 422: {
      const causes = (st?.details?.causes ?? [])
        .map((c) => [c.field, c.message].filter(Boolean).join(': '))
        .filter(Boolean)
      const text = message || 'the cluster rejected the request as invalid'
      return new UsageError(causes.length && !text.includes(causes[0] ?? '') ? `${text}: ${causes.join('; ')}` : text, {
        hint: 'check the values you passed',
        details,
      })
    }
    default:
      return new OperationError(
        message ? `the cluster answered ${httpCode}: ${message}` : `the cluster answered ${httpCode} to ${method} ${details.path}`,
        { details, hint: httpCode >= 500 ? 'the API server may be overloaded or restarting: try again' : undefined },
      )
  }
}

function whyUnreachable(e: NodeJS.ErrnoException | undefined): string {
  const code = e?.code ?? ''
  return code === 'ECONNREFUSED'
    ? 'connection refused'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? 'host not found'
      : code === 'ETIMEDOUT'
        ? 'timed out'
        : code === 'ECONNRESET'
          ? 'connection reset'
          : code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
            ? `TLS error (${code})`
            : e?.message?.split('\n')[0] ?? 'unknown error'
}

export function networkError(err: unknown, server: string): DbaasError {
  const e = err as NodeJS.ErrnoException & { proxy?: string }
  const code = e?.code ?? ''
  if (err instanceof ProxyError) {
    // The proxy itself, or its answer to CONNECT: say which proxy, never its credentials.
    const refused = code === 'EPROXYREFUSED' || code === 'EPROXY'
    return new ClusterError('unreachable', `cannot reach the cluster at ${server} through the proxy ${e.proxy}: ${refused ? e.message : whyUnreachable(e)}`, {
      hint: 'check that the proxy is running and lets you CONNECT to the API server (proxy-url in your kubeconfig, or HTTPS_PROXY/NO_PROXY)',
      details: { errno: code, proxy: e.proxy },
      cause: err,
    })
  }
  return new ClusterError('unreachable', `cannot reach the cluster at ${server}: ${whyUnreachable(e)}`, {
    hint: 'check that the cluster is running and that your kubeconfig context points at it (`kubectl config current-context`)',
    details: { errno: code },
    cause: err,
  })
}

/** A read that RBAC may refuse: resolves to 'forbidden' instead of failing, so callers can explain or fall back. */
export async function orForbidden<T>(p: Promise<T>): Promise<T | 'forbidden'> {
  try {
    return await p
  } catch (err) {
    if (apiInfo(err)?.httpCode === 403) return 'forbidden'
    throw err
  }
}
