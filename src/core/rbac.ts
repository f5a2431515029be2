// What each dbaas verb asks of the API server, as RBAC rules. One table serves two commands: `dbaas rbac`
// prints it as a Role (namespace scope) and a ClusterRole (what only cluster scope can grant), and
// `dbaas doctor` asks the API server, per verb, whether the current user holds it (SelfSubjectAccessReview).
//
// The table is derived from what the verbs really send, not written from memory: test/e2e/defects-rbac.test.ts
// runs every verb in the lab under `-v 6` (every request dbaas sends, on stderr), maps each request to a rule
// with permissionOf() below, and requires the table to hold exactly those rules — nothing missing, nothing
// unused — apart from the rules marked `by` (requests dbaas does not send itself: helm's, and the client
// library's exec and port-forward streams) and `unrecorded` (requests only a path the run does not take sends,
// each saying which). The same test then runs every verb as a lab user holding exactly the printed Role and
// ClusterRole (it succeeds), and as one missing a rule (exit 5, naming it).
import type { AccessCheck } from '../k8s/kube.ts'

/** Every verb that talks to the cluster, by its command path. */
export const VERBS = [
  'create',
  'list',
  'status',
  'connection',
  'connect',
  'logs',
  'delete',
  'backup create',
  'backup list',
  'backup delete',
  'backup prune',
  'backup schedule',
  'restore',
  'ha create',
  'ha list',
  'ha status',
  'ha connection',
  'ha scale',
  'ha failover',
  'ha backup create',
  'ha backup list',
  'ha backup delete',
  'ha backup prune',
  'ha restore',
  'ha delete',
  'metrics enable',
  'metrics disable',
  'metrics show',
  'metrics dashboards install',
  'top',
  'scale',
  'resize',
  'stop',
  'start',
  'restart',
  'history',
  'upgrade',
  'config get',
  'config set',
  'config unset',
  'ha resize',
  'ha stop',
  'ha start',
  'ha restart',
  'ha history',
  'ha upgrade',
  'ha config get',
  'ha config set',
  'ha config unset',
] as const
export type Verb = (typeof VERBS)[number]

/** `--verbs backup` and `--verbs ha` name every verb of the group. */
export const VERB_GROUPS: Record<string, Verb[]> = {
  backup: VERBS.filter((v) => v.startsWith('backup ')),
  ha: VERBS.filter((v) => v.startsWith('ha ')),
  metrics: VERBS.filter((v) => v.startsWith('metrics ')),
  config: VERBS.filter((v) => v.startsWith('config ')),
}

export interface Permission {
  group: string
  /** `pods`, or a subresource as `pods/log`. */
  resource: string
  verbs: string[]
  /** Granted by the ClusterRole: a cluster-scoped resource, or a read across namespaces (leases, deployments). */
  cluster?: boolean
  /** The verb works without it, with less (no storage class check, no namespace of its own, no --watch). */
  optional?: boolean
  /** Requests dbaas does not send itself, so `-v 6` does not show them: helm's, or the client library's streams. */
  by?: 'helm' | 'client'
  /** Sent only on a path the lab run does not take; says which. */
  unrecorded?: string
}

const CORE = ''
const APPS = 'apps'
const SNAP = 'snapshot.storage.k8s.io'
const CNPG = 'postgresql.cnpg.io'
const STORAGE = 'storage.k8s.io'
const COORD = 'coordination.k8s.io'
const APIEXT = 'apiextensions.k8s.io'
const PXC = 'pxc.percona.com'
const MARIADB = 'k8s.mariadb.com'

/** A wait lists, then watches only when the list does not already show the end (in the lab it often does). */
const WAIT = { unrecorded: 'a wait watches only when its first list does not already show the end' }

/** A server-side apply (a PATCH) that makes a new object is authorized as create as well as patch. */
const SSA_CREATE = { unrecorded: 'sent as a server-side apply (PATCH); making a new object that way needs create too' }

const p = (group: string, resource: string, verbs: string[], extra: Omit<Permission, 'group' | 'resource' | 'verbs'> = {}): Permission => ({ group, resource, verbs, ...extra })

/** Finding an instance by name (core/find.ts): its Secrets' labels, its StatefulSet. */
const FIND = [p(CORE, 'secrets', ['list']), p(APPS, 'statefulsets', ['get'])]
/** Not an instance: is it an HA cluster of that name (exit 2 naming the ha verb)? Tolerates 403/404. */
const NOT_AN_INSTANCE = { optional: true, unrecorded: 'only when the name is not a single instance' }
const FIND_HA = [
  p(CNPG, 'clusters', ['get', 'list'], NOT_AN_INSTANCE),
  p(PXC, 'perconaxtradbclusters', ['get', 'list'], NOT_AN_INSTANCE),
  p(MARIADB, 'mariadbs', ['get', 'list'], NOT_AN_INSTANCE),
]

