// The cluster operations dbaas needs, over a Transport. Paths are built here and nowhere else; the core
// works with plain objects (KubeObject) and never sees HTTP.
import type { RequestOptions, Transport } from './http.ts'
import { isApiNotFound } from './errors.ts'
import type {
  ConfigMap,
  CustomResourceDefinition,
  Deployment,
  Event,
  KubeObject,
  Lease,
  Namespace,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Secret,
  Service,
  StatefulSet,
  StorageClass,
  VolumeSnapshot,
  VolumeSnapshotClass,
  VolumeSnapshotContent,
} from './types.ts'

export type { KubeObject, ObjectMeta } from './types.ts'

export interface KubeList<T = KubeObject> {
  metadata: { resourceVersion?: string; continue?: string }
  items: T[]
}

export interface WatchEvent<T = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  object: T
}

export interface ListOptions {
  labelSelector?: string | undefined
  fieldSelector?: string | undefined
  limit?: number | undefined
  /** Ask only for metadata (PartialObjectMetadataList): cheap, and never carries a Secret's data. */
  metadataOnly?: boolean
}

export type DryRun = 'none' | 'client' | 'server'

/** Where a kind lives in the API; T is the object type its reads return (a type only, nothing at run time). */
export interface ResourceType<T extends KubeObject = KubeObject> {
  group: string // '' for core
  version: string
  plural: string
  kind: string
  namespaced: boolean
  /** Never set: carries T for the type checker. */
  readonly __type?: T
}

/** A resource type whose reads return T. */
export function resource<T extends KubeObject>(r: Omit<ResourceType<T>, '__type'>): ResourceType<T> {
  return r
}

