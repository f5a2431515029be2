// An in-memory API server behind src/k8s/kube.ts's Transport, strict where the real kube-apiserver is strict,
// so a unit test cannot pass where a cluster would refuse. Every rule below has a contract test
// (test/contract/) that runs the same assertions against this fake and against the lab's real API server.
//
//   - kinds: the built-in kinds are always served; a CRD-backed kind is served only while its
//     CustomResourceDefinition exists (create or seed one; `installCrd`). Anything else is 404, as is
//     discovery (/apis/<group>/<version>) of a group nothing serves.
//   - optimistic concurrency: a write carrying metadata.resourceVersion (PUT, merge patch, apply, delete
//     preconditions) that is not the stored one is 409 Conflict; a write that changes nothing keeps it.
//   - /status: for kinds with a status subresource, status sent on create is dropped, writes to the object
//     ignore status, and writes to /status change status only.
//   - namespaces: writes into a namespace that does not exist are 404 (namespace objects and cluster-scoped
//     kinds excepted), creates into a Terminating one are 403; deleting a namespace makes it Terminating, and
//     `settle()` plays the namespace controller (content deleted, namespace gone once it is empty).
//   - deletion: objects with finalizers get deletionTimestamp and stay until the last finalizer is removed;
//     no new finalizer may be added to an object being deleted.
//   - server-side apply: field ownership per manager for the fields dbaas sends (labels, annotations,
//     finalizers and every key under spec/data/status, arrays atomic); a second manager's fields survive,
//     fields an applier stops sending are removed unless someone else owns them, a changed value owned by
//     another manager is a 409 conflict unless force=true (which takes the field over). Non-apply writes
//     (create, update, merge patch) take ownership of what they change, as "Update" entries.
//   - validation: object names (DNS label / RFC 1035 label / DNS subdomain), label keys and values, and
//     field selectors (only the fields the server indexes) are checked as the server checks them.
// Not simulated (controllers): garbage collection by owner reference, pod/PVC protection finalizers,
// graceful pod termination, CRD establishment delay. Watches replay `watchEvents` (canned, in order).
import type { RequestOptions, Transport } from '../../src/k8s/http.ts'
import { apiError } from '../../src/k8s/errors.ts'
import { Kube, R, resourcePath, type KubeObject as ApiObject, type ResourceType } from '../../src/k8s/kube.ts'

/** Objects as the fake handles them: any kind, its fields as sent (the fake reads spec and status of every kind). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KubeObject = ApiObject & { spec?: any; status?: any; data?: Record<string, string>; stringData?: Record<string, string>; type?: string }

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

/** Evaluates a label selector of `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)` and `k notin (a,b)` terms. */
export function matchesSelector(labels: Record<string, string> | undefined, sel: string | undefined): boolean {
  if (!sel) return true
  const l = labels ?? {}
  return splitSelector(sel).every((term) => {
    let m: RegExpExecArray | null
    if ((m = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(term))) {
      const values = m[3]!.split(',').map((v) => v.trim())
      const has = m[1]! in l && values.includes(l[m[1]!]!)
      return m[2] === 'in' ? has : !has
    }
    if ((m = /^([^!=]+)!=(.*)$/.exec(term))) return l[m[1]!.trim()] !== m[2]!.trim()
    if ((m = /^([^!=]+)==?(.*)$/.exec(term))) return l[m[1]!.trim()] === m[2]!.trim()
    if (term.startsWith('!')) return !(term.slice(1).trim() in l)
    return term in l
  })
}

/** Splits on the commas that separate terms (not those inside `in (a,b)`). */
function splitSelector(sel: string): string[] {
  const out: string[] = []
  let depth = 0
  let cur = ''
  for (const ch of sel) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += ch
  }
  out.push(cur)
  return out.map((t) => t.trim()).filter(Boolean)
}

export type Failure = { code: number; reason?: string; message?: string; causes?: Array<{ field?: string; message?: string; reason?: string }> }
export type FailRule = { method?: string; path: string | RegExp; failure: Failure; times?: number }

// ---------------------------------------------------------------------------------------------------------------
// Kinds

/** A kind the fake serves, with what the server knows about it. */
export interface KindInfo extends ResourceType {
  /** Has a /status subresource (status dropped on create, ignored by writes to the object). */
  status: boolean
  /** metadata.generation is set to 1 on create and bumped by changes outside metadata (and status). */
  generation: boolean
  /** The CustomResourceDefinition serving it, when it is not built in. */
  crd?: string
  /** Fields a field selector may use besides metadata.name and metadata.namespace. */
  fields?: readonly string[]
}

const kind = (group: string, version: string, plural: string, k: string, namespaced: boolean, status = false, generation = status, fields?: readonly string[]): KindInfo => ({
  group,
  version,
  plural,
  kind: k,
  namespaced,
  status,
  generation,
  ...(fields ? { fields } : {}),
})

const podFields = ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName'] as const
const eventFields = ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'] as const