/**
 * helm installs the chart (a StatefulSet, two Services and the ConfigMap of the configuration the server reads,
 * which `dbaas config` manages) and keeps its release in Secrets.
 */
const HELM = [
  p(CORE, 'secrets', ['get', 'list', 'create', 'update', 'patch', 'delete'], { by: 'helm' }),
  p(APPS, 'statefulsets', ['get', 'list', 'create', 'update', 'patch', 'delete'], { by: 'helm' }),
  p(CORE, 'services', ['get', 'list', 'create', 'update', 'patch', 'delete'], { by: 'helm' }),
  p(CORE, 'configmaps', ['get', 'list', 'create', 'update', 'patch', 'delete'], { by: 'helm' }),
]

/** A new instance: create and restore share it (core/create.ts). */
const INSTALL = [
  p(CORE, 'namespaces', ['get'], { cluster: true, optional: true }),
  p(CORE, 'namespaces', ['create'], { cluster: true, optional: true }),
  // The chart sets every label dbaas selects on (issue 12): nothing is patched after helm.
  p(APPS, 'statefulsets', ['get', 'list']),
  p(APPS, 'statefulsets', ['watch'], WAIT),
  p(CORE, 'secrets', ['list', 'create']),
  p(CORE, 'pods', ['list']),
  p(CORE, 'pods', ['watch'], WAIT),
  p(CORE, 'persistentvolumeclaims', ['get']),
  p(STORAGE, 'storageclasses', ['list'], { cluster: true, optional: true }),
  // One name, one kind, per namespace: no HA cluster of any engine holds the name there (core/find.ts checkNameFree).
  p(CNPG, 'clusters', ['get'], { optional: true }),
  p(PXC, 'perconaxtradbclusters', ['get'], { optional: true }),
  p(MARIADB, 'mariadbs', ['get'], { optional: true }),
  // Not an operator's own namespace (core/system-namespaces.ts): its Deployment or leader Lease there; 403 passes.
  p(APPS, 'deployments', ['list'], { optional: true }),
  p(COORD, 'leases', ['get'], { optional: true }),
  ...HELM,
]

/** Is a snapshot controller running (core/detect/snapshots.ts)? Tolerates 403: then a note, not a refusal. */
const SNAPSHOT_DETECT = [
  p(COORD, 'leases', ['list'], { cluster: true, optional: true }),
  p(COORD, 'leases', ['get'], { cluster: true, optional: true, unrecorded: 'only when leases may not be listed across namespaces' }),
  p(SNAP, 'volumesnapshotclasses', ['list'], { cluster: true, optional: true }),
  p(APIEXT, 'customresourcedefinitions', ['get'], { cluster: true, optional: true, unrecorded: 'only when VolumeSnapshotClasses may not be listed' }),
  p(APPS, 'deployments', ['list'], { cluster: true, optional: true, unrecorded: "only when the controller's leader Lease is not fresh" }),
]

/** Is the CloudNativePG operator running (core/detect/cnpg.ts)? Every ha verb refuses (7) without an answer. */
const OPERATOR_DETECT = [
  p(APIEXT, 'customresourcedefinitions', ['get'], { cluster: true, optional: true }),
  p(APPS, 'deployments', ['list'], { cluster: true, optional: true }),
  p(COORD, 'leases', ['get', 'list'], {
    cluster: true,
    unrecorded: "only when no ready operator Deployment is visible (a namespace-limited user finds the operator by its leader Lease)",
  }),
]

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

const CRUD = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']

/**
 * The other HA engines' kinds (Percona XtraDB Cluster, the MariaDB operator), as the HA registry reads and
 * writes them: each verb needs only its engine's, so they are optional here; the lab run makes CloudNativePG
 * clusters only.
 */
const OTHER_HA_ENGINES = [
  p(PXC, 'perconaxtradbclusters', CRUD, { optional: true, unrecorded: 'only for Percona XtraDB clusters' }),
  p(MARIADB, 'mariadbs', CRUD, { optional: true, unrecorded: 'only for MariaDB operator clusters' }),
  p(MARIADB, 'physicalbackups', CRUD, { optional: true, unrecorded: 'only for MariaDB operator clusters' }),
]

/** `ha config` on the MySQL-family operators (core/day2/ha-config-mysql.ts): the root password for exec. */
const MYCNF_ONLY = { unrecorded: 'only for Percona XtraDB Cluster and MariaDB operator clusters' }
const MYCNF_READ = [p(CORE, 'secrets', ['get'], MYCNF_ONLY)]

const MON = 'monitoring.coreos.com'

/** Which Prometheus objects select a monitor (core/metrics/prometheus.ts): read across namespaces, tolerating 403. */
const MONITOR_PLAN = [
  p(MON, 'prometheuses', ['list'], { cluster: true, optional: true }),
  p(MON, 'prometheusagents', ['list'], { cluster: true, optional: true }),
  p(CORE, 'namespaces', ['get'], { cluster: true, optional: true }),
]

