// The labels and annotations dbaas finds its objects by. The cluster is dbaas's only state, so these keys are
// its schema. Every object of an instance carries app.kubernetes.io/instance and dbaas.io/kind (with
// dbaas.io/engine and dbaas.io/engine-version): the charts set them on what helm installs, dbaas on what it writes
// itself. app.kubernetes.io/managed-by names the real manager — Helm on chart objects, dbaas on the namespace,
// credentials, backups and HA objects — and selectors never use it: they select on dbaas.io/kind.

export const MANAGED_BY = 'app.kubernetes.io/managed-by'
export const INSTANCE = 'app.kubernetes.io/instance'
export const NAME = 'app.kubernetes.io/name'
export const ENGINE = 'dbaas.io/engine'
export const ENGINE_VERSION = 'dbaas.io/engine-version'
export const KIND = 'dbaas.io/kind'
export const SOURCE_INSTANCE = 'dbaas.io/source-instance'

export const ANN = {
  storage: 'dbaas.io/storage',
  storageClass: 'dbaas.io/storage-class',
  database: 'dbaas.io/database',
  user: 'dbaas.io/user',
  cpu: 'dbaas.io/cpu',
  memory: 'dbaas.io/memory',
  createdBy: 'dbaas.io/created-by',
  namespaceCreated: 'dbaas.io/namespace-created',
  restoredFrom: 'dbaas.io/restored-from',
  restoredFromNamespace: 'dbaas.io/restored-from-namespace',
  restoredFromInstance: 'dbaas.io/restored-from-instance',
  /** Node selector, tolerations, priority class, pull secrets and image registry, as JSON (core/placement.ts). */
  placement: 'dbaas.io/placement',
} as const

/** What each object dbaas writes is, in the `dbaas.io/kind` label. */
export const Kinds = {
  instance: 'instance',
  credentials: 'credentials',
  namespace: 'namespace',
  service: 'service',
  pod: 'pod',
  data: 'data',
  release: 'release',
  backup: 'backup',
  backupCredentials: 'backup-credentials',
  haCluster: 'ha-cluster',
} as const

/** Every object of dbaas's, whoever wrote it (helm or dbaas): those that carry dbaas.io/kind. */
export const MANAGED = KIND

export interface Identity {
  name: string
  engine: string
  version: string
}

/** The identity labels of the objects dbaas writes itself (without dbaas.io/kind); the charts set their own. */
export function identityLabels(id: Identity): Record<string, string> {
  return {
    [MANAGED_BY]: 'dbaas',
    [INSTANCE]: id.name,
    [NAME]: id.engine,
    [ENGINE]: id.engine,
    [ENGINE_VERSION]: id.version,
  }
}

export function withKind(labels: Record<string, string>, kind: string): Record<string, string> {
  return { ...labels, [KIND]: kind }
}

/** A label selector string from a map. */
export function selector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',')
}

/** The selector that matches one instance's objects (and never its backups, which carry no instance label). */
export function instanceSelector(name: string): string {
  return `${KIND},${INSTANCE}=${name}`
}
