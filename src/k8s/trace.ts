// kubectl-style request tracing for `-v N`: at 6 each request's method, URL, status and latency (plus the
// Impersonate-* headers, so a reader sees as whom dbaas acted); at 7 every request header, the credential
// masked; at 8 the request and response bodies, truncated; at 9 untruncated. Secret values never appear:
// bodies go through redactBody first.

export const REDACTED = '<redacted>'

const SECRET_PATH = /^\/api\/v1\/(?:namespaces\/[^/]+\/)?secrets(?:\/|$)/

/** Whether an API path addresses Secrets (a list, one Secret or a subresource of it). */
export function isSecretPath(path: string): boolean {
  return SECRET_PATH.test(path.split('?')[0] ?? '')
}

function redactMap(m: unknown): unknown {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return m === undefined ? m : REDACTED
  return Object.fromEntries(Object.keys(m).map((k) => [k, REDACTED]))
}

function redactSecret(o: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...o }
  if ('data' in copy) copy.data = redactMap(copy.data)
  if ('stringData' in copy) copy.stringData = redactMap(copy.stringData)
  const meta = copy.metadata as { annotations?: Record<string, string> } | undefined
  // kubectl apply keeps the whole object, data included, in this annotation.
  const last = 'kubectl.kubernetes.io/last-applied-configuration'
  if (meta?.annotations && last in meta.annotations) {
    copy.metadata = { ...meta, annotations: { ...meta.annotations, [last]: REDACTED } }
  }
  return copy
}

/**
 * A copy of an API body with every Secret's data and stringData values replaced (keys kept): a Secret, a
 * SecretList or any list holding Secrets, a watch event, and — with `secret: true`, for bodies sent to a
 * Secret's path such as a merge patch — any object at all.
 */
export function redactBody(body: unknown, opts: { secret?: boolean } = {}): unknown {
  if (Array.isArray(body)) return body.map((b) => redactBody(b, opts))
  if (!body || typeof body !== 'object') return body
  const o = body as Record<string, unknown>
  if (typeof o.type === 'string' && o.object && typeof o.object === 'object' && Object.keys(o).length <= 2) {
    return { ...o, object: redactBody(o.object, opts) }
  }
  const kind = typeof o.kind === 'string' ? o.kind : ''
  if (Array.isArray(o.items)) {
    const itemsAreSecrets = opts.secret === true || kind === 'SecretList'
    return { ...o, items: o.items.map((i) => redactBody(i, { secret: itemsAreSecrets })) }
  }
  if (opts.secret === true || kind === 'Secret') return redactSecret(o)
  return o
}

/** A body for the trace: JSON when it parses (redacted), else the text itself (or its size, on a Secret path). */
export function traceBody(body: Buffer | string | undefined, path: string, verbosity: number): string {
  if (body === undefined || body.length === 0) return ''
  const text = typeof body === 'string' ? body : body.toString('utf8')
  const secret = isSecretPath(path)
  let shown: string
  try {
    shown = JSON.stringify(redactBody(JSON.parse(text), { secret }))
  } catch {
    shown = secret ? `<${text.length} bytes that are not JSON>` : text
  }
  const limit = 10 * 1024
  if (verbosity < 9 && shown.length > limit) return `${shown.slice(0, limit)} [truncated ${shown.length - limit} chars]`
  return shown
}

/** Header lines as kubectl prints them, the credential masked. */
export function headerLines(headers: Record<string, string | string[] | number | undefined>, only?: (name: string) => boolean): string[] {
  const out: string[] = []
  for (const [name, v] of Object.entries(headers)) {
    if (v === undefined || (only && !only(name))) continue
    for (const one of Array.isArray(v) ? v : [v]) {
      const value = /^authorization$/i.test(name) ? `${String(one).split(' ')[0]} <masked>` : String(one)
      out.push(`    ${name}: ${value}`)
    }
  }
  return out
}

export const isImpersonationHeader = (name: string): boolean => /^impersonate-/i.test(name)