/** `metrics enable|disable`: an instance (its Secret, a ready pod, exec, a helm upgrade) or a CloudNativePG cluster. */
const METRICS_CHANGE = [
  ...FIND,
  ...FIND_HA,
  p(CORE, 'secrets', ['get', 'patch']),
  p(CORE, 'pods', ['list']),
  // The monitoring user is made (or dropped) through exec into the database container.
  p(CORE, 'pods/exec', ['get', 'create'], { by: 'client' }),
  // Waiting for the pod to restart with (or without) its exporter.
  p(APPS, 'statefulsets', ['list'], { unrecorded: 'only when waiting for the restart (not --no-wait)' }),
  p(APPS, 'statefulsets', ['watch'], WAIT),
  ...HELM,
]

/** `top` and `metrics show`: the targets, then each exporter read through a port-forward. */
const METRICS_READ = [
  ...FIND,
  ...FIND_HA,
  p(APPS, 'statefulsets', ['list']),
  p(CORE, 'pods', ['list']),
  p(CNPG, 'clusters', ['list'], { optional: true }),
  p(CORE, 'pods/portforward', ['get', 'create'], { by: 'client' }),
]

/**
 * A day-2 verb on a single instance (core/day2): the instance and its release, the Lease named after it (found,
 * taken, renewed, released), the history annotation on its credentials Secret, `helm upgrade` with the same
 * chart, and the rollout it waits for with the StatefulSet controller's warnings. Written from the code, not yet
 * derived from a lab run (test/e2e/defects-rbac.test.ts lists the day-2 verbs as not run there).
 */
const DAY2_CHANGE = [
  ...FIND,
  ...FIND_HA,
  p(CORE, 'secrets', ['get', 'patch']),
  p(COORD, 'leases', ['get', 'create', 'patch', 'delete']),
  p(APPS, 'statefulsets', ['list']),
  p(APPS, 'statefulsets', ['watch'], WAIT),
  p(CORE, 'pods', ['list']),
  p(CORE, 'pods', ['watch'], WAIT),
  p(CORE, 'events', ['list']),
  ...HELM,
]

/** The same under `ha` (CloudNativePG today): one merge patch of the Cluster under its Lease, waited for on its pods. */
const HA_DAY2_CHANGE = [
  ...OTHER_HA_ENGINES,
  ...OPERATOR_DETECT,
  p(CNPG, 'clusters', ['get', 'list', 'patch']),
  p(CNPG, 'clusters', ['watch'], WAIT),
  p(COORD, 'leases', ['get', 'create', 'patch', 'delete']),
  p(CORE, 'pods', ['list']),
]

/** Rules sent only with a flag the lab RBAC run does not pass. */
const onlyWith = (flag: string, perms: Permission[]): Permission[] => perms.map((x) => (x.by ? { ...x, optional: true } : { ...x, optional: true, unrecorded: `only with ${flag}` }))

