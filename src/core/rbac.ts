// What each dbaas verb asks of the API server, as RBAC rules. One table serves two commands: `dbaas rbac`
// prints it as a Role (namespace scope) and a ClusterRole (what only cluster scope can grant), and
// `dbaas doctor` asks the API server, per verb, whether the current user holds it (SelfSubjectAccessReview).
import type { AccessCheck } from '../k8s/kube.ts'

export type Verb =
  | 'create'
  | 'list'
  | 'status'
  | 'connection'
  | 'logs'
  | 'connect'
  | 'delete'
  | 'backup'
  | 'restore'
  | 'schedule'
  | 'ha'
  | 'scale'
  | 'resize'
  | 'stop'
  | 'start'
  | 'restart'
  | 'history'
  | 'upgrade'
  | 'config'

export interface Permission {
  group: string
  resource: string
  verbs: string[]
  /** Cluster-scoped (a ClusterRole is the only way to grant it). */
  cluster?: boolean
  /** Nice to have: the verb works without it, with less (e.g. no storage class check). */
  optional?: boolean
}

const CRUD = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']
const READ = ['get', 'list', 'watch']

/**
 * What a backup schedule's job may do (the backup-schedule chart's Role and ClusterRole, rule for rule; a unit
 * test renders the chart and compares). `backup`: a single instance's run (create + prune); `quiesce`: added
 * with --quiesce; `prune`: an HA cluster's prune-only run; `cluster`: read-only, to see restores in progress and
 * to choose the snapshot class as `backup create` does (the volume's driver, the default class for it).
 */
export const scheduleJobPermissions: Record<'backup' | 'quiesce' | 'prune' | 'cluster', Permission[]> = {
  backup: [
    { group: 'apps', resource: 'statefulsets', verbs: ['get'] },
    { group: '', resource: 'persistentvolumeclaims', verbs: ['get', 'list'] },
    { group: '', resource: 'secrets', verbs: ['get', 'list', 'create', 'delete'] },
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', verbs: ['get', 'list', 'watch', 'create', 'delete'] },
  ],
  quiesce: [{ group: '', resource: 'pods/exec', verbs: ['get', 'create'] }],
  prune: [
    { group: 'postgresql.cnpg.io', resource: 'backups', verbs: ['get', 'list', 'watch', 'delete'] },
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', verbs: ['get', 'list', 'delete'] },
    { group: '', resource: 'persistentvolumeclaims', verbs: ['list'] },
  ],
  cluster: [
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshotcontents', verbs: ['get', 'list'], cluster: true },
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshotclasses', verbs: ['get', 'list'], cluster: true },
    { group: '', resource: 'persistentvolumes', verbs: ['get'], cluster: true },
  ],
}

/**
 * A day-2 verb on a single instance: `helm upgrade` with the same chart (its release in a Secret, the objects the
 * chart renders, the ConfigMap of the configuration among them), the rollout it waits for and the warnings it
 * reports, under the instance's Lease (coordination.k8s.io), with the operation recorded on the credentials
 * Secret (its history annotation).
 */
const HELM_CHANGE: Permission[] = [
  { group: '', resource: 'secrets', verbs: CRUD },
  { group: '', resource: 'services', verbs: CRUD },
  { group: '', resource: 'configmaps', verbs: CRUD },
  { group: 'apps', resource: 'statefulsets', verbs: CRUD },
  { group: '', resource: 'pods', verbs: READ },
  { group: '', resource: 'events', verbs: ['list'] },
  { group: 'coordination.k8s.io', resource: 'leases', verbs: CRUD },
]

/** The same verbs under `ha`: the operator's object is patched (the `ha` rules carry it). */
const HA_CHANGE: Permission[] = [
  { group: 'postgresql.cnpg.io', resource: 'clusters', verbs: ['get', 'list', 'watch', 'patch'], optional: true },
]

