// An in-memory API server behind src/k8s/kube.ts's Transport: objects keyed by their item path, every
// request recorded, label selectors evaluated, errors produced by the real apiError mapping so the core
// meets the same DbaasErrors it would meet on a cluster.
import type { RequestOptions, Transport } from '../../src/k8s/http.ts'
import { apiError } from '../../src/k8s/errors.ts'
import { Kube, R, resourcePath, type KubeObject, type ResourceType } from '../../src/k8s/kube.ts'

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string | number | boolean | undefined>
  body?: unknown
  accept?: string | undefined
  contentType?: string | undefined
}

interface Parsed {
  group: string
  version: string
  namespace: string | undefined
  plural: string
  name: string | undefined
  subresource: string | undefined
}

/** Splits an API path into group, version, namespace, plural, name and subresource. */
export function parsePath(path: string): Parsed | undefined {
  const segs = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent)
  let group: string
  let version: string
  let rest: string[]
  if (segs[0] === 'api') {
    group = ''
    version = segs[1] ?? ''
    rest = segs.slice(2)
  } else if (segs[0] === 'apis') {
    group = segs[1] ?? ''
    version = segs[2] ?? ''
    rest = segs.slice(3)
  } else return undefined
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    return { group, version, namespace: rest[1], plural: rest[2]!, name: rest[3], subresource: rest[4] }
  }
  return { group, version, namespace: undefined, plural: rest[0] ?? '', name: rest[1], subresource: rest[2] }
}

/** Evaluates a label selector of `k=v`, `k==v`, `k!=v`, `k` and `!k` terms. */
export function matchesSelector(labels: Record<string, string> | undefined, sel: string | undefined): boolean {
  if (!sel) return true
  const l = labels ?? {}
  return sel
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .every((term) => {
      let m: RegExpExecArray | null
      if ((m = /^([^!=]+)!=(.*)$/.exec(term))) return l[m[1]!] !== m[2]
      if ((m = /^([^!=]+)==?(.*)$/.exec(term))) return l[m[1]!] === m[2]
      if (term.startsWith('!')) return !(term.slice(1) in l)
      return term in l
    })
}

function matchesFields(obj: KubeObject, sel: string | undefined): boolean {
  if (!sel) return true
  return sel.split(',').every((term) => {
    const [k, v] = term.split('=') as [string, string]
    const value = k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown> | undefined)?.[p], obj)
    return String(value) === v
  })
}

export type Failure = { code: number; reason?: string; message?: string; causes?: Array<{ field?: string; message?: string }> }
export type FailRule = { method?: string; path: string | RegExp; failure: Failure; times?: number }

const SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'

export class FakeTransport implements Transport {
  readonly server = 'https://fake.invalid:6443'
  readonly requests: RecordedRequest[] = []
  /** Objects by item path (resourcePath(r, ns, name)). */
  readonly store = new Map<string, KubeObject>()
  private rules: FailRule[] = []
  private rv = 100
  /** SelfSubjectAccessReview: denied when this returns true. */
  deny: (attrs: { verb: string; group: string; resource: string; namespace?: string }) => boolean = () => false
  /** Watch events served by stream(), in order; after them the stream stays open until aborted. */
  watchEvents: Array<{ type: string; object: KubeObject }> = []
  clock: () => number = () => Date.parse('2026-11-25T12:00:00Z')
  /** Container logs served by stream() for `.../pods/<name>/log`, keyed by "<namespace>/<pod>", in chunks. */
  readonly logs = new Map<string, string[]>()

  get requestCount(): number {
    return this.requests.length
  }

