// The Kubernetes objects dbaas reads and writes, typed. Built-in kinds come from @kubernetes/client-node's
// generated models (`import type`: nothing of the library is loaded at run time) as they arrive on the wire —
// JSON, so the models' Date fields are RFC 3339 strings here. The custom resources dbaas uses (CSI snapshots,
// CloudNativePG) are described below with the fields dbaas reads.
import type {
  CoreV1Event,
  V1ConfigMap,
  V1CustomResourceDefinition,
  V1Deployment,
  V1Lease,
  V1Namespace,
  V1ObjectMeta,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
  V1Service,
  V1StatefulSet,
  V1StorageClass,
} from '@kubernetes/client-node'

/** A model as JSON carries it: Dates (and their subclasses) are strings. */
export type Wire<T> = T extends Date
  ? string
  : T extends Array<infer U>
    ? Array<Wire<U>>
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T

export type ObjectMeta = Wire<V1ObjectMeta> & { name: string }

/** Any object: its metadata is known, the rest is whatever its kind says. */
export interface KubeObject {
  apiVersion?: string | undefined
  kind?: string | undefined
  metadata: ObjectMeta
  [key: string]: unknown
}

/** A built-in kind, with the name dbaas always has. */
type Kind<T extends { metadata?: V1ObjectMeta }> = Omit<Wire<T>, 'metadata'> & { metadata: ObjectMeta }

export type Namespace = Kind<V1Namespace>
export type Secret = Kind<V1Secret>
export type ConfigMap = Kind<V1ConfigMap>
export type Service = Kind<V1Service>
export type Pod = Kind<V1Pod>
export type PersistentVolumeClaim = Kind<V1PersistentVolumeClaim>
export type PersistentVolume = Kind<V1PersistentVolume>
export type Event = Kind<CoreV1Event>
export type StatefulSet = Kind<V1StatefulSet>
export type Deployment = Kind<V1Deployment>
export type StorageClass = Kind<V1StorageClass>
export type Lease = Kind<V1Lease>
export type CustomResourceDefinition = Kind<V1CustomResourceDefinition>

// ---- CSI snapshots (snapshot.storage.k8s.io/v1) ----

export interface VolumeSnapshot extends KubeObject {
  spec?: {
    source?: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string }
    volumeSnapshotClassName?: string
  }
  status?: {
    boundVolumeSnapshotContentName?: string
    creationTime?: string
    readyToUse?: boolean
    /** A quantity string ("10Gi"); absent until the driver reports one. */
    restoreSize?: string
    error?: { time?: string; message?: string }
  }
}

export interface VolumeSnapshotContent extends KubeObject {
  spec?: {
    deletionPolicy?: 'Delete' | 'Retain'
    driver?: string
    volumeSnapshotClassName?: string
    source?: { volumeHandle?: string; snapshotHandle?: string }
    volumeSnapshotRef?: { namespace?: string; name?: string }
  }
  status?: {
    snapshotHandle?: string
    creationTime?: number
    /** Bytes. */
    restoreSize?: number
    readyToUse?: boolean
    error?: { time?: string; message?: string }
  }
}

export interface VolumeSnapshotClass extends KubeObject {
  driver?: string
  deletionPolicy?: 'Delete' | 'Retain'
  parameters?: Record<string, string>
}

// ---- CloudNativePG (postgresql.cnpg.io/v1) ----

export interface CnpgBootstrap {
  initdb?: { database?: string; owner?: string; secret?: { name: string } }
  recovery?: {
    database?: string
    owner?: string
    secret?: { name: string }
    backup?: { name: string }
    volumeSnapshots?: { storage: { name: string; kind: string; apiGroup: string }; walStorage?: { name: string; kind: string; apiGroup: string } }
  }
}

export interface CnpgCluster extends KubeObject {
  spec?: {
    instances?: number
    imageName?: string
    imagePullPolicy?: string
    storage?: { size?: string; storageClass?: string }
    bootstrap?: CnpgBootstrap
    postgresql?: { parameters?: Record<string, string> }
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> }
    backup?: { volumeSnapshot?: { className?: string } }
    affinity?: { nodeSelector?: Record<string, string>; tolerations?: Array<Record<string, unknown>> }
    [key: string]: unknown
  }
  status?: {
    phase?: string
    phaseReason?: string
    currentPrimary?: string
    targetPrimary?: string
    targetPrimaryTimestamp?: string
    instances?: number
    readyInstances?: number
    instanceNames?: string[]
    instancesStatus?: Record<string, string[] | undefined>
    image?: string
    [key: string]: unknown
  }
}

export interface CnpgBackup extends KubeObject {
  spec?: { cluster?: { name: string }; method?: string; online?: boolean }
  status?: {
    phase?: string
    method?: string
    startedAt?: string
    stoppedAt?: string
    error?: string
    snapshotBackupStatus?: { elements?: Array<{ name: string; type: string }> }
  }
}