/** Per verb, what it needs. */
export const permissions: Record<Verb, Permission[]> = {
  create: [
    ...INSTALL,
    // --metrics: which Prometheus selects the ServiceMonitor the chart installs, and the monitoring user made
    // through exec into the ready pod (its password kept in the credentials Secret).
    ...onlyWith('--metrics', [...MONITOR_PLAN, p(CORE, 'secrets', ['get']), p(MON, 'servicemonitors', CRUD, { by: 'helm' })]),
    p(CORE, 'pods/exec', ['get', 'create'], { by: 'client', optional: true }),
  ],
  list: [
    p(APPS, 'statefulsets', ['list']),
    p(CORE, 'secrets', ['list']),
    // HA clusters of the engines whose credentials Secrets the listing found (none there: not asked).
    p(CNPG, 'clusters', ['list'], { optional: true, unrecorded: "only when an HA cluster's credentials Secret is listed" }),
    p(PXC, 'perconaxtradbclusters', ['list'], { optional: true, unrecorded: 'only when a Percona XtraDB cluster is listed' }),
    p(MARIADB, 'mariadbs', ['list'], { optional: true, unrecorded: 'only when a MariaDB operator cluster is listed' }),
    // --watch
    p(APPS, 'statefulsets', ['watch'], { optional: true }),
    p(CORE, 'pods', ['watch'], { optional: true }),
  ],
  status: [
    ...FIND,
    ...FIND_HA,
    p(CORE, 'pods', ['list']),
    p(CORE, 'persistentvolumeclaims', ['list']),
    p(CORE, 'services', ['list']),
    p(CORE, 'events', ['list']),
    p(STORAGE, 'storageclasses', ['get'], { cluster: true, optional: true, unrecorded: 'only when a data volume is Pending (its class names the provisioner)' }),
    // Its backup schedule (core/schedule/manage.ts scheduleOf): the CronJob, its Jobs, CloudNativePG's ScheduledBackup; 403 passes.
    p('batch', 'cronjobs', ['list'], { optional: true }),
    p('batch', 'jobs', ['list'], { optional: true }),
    p(CNPG, 'scheduledbackups', ['list'], { optional: true }),
    // --watch
    p(APPS, 'statefulsets', ['watch'], { optional: true }),
    p(CORE, 'pods', ['watch'], { optional: true }),
    p(CORE, 'persistentvolumeclaims', ['watch'], { optional: true }),
    p(CORE, 'events', ['watch'], { optional: true }),
  ],
  connection: [...FIND, ...FIND_HA, p(CORE, 'secrets', ['get'])],
  logs: [...FIND, ...FIND_HA, p(CORE, 'pods', ['list']), p(CORE, 'pods/log', ['get'])],
  connect: [
    ...FIND,
    ...FIND_HA,
    p(CORE, 'secrets', ['get']),
    p(CORE, 'pods', ['list']),
    // The WebSocket port-forward is a GET; API servers since 1.30 also check create.
    p(CORE, 'pods/portforward', ['get', 'create'], { by: 'client' }),
  ],
  delete: [
    ...FIND,
    ...FIND_HA,
    p(APPS, 'statefulsets', ['list']),
    p(CORE, 'services', ['list']),
    p(APPS, 'statefulsets', ['delete'], { unrecorded: 'only for objects the helm release no longer owns (helm removes its own)' }),
    p(CORE, 'services', ['delete'], { unrecorded: 'only for objects the helm release no longer owns (helm removes its own)' }),
    p(CORE, 'secrets', ['delete']),
    p(CORE, 'persistentvolumeclaims', ['list', 'delete']),
    p(CORE, 'pods', ['list']),
    p(CORE, 'pods', ['watch'], WAIT),
    p(SNAP, 'volumesnapshots', ['list']),
    // Its backup schedule goes first (core/schedule/manage.ts removeSchedule): the ScheduledBackup and the
    // CronJob are deleted by name whether or not they exist, so both rules are needed even without a schedule;
    // a schedule installed as a helm release is uninstalled with what `backup schedule delete` needs.
    p(CNPG, 'scheduledbackups', ['delete']),
    p('batch', 'cronjobs', ['delete']),
    p('batch', 'cronjobs', ['get'], { unrecorded: 'only with --dry-run, which reads the schedule it would remove' }),
    p(CORE, 'namespaces', ['get', 'list', 'delete'], { cluster: true, optional: true }),
    p(CORE, 'namespaces', ['watch'], { cluster: true, optional: true, ...WAIT }),
    ...HELM,
  ],
  'backup create': [
    ...FIND,
    ...FIND_HA,
    ...SNAPSHOT_DETECT,
    p(CORE, 'persistentvolumeclaims', ['get']),
    p(CORE, 'secrets', ['get', 'create']),
    // The backup recorded in the instance's history (an annotation on its credentials Secret).
    p(CORE, 'secrets', ['patch']),
    p(SNAP, 'volumesnapshots', ['get', 'list', 'create']),
    p(SNAP, 'volumesnapshots', ['watch'], WAIT),
    p(CORE, 'persistentvolumes', ['get'], { cluster: true, optional: true }),
    p(STORAGE, 'storageclasses', ['get'], { cluster: true, optional: true, unrecorded: "only when the volume's PersistentVolume does not name its CSI driver" }),
    // --quiesce: CHECKPOINT or FLUSH TABLES WITH READ LOCK through exec into the pod.
    p(CORE, 'pods/exec', ['get', 'create'], { by: 'client' }),
  ],
  'backup list': [p(SNAP, 'volumesnapshots', ['list']), p(APPS, 'statefulsets', ['list'])],
  'backup delete': [
    p(SNAP, 'volumesnapshots', ['get', 'list', 'delete']),
    p(SNAP, 'volumesnapshots', ['watch'], WAIT),
    p(CORE, 'secrets', ['delete']),
    p(CORE, 'persistentvolumeclaims', ['list']),
    p(CNPG, 'backups', ['list'], { optional: true, unrecorded: 'only when the name is not a backup dbaas took' }),
  ],
  'backup prune': [p(SNAP, 'volumesnapshots', ['list', 'delete']), p(SNAP, 'volumesnapshots', ['watch'], WAIT), p(CORE, 'secrets', ['delete'])],
  // `backup schedule …` (set, list, delete, suspend, resume, run): the chart's objects through helm (its release in
  // a Secret), the Jobs `run` starts and the pods whose last words are a run's result, CloudNativePG's
  // ScheduledBackup; and, because Kubernetes lets no one grant what they do not hold, every rule the job's Role
  // and ClusterRole carry. Not yet run by the lab RBAC test (test/e2e/defects-rbac.test.ts says so): the
  // schedules' own tests compare the job's rules with the chart.
  'backup schedule': [
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
    ...scheduleJobPermissions.prune.map((x) => ({ ...x, optional: x.group === 'postgresql.cnpg.io' })),
    ...scheduleJobPermissions.cluster,
  ],
  restore: [
    ...INSTALL,
    ...FIND_HA,
    ...SNAPSHOT_DETECT,
    p(CORE, 'secrets', ['get']),
    p(CORE, 'persistentvolumeclaims', ['list', 'create']),
    p(CORE, 'persistentvolumeclaims', ['watch'], WAIT),
    p(SNAP, 'volumesnapshots', ['list', 'create', 'delete']),
    p(SNAP, 'volumesnapshots', ['watch'], WAIT),
    p(SNAP, 'volumesnapshots', ['get'], { unrecorded: 'only with --backup-namespace, or when the backup cannot be looked up across namespaces' }),
    // Into another namespace: a pre-provisioned VolumeSnapshotContent (cluster-scoped), removed once Bound.
    p(SNAP, 'volumesnapshotcontents', ['get', 'list', 'create', 'delete'], { cluster: true, optional: true }),
    p(SNAP, 'volumesnapshotcontents', ['watch'], { cluster: true, optional: true, ...WAIT }),
    p(CORE, 'persistentvolumeclaims', ['delete'], { unrecorded: 'only when a restore fails and is rolled back' }),
    p(APPS, 'statefulsets', ['delete'], { unrecorded: 'only when a restore fails and is rolled back' }),
    p(CORE, 'services', ['delete'], { unrecorded: 'only when a restore fails and is rolled back' }),
    p(CORE, 'secrets', ['delete'], { unrecorded: 'only when a restore fails and is rolled back' }),
  ],
  'ha create': [...OTHER_HA_ENGINES,
    // --metrics: a PodMonitor for the cluster (as `metrics enable` makes), once the Cluster exists.
    ...onlyWith('--metrics', [...MONITOR_PLAN, p(MON, 'podmonitors', ['get', 'patch', 'create'])]),
    ...OPERATOR_DETECT,
    p(CORE, 'namespaces', ['get', 'create'], { cluster: true, optional: true }),
    p(CORE, 'secrets', ['get', 'list', 'create']),
    p(APPS, 'statefulsets', ['get']),
    p(CNPG, 'clusters', ['get', 'list', 'patch']),
    p(CNPG, 'clusters', ['create'], SSA_CREATE),
    p(CNPG, 'clusters', ['watch'], WAIT),
    p(SNAP, 'volumesnapshotclasses', ['list'], { cluster: true, optional: true }),
    // With one default VolumeSnapshotClass per CSI driver, the storage class names the driver whose class to take.
    p(STORAGE, 'storageclasses', ['list'], { cluster: true, optional: true, unrecorded: 'only when several VolumeSnapshotClasses are marked default' }),
  ],
  'ha list': [...OTHER_HA_ENGINES, ...OPERATOR_DETECT, p(CNPG, 'clusters', ['list'])],
  'ha status': [...OTHER_HA_ENGINES, ...OPERATOR_DETECT, p(CNPG, 'clusters', ['get']), p(CORE, 'pods', ['list']), p(CNPG, 'backups', ['list'], { optional: true })],
  'ha connection': [...OTHER_HA_ENGINES, ...OPERATOR_DETECT, p(CNPG, 'clusters', ['get']), p(CORE, 'secrets', ['get'])],
  'ha scale': [...OTHER_HA_ENGINES, ...OPERATOR_DETECT, p(CNPG, 'clusters', ['get', 'list', 'patch']), p(CNPG, 'clusters', ['watch'], WAIT)],
  'ha failover': [...OTHER_HA_ENGINES, 
    ...OPERATOR_DETECT,
    p(CNPG, 'clusters', ['get', 'list']),
    // The failover recorded in the cluster's history (an annotation on the Cluster).
    p(CNPG, 'clusters', ['patch']),
    p(CNPG, 'clusters', ['watch'], WAIT),
    p(CNPG, 'clusters/status', ['patch']),
    p(CORE, 'pods', ['list']),
    // --force: the primary's pod is deleted, then the Cluster and its pods are watched together until another
    // member takes the writes (core/ha/wait.ts waitWithPods).
    p(CORE, 'pods', ['delete'], { optional: true }),
    p(CORE, 'pods', ['watch'], { optional: true }),
  ],
  // Both read the backups' VolumeSnapshots (their size and readiness).
  'ha backup create': [...OTHER_HA_ENGINES, ...OPERATOR_DETECT, p(CNPG, 'clusters', ['get']), p(CNPG, 'clusters', ['patch']), p(CNPG, 'backups', ['list', 'create']), p(CNPG, 'backups', ['watch'], WAIT), p(SNAP, 'volumesnapshots', ['list'])],
  'ha backup list': [...OTHER_HA_ENGINES, ...OPERATOR_DETECT, p(CNPG, 'clusters', ['get']), p(CNPG, 'backups', ['list']), p(SNAP, 'volumesnapshots', ['list'])],
  'ha restore': [...OTHER_HA_ENGINES, 
    ...OPERATOR_DETECT,
    p(CNPG, 'backups', ['get', 'list']),
    p(CNPG, 'clusters', ['get', 'patch']),
    p(CNPG, 'clusters', ['create'], SSA_CREATE),
    p(CNPG, 'clusters', ['list', 'watch'], { unrecorded: 'only when waiting for the restored cluster (without --no-wait)' }),
    p(CORE, 'namespaces', ['get', 'create'], { cluster: true, optional: true }),
    p(CORE, 'secrets', ['get', 'list', 'create']),
    p(APPS, 'statefulsets', ['get']),
    p(SNAP, 'volumesnapshotclasses', ['list'], { cluster: true, optional: true }),
    // With one default VolumeSnapshotClass per CSI driver, the storage class names the driver whose class to take.
    p(STORAGE, 'storageclasses', ['list'], { cluster: true, optional: true, unrecorded: 'only when several VolumeSnapshotClasses are marked default' }),
    // Into another namespace: the backup's snapshots are brought over through pre-provisioned contents.
    p(SNAP, 'volumesnapshots', ['get', 'list', 'create']),
    p(SNAP, 'volumesnapshots', ['watch'], WAIT),
    p(SNAP, 'volumesnapshotcontents', ['get', 'create'], { cluster: true, optional: true }),
    // …and removes those helpers once the restored cluster no longer needs them.
    p(SNAP, 'volumesnapshots', ['delete'], { unrecorded: 'only after a restore into another namespace' }),
    p(SNAP, 'volumesnapshotcontents', ['list', 'watch', 'delete'], { cluster: true, optional: true, unrecorded: 'only after a restore into another namespace' }),
  ],
  // Not run by the lab RBAC test yet (it says so): read from core/ha/backup.ts.
  'ha backup delete': [...OPERATOR_DETECT, ...OTHER_HA_ENGINES, p(CNPG, 'backups', ['get', 'list', 'delete']), p(CNPG, 'backups', ['watch'], WAIT), p(SNAP, 'volumesnapshots', ['list', 'delete'])],
  'ha backup prune': [...OPERATOR_DETECT, ...OTHER_HA_ENGINES, p(CNPG, 'clusters', ['get', 'list']), p(CNPG, 'backups', ['list', 'delete']), p(CNPG, 'backups', ['watch'], WAIT), p(SNAP, 'volumesnapshots', ['list', 'delete'])],
  'ha delete': [...OTHER_HA_ENGINES,
    p(CNPG, 'clusters', ['get', 'list', 'delete']),
    // Its backup schedule goes first, as for `delete`: the ScheduledBackup and the CronJob, deleted by name.
    p(CNPG, 'scheduledbackups', ['delete']),
    p('batch', 'cronjobs', ['delete']),
    p(CNPG, 'clusters', ['watch'], WAIT),
    p(CNPG, 'backups', ['list']),
    p(CORE, 'secrets', ['get', 'list', 'delete']),
    p(SNAP, 'volumesnapshots', ['list']),
    // The helpers a cross-namespace `ha restore --no-wait` left (core/ha/backup.ts): its VolumeSnapshot, and the
    // Retain VolumeSnapshotContent (cluster-scoped), waited on until the snapshot controller lets go.
    p(SNAP, 'volumesnapshots', ['delete']),
    p(SNAP, 'volumesnapshotcontents', ['list', 'delete'], { cluster: true, optional: true }),
    p(SNAP, 'volumesnapshotcontents', ['watch'], { cluster: true, optional: true, ...WAIT }),
    // Its backup schedule goes first (core/ha/ops.ts → removeSchedule), as for `delete`: the ScheduledBackup and the
    // prune-only CronJob by name, the schedule's helm release uninstalled.
    p(CNPG, 'scheduledbackups', ['delete']),
    p('batch', 'cronjobs', ['delete']),
    p('batch', 'cronjobs', ['get'], { unrecorded: 'only with --dry-run, which reads the schedule it would remove' }),
    ...HELM,
    p(CORE, 'namespaces', ['get', 'delete'], { cluster: true, optional: true }),
  ],
  // Read from core/metrics/*.ts and checked against what they send on the fake API server
  // (test/unit/defects/rbac-coverage.test.ts); not run by the lab RBAC test.
  'metrics enable': [...METRICS_CHANGE, ...MONITOR_PLAN, p(MON, 'servicemonitors', CRUD, { by: 'helm', optional: true }), p(MON, 'podmonitors', ['patch']), p(MON, 'podmonitors', ['create'], SSA_CREATE)],
  'metrics disable': [...METRICS_CHANGE, p(MON, 'servicemonitors', CRUD, { by: 'helm', optional: true }), p(MON, 'podmonitors', ['get', 'delete'])],
  'metrics show': [...METRICS_READ, ...MONITOR_PLAN, p(MON, 'servicemonitors', ['get'], { optional: true }), p(MON, 'podmonitors', ['get'], { optional: true })],
  'metrics dashboards install': [
    p(APPS, 'deployments', ['list'], { cluster: true, optional: true, unrecorded: 'only without -n (where Grafana runs)' }),
    p(CORE, 'namespaces', ['get'], { cluster: true, optional: true }),
    p(CORE, 'configmaps', ['patch']),
    p(CORE, 'configmaps', ['create'], SSA_CREATE),
  ],
  top: METRICS_READ,
  // The preflight: the nodes' allocatable minus what every pod there requests (cluster-wide reads; without them
  // the node check is skipped and the result says so), the namespace's quota and limit ranges.
  scale: [
    ...DAY2_CHANGE,
    p(CORE, 'resourcequotas', ['list']),
    p(CORE, 'limitranges', ['list']),
    p(CORE, 'nodes', ['list'], { cluster: true, optional: true }),
    p(CORE, 'pods', ['list'], { cluster: true, optional: true }),
  ],
  // Each PVC patched, the StatefulSet deleted with its pods orphaned (helm re-creates it), the class's expansion.
  resize: [
    ...DAY2_CHANGE,
    p(CORE, 'persistentvolumeclaims', ['list', 'patch']),
    p(CORE, 'persistentvolumeclaims', ['watch'], WAIT),
    p(APPS, 'statefulsets', ['delete']),
    p(STORAGE, 'storageclasses', ['get'], { cluster: true }),
  ],
  stop: DAY2_CHANGE,
  start: DAY2_CHANGE,
  restart: DAY2_CHANGE,
  upgrade: DAY2_CHANGE,
  history: [...FIND, ...FIND_HA, p(CORE, 'secrets', ['get']), p(COORD, 'leases', ['get'])],
  // Names and values checked against the running server through exec (MySQL/MariaDB: the root password from the
  // credentials Secret, on stdin).
  'config get': [...FIND, ...FIND_HA, p(CORE, 'secrets', ['get']), p(CORE, 'pods', ['list']), p(CORE, 'pods/exec', ['get', 'create'], { by: 'client' })],
  'config set': [...DAY2_CHANGE, p(CORE, 'pods/exec', ['get', 'create'], { by: 'client' })],
  'config unset': [...DAY2_CHANGE, p(CORE, 'pods/exec', ['get', 'create'], { by: 'client' })],
  'ha resize': [...HA_DAY2_CHANGE, p(CORE, 'persistentvolumeclaims', ['list']), p(STORAGE, 'storageclasses', ['get'], { cluster: true, optional: true })],
  'ha stop': HA_DAY2_CHANGE,
  'ha start': HA_DAY2_CHANGE,
  'ha restart': HA_DAY2_CHANGE,
  'ha history': [...OTHER_HA_ENGINES, ...OPERATOR_DETECT, p(CNPG, 'clusters', ['get']), p(COORD, 'leases', ['get'])],
  // A major takes a backup first (what `ha backup create` needs).
  // The primary's pg_settings through exec (names and values checked before the patch; the wait asks it again).
  // Percona XtraDB Cluster and MariaDB operator clusters: a member's SHOW VARIABLES through exec as root (the
  // password from the cluster's Secret, on stdin), every member asked again in the wait.
  'ha config get': [...OTHER_HA_ENGINES, ...OPERATOR_DETECT, p(CNPG, 'clusters', ['get']), p(CORE, 'pods/exec', ['get', 'create'], { by: 'client' }), ...MYCNF_READ, p(CORE, 'pods', ['list'], MYCNF_ONLY)],
  'ha config set': [...HA_DAY2_CHANGE, p(CORE, 'pods/exec', ['get', 'create'], { by: 'client' }), ...MYCNF_READ],
  'ha config unset': [...HA_DAY2_CHANGE, p(CORE, 'pods/exec', ['get', 'create'], { by: 'client' }), ...MYCNF_READ],
  'ha upgrade': [...HA_DAY2_CHANGE, p(CNPG, 'backups', ['list', 'create']), p(CNPG, 'backups', ['watch'], WAIT), p(SNAP, 'volumesnapshots', ['list'])],
}

