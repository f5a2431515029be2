// Cluster objects as dbaas writes them, for seeding a FakeTransport.
import type { KubeObject } from '../../src/k8s/kube.ts'
import type { Namespace, Pod, Secret, StatefulSet, StorageClass } from '../../src/k8s/types.ts'
import { ANN, Kinds, identityLabels, withKind } from '../../src/k8s/labels.ts'

export interface Ident {
  name: string
  namespace?: string
  engine?: string
  version?: string
}

function ident(i: Ident) {
  return { name: i.name, namespace: i.namespace ?? `dbaas-${i.name}`, engine: i.engine ?? 'postgresql', version: i.version ?? '18' }
}

export function statefulSet(i: Ident & { replicas?: number; ready?: number; created?: string; deleting?: boolean; annotations?: Record<string, string> }): StatefulSet {
  const id = ident(i)
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: id.name,
      namespace: id.namespace,
      labels: withKind(identityLabels(id), Kinds.instance),
      annotations: { [ANN.storage]: '10Gi', [ANN.database]: 'app', [ANN.user]: 'app', ...(i.annotations ?? {}) },
      ...(i.created ? { creationTimestamp: i.created } : {}),
      ...(i.deleting ? { deletionTimestamp: '2026-11-25T11:59:00Z' } : {}),
    },
    spec: { replicas: i.replicas ?? 1 },
    status: { readyReplicas: i.ready ?? 0 },
  } as unknown as StatefulSet
}

export function credentials(i: Ident & { password?: string; created?: string }): Secret {
  const id = ident(i)
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: `${id.name}-credentials`,
      namespace: id.namespace,
      labels: withKind(identityLabels(id), Kinds.credentials),
      annotations: { [ANN.database]: 'app', [ANN.user]: 'app' },
      ...(i.created ? { creationTimestamp: i.created } : {}),
    },
    data: { username: b64('app'), password: b64(i.password ?? 's3cr3t-Pa55word'), database: b64('app') },
  }
}

/** A helm release storage Secret (owner=helm) carrying dbaas's release labels. */
export function release(i: Ident & { status?: string; revision?: number; modifiedAt?: number }): Secret {
  const id = ident(i)
  const rev = i.revision ?? 1
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'helm.sh/release.v1',
    metadata: {
      name: `sh.helm.release.v1.${id.name}.v${rev}`,
      namespace: id.namespace,
      labels: {
        ...withKind(identityLabels(id), Kinds.release),
        owner: 'helm',
        name: id.name,
        status: i.status ?? 'deployed',
        version: String(rev),
        ...(i.modifiedAt !== undefined ? { modifiedAt: String(i.modifiedAt) } : {}),
      },
    },
  }
}

export function pod(i: Ident & { index?: number; ready?: boolean; waiting?: string }): Pod & { status: NonNullable<Pod['status']> } {
  const id = ident(i)
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${id.name}-${i.index ?? 0}`, uid: `uid-${id.name}-${i.index ?? 0}`, namespace: id.namespace, labels: withKind(identityLabels(id), Kinds.pod) },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: i.ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'db', restartCount: 0, state: i.waiting ? { waiting: { reason: i.waiting } } : { running: {} } }],
    },
  } as unknown as Pod & { status: NonNullable<Pod['status']> }
}

/**
 * A Namespace. `instance` makes it one dbaas created for that instance (identity labels and the
 * namespace-created annotation), as `dbaas create` does for dbaas-<name>.
 */
export function namespace(name: string, o: { instance?: Ident; labels?: Record<string, string>; terminating?: boolean } = {}): Namespace {
  const id = o.instance ? ident(o.instance) : undefined
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      ...(id || o.labels ? { labels: { ...(id ? withKind(identityLabels(id), Kinds.namespace) : {}), ...(o.labels ?? {}) } } : {}),
      ...(id ? { annotations: { [ANN.namespaceCreated]: 'true' } } : {}),
      ...(o.terminating ? { deletionTimestamp: '2026-11-25T11:00:00Z' } : {}),
    },
  }
}

export function storageClass(name: string, isDefault = false): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  } as unknown as StorageClass
}