  /** Requests that change something (anything but GET and access reviews). */
  get writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && r.path !== SSAR)
  }

  fail(rule: FailRule): this {
    this.rules.push(rule)
    return this
  }

  seed(r: ResourceType, ...objs: KubeObject[]): this {
    for (const o of objs) {
      const obj: KubeObject = {
        apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
        kind: r.kind,
        ...structuredClone(o),
      }
      obj.metadata.resourceVersion ??= String(++this.rv)
      obj.metadata.creationTimestamp ??= new Date(this.clock()).toISOString()
      obj.metadata.uid ??= `uid-${this.rv}`
      if (r.kind === 'Secret') normaliseSecret(obj)
      this.store.set(resourcePath(r, o.metadata.namespace, o.metadata.name), obj)
    }
    return this
  }

  get<T extends KubeObject>(r: ResourceType<T>, namespace: string | undefined, name: string): T | undefined {
    return this.store.get(resourcePath(r, namespace, name)) as T | undefined
  }

  /** Every stored object of one resource type. */
  all<T extends KubeObject>(r: ResourceType<T>): T[] {
    return [...this.store.entries()].filter(([p]) => typeMatches(parsePath(p), r)).map(([, o]) => o as T)
  }

  private failure(method: string, path: string): Failure | undefined {
    for (const rule of this.rules) {
      if (rule.method && rule.method !== method) continue
      const hit = typeof rule.path === 'string' ? path === rule.path : rule.path.test(path)
      if (!hit) continue
      if (rule.times !== undefined) {
        if (rule.times <= 0) continue
        rule.times--
      }
      return rule.failure
    }
    return undefined
  }

  private error(f: Failure, method: string, path: string): Error {
    const body = JSON.stringify({
      kind: 'Status',
      status: 'Failure',
      code: f.code,
      reason: f.reason,
      message: f.message ?? '',
      details: f.causes ? { causes: f.causes } : undefined,
    })
    return apiError(f.code, body, method, path)
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    this.requests.push({ method, path, query: { ...(opts.query ?? {}) }, body: opts.body, accept: opts.accept, contentType: opts.contentType })
    const f = this.failure(method, path)
    if (f) throw this.error(f, method, path)
    if (path === '/version') return { gitVersion: 'v1.35.0' } as T
    if (method === 'POST' && path === SSAR) {
      const attrs = (opts.body as { spec: { resourceAttributes: { verb: string; group: string; resource: string; namespace?: string } } }).spec.resourceAttributes
      return { status: { allowed: !this.deny(attrs) } } as T
    }
    const p = parsePath(path)
    if (!p) throw this.error({ code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' }, method, path)
    const dryRun = opts.query?.dryRun === 'All'
    const notFound = (name: string) =>
      this.error({ code: 404, reason: 'NotFound', message: `${p.plural} "${name}" not found` }, method, path)

    if (method === 'GET' && p.name === undefined) {
      const items = [...this.store.entries()]
        .filter(([k, o]) => {
          const q = parsePath(k)
          return (
            q !== undefined &&
            q.group === p.group &&
            q.plural === p.plural &&
            (p.namespace === undefined || o.metadata.namespace === p.namespace)
          )
        })
        .map(([, o]) => o)
        .filter((o) => matchesSelector(o.metadata.labels, opts.query?.labelSelector as string | undefined))
        .filter((o) => matchesFields(o, opts.query?.fieldSelector as string | undefined))
        .map((o) => structuredClone(o))
      const meta = opts.accept?.includes('PartialObjectMetadataList') === true
      return {
        metadata: { resourceVersion: String(this.rv) },
        items: meta ? items.map((o) => ({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: o.metadata })) : items,
      } as T
    }
    if (method === 'GET') {
      const o = this.store.get(itemPath(path))
      if (!o) throw notFound(p.name!)
      return structuredClone(o) as T
    }
    if (method === 'POST') {
      const obj = structuredClone(opts.body as KubeObject)
      const key = `${path.split('?')[0]}/${encodeURIComponent(obj.metadata.name)}`
      if (this.store.has(key)) {
        throw this.error({ code: 409, reason: 'AlreadyExists', message: `${p.plural} "${obj.metadata.name}" already exists` }, method, path)
      }
      obj.metadata.resourceVersion = String(++this.rv)
      obj.metadata.creationTimestamp ??= new Date(this.clock()).toISOString()
      obj.metadata.uid ??= `uid-${this.rv}`
      if (obj.kind === 'Secret') normaliseSecret(obj)
      if (!dryRun) this.store.set(key, obj)
      return structuredClone(obj) as T
    }
    if (method === 'PATCH') {
      const key = itemPath(path)
      const prev = this.store.get(key)
      const body = structuredClone(opts.body as KubeObject)
      const next = (opts.contentType === 'application/apply-patch+yaml' ? body : mergePatch(prev ?? {}, body)) as KubeObject
      if (!prev && opts.contentType !== 'application/apply-patch+yaml') throw notFound(p.name!)
      next.metadata.resourceVersion = String(++this.rv)
      if (!dryRun) this.store.set(key, next as KubeObject)
      return structuredClone(next) as T
    }
    if (method === 'DELETE') {
      const key = itemPath(path)
      if (!this.store.has(key)) throw notFound(p.name!)
      if (!dryRun) this.store.delete(key)
      return { kind: 'Status', status: 'Success' } as T
    }
    throw this.error({ code: 405, reason: 'MethodNotAllowed', message: `${method} not allowed` }, method, path)
  }

  async stream(path: string, opts: RequestOptions, onChunk: (chunk: Buffer) => void): Promise<void> {
    this.requests.push({ method: 'GET', path, query: { ...(opts.query ?? {}) }, accept: opts.accept })
    const f = this.failure('GET', path)
    if (f) throw this.error(f, 'GET', path)
    const p = parsePath(path)
    if (p?.plural === 'pods' && p.subresource === 'log') {
      const chunks = this.logs.get(`${p.namespace}/${p.name}`)
      if (!chunks) throw this.error({ code: 404, reason: 'NotFound', message: `pods "${p.name}" not found` }, 'GET', path)
      for (const c of chunks) onChunk(Buffer.from(c))
      return
    }
    for (const ev of this.watchEvents.splice(0)) {
      onChunk(Buffer.from(`${JSON.stringify(ev)}\n`))
      if (opts.signal?.aborted) return
    }
    // Stays open like a real watch until the caller aborts (a timeout or Ctrl-C).
    if (!opts.signal) return
    if (opts.signal.aborted) return
    await new Promise<void>((resolve) => opts.signal!.addEventListener('abort', () => resolve(), { once: true }))
  }
}

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch)
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {}
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

function itemPath(path: string): string {
  return path.split('?')[0]!
}

function typeMatches(p: Parsed | undefined, r: ResourceType): boolean {
  return p !== undefined && p.group === r.group && p.plural === r.plural
}

/** The API server turns stringData into base64 data. */
function normaliseSecret(o: KubeObject): void {
  const obj = o as KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> }
  if (obj.stringData) {
    obj.data = { ...(obj.data ?? {}) }
    for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(v, 'utf8').toString('base64')
    delete obj.stringData
  }
}

export function fakeKube(transport = new FakeTransport(), contextNamespace = 'default'): Kube {
  return new Kube(transport, contextNamespace)
}

export { R }