export const allVerbs: Verb[] = [...VERBS]

/** Resolves `--verbs` words: a verb's path ("backup create", or "backup-create"), or a group (backup, ha). */
export function resolveVerbs(words: string[]): { verbs: Verb[]; unknown: string[] } {
  const verbs: Verb[] = []
  const unknown: string[] = []
  for (const w of words) {
    const words = w.trim().replace(/-/g, ' ').replace(/\s+/g, ' ')
    // `backup schedule set|list|run|…` share one row: every one installs, reads or runs the same chart.
    const path = words.startsWith('backup schedule ') || words === 'schedule' ? 'backup schedule' : words
    const group = VERB_GROUPS[path]
    if (group) verbs.push(...group)
    else if ((VERBS as readonly string[]).includes(path)) verbs.push(path as Verb)
    else unknown.push(w)
  }
  return { verbs: [...new Set(verbs)], unknown }
}

/** Resources that are cluster-scoped, or read across namespaces by the detectors only: ClusterRole rules. */
const CLUSTER_RESOURCES = new Set([
  'clusterroles',
  'clusterrolebindings',
  'namespaces',
  'persistentvolumes',
  'storageclasses',
  'volumesnapshotcontents',
  'volumesnapshotclasses',
  'customresourcedefinitions',
  'leases',
  'deployments',
  'prometheuses',
  'prometheusagents',
])