export const R = {
  namespaces: resource<Namespace>({ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false }),
  secrets: resource<Secret>({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true }),
  services: resource<Service>({ group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true }),
  pods: resource<Pod>({ group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true }),
  pvcs: resource<PersistentVolumeClaim>({ group: '', version: 'v1', plural: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', namespaced: true }),
  pvs: resource<PersistentVolume>({ group: '', version: 'v1', plural: 'persistentvolumes', kind: 'PersistentVolume', namespaced: false }),
  events: resource<Event>({ group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true }),
  configmaps: resource<ConfigMap>({ group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true }),
  statefulSets: resource<StatefulSet>({ group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true }),
  deployments: resource<Deployment>({ group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true }),
  storageClasses: resource<StorageClass>({ group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', kind: 'StorageClass', namespaced: false }),
  leases: resource<Lease>({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true }),
  crds: resource<CustomResourceDefinition>({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false }),
  volumeSnapshots: resource<VolumeSnapshot>({ group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots', kind: 'VolumeSnapshot', namespaced: true }),
  volumeSnapshotContents: resource<VolumeSnapshotContent>({ group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshotcontents', kind: 'VolumeSnapshotContent', namespaced: false }),
  volumeSnapshotClasses: resource<VolumeSnapshotClass>({ group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshotclasses', kind: 'VolumeSnapshotClass', namespaced: false }),
}

/** Finds the resource type of a rendered manifest's apiVersion/kind among the kinds dbaas sends. */
export function resourceFor(apiVersion: string, kind: string): ResourceType | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  return Object.values(R).find((r) => r.kind === kind && r.group === group && r.version === version) as ResourceType | undefined
}

export function resourcePath(r: ResourceType<KubeObject>, namespace?: string, name?: string): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''
  return `${base}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}`
}

const metadataAccept = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json'

export interface AccessCheck {
  verb: string
  group?: string
  resource: string
  subresource?: string
  namespace?: string
}

export class Kube {
  readonly transport: Transport
  /** The namespace of the kubeconfig context (for fall-backs when cluster-wide access is refused). */
  readonly contextNamespace: string

  constructor(transport: Transport, contextNamespace: string) {
    this.transport = transport
    this.contextNamespace = contextNamespace
  }

  get server(): string {
    return this.transport.server
  }

  async get<T extends KubeObject>(r: ResourceType<T>, namespace: string | undefined, name: string): Promise<T> {
    return this.transport.request<T>('GET', resourcePath(r, namespace, name))
  }

  /** Like get, but undefined when the object does not exist. */
  async find<T extends KubeObject>(r: ResourceType<T>, namespace: string | undefined, name: string): Promise<T | undefined> {
    try {
      return await this.get<T>(r, namespace, name)
    } catch (err) {
      if (isApiNotFound(err)) return undefined
      throw err
    }
  }

  /** Lists in one namespace, or across all namespaces when namespace is undefined. One request. */
  async list<T extends KubeObject>(r: ResourceType<T>, namespace: string | undefined, opts: ListOptions = {}): Promise<KubeList<T>> {
    const list = await this.transport.request<KubeList<T>>('GET', resourcePath(r, namespace), {
      query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit },
      ...(opts.metadataOnly ? { accept: metadataAccept } : {}),
    })
    // An empty PartialObjectMetadataList comes back with "items": null.
    return { metadata: list?.metadata ?? {}, items: list?.items ?? [] }
  }

  async create<T extends KubeObject>(r: ResourceType<T>, obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<T> {
    return this.transport.request<T>('POST', resourcePath(r, obj.metadata.namespace), {
      body: obj,
      query: { dryRun: opts.dryRun ? 'All' : undefined, fieldManager: 'dbaas' },
    })
  }

  /** Server-side apply with field manager dbaas. */
  async apply<T extends KubeObject>(r: ResourceType<T>, obj: KubeObject, opts: { dryRun?: boolean; force?: boolean } = {}): Promise<T> {
    return this.transport.request<T>('PATCH', resourcePath(r, obj.metadata.namespace, obj.metadata.name), {
      body: obj,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: 'dbaas', force: opts.force ?? true, dryRun: opts.dryRun ? 'All' : undefined },
    })
  }

  async mergePatch<T extends KubeObject>(
    r: ResourceType<T>,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    opts: { subresource?: string } = {},
  ): Promise<T> {
    const path = resourcePath(r, namespace, name) + (opts.subresource ? `/${opts.subresource}` : '')
    return this.transport.request<T>('PATCH', path, {
      body: patch,
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'dbaas' },
    })
  }

  async delete<T extends KubeObject>(
    r: ResourceType<T>,
    namespace: string | undefined,
    name: string,
    opts: { dryRun?: boolean; propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; resourceVersion?: string | undefined } = {},
  ): Promise<void> {
    // The API server takes a DELETE's options from its body when there is one, ignoring the query: dryRun
    // must be in the body too, or a "dry run" deletes for real. A resourceVersion is a precondition: the
    // object is deleted only as it was at that version (409 otherwise).
    await this.transport.request('DELETE', resourcePath(r, namespace, name), {
      body: {
        kind: 'DeleteOptions',
        apiVersion: 'v1',
        propagationPolicy: opts.propagationPolicy ?? 'Background',
        ...(opts.dryRun ? { dryRun: ['All'] } : {}),
        ...(opts.resourceVersion ? { preconditions: { resourceVersion: opts.resourceVersion } } : {}),
      },
    })
  }

  /** Deletes, treating "already gone" as success. Returns whether something was deleted. */
  async deleteIfExists<T extends KubeObject>(r: ResourceType<T>, namespace: string | undefined, name: string, opts: { dryRun?: boolean } = {}): Promise<boolean> {
    try {
      await this.delete(r, namespace, name, opts)
      return true
    } catch (err) {
      if (isApiNotFound(err)) return false
      throw err
    }
  }

  /**
   * Watches from a resourceVersion, calling onEvent for each event until the server closes the stream,
   * the signal aborts, or onEvent returns true. Resolves with true when onEvent asked to stop.
   */
  async watch<T extends KubeObject>(
    r: ResourceType<T>,
    namespace: string | undefined,
    opts: ListOptions & { resourceVersion?: string; timeoutSeconds?: number; signal?: AbortSignal },
    onEvent: (ev: WatchEvent<T>) => boolean | void,
  ): Promise<boolean> {
    const ctrl = new AbortController()
    const onAbort = () => ctrl.abort()
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    // A signal aborted before the watch starts never fires its event: the watch must not open at all.
    if (opts.signal?.aborted) ctrl.abort()
    let buf = ''
    let stopped = false
    let failure: unknown
    const req: RequestOptions = {
      query: {
        watch: 1,
        allowWatchBookmarks: true,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        timeoutSeconds: opts.timeoutSeconds ?? 300,
      },
      timeoutMs: 0,
      signal: ctrl.signal,
    }
    try {
      await this.transport.stream(resourcePath(r, namespace), req, (chunk) => {
        if (stopped) return
        buf += chunk.toString('utf8')
        let nl: number
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim()
          buf = buf.slice(nl + 1)
          if (!line) continue
          try {
            const ev = JSON.parse(line) as WatchEvent<T>
            if (ev.type === 'ERROR') {
              failure = Object.assign(new Error('watch expired'), { watchStatus: ev.object })
            } else if (onEvent(ev) !== true) {
              continue
            }
          } catch (err) {
            // A throw from onEvent (a terminal state) ends the watch and reaches the caller.
            failure = err
          }
          stopped = true
          ctrl.abort()
          return
        }
      })
    } finally {
      opts.signal?.removeEventListener('abort', onAbort)
    }
    if (failure !== undefined) throw failure
    return stopped
  }

  /** Which of these actions the current user may not perform (SelfSubjectAccessReview, in parallel). */
  async denied(checks: AccessCheck[]): Promise<AccessCheck[]> {
    const results = await Promise.all(
      checks.map(async (c) => {
        const review = await this.transport.request<{ status?: { allowed?: boolean } }>(
          'POST',
          '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
          {
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: {
                resourceAttributes: {
                  verb: c.verb,
                  group: c.group ?? '',
                  resource: c.resource,
                  ...(c.subresource ? { subresource: c.subresource } : {}),
                  ...(c.namespace ? { namespace: c.namespace } : {}),
                },
              },
            },
          },
        )
        return review.status?.allowed === true ? undefined : c
      }),
    )
    return results.filter((c): c is AccessCheck => c !== undefined)
  }

  async serverVersion(): Promise<string> {
    const v = await this.transport.request<{ gitVersion?: string }>('GET', '/version')
    return v.gitVersion ?? 'unknown'
  }

  /** Streams a pod's container log. */
  async logs(
    namespace: string,
    pod: string,
    opts: { container?: string; follow?: boolean; sinceSeconds?: number; tailLines?: number; previous?: boolean; signal?: AbortSignal },
    onChunk: (chunk: Buffer) => void,
  ): Promise<void> {
    await this.transport.stream(
      `${resourcePath(R.pods, namespace, pod)}/log`,
      {
        query: {
          container: opts.container,
          follow: opts.follow || undefined,
          sinceSeconds: opts.sinceSeconds,
          tailLines: opts.tailLines,
          previous: opts.previous || undefined,
        },
        accept: '*/*',
        timeoutMs: 0,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      onChunk,
    )
  }
}