/** Per verb, what it needs. Helm stores releases in Secrets, so every verb that runs helm writes Secrets. */
export const permissions: Record<Verb, Permission[]> = {
  create: [
    { group: '', resource: 'secrets', verbs: CRUD },
    { group: '', resource: 'services', verbs: CRUD },
    { group: 'apps', resource: 'statefulsets', verbs: CRUD },
    // The chart renders the configuration the server reads as a ConfigMap (`dbaas config`).
    { group: '', resource: 'configmaps', verbs: CRUD },
    { group: '', resource: 'pods', verbs: READ },
    { group: '', resource: 'persistentvolumeclaims', verbs: READ },
    { group: '', resource: 'events', verbs: ['list'] },
    { group: 'storage.k8s.io', resource: 'storageclasses', verbs: ['get', 'list'], cluster: true, optional: true },
    { group: '', resource: 'namespaces', verbs: ['get'], cluster: true, optional: true },
  ],
  list: [
    { group: 'apps', resource: 'statefulsets', verbs: ['list', 'watch'] },
    { group: '', resource: 'secrets', verbs: ['list', 'watch'] },
  ],
  status: [
    { group: 'apps', resource: 'statefulsets', verbs: ['get', 'list', 'watch'] },
    { group: '', resource: 'secrets', verbs: ['list'] },
    { group: '', resource: 'pods', verbs: ['list', 'watch'] },
    { group: '', resource: 'persistentvolumeclaims', verbs: ['list'] },
    { group: '', resource: 'services', verbs: ['list'] },
    { group: '', resource: 'events', verbs: ['list'] },
  ],
  connection: [
    { group: 'apps', resource: 'statefulsets', verbs: ['get'] },
    { group: '', resource: 'secrets', verbs: ['get', 'list'] },
  ],
  logs: [
    { group: '', resource: 'pods', verbs: ['list'] },
    { group: '', resource: 'pods/log', verbs: ['get'] },
  ],
  connect: [
    { group: 'apps', resource: 'statefulsets', verbs: ['get'] },
    { group: '', resource: 'secrets', verbs: ['get', 'list'] },
    { group: '', resource: 'pods', verbs: ['get', 'list'] },
    // The WebSocket port-forward is a GET; newer API servers also check create.
    { group: '', resource: 'pods/portforward', verbs: ['get', 'create'] },
  ],
  delete: [
    { group: 'apps', resource: 'statefulsets', verbs: ['get', 'list', 'delete'] },
    { group: '', resource: 'secrets', verbs: ['get', 'list', 'delete', 'update'] },
    { group: '', resource: 'services', verbs: ['get', 'list', 'delete'] },
    { group: '', resource: 'configmaps', verbs: ['get', 'list', 'delete'] },
    { group: '', resource: 'pods', verbs: ['list', 'watch'] },
    { group: '', resource: 'persistentvolumeclaims', verbs: ['list', 'delete'] },
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', verbs: ['list'], optional: true },
  ],
  backup: [
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resource: 'persistentvolumeclaims', verbs: ['get', 'list'] },
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshotclasses', verbs: ['get', 'list'], cluster: true, optional: true },
  ],
  restore: [
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', verbs: ['get', 'list', 'watch', 'create'] },
    { group: '', resource: 'persistentvolumeclaims', verbs: ['get', 'list', 'create'] },
    // Restoring into another namespace pre-provisions a VolumeSnapshotContent, which is cluster-scoped.
    { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshotcontents', verbs: ['get', 'list', 'create', 'delete'], cluster: true, optional: true },
  ],
  // `backup schedule …`: the chart's objects through helm (its release in a Secret), the Jobs `run` starts and
  // the pods whose last words are a run's result, CloudNativePG's ScheduledBackup; and, because Kubernetes lets
  // no one grant what they do not hold, every rule the job's Role and ClusterRole carry.
  schedule: [
    { group: 'batch', resource: 'cronjobs', verbs: CRUD },
    { group: 'batch', resource: 'jobs', verbs: ['get', 'list', 'watch', 'create', 'delete'] },
    { group: '', resource: 'configmaps', verbs: CRUD },
    { group: '', resource: 'serviceaccounts', verbs: CRUD },
    { group: '', resource: 'secrets', verbs: CRUD },
    { group: '', resource: 'pods', verbs: ['list'] },
    { group: 'rbac.authorization.k8s.io', resource: 'roles', verbs: CRUD },
    { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', verbs: CRUD },
    { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verbs: CRUD, cluster: true },
    { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', verbs: CRUD, cluster: true },
    { group: 'postgresql.cnpg.io', resource: 'scheduledbackups', verbs: CRUD, optional: true },
    ...scheduleJobPermissions.backup,
    ...scheduleJobPermissions.quiesce,
    ...scheduleJobPermissions.prune.map((p) => ({ ...p, optional: p.group === 'postgresql.cnpg.io' })),
    ...scheduleJobPermissions.cluster,
  ],
  ha: [
    { group: 'postgresql.cnpg.io', resource: 'clusters', verbs: CRUD },
    { group: 'postgresql.cnpg.io', resource: 'clusters/status', verbs: ['get', 'patch'] },
    { group: 'postgresql.cnpg.io', resource: 'backups', verbs: CRUD, optional: true },
    { group: 'pxc.percona.com', resource: 'perconaxtradbclusters', verbs: CRUD, optional: true },
    { group: 'k8s.mariadb.com', resource: 'mariadbs', verbs: CRUD, optional: true },
    { group: 'k8s.mariadb.com', resource: 'physicalbackups', verbs: CRUD, optional: true },
    { group: '', resource: 'pods', verbs: READ },
    // ha scale --cpu/--memory, resize, stop, start, restart, upgrade: under the cluster's Lease, waited for on
    // its pods and data volumes.
    { group: 'coordination.k8s.io', resource: 'leases', verbs: CRUD },
    { group: '', resource: 'persistentvolumeclaims', verbs: READ },
    { group: 'storage.k8s.io', resource: 'storageclasses', verbs: ['get'], cluster: true, optional: true },
  ],
  // Usage checks, then the preflight: the nodes' allocatable minus what every pod there requests (cluster-wide
  // reads: without them the node check is skipped and the result says so), the namespace's quota and ranges.
  scale: [
    ...HELM_CHANGE,
    ...HA_CHANGE,
    { group: '', resource: 'resourcequotas', verbs: ['list'] },
    { group: '', resource: 'limitranges', verbs: ['list'] },
    { group: '', resource: 'nodes', verbs: ['list'], cluster: true, optional: true },
    { group: '', resource: 'pods', verbs: ['list'], cluster: true, optional: true },
  ],
  // Each PVC patched, the StatefulSet deleted with its pods orphaned and re-created by helm; the class must
  // allow expansion.
  resize: [
    ...HELM_CHANGE,
    ...HA_CHANGE,
    { group: '', resource: 'persistentvolumeclaims', verbs: ['get', 'list', 'watch', 'patch'] },
    { group: 'storage.k8s.io', resource: 'storageclasses', verbs: ['get'], cluster: true },
  ],
  stop: [...HELM_CHANGE, ...HA_CHANGE],
  start: [...HELM_CHANGE, ...HA_CHANGE],
  restart: [...HELM_CHANGE, ...HA_CHANGE],
  history: [
    { group: '', resource: 'secrets', verbs: ['get'] },
    { group: 'coordination.k8s.io', resource: 'leases', verbs: ['get'] },
    { group: 'apps', resource: 'statefulsets', verbs: ['get'] },
    { group: 'postgresql.cnpg.io', resource: 'clusters', verbs: ['get'], optional: true },
  ],
  // A CloudNativePG major upgrade takes a backup first.
  upgrade: [
    ...HELM_CHANGE,
    ...HA_CHANGE,
    { group: 'postgresql.cnpg.io', resource: 'backups', verbs: ['get', 'list', 'watch', 'create'], optional: true },
  ],
  // Names and values checked against the running server through exec (MySQL and MariaDB with the root password
  // from the credentials Secret, on stdin).
  config: [...HELM_CHANGE, { group: '', resource: 'pods/exec', verbs: ['get', 'create'] }],
}

export const allVerbs = Object.keys(permissions) as Verb[]

export interface PolicyRule {
  apiGroups: string[]
  resources: string[]
  verbs: string[]
}

/** Merges permissions into compact rules: one rule per (group, verb set), resources sorted. */
export function toRules(perms: Permission[]): PolicyRule[] {
  const byResource = new Map<string, { group: string; resource: string; verbs: Set<string> }>()
  for (const p of perms) {
    const key = `${p.group}/${p.resource}`
    const e = byResource.get(key) ?? { group: p.group, resource: p.resource, verbs: new Set<string>() }
    for (const v of p.verbs) e.verbs.add(v)
    byResource.set(key, e)
  }
  const order = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']
  const rules = new Map<string, PolicyRule>()
  for (const e of [...byResource.values()].sort((a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource))) {
    const verbs = [...e.verbs].sort((a, b) => order.indexOf(a) - order.indexOf(b))
    const key = `${e.group}|${verbs.join(',')}`
    const r = rules.get(key) ?? { apiGroups: [e.group], resources: [], verbs }
    r.resources.push(e.resource)
    rules.set(key, r)
  }
  return [...rules.values()]
}

export interface RbacOptions {
  namespace: string
  verbs: Verb[]
  /** The user or group to bind to; without one, no bindings are printed. */
  user?: string | undefined
  group?: string | undefined
  name?: string | undefined
}

export interface KubeManifest {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace?: string; labels?: Record<string, string> }
  [k: string]: unknown
}

/** The Role, ClusterRole and (with a subject) their bindings that let a namespace-limited user run these verbs. */
export function rbacManifests(o: RbacOptions): KubeManifest[] {
  const perms = o.verbs.flatMap((v) => permissions[v])
  const namespaced = toRules(perms.filter((p) => !p.cluster))
  const cluster = toRules(perms.filter((p) => p.cluster))
  const name = o.name ?? 'dbaas-user'
  const labels = { 'app.kubernetes.io/managed-by': 'dbaas', 'app.kubernetes.io/component': 'rbac' }
  const clusterName = `${name}-${o.namespace}`
  const out: KubeManifest[] = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: o.namespace, labels }, rules: namespaced },
  ]
  if (cluster.length) out.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: clusterName, labels }, rules: cluster })
  const subjects = [
    ...(o.user ? [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: o.user }] : []),
    ...(o.group ? [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: o.group }] : []),
  ]
  if (subjects.length) {
    out.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: o.namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    })
    if (cluster.length) {
      out.push({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: clusterName, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
        subjects,
      })
    }
  }
  return out
}

/** One access check per (resource, verb) a dbaas verb needs; cluster-scoped ones carry no namespace. */
export function accessChecks(verb: Verb, namespace: string): Array<AccessCheck & { optional: boolean }> {
  return permissions[verb].flatMap((p) =>
    p.verbs.map((v) => {
      const [resource, subresource] = p.resource.split('/') as [string, string | undefined]
      return {
        verb: v,
        group: p.group,
        resource,
        ...(subresource ? { subresource } : {}),
        ...(p.cluster ? {} : { namespace }),
        optional: p.optional === true,
      }
    }),
  )
}

export function describeCheck(c: AccessCheck): string {
  const res = `${c.resource}${c.subresource ? `/${c.subresource}` : ''}${c.group ? `.${c.group}` : ''}`
  return `${c.verb} ${res}`
}