/** Served by every API server, whatever is installed. */
export const BUILTIN_KINDS: readonly KindInfo[] = [
  kind('', 'v1', 'namespaces', 'Namespace', false, true, false, ['status.phase']),
  kind('', 'v1', 'secrets', 'Secret', true, false, false, ['type']),
  kind('', 'v1', 'configmaps', 'ConfigMap', true),
  kind('', 'v1', 'services', 'Service', true, true, false),
  kind('', 'v1', 'pods', 'Pod', true, true, false, podFields),
  kind('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, true, false),
  kind('', 'v1', 'persistentvolumes', 'PersistentVolume', false, true, false),
  kind('', 'v1', 'events', 'Event', true, false, false, eventFields),
  kind('', 'v1', 'serviceaccounts', 'ServiceAccount', true),
  kind('', 'v1', 'endpoints', 'Endpoints', true),
  kind('', 'v1', 'nodes', 'Node', false, true, false, ['spec.unschedulable']),
  kind('apps', 'v1', 'statefulsets', 'StatefulSet', true, true),
  kind('apps', 'v1', 'deployments', 'Deployment', true, true),
  kind('apps', 'v1', 'replicasets', 'ReplicaSet', true, true),
  kind('batch', 'v1', 'jobs', 'Job', true, true),
  kind('batch', 'v1', 'cronjobs', 'CronJob', true, true),
  kind('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, true),
  kind('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false),
  kind('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false),
  kind('storage.k8s.io', 'v1', 'csidrivers', 'CSIDriver', false),
  kind('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  kind('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  kind('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  kind('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  kind('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  kind('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, true),
  kind('events.k8s.io', 'v1', 'events', 'Event', true),
]

/** The CRD-backed kinds dbaas meets, as their real CRDs define them (external-snapshotter v8, CloudNativePG 1.30). */
export const KNOWN_CRDS = {
  volumeSnapshots: kind('snapshot.storage.k8s.io', 'v1', 'volumesnapshots', 'VolumeSnapshot', true, true),
  volumeSnapshotContents: kind('snapshot.storage.k8s.io', 'v1', 'volumesnapshotcontents', 'VolumeSnapshotContent', false, true),
  volumeSnapshotClasses: kind('snapshot.storage.k8s.io', 'v1', 'volumesnapshotclasses', 'VolumeSnapshotClass', false, false, true),
  cnpgClusters: kind('postgresql.cnpg.io', 'v1', 'clusters', 'Cluster', true, true),
  cnpgBackups: kind('postgresql.cnpg.io', 'v1', 'backups', 'Backup', true, true),
  cnpgScheduledBackups: kind('postgresql.cnpg.io', 'v1', 'scheduledbackups', 'ScheduledBackup', true, true),
  cnpgPoolers: kind('postgresql.cnpg.io', 'v1', 'poolers', 'Pooler', true, true),
} as const

/** What the lab installs: the VolumeSnapshot CRDs and CloudNativePG's. */
export const SNAPSHOT_CRDS = [KNOWN_CRDS.volumeSnapshots, KNOWN_CRDS.volumeSnapshotContents, KNOWN_CRDS.volumeSnapshotClasses] as const
export const CNPG_CRDS = [KNOWN_CRDS.cnpgClusters, KNOWN_CRDS.cnpgBackups, KNOWN_CRDS.cnpgScheduledBackups, KNOWN_CRDS.cnpgPoolers] as const

export const crdName = (r: ResourceType): string => `${r.plural}.${r.group}`

/** A CustomResourceDefinition for a kind: one served and stored version, an open schema, /status when asked. */
export function crdObject(r: ResourceType & { status?: boolean }, labels?: Record<string, string>): KubeObject {
  const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(r), ...(labels ? { labels } : {}) },
    spec: {
      group: r.group,
      names: { plural: r.plural, singular: r.kind.toLowerCase(), kind: r.kind, listKind: `${r.kind}List` },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: r.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', properties: { spec: open, status: open } } },
          ...(r.status ? { subresources: { status: {} } } : {}),
        },
      ],
    },
  }
}

/** The kinds a CRD object serves (one per served version). */
function kindsOfCrd(crd: KubeObject): KindInfo[] {
  const s = crd.spec as
    | { group?: string; names?: { plural?: string; kind?: string }; scope?: string; versions?: Array<{ name: string; served?: boolean; subresources?: { status?: unknown } }> }
    | undefined
  if (!s?.group || !s.names?.plural || !s.names.kind || !s.versions?.length) return []
  return s.versions
    .filter((v) => v.served !== false)
    .map((v) => ({
      ...kind(s.group!, v.name, s.names!.plural!, s.names!.kind!, s.scope !== 'Cluster', v.subresources?.status !== undefined, true),
      crd: crd.metadata.name,
    }))
}

const kindKey = (group: string, version: string, plural: string) => `${group}/${version}/${plural}`
const groupResource = (k: { group: string; plural: string }) => (k.group ? `${k.plural}.${k.group}` : k.plural)

// ---------------------------------------------------------------------------------------------------------------
// Validation, as apimachinery's validators word it

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/

function nameProblem(k: KindInfo, name: string): string | undefined {
  if (k.plural === 'namespaces') {
    return name.length <= 63 && DNS1123_LABEL.test(name) ? undefined : `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`
  }
  if (k.plural === 'services' && k.group === '') {
    return name.length <= 63 && DNS1035_LABEL.test(name) ? undefined : `a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character`
  }
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name)
    ? undefined
    : `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`
}

function keyProblem(key: string): string | undefined {
  const parts = key.split('/')
  if (parts.length > 2) return 'a qualified name must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character'
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]!]
  if (prefix !== undefined && !(prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix))) return 'prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\''
  if (!name || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return 'name part must consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character'
  }
  return undefined
}

function labelValueProblem(v: string): string | undefined {
  if (v === '') return undefined
  return v.length <= 63 && QUALIFIED_NAME.test(v) ? undefined : 'a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character'
}

// ---------------------------------------------------------------------------------------------------------------
// Field ownership (managedFields), leaves only: a path is the JSON of its keys

type Path = string
type Scope = 'object' | 'status'

interface ManagerEntry {
  manager: string
  operation: 'Apply' | 'Update'
  subresource?: string
  apiVersion: string
  time: string
  fields: Set<Path>
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** The leaves of the owned part of an object: metadata labels/annotations/finalizers/ownerReferences, and everything else but apiVersion/kind. */
function ownedLeaves(obj: KubeObject, scope: Scope, k: KindInfo): Map<Path, unknown> {
  const out = new Map<Path, unknown>()
  const walk = (v: unknown, at: string[]) => {
    if (isMap(v) && Object.keys(v).length > 0) {
      for (const [key, child] of Object.entries(v)) walk(child, [...at, key])
    } else out.set(JSON.stringify(at), v)
  }
  for (const [key, v] of Object.entries(obj)) {
    if (key === 'apiVersion' || key === 'kind') continue
    if (key === 'metadata') {
      if (scope === 'status') continue
      for (const m of ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const) {
        const mv = meta(obj)[m]
        if (mv !== undefined) walk(mv, ['metadata', m])
      }
      continue
    }
    if (k.status && (key === 'status') !== (scope === 'status')) continue
    walk(v, [key])
  }
  return out
}

function getAt(obj: unknown, path: Path): unknown {
  return (JSON.parse(path) as string[]).reduce<unknown>((o, key) => (isMap(o) ? o[key] : undefined), obj)
}

function setAt(obj: Record<string, unknown>, path: Path, value: unknown): void {
  const keys = JSON.parse(path) as string[]
  let o = obj
  for (const key of keys.slice(0, -1)) {
    if (!isMap(o[key])) o[key] = {}
    o = o[key] as Record<string, unknown>
  }
  const last = keys.at(-1)!
  // An empty map merges (it only makes sure the map exists); anything else replaces.
  if (isMap(value) && Object.keys(value).length === 0 && isMap(o[last])) return
  o[last] = structuredClone(value)
}

/** Removes a leaf and the maps it leaves empty (but never metadata, spec or status themselves). */
function deleteAt(obj: Record<string, unknown>, path: Path): void {
  const keys = JSON.parse(path) as string[]
  const chain: Array<Record<string, unknown>> = [obj]
  for (const key of keys.slice(0, -1)) {
    const next = chain.at(-1)![key]
    if (!isMap(next)) return
    chain.push(next)
  }
  delete chain.at(-1)![keys.at(-1)!]
  for (let i = chain.length - 1; i >= 2; i--) {
    if (Object.keys(chain[i]!).length === 0) delete chain[i - 1]![keys[i - 1]!]
  }
}

function toFieldsV1(fields: Set<Path>): Record<string, unknown> {
  const root: Record<string, unknown> = {}
  for (const p of fields) {
    let o = root
    for (const key of JSON.parse(p) as string[]) {
      const f = `f:${key}`
      o[f] ??= {}
      o = o[f] as Record<string, unknown>
    }
  }
  return root
}

function fromFieldsV1(v: unknown, at: string[] = [], out = new Set<Path>()): Set<Path> {
  const entries = isMap(v) ? Object.entries(v).filter(([k]) => k.startsWith('f:')) : []
  if (entries.length === 0 && at.length > 0) out.add(JSON.stringify(at))
  for (const [k, child] of entries) fromFieldsV1(child, [...at, k.slice(2)], out)
  return out
}

function readManagers(obj: KubeObject): ManagerEntry[] {
  const raw = (obj.metadata as { managedFields?: Array<Record<string, unknown>> }).managedFields ?? []
  return raw.map((m) => ({
    manager: String(m.manager ?? ''),
    operation: m.operation === 'Apply' ? 'Apply' : 'Update',
    ...(m.subresource ? { subresource: String(m.subresource) } : {}),
    apiVersion: String(m.apiVersion ?? ''),
    time: String(m.time ?? ''),
    fields: fromFieldsV1(m.fieldsV1),
  }))
}

function writeManagers(obj: KubeObject, entries: ManagerEntry[]): void {
  const list = entries
    .filter((e) => e.fields.size > 0)
    .map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(e.fields),
      ...(e.subresource ? { subresource: e.subresource } : {}),
    }))
  const meta = obj.metadata as { managedFields?: unknown }
  if (list.length) meta.managedFields = list
  else delete meta.managedFields
}

