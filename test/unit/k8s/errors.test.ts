import { describe, expect, it } from 'vitest'
import { ClusterError, ConflictError, NotFoundError, OperationError, UsageError } from '../../../src/errors.ts'
import { apiError, apiInfo, isApiConflict, isApiNotFound, networkError, parseStatus } from '../../../src/k8s/errors.ts'

const status = (code: number, reason: string, message: string, causes?: Array<{ field?: string; message?: string; reason?: string }>) =>
  JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...(causes ? { details: { causes } } : {}) })

const PATH = '/api/v1/namespaces/x/secrets?labelSelector=app.kubernetes.io%2Fmanaged-by%3Ddbaas&token=abc'

describe('apiError', () => {
  it('401 → ClusterError unauthorized (exit 5) with a hint to log in again', () => {
    const e = apiError(401, status(401, 'Unauthorized', 'Unauthorized'), 'GET', PATH)
    expect(e).toBeInstanceOf(ClusterError)
    expect(e.code).toBe('unauthorized')
    expect(e.exitCode).toBe(5)
    expect(e.hint).toMatch(/log in again/)
  })

  it('403 → ClusterError forbidden (exit 5) carrying the server message', () => {
    const msg = 'secrets is forbidden: User "dev" cannot list resource "secrets" in API group "" at the cluster scope'
    const e = apiError(403, status(403, 'Forbidden', msg), 'GET', PATH)
    expect(e).toBeInstanceOf(ClusterError)
    expect(e.code).toBe('forbidden')
    expect(e.exitCode).toBe(5)
    expect(e.message).toBe(`forbidden: ${msg}`)
    expect(apiInfo(e)).toEqual({ httpCode: 403, reason: 'Forbidden' })
  })

  it('404 → NotFoundError (exit 3), path without its query string', () => {
    const e = apiError(404, '', 'GET', PATH)
    expect(e).toBeInstanceOf(NotFoundError)
    expect(e.exitCode).toBe(3)
    expect(e.message).toBe('not found: /api/v1/namespaces/x/secrets')
    expect(isApiNotFound(e)).toBe(true)
    expect(isApiConflict(e)).toBe(false)
  })

  it('409 AlreadyExists → ConflictError already_exists; other 409s → conflict; both exit 4', () => {
    const exists = apiError(409, status(409, 'AlreadyExists', 'secrets "x-credentials" already exists'), 'POST', PATH)
    expect(exists).toBeInstanceOf(ConflictError)
    expect(exists.code).toBe('already_exists')
    expect(exists.exitCode).toBe(4)
    expect(exists.message).toBe('secrets "x-credentials" already exists')
    const conflict = apiError(409, status(409, 'Conflict', 'the object has been modified'), 'PUT', PATH)
    expect(conflict.code).toBe('conflict')
    expect(conflict.exitCode).toBe(4)
    expect(isApiConflict(conflict)).toBe(true)
  })

  it('422 → UsageError (exit 2) listing the causes', () => {
    const e = apiError(
      422,
      status(422, 'Invalid', 'StatefulSet.apps "x" is invalid', [
        { field: 'spec.replicas', message: 'must be greater than or equal to 0' },
        { field: 'metadata.name', message: 'too long' },
      ]),
      'POST',
      PATH,
    )
    expect(e).toBeInstanceOf(UsageError)
    expect(e.exitCode).toBe(2)
    expect(e.message).toBe('StatefulSet.apps "x" is invalid: spec.replicas: must be greater than or equal to 0; metadata.name: too long')
  })

  it('422 whose message already quotes the first cause does not repeat it', () => {
    const msg = 'x is invalid: spec.replicas: must be greater than or equal to 0'
    const e = apiError(422, status(422, 'Invalid', msg, [{ field: 'spec.replicas', message: 'must be greater than or equal to 0' }]), 'POST', PATH)
    expect(e.message).toBe(msg)
  })

  it('500 → OperationError (exit 1) with a retry hint; a body that is not JSON is not echoed', () => {
    const e = apiError(500, '<html>Internal Server Error</html>\r\nSet-Cookie: session=abc', 'GET', PATH)
    expect(e).toBeInstanceOf(OperationError)
    expect(e.exitCode).toBe(1)
    expect(e.message).toBe('the cluster answered 500 to GET /api/v1/namespaces/x/secrets')
    expect(e.hint).toMatch(/try again/)
    const withMsg = apiError(503, status(503, 'ServiceUnavailable', 'etcd is down'), 'GET', PATH)
    expect(withMsg.message).toBe('the cluster answered 503: etcd is down')
  })

  it.each([401, 403, 404, 409, 422, 429, 500])('%d: message, hint and JSON never contain the query string or headers', (code) => {
    const e = apiError(code, '', 'GET', PATH)
    const all = JSON.stringify({ m: e.message, h: e.hint, j: e.toJSON() })
    expect(all).not.toContain('labelSelector')
    expect(all).not.toContain('token=abc')
    expect(all).not.toMatch(/Authorization|Bearer|Content-Type|User-Agent/i)
  })

  it('parseStatus tolerates garbage', () => {
    expect(parseStatus('not json')).toBeUndefined()
    expect(parseStatus('null')).toBeUndefined()
    expect(parseStatus(status(404, 'NotFound', 'x'))?.reason).toBe('NotFound')
  })
})

describe('networkError', () => {
  const server = 'https://api.example:6443'
  it.each([
    ['ECONNREFUSED', 'connection refused'],
    ['ENOTFOUND', 'host not found'],
    ['EAI_AGAIN', 'host not found'],
    ['ETIMEDOUT', 'timed out'],
    ['ECONNRESET', 'connection reset'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS error (ERR_TLS_CERT_ALTNAME_INVALID)'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'TLS error (SELF_SIGNED_CERT_IN_CHAIN)'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS error (DEPTH_ZERO_SELF_SIGNED_CERT)'],
  ])('%s → unreachable (exit 5): %s', (code, why) => {
    const err = Object.assign(new Error(`connect ${code} 10.0.0.1:6443\nGET /api?token=secret HTTP/1.1\nAuthorization: Bearer xyz`), { code })
    const e = networkError(err, server)
    expect(e).toBeInstanceOf(ClusterError)
    expect(e.code).toBe('unreachable')
    expect(e.exitCode).toBe(5)
    expect(e.message).toContain(server)
    expect(e.message).toContain(why)
    expect(e.message).not.toMatch(/Bearer|Authorization|token=/)
    expect(e.hint).toMatch(/kubeconfig/)
  })

  it('an unknown error keeps only its first line', () => {
    const e = networkError(new Error('socket hang up\nAuthorization: Bearer xyz'), server)
    expect(e.message).toBe(`cannot reach the cluster at ${server}: socket hang up`)
  })
})