export interface RequestedPermission {
  group: string
  resource: string
  verb: string
  cluster: boolean
}

/**
 * The RBAC rule an API request needs (as the API server's RequestInfo resolves it): GET of an item `get`, of
 * a collection `list` (or `watch` with watch=1), POST `create`, PUT `update`, PATCH `patch`, DELETE `delete`
 * (`deletecollection` on a collection). Undefined for what every authenticated user may do: discovery,
 * /version, SelfSubjectAccessReviews.
 */
export function permissionOf(method: string, url: string): RequestedPermission | undefined {
  const [pathPart, query = ''] = url.split('?') as [string, string | undefined]
  const segs = pathPart.split('/').filter(Boolean).map(decodeURIComponent)
  let group: string
  let rest: string[]
  if (segs[0] === 'api') {
    group = ''
    rest = segs.slice(2)
  } else if (segs[0] === 'apis') {
    group = segs[1] ?? ''
    rest = segs.slice(3)
  } else return undefined
  if (group === 'authorization.k8s.io') return undefined
  if (rest.length === 0) return undefined // discovery
  // namespaces/<ns>/<resource>/… ; a bare namespaces/<ns> is the Namespace object itself
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2)
  const [resource, name, sub] = rest as [string, string | undefined, string | undefined]
  const watch = /(^|&)watch=(1|true)(&|$)/.test(query)
  const m = method.toUpperCase()
  const verb =
    m === 'GET' ? (name === undefined ? (watch ? 'watch' : 'list') : 'get')
    : m === 'POST' ? 'create'
    : m === 'PUT' ? 'update'
    : m === 'PATCH' ? 'patch'
    : m === 'DELETE' ? (name === undefined ? 'deletecollection' : 'delete')
    : m.toLowerCase()
  return { group, resource: sub ? `${resource}/${sub}` : resource, verb, cluster: CLUSTER_RESOURCES.has(resource) }
}