const sameEntry = (e: ManagerEntry, manager: string, operation: string, subresource: string | undefined) =>
  e.manager === manager && e.operation === operation && e.subresource === subresource

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b))
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical)
  if (isMap(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]))
  return v
}

/** A field path as the server prints it in a conflict: `.metadata.labels.a`. */
const printPath = (p: Path) => (JSON.parse(p) as string[]).map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)).join('')

// ---------------------------------------------------------------------------------------------------------------

/** The namespaces every cluster starts with. */
export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'] as const

const SSAR = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'
const APPLY = 'application/apply-patch+yaml'
const MERGE = 'application/merge-patch+json'
const STRATEGIC = 'application/strategic-merge-patch+json'

/** A failure as the server sends it: a Status object, or (for paths no API group serves) plain text. */
type ServerFailure = Failure & { details?: Record<string, unknown>; raw?: string }

class HttpFailure extends Error {
  readonly failure: ServerFailure
  constructor(failure: ServerFailure) {
    super(failure.message)
    this.failure = failure
  }
}

/** ObjectMeta with the fields only the server side cares about. */
type Meta = KubeObject['metadata'] & { finalizers?: string[]; managedFields?: Array<Record<string, unknown>>; deletionGracePeriodSeconds?: number } & Record<string, unknown>
const meta = (o: KubeObject): Meta => o.metadata as Meta

/** What the API server's catch-all handler answers for a path no group/version serves (not a Status). */
const PAGE_NOT_FOUND = '404 page not found\n'
const pageNotFound = (): never => {
  throw new HttpFailure({ code: 404, raw: PAGE_NOT_FOUND })
}

const fail = (code: number, reason: string, message: string, extra: { causes?: Failure['causes']; details?: Record<string, unknown> } = {}): never => {
  throw new HttpFailure({ code, reason, message, ...(extra.causes ? { causes: extra.causes } : {}), ...(extra.details ? { details: extra.details } : {}) })
}

export class FakeTransport implements Transport {
  readonly server = 'https://fake.invalid:6443'
  readonly requests: RecordedRequest[] = []
  /** Objects by item path (resourcePath(r, ns, name)). Tests may delete entries to play a controller. */
  readonly store = new Map<string, KubeObject>()
  private readonly kinds = new Map<string, KindInfo>()
  private rules: FailRule[] = []
  private rv = 100
  /** SelfSubjectAccessReview: denied when this returns true. */
  deny: (attrs: { verb: string; group: string; resource: string; namespace?: string }) => boolean = () => false
  /** Watch events served by stream(), in order; after them the stream stays open until aborted. */
  watchEvents: Array<{ type: string; object: KubeObject }> = []
  clock: () => number = () => Date.parse('2026-11-25T12:00:00Z')
  /** Watches open now (waiting for their caller to abort): a caller that left one open keeps its process alive. */
  openStreams = 0
  /** Container logs served by stream() for `.../pods/<name>/log`, keyed by "<namespace>/<pod>", in chunks. */
  readonly logs = new Map<string, string[]>()

  constructor() {
    for (const k of BUILTIN_KINDS) this.kinds.set(kindKey(k.group, k.version, k.plural), k)
    // Every cluster has these.
    for (const name of SYSTEM_NAMESPACES) this.seed(R.namespaces, { metadata: { name, creationTimestamp: '2026-01-01T00:00:00Z' } })
  }

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

  /** Whether the fake serves this kind (built in, or its CRD exists). */
  serves(r: ResourceType): boolean {
    return this.kinds.has(kindKey(r.group, r.version, r.plural))
  }

  /** Installs CRDs for these kinds (as `kubectl apply -f crd.yaml` would; established at once). */
  installCrd(...kinds: Array<ResourceType & { status?: boolean }>): this {
    for (const k of kinds) this.seed(R.crds, crdObject(k))
    return this
  }

  /**
   * Puts objects in place as controllers and earlier clients left them (status included), without a request.
   * The world must be one a real cluster can be in: the kind must be served (install its CRD first) and a
   * namespaced object's namespace must exist (seed it first).
   */
  seed(r: ResourceType, ...objs: KubeObject[]): this {
    const k = this.kinds.get(kindKey(r.group, r.version, r.plural))
    if (!k) {
      throw new Error(`seed: ${groupResource(r)}/${r.version} is not served by this fake cluster; install its CRD first (transport.installCrd(KNOWN_CRDS.…))`)
    }
    for (const o of objs) {
      const obj: KubeObject = { apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.kind, ...structuredClone(o) }
      if (k.namespaced) {
        const ns = obj.metadata.namespace
        if (!ns) throw new Error(`seed: ${r.kind} ${obj.metadata.name} needs metadata.namespace`)
        if (!this.store.has(resourcePath(R.namespaces, undefined, ns))) {
          throw new Error(`seed: namespace ${ns} does not exist; seed it first (transport.seed(R.namespaces, { metadata: { name: '${ns}' } }))`)
        }
      } else delete obj.metadata.namespace
      obj.metadata.resourceVersion ??= String(++this.rv)
      obj.metadata.creationTimestamp ??= new Date(this.clock()).toISOString()
      obj.metadata.uid ??= `uid-${this.rv}`
      if (k.generation) obj.metadata.generation ??= 1
      if (r.kind === 'Secret') normaliseSecret(obj)
      if (r.plural === 'namespaces' && r.group === '') {
        obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) }
        obj.status ??= { phase: obj.metadata.deletionTimestamp ? 'Terminating' : 'Active' }
      }
      if (r.plural === 'customresourcedefinitions' && r.group === 'apiextensions.k8s.io') this.completeKnownCrd(obj)
      this.store.set(resourcePath(r, obj.metadata.namespace, obj.metadata.name), obj)
      if (r.plural === 'customresourcedefinitions' && r.group === 'apiextensions.k8s.io') this.installFrom(obj)
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

  /**
   * Plays the controllers a deletion waits for: the namespace controller (a Terminating namespace's content
   * is deleted — objects with finalizers stay, marked — and the namespace goes once it is empty) and the
   * CRD finalizer (a deleted CRD's objects are deleted, then the CRD and its kind go).
   */
  settle(): void {
    for (const [key, crd] of [...this.store.entries()]) {
      const p = parsePath(key)
      if (p?.plural !== 'customresourcedefinitions' || !crd.metadata.deletionTimestamp) continue
      for (const k of kindsOfCrd(crd)) for (const o of this.all(k)) this.deleteNow(k, o)
      if (kindsOfCrd(crd).every((k) => this.all(k).length === 0)) {
        meta(crd).finalizers = meta(crd).finalizers?.filter((f) => f !== 'customresourcecleanup.apiextensions.k8s.io')
        this.removeIfFinalized(key, crd)
      }
    }
    for (const ns of this.all(R.namespaces)) {
      if (!ns.metadata.deletionTimestamp) continue
      const inside = () => [...this.store.entries()].filter(([, o]) => o.metadata.namespace === ns.metadata.name && !this.isNamespace(o))
      for (const [key, o] of inside()) {
        const p = parsePath(key)!
        this.deleteNow(this.kindOf(p)!, o)
      }
      if (inside().length === 0) {
        ns.spec = { ...(ns.spec ?? {}), finalizers: ((ns.spec?.finalizers as string[] | undefined) ?? []).filter((f) => f !== 'kubernetes') }
        if ((ns.spec.finalizers as string[]).length === 0) this.removeIfFinalized(resourcePath(R.namespaces, undefined, ns.metadata.name), ns)
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------

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

  private error(f: ServerFailure, method: string, path: string): Error {
    if (f.raw !== undefined) return apiError(f.code, f.raw, method, path)
    const body = JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: f.message ?? '',
      reason: f.reason,
      details: f.causes || f.details ? { ...(f.details ?? {}), ...(f.causes ? { causes: f.causes } : {}) } : undefined,
      code: f.code,
    })
    return apiError(f.code, body, method, path)
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    this.requests.push({ method, path, query: { ...(opts.query ?? {}) }, body: opts.body, accept: opts.accept, contentType: opts.contentType })
    const f = this.failure(method, path)
    if (f) throw this.error(f, method, path)
    try {
      return this.handle(method, path, opts) as T
    } catch (err) {
      if (err instanceof HttpFailure) throw this.error(err.failure, method, path)
      throw err
    }
  }

  private handle(method: string, path: string, opts: RequestOptions): unknown {
    if (path === '/version') return { major: '1', minor: '35', gitVersion: 'v1.35.0' }
    if (method === 'POST' && path === SSAR) {
      const attrs = (opts.body as { spec: { resourceAttributes: { verb: string; group: string; resource: string; namespace?: string } } }).spec.resourceAttributes
      return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: (opts.body as { spec: unknown }).spec, status: { allowed: !this.deny(attrs) } }
    }
    const p = parsePath(path)
    const notServed = () => fail(404, 'NotFound', 'the server could not find the requested resource')
    if (!p) return pageNotFound()
    if (p.plural === '') {
      if (method !== 'GET') return fail(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
      return this.discovery(p.group, p.version, path.startsWith('/api/') || path === '/api')
    }
    const k = this.kindOf(p)
    if (!k) return this.servesGroupVersion(p.group, p.version) ? notServed() : pageNotFound()
    if (p.namespace !== undefined && !k.namespaced) return notServed()
    if (p.name !== undefined && k.namespaced && p.namespace === undefined) return notServed()
    if (p.subresource !== undefined && !(p.subresource === 'status' && k.status)) return notServed()
    const scope: Scope = p.subresource === 'status' ? 'status' : 'object'
    // A DELETE with a body takes its options (dryRun among them) from the body and ignores the query.
    const fromBody = method === 'DELETE' && opts.body !== undefined
    const dryRunValue = fromBody ? (opts.body as { dryRun?: string[] }).dryRun?.[0] : opts.query?.dryRun
    const dryRun = dryRunValue === 'All'
    if (dryRun !== (dryRunValue !== undefined)) {
      return fail(400, 'BadRequest', `Invalid dryRun value: ${String(dryRunValue)}`)
    }

    if (method === 'GET' && p.name === undefined) return this.list(k, p.namespace, opts)
    if (method === 'GET') return structuredClone(this.mustGet(k, p.namespace, p.name!))
    if (method === 'POST' && p.name === undefined && scope === 'object') return this.create(k, p.namespace, opts.body as KubeObject, opts, dryRun)
    if (method === 'PUT' && p.name !== undefined) return this.update(k, p.namespace, p.name, scope, opts, dryRun)
    if (method === 'PATCH' && p.name !== undefined) {
      if (opts.contentType === APPLY) return this.apply(k, p.namespace, p.name, scope, opts, dryRun)
      if (opts.contentType === MERGE || (opts.contentType === STRATEGIC && !k.crd)) return this.update(k, p.namespace, p.name, scope, opts, dryRun)
      return fail(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`)
    }
    if (method === 'DELETE' && p.name !== undefined && scope === 'object') return this.remove(k, p.namespace, p.name, opts, dryRun)
    return fail(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
  }

  private servesGroupVersion(group: string, version: string): boolean {
    return [...this.kinds.values()].some((k) => k.group === group && k.version === version)
  }

  private kindOf(p: { group: string; version: string; plural: string }): KindInfo | undefined {
    return this.kinds.get(kindKey(p.group, p.version, p.plural))
  }

  private isNamespace(o: KubeObject): boolean {
    return o.kind === 'Namespace' && (o.apiVersion ?? 'v1') === 'v1'
  }

  private discovery(group: string, version: string, core: boolean): unknown {
    if (core && version === '') return { kind: 'APIVersions', versions: ['v1'] }
    if (!core && group === '') {
      const groups = new Map<string, Set<string>>()
      for (const k of this.kinds.values()) if (k.group) (groups.get(k.group) ?? groups.set(k.group, new Set()).get(k.group)!).add(k.version)
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [...groups].map(([name, vs]) => ({ name, versions: [...vs].map((v) => ({ groupVersion: `${name}/${v}`, version: v })) })),
      }
    }
    const kinds = [...this.kinds.values()].filter((k) => k.group === group && (version === '' || k.version === version))
    if (kinds.length === 0) return pageNotFound()
    if (version === '') {
      const versions = [...new Set(kinds.map((k) => k.version))]
      return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v })) }
    }
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: kinds.flatMap((k) => [
        { name: k.plural, singularName: k.kind.toLowerCase(), namespaced: k.namespaced, kind: k.kind, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
        ...(k.status ? [{ name: `${k.plural}/status`, singularName: '', namespaced: k.namespaced, kind: k.kind, verbs: ['get', 'patch', 'update'] }] : []),
      ]),
    }
  }

  private notFound(k: KindInfo, name: string): never {
    return fail(404, 'NotFound', `${groupResource(k)} "${name}" not found`, { details: { name, kind: k.plural, ...(k.group ? { group: k.group } : {}) } })
  }

  private mustGet(k: KindInfo, namespace: string | undefined, name: string): KubeObject {
    const o = this.store.get(resourcePath(k, namespace, name))
    return o ?? this.notFound(k, name)
  }

  private list(k: KindInfo, namespace: string | undefined, opts: RequestOptions): unknown {
    const fieldSel = opts.query?.fieldSelector as string | undefined
    const fieldTerms = parseFieldSelector(fieldSel, k)
    const items = this.all(k)
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .filter((o) => matchesSelector(o.metadata.labels, opts.query?.labelSelector as string | undefined))
      .filter((o) => fieldTerms.every((t) => (String(getField(o, t.field) ?? '') === t.value) === t.equal))
      .sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`))
      .map((o) => structuredClone(o))
    const meta = opts.accept?.includes('PartialObjectMetadataList') === true
    if (meta) {
      return {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { resourceVersion: String(this.rv) },
        // An empty PartialObjectMetadataList comes back with "items": null, as from the real server.
        items: items.length ? items.map((o) => ({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: o.metadata })) : null,
      }
    }
    return { kind: `${k.kind}List`, apiVersion: k.group ? `${k.group}/${k.version}` : k.version, metadata: { resourceVersion: String(this.rv) }, items }
  }

  /** Namespace admission (NamespaceLifecycle): the namespace must exist, and creates into a Terminating one are refused. */
  private admitNamespace(k: KindInfo, namespace: string | undefined, name: string, creating: boolean): void {
    if (!k.namespaced || namespace === undefined) return
    const ns = this.store.get(resourcePath(R.namespaces, undefined, namespace))
    if (!ns) fail(404, 'NotFound', `namespaces "${namespace}" not found`, { details: { name: namespace, kind: 'namespaces' } })
    if (creating && ns!.metadata.deletionTimestamp) {
      const message = `unable to create new content in namespace ${namespace} because it is being terminated`
      fail(403, 'Forbidden', `${groupResource(k)} "${name}" is forbidden: ${message}`, {
        details: { name, kind: k.plural, ...(k.group ? { group: k.group } : {}) },
        causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }],
      })
    }
  }

  private validate(k: KindInfo, obj: KubeObject, creating: boolean): void {
    const causes: NonNullable<Failure['causes']> = []
    const name = obj.metadata.name
    if (creating) {
      const problem = nameProblem(k, name)
      if (problem) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: ${problem}` })
    }
    for (const [key, v] of Object.entries(obj.metadata.labels ?? {})) {
      const kp = keyProblem(key)
      if (kp) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: ${JSON.stringify(key)}: ${kp}` })
      const vp = typeof v === 'string' ? labelValueProblem(v) : 'must be a string'
      if (vp) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.labels', message: `Invalid value: ${JSON.stringify(v)}: ${vp}` })
    }
    for (const key of Object.keys(obj.metadata.annotations ?? {})) {
      const kp = keyProblem(key.toLowerCase())
      if (kp) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.annotations', message: `Invalid value: ${JSON.stringify(key)}: ${kp}` })
    }
    if (causes.length) {
      const what = `${k.kind} ${JSON.stringify(name)}`
      fail(422, 'Invalid', `${what} is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`, {
        details: { name, kind: k.kind, ...(k.group ? { group: k.group } : {}) },
        causes,
      })
    }
  }

  /** Checks a body's apiVersion, kind, name and namespace against the request, filling what is missing. */
  private checkIdentity(k: KindInfo, namespace: string | undefined, name: string | undefined, obj: KubeObject, requireTypeMeta: boolean): void {
    const apiVersion = k.group ? `${k.group}/${k.version}` : k.version
    if (requireTypeMeta && (!obj.apiVersion || !obj.kind)) {
      const gv = obj.apiVersion ? (obj.apiVersion.includes('/') ? obj.apiVersion : `/${obj.apiVersion}`) : '/'
      fail(400, 'BadRequest', `invalid object type: ${gv}, Kind=${obj.kind ?? ''}`)
    }
    if ((obj.apiVersion && obj.apiVersion !== apiVersion) || (obj.kind && obj.kind !== k.kind)) {
      fail(400, 'BadRequest', `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`)
    }
    obj.apiVersion = apiVersion
    obj.kind = k.kind
    if (name !== undefined && obj.metadata.name !== undefined && obj.metadata.name !== name) {
      fail(400, 'BadRequest', `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`)
    }
    if (name !== undefined) obj.metadata.name = name
    if (k.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== namespace) {
        fail(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request')
      }
      obj.metadata.namespace = namespace!
    } else delete obj.metadata.namespace
  }

  private managerOf(opts: RequestOptions): string {
    const m = opts.query?.fieldManager
    return typeof m === 'string' && m !== '' ? m : 'dbaas'
  }

  private create(k: KindInfo, namespace: string | undefined, body: KubeObject, opts: RequestOptions, dryRun: boolean): unknown {
    if (!isMap(body) || !isMap(body.metadata)) return fail(400, 'BadRequest', 'the body of the request does not contain an object')
    const obj = structuredClone(body)
    this.checkIdentity(k, namespace, undefined, obj, false)
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${randomSuffix()}`
    if (!obj.metadata.name) return fail(422, 'Invalid', `${k.kind} "" is invalid: metadata.name: Required value: name or generateName is required`, { causes: [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }] })
    if (obj.metadata.resourceVersion) return fail(500, 'InternalError', 'Internal error occurred: resourceVersion should not be set on objects to be created')
    this.admitNamespace(k, obj.metadata.namespace, obj.metadata.name, true)
    if (k.crd && this.crdTerminating(k)) return fail(405, 'MethodNotAllowed', `create not allowed while custom resource definition is terminating`)
    this.validate(k, obj, true)
    const key = resourcePath(k, obj.metadata.namespace, obj.metadata.name)
    if (this.store.has(key)) {
      return fail(409, 'AlreadyExists', `${groupResource(k)} "${obj.metadata.name}" already exists`, { details: { name: obj.metadata.name, kind: k.plural, ...(k.group ? { group: k.group } : {}) } })
    }
    const created = this.prepareCreate(k, obj)
    const entries: ManagerEntry[] = []
    this.recordUpdate(entries, k, {} as KubeObject, created, this.managerOf(opts), 'object')
    return this.commitCreate(k, key, created, entries, dryRun)
  }

  /** What the server sets on every new object; status dropped where /status is its own subresource. */
  private prepareCreate(k: KindInfo, obj: KubeObject): KubeObject {
    const meta = obj.metadata as KubeObject['metadata'] & { managedFields?: unknown; deletionGracePeriodSeconds?: unknown }
    delete meta.deletionTimestamp
    delete meta.deletionGracePeriodSeconds
    delete meta.managedFields
    delete meta.generation
    if (obj.kind === 'Secret') normaliseSecret(obj)
    if (k.status) delete obj.status
    if (k.group === '' && k.plural === 'namespaces') {
      obj.spec = { finalizers: ['kubernetes'] }
      obj.status = { phase: 'Active' }
    }
    if (k.group === '' && k.plural === 'pods') obj.status = { phase: 'Pending' }
    if (k.group === 'apiextensions.k8s.io' && k.plural === 'customresourcedefinitions') {
      if (kindsOfCrd(obj).length === 0) fail(422, 'Invalid', `CustomResourceDefinition.apiextensions.k8s.io "${obj.metadata.name}" is invalid: spec: Required value`, { causes: [{ reason: 'FieldValueRequired', field: 'spec' }] })
      const s = obj.spec as { group: string; names: { plural: string } }
      if (obj.metadata.name !== `${s.names.plural}.${s.group}`) {
        fail(422, 'Invalid', `CustomResourceDefinition.apiextensions.k8s.io "${obj.metadata.name}" is invalid: metadata.name: Invalid value: "${obj.metadata.name}": must be spec.names.plural+"."+spec.group`, {
          causes: [{ reason: 'FieldValueInvalid', field: 'metadata.name' }],
        })
      }
      obj.status = { conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }], acceptedNames: obj.spec.names }
    }
    return obj
  }

  private commitCreate(k: KindInfo, key: string, obj: KubeObject, entries: ManagerEntry[], dryRun: boolean): KubeObject {
    const now = new Date(this.clock()).toISOString()
    obj.metadata.uid = `uid-${this.rv + 1}-${randomSuffix()}`
    obj.metadata.creationTimestamp = now
    if (k.generation) obj.metadata.generation = 1
    writeManagers(obj, entries)
    if (dryRun) return structuredClone(obj)
    obj.metadata.resourceVersion = String(++this.rv)
    this.store.set(key, obj)
    if (k.group === 'apiextensions.k8s.io' && k.plural === 'customresourcedefinitions') this.installFrom(obj)
    return structuredClone(obj)
  }

  private crdTerminating(k: KindInfo): boolean {
    const crd = k.crd ? this.store.get(resourcePath(R.crds, undefined, k.crd)) : undefined
    return crd?.metadata.deletionTimestamp !== undefined
  }

  /** Ownership of a non-apply write: the writer's Update entry gains what changed; others lose it. */
  private recordUpdate(entries: ManagerEntry[], k: KindInfo, before: KubeObject, after: KubeObject, manager: string, scope: Scope): void {
    const was = ownedLeaves(before, scope, k)
    const now = ownedLeaves(after, scope, k)
    const changed = new Set<Path>()
    for (const [p, v] of now) if (!was.has(p) || !deepEqual(was.get(p), v)) changed.add(p)
    const removed = [...was.keys()].filter((p) => !now.has(p))
    if (changed.size === 0 && removed.length === 0) return
    const sub = scope === 'status' ? 'status' : undefined
    for (const e of entries) {
      if (sameEntry(e, manager, 'Update', sub)) continue
      for (const p of [...changed, ...removed]) e.fields.delete(p)
    }
    let mine = entries.find((e) => sameEntry(e, manager, 'Update', sub))
    if (!mine) {
      mine = { manager, operation: 'Update', ...(sub ? { subresource: sub } : {}), apiVersion: apiVersionOf(k), time: '', fields: new Set() }
      entries.push(mine)
    }
    for (const p of changed) mine.fields.add(p)
    for (const p of removed) mine.fields.delete(p)
    mine.time = new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }

  /** PUT, merge patch (and strategic merge patch on built-in kinds, approximated as a merge patch). */
  private update(k: KindInfo, namespace: string | undefined, name: string, scope: Scope, opts: RequestOptions, dryRun: boolean): unknown {
    const key = resourcePath(k, namespace, name)
    const live = this.store.get(key)
    if (!live) return this.notFound(k, name)
    const body = opts.body as KubeObject
    if (!isMap(body)) return fail(400, 'BadRequest', 'the body of the request does not contain an object')
    let proposed: KubeObject
    if (opts.contentType === MERGE || opts.contentType === STRATEGIC) {
      proposed = mergePatch(live, body) as KubeObject
      if (!isMap(proposed.metadata)) return fail(400, 'BadRequest', 'metadata must be an object')
    } else {
      proposed = structuredClone(body)
      if (!isMap(proposed.metadata)) return fail(400, 'BadRequest', 'the body of the request does not contain an object')
      this.checkIdentity(k, namespace, name, proposed, false)
      if (!proposed.metadata.resourceVersion && k.crd) {
        return fail(422, 'Invalid', `${k.kind}.${k.group} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`, {
          causes: [{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion' }],
        })
      }
      proposed.metadata.resourceVersion ??= live.metadata.resourceVersion
    }
    this.checkIdentity(k, namespace, name, proposed, false)
    if (proposed.metadata.resourceVersion !== live.metadata.resourceVersion) this.conflict(k, name)
    const next = this.prepareUpdate(k, live, proposed, scope)
    const entries = readManagers(live)
    this.recordUpdate(entries, k, live, next, this.managerOf(opts), scope)
    return this.commitUpdate(k, key, live, next, entries, dryRun)
  }

  private conflict(k: KindInfo, name: string): never {
    return fail(409, 'Conflict', `Operation cannot be fulfilled on ${groupResource(k)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {
      details: { name, kind: k.plural, ...(k.group ? { group: k.group } : {}) },
    })
  }

  /** The object as stored after a write: status or everything-but-status kept from live, system metadata kept. */
  private prepareUpdate(k: KindInfo, live: KubeObject, proposed: KubeObject, scope: Scope): KubeObject {
    let next: KubeObject
    if (k.status && scope === 'status') {
      next = structuredClone(live)
      if (proposed.status !== undefined) next.status = structuredClone(proposed.status)
      else delete next.status
    } else {
      next = structuredClone(proposed)
      if (k.status) {
        if (live.status !== undefined) next.status = structuredClone(live.status)
        else delete next.status
      }
    }
    const m = meta(next)
    const l = meta(live)
    for (const f of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'managedFields', 'resourceVersion'] as const) {
      if (l[f] !== undefined) (m as Record<string, unknown>)[f] = structuredClone(l[f])
      else delete m[f]
    }
    m.name = l.name
    if (k.namespaced) m.namespace = l.namespace!
    if (next.kind === 'Secret') normaliseSecret(next)
    if (k.group === '' && k.plural === 'namespaces' && scope === 'object') next.spec = structuredClone(live.spec)
    if (l.deletionTimestamp) {
      const had = new Set(l.finalizers ?? [])
      const added = (m.finalizers ?? []).filter((f) => !had.has(f))
      if (added.length) {
        fail(422, 'Invalid', `${k.kind} "${l.name}" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`, {
          causes: [{ reason: 'FieldValueForbidden', field: 'metadata.finalizers' }],
        })
      }
    }
    this.validate(k, next, false)
    return next
  }

  private commitUpdate(k: KindInfo, key: string, live: KubeObject, next: KubeObject, entries: ManagerEntry[], dryRun: boolean): KubeObject {
    writeManagers(next, entries)
    const strip = (o: KubeObject) => {
      const c = structuredClone(o) as KubeObject & { metadata: { managedFields?: Array<Record<string, unknown>> } }
      const owners = (c.metadata.managedFields ?? []).map(({ time: _time, ...rest }) => rest)
      delete c.metadata.managedFields
      return { object: c, owners }
    }
    // A write that changes nothing (ownership timestamps aside) keeps the resourceVersion and is not stored.
    if (deepEqual(strip(live), strip(next))) return structuredClone(live)
    if (k.generation && changedOutsideMetadata(k, live, next)) next.metadata.generation = (live.metadata.generation ?? 0) + 1
    if (dryRun) return structuredClone(next)
    next.metadata.resourceVersion = String(++this.rv)
    this.store.set(key, next)
    if (k.group === 'apiextensions.k8s.io' && k.plural === 'customresourcedefinitions') this.installFrom(next)
    this.removeIfFinalized(key, next)
    return structuredClone(next)
  }

  /** Server-side apply: ownership by field manager, conflicts, removal of what the applier stopped sending. */
  private apply(k: KindInfo, namespace: string | undefined, name: string, scope: Scope, opts: RequestOptions, dryRun: boolean): unknown {
    const manager = opts.query?.fieldManager
    if (typeof manager !== 'string' || manager === '') {
      return fail(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch', {
        details: { group: 'meta.k8s.io', kind: 'PatchOptions' },
        causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }],
      })
    }
    const force = opts.query?.force === true || opts.query?.force === 'true'
    const body = opts.body as KubeObject
    if (!isMap(body) || !isMap(body.metadata)) return fail(400, 'BadRequest', 'the body of the request does not contain an object')
    const config = structuredClone(body)
    this.checkIdentity(k, namespace, name, config, true)
    if (config.kind === 'Secret') normaliseSecret(config)
    const key = resourcePath(k, namespace, name)
    const live = this.store.get(key)
    const sub = scope === 'status' ? 'status' : undefined
    const cfgLeaves = ownedLeaves(config, scope, k)

    if (!live) {
      if (scope === 'status') return this.notFound(k, name)
      if (config.metadata.resourceVersion) return this.conflict(k, name)
      this.admitNamespace(k, namespace, name, true)
      if (k.crd && this.crdTerminating(k)) return fail(405, 'MethodNotAllowed', 'create not allowed while custom resource definition is terminating')
      this.validate(k, config, true)
      const created = this.prepareCreate(k, structuredClone(config))
      const entries: ManagerEntry[] = [{ manager, operation: 'Apply', apiVersion: apiVersionOf(k), time: this.managedTime(), fields: new Set(ownedLeaves(created, scope, k).keys()) }]
      return this.commitCreate(k, key, created, entries, dryRun)
    }

    if (config.metadata.resourceVersion && config.metadata.resourceVersion !== live.metadata.resourceVersion) this.conflict(k, name)
    const entries = readManagers(live)
    const mine = entries.find((e) => sameEntry(e, manager, 'Apply', sub))
    const conflicts: Array<{ manager: string; path: Path }> = []
    for (const [p, v] of cfgLeaves) {
      if (deepEqual(getAt(live, p), v)) continue
      for (const e of entries) if (e !== mine && e.fields.has(p)) conflicts.push({ manager: e.manager, path: p })
    }
    if (conflicts.length && !force) {
      const byManager = new Map<string, Path[]>()
      for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.path])
      const lines = [...byManager].map(([m, ps]) =>
        ps.length === 1 ? `conflict with ${JSON.stringify(m)}: ${printPath(ps[0]!)}` : `conflicts with ${JSON.stringify(m)}:\n${ps.map((p) => `- ${printPath(p)}`).join('\n')}`,
      )
      const n = conflicts.length
      return fail(409, 'Conflict', `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${lines.join('\n')}`, {
        details: { name, kind: k.plural, ...(k.group ? { group: k.group } : {}) },
        causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${JSON.stringify(c.manager)}`, field: printPath(c.path) })),
      })
    }
    for (const c of conflicts) for (const e of entries) if (e !== mine && e.manager === c.manager) e.fields.delete(c.path)

    const proposed = structuredClone(live) as KubeObject & Record<string, unknown>
    for (const [p, v] of cfgLeaves) setAt(proposed, p, v)
    for (const p of mine?.fields ?? []) {
      if (cfgLeaves.has(p)) continue
      if (entries.some((e) => e !== mine && e.fields.has(p))) continue
      deleteAt(proposed, p)
    }
    const applied: ManagerEntry = { manager, operation: 'Apply', ...(sub ? { subresource: sub } : {}), apiVersion: apiVersionOf(k), time: this.managedTime(), fields: new Set(cfgLeaves.keys()) }
    const rest = entries.filter((e) => e !== mine)
    const next = this.prepareUpdate(k, live, proposed, scope)
    return this.commitUpdate(k, key, live, next, [...rest, applied], dryRun)
  }

  private managedTime(): string {
    return new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }

  private remove(k: KindInfo, namespace: string | undefined, name: string, opts: RequestOptions, dryRun: boolean): unknown {
    const key = resourcePath(k, namespace, name)
    const live = this.store.get(key)
    if (!live) return this.notFound(k, name)
    const pre = (opts.body as { preconditions?: { resourceVersion?: string; uid?: string } } | undefined)?.preconditions
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== live.metadata.resourceVersion) {
      return fail(409, 'Conflict', `Operation cannot be fulfilled on ${k.kind} "${name}": the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${live.metadata.resourceVersion}). The object might have been modified`)
    }
    if (pre?.uid !== undefined && pre.uid !== live.metadata.uid) {
      return fail(409, 'Conflict', `Operation cannot be fulfilled on ${k.kind} "${name}": the UID in the precondition (${pre.uid}) does not match the UID in record (${live.metadata.uid}). The object might have been replaced`)
    }
    if (dryRun) return structuredClone(live)
    const gone = this.deleteNow(k, live)
    return gone
      ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, kind: k.plural, ...(k.group ? { group: k.group } : {}), uid: live.metadata.uid } }
      : structuredClone(this.store.get(key))
  }

  /** Deletes at once, or marks for deletion while finalizers remain. Returns whether the object is gone. */
  private deleteNow(k: KindInfo, live: KubeObject): boolean {
    const key = resourcePath(k, live.metadata.namespace, live.metadata.name)
    const isNs = k.group === '' && k.plural === 'namespaces'
    const isCrd = k.group === 'apiextensions.k8s.io' && k.plural === 'customresourcedefinitions'
    const finalizers = meta(live).finalizers ?? []
    if (!isNs && !isCrd && finalizers.length === 0) {
      this.store.delete(key)
      return true
    }
    if (live.metadata.deletionTimestamp) return false
    live.metadata.deletionTimestamp = new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z')
    meta(live).deletionGracePeriodSeconds = 0
    if (isNs) {
      live.spec = { finalizers: ['kubernetes'], ...(live.spec ?? {}) }
      live.status = { ...(live.status ?? {}), phase: 'Terminating' }
    }
    if (isCrd) meta(live).finalizers = [...new Set([...finalizers, 'customresourcecleanup.apiextensions.k8s.io'])]
    if (k.generation) live.metadata.generation = (live.metadata.generation ?? 0) + 1
    live.metadata.resourceVersion = String(++this.rv)
    return false
  }

  /** An object marked for deletion goes once its last finalizer is removed (a namespace: also spec.finalizers). */
  private removeIfFinalized(key: string, obj: KubeObject): void {
    if (!obj.metadata.deletionTimestamp) return
    if ((meta(obj).finalizers ?? []).length > 0) return
    if (this.isNamespace(obj) && ((obj.spec?.finalizers as string[] | undefined) ?? []).length > 0) return
    this.store.delete(key)
    if (obj.kind === 'CustomResourceDefinition') for (const k of kindsOfCrd(obj)) this.kinds.delete(kindKey(k.group, k.version, k.plural))
  }

  /** A seeded CRD named like one dbaas knows may leave its spec out: it gets the real one's shape. */
  private completeKnownCrd(obj: KubeObject): void {
    if (obj.spec?.group) return
    const known = Object.values(KNOWN_CRDS).find((k) => crdName(k) === obj.metadata.name)
    if (!known) throw new Error(`seed: CRD ${obj.metadata.name} has no spec.group and is not one of KNOWN_CRDS; give its spec (crdObject())`)
    const full = crdObject(known).spec as { versions: Array<Record<string, unknown>> }
    // Versions the seed names keep their served/storage flags; served ones get the real CRD's subresources.
    const versions = (obj.spec?.versions as Array<Record<string, unknown>> | undefined)?.map((v) =>
      v.served === false ? v : { ...v, ...(known.status ? { subresources: { status: {} } } : {}) },
    )
    obj.spec = { ...full, ...(obj.spec ?? {}), versions: versions ?? full.versions }
  }

  private installFrom(crd: KubeObject): void {
    for (const k of kindsOfCrd(crd)) this.kinds.set(kindKey(k.group, k.version, k.plural), k)
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
    const k = p && this.kindOf(p)
    if (!k || (p.namespace !== undefined && !k.namespaced)) {
      const served = p !== undefined && this.servesGroupVersion(p.group, p.version)
      throw this.error(served ? { code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' } : { code: 404, raw: PAGE_NOT_FOUND }, 'GET', path)
    }
    try {
      parseFieldSelector(opts.query?.fieldSelector as string | undefined, k)
    } catch (err) {
      if (err instanceof HttpFailure) throw this.error(err.failure, 'GET', path)
      throw err
    }
    for (const ev of this.watchEvents.splice(0)) {
      onChunk(Buffer.from(`${JSON.stringify(ev)}\n`))
      if (opts.signal?.aborted) return
    }
    // Stays open like a real watch until the caller aborts (a timeout or Ctrl-C).
    if (!opts.signal) return
    if (opts.signal.aborted) return
    this.openStreams++
    try {
      await new Promise<void>((resolve) => opts.signal!.addEventListener('abort', () => resolve(), { once: true }))
    } finally {
      this.openStreams--
    }
  }
}

function apiVersionOf(k: KindInfo): string {
  return k.group ? `${k.group}/${k.version}` : k.version
}

function changedOutsideMetadata(k: KindInfo, a: KubeObject, b: KubeObject): boolean {
  const rest = (o: KubeObject) => Object.fromEntries(Object.entries(o).filter(([key]) => key !== 'metadata' && !(k.status && key === 'status')))
  return !deepEqual(rest(a), rest(b))
}

interface FieldTerm {
  field: string
  value: string
  equal: boolean
}

/** A field selector's terms; a field the server does not index for this kind is a 400, as on the server. */
function parseFieldSelector(sel: string | undefined, k: KindInfo): FieldTerm[] {
  if (!sel) return []
  return sel
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((term) => {
      const m = /^([^!=]+)(!=|==|=)(.*)$/.exec(term)
      if (!m) return fail(400, 'BadRequest', `invalid field selector: ${term}`)
      const field = m[1]!.trim()
      if (field !== 'metadata.name' && field !== 'metadata.namespace' && !(k.fields ?? []).includes(field)) {
        return fail(400, 'BadRequest', `field label not supported: ${field}`)
      }
      return { field, value: m[3]!.trim(), equal: m[2] !== '!=' }
    })
}

function getField(obj: KubeObject, field: string): unknown {
  return field.split('.').reduce<unknown>((o, p) => (isMap(o) ? o[p] : undefined), obj)
}

const randomSuffix = () => Math.random().toString(36).slice(2, 7).padEnd(5, 'x')

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch)
  const out: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(structuredClone(target) as Record<string, unknown>) } : {}
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v)
  }
  return out
}

function typeMatches(p: Parsed | undefined, r: ResourceType): boolean {
  return p !== undefined && p.group === r.group && p.version === r.version && p.plural === r.plural && p.subresource === undefined && p.name !== undefined
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