export interface PolicyRule {
  apiGroups: string[]
  resources: string[]
  verbs: string[]
}

/** Merges permissions into compact rules: one rule per (group, verb set), resources sorted. */
export function toRules(perms: Permission[]): PolicyRule[] {
  const byResource = new Map<string, { group: string; resource: string; verbs: Set<string> }>()
  for (const perm of perms) {
    const key = `${perm.group}/${perm.resource}`
    const e = byResource.get(key) ?? { group: perm.group, resource: perm.resource, verbs: new Set<string>() }
    for (const v of perm.verbs) e.verbs.add(v)
    byResource.set(key, e)
  }
  const order = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']
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
  const namespaced = toRules(perms.filter((x) => !x.cluster))
  const cluster = toRules(perms.filter((x) => x.cluster))
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
  // One check per (group, resource, verb); required when any entry of the verb needs it.
  const checks = new Map<string, AccessCheck & { optional: boolean }>()
  for (const perm of permissions[verb]) {
    for (const v of perm.verbs) {
      const key = `${perm.group}|${perm.resource}|${v}`
      const [resource, subresource] = perm.resource.split('/') as [string, string | undefined]
      const prev = checks.get(key)
      checks.set(key, {
        verb: v,
        group: perm.group,
        resource,
        ...(subresource ? { subresource } : {}),
        ...(perm.cluster ? {} : { namespace }),
        optional: (prev?.optional ?? true) && perm.optional === true,
      })
    }
  }
  return [...checks.values()]
}

export function describeCheck(c: AccessCheck): string {
  const res = `${c.resource}${c.subresource ? `/${c.subresource}` : ''}${c.group ? `.${c.group}` : ''}`
  return `${c.verb} ${res}`
}
