// The MariaDB operator (k8s.mariadb.com/v1alpha1 MariaDB), v25.10: asynchronous replication (the default)
// or Galera. Switchover is a spec change — spec.replication.primary.podIndex — that the operator carries out
// (lock, read_only, wait for the replicas, promote) and reports through status.currentPrimary and the
// PrimarySwitched condition. The <name>-primary Service routes to status.currentPrimary, <name>-secondary to
// the replicas. Backups are PhysicalBackup objects with storage.volumeSnapshot; a restore is a new MariaDB
// bootstrapped from the backup's VolumeSnapshot. Pure: builders and readers only.
import { NotFoundError, PreconditionError, UsageError } from '../../../errors.ts'
import { resource } from '../../../k8s/kube.ts'
import type { KubeObject, Pod, Secret } from '../../../k8s/types.ts'
import { ANN, ENGINE_VERSION, INSTANCE, Kinds } from '../../../k8s/labels.ts'
import { byOrdinal, podReady, trailingOrdinal, type HaBackupView, type HaEngine, type HaSpec, type HaView, type MemberView, type Passwords, type Topology } from '../engine.ts'
import { normalize, rewriteImage } from '../../placement.ts'
import { HA_BACKUP_TEMPLATE, haLabels, haSecretName, secretMeta, statusWordFrom, validateInstanceCount } from '../model.ts'
import { clusterAnnotations } from './cnpg.ts'
import { myCnf, paramsFromCnf, parseMysqlParams } from './mysql-params.ts'

interface Condition {
  type: string
  status: string
  reason?: string
  message?: string
  lastTransitionTime?: string
}

interface SecretKeyRef {
  name: string
  key: string
  generate?: boolean
}

/** The fields of k8s.mariadb.com/v1alpha1 MariaDB that dbaas writes and reads. */
export interface MariaDB extends KubeObject {
  spec?: {
    replicas?: number
    image?: string
    rootPasswordSecretKeyRef?: SecretKeyRef
    username?: string
    passwordSecretKeyRef?: SecretKeyRef
    database?: string
    storage?: { size?: string; storageClassName?: string }
    myCnf?: string
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> }
    replication?: {
      enabled?: boolean
      primary?: { podIndex?: number; autoFailover?: boolean }
      replica?: { bootstrapFrom?: { physicalBackupTemplateRef?: { name: string } } }
    }
    galera?: { enabled?: boolean; primary?: { podIndex?: number; autoFailover?: boolean } }
    bootstrapFrom?: { volumeSnapshotRef?: { name: string }; backupContentType?: 'Physical' | 'Logical' }
    [key: string]: unknown
  }
  status?: {
    conditions?: Condition[]
    replicas?: number
    currentPrimary?: string
    currentPrimaryPodIndex?: number
    replication?: {
      roles?: Record<string, string>
      replicas?: Record<string, { slaveIORunning?: boolean; slaveSQLRunning?: boolean; secondsBehindMaster?: number; lastIOError?: string; lastSQLError?: string }>
    }
    [key: string]: unknown
  }
}

/** k8s.mariadb.com/v1alpha1 PhysicalBackup. */
export interface PhysicalBackup extends KubeObject {
  spec?: {
    mariaDbRef?: { name: string; namespace?: string; waitForIt?: boolean }
    storage?: { volumeSnapshot?: { volumeSnapshotClassName?: string } }
    schedule?: { cron?: string; suspend?: boolean; immediate?: boolean }
    maxRetention?: string
    timeout?: string
    [key: string]: unknown
  }
  status?: { conditions?: Condition[]; lastScheduleTime?: string; lastScheduleCheckTime?: string }
}

export const MARIADB = {
  mariadbs: resource<MariaDB>({ group: 'k8s.mariadb.com', version: 'v1alpha1', plural: 'mariadbs', kind: 'MariaDB', namespaced: true }),
  physicalBackups: resource<PhysicalBackup>({ group: 'k8s.mariadb.com', version: 'v1alpha1', plural: 'physicalbackups', kind: 'PhysicalBackup', namespaced: true }),
}

/** The label the operator puts on the VolumeSnapshots of a PhysicalBackup (pkg/metadata). */
export const PHYSICAL_BACKUP_LABEL = 'physicalbackup.k8s.mariadb.com/name'
/** Where dbaas records the VolumeSnapshotClass the cluster's backups use (the MariaDB has no field for it). */
export const SNAPSHOT_CLASS_ANN = 'dbaas.io/snapshot-class'
/** MariaDB lines the operator supports (README: MariaDB Community >= 10.6), newest first; its default image is 11.8. */
export const MARIADB_VERSIONS = ['11.8', '11.4', '10.11', '10.6'] as const
export const MARIADB_IMAGE = 'docker-registry1.mariadb.com/library/mariadb'
export const MARIADB_PORT = 3306

export const MARIADB_INSTALL_HINT =
  'install the MariaDB operator first: `helm repo add mariadb-operator https://helm.mariadb.com/mariadb-operator && ' +
  'helm install mariadb-operator-crds mariadb-operator/mariadb-operator-crds --version 25.10.2 && ' +
  'helm install mariadb-operator mariadb-operator/mariadb-operator --version 25.10.2 -n mariadb-operator --create-namespace`; ' +
  'pass --skip-operator-check if it is installed later (GitOps)'

/** Settings the operator writes itself (replication, Galera, its agent), refused in --param. */
export const MANAGED = new Set([
  'wsrep_*', 'server_id', 'log_bin', 'log_basename', 'gtid_domain_id', 'gtid_strict_mode', 'read_only', 'sync_binlog',
  'rpl_semi_sync_master_enabled', 'rpl_semi_sync_slave_enabled', 'rpl_semi_sync_master_timeout', 'rpl_semi_sync_master_wait_point',
  'datadir', 'port', 'socket', 'bind_address', 'ssl_ca', 'ssl_cert', 'ssl_key', 'require_secure_transport',
])

function cond(m: MariaDB, type: string): Condition | undefined {
  return (m.status?.conditions ?? []).find((c) => c.type === type)
}

function isTrue(m: MariaDB, type: string): boolean {
  return cond(m, type)?.status === 'True'
}

function isFalse(m: MariaDB, type: string): boolean {
  return cond(m, type)?.status === 'False'
}

export function topologyOf(m: MariaDB): Topology {
  return m.spec?.galera?.enabled ? 'galera' : 'replication'
}

export function podName(m: MariaDB, index: number): string {
  return `${m.metadata.name}-${index}`
}

/** The index the spec asks to be primary (replication) — the operator's own default is 0. */
function wantedIndex(m: MariaDB): number {
  return (topologyOf(m) === 'galera' ? m.spec?.galera?.primary?.podIndex : m.spec?.replication?.primary?.podIndex) ?? 0
}

/** A switchover the operator has not finished: PrimarySwitched False, or the spec's index not yet the status's. */
export function switching(m: MariaDB): string | undefined {
  const c = cond(m, 'PrimarySwitched')
  if (c?.status === 'False') return c.message || 'a primary switchover is in progress'
  if (topologyOf(m) === 'replication' && m.status?.currentPrimaryPodIndex !== undefined && wantedIndex(m) !== m.status.currentPrimaryPodIndex) {
    return `a switchover to ${podName(m, wantedIndex(m))} is requested (spec.replication.primary.podIndex ${wantedIndex(m)}, current ${m.status.currentPrimary ?? m.status.currentPrimaryPodIndex})`
  }
  return undefined
}

export function busy(m: MariaDB): string | undefined {
  const sw = switching(m)
  if (sw) return sw
  for (const [type, what] of [
    ['ScaledOut', 'scaling out'],
    ['BackupRestored', 'restoring a backup'],
    ['ReplicaRecovered', 'recovering a replica'],
    ['StorageResized', 'resizing storage'],
  ] as const) {
    const c = cond(m, type)
    if (c?.status === 'False') return `${what}${c.message ? ` (${c.message})` : ''}`
  }
  return undefined
}

export function healthy(m: MariaDB): boolean {
  const want = m.spec?.replicas ?? 1
  if (!isTrue(m, 'Ready') || busy(m)) return false
  if ((m.status?.replicas ?? 0) < want) return false
  if (topologyOf(m) === 'galera' && isFalse(m, 'GaleraReady')) return false
  return true
}

function versionOf(m: MariaDB): string {
  const tag = m.spec?.image?.split('@')[0]?.split(':')[1]
  if (tag) return tag.split('-')[0]?.split('.').slice(0, 2).join('.') ?? tag
  return m.metadata.labels?.[ENGINE_VERSION] ?? 'default'
}

export function mariadbView(m: MariaDB): HaView {
  const ann = m.metadata.annotations ?? {}
  const want = m.spec?.replicas ?? 0
  const ready = m.status?.replicas ?? 0
  const r = cond(m, 'Ready')
  const sw = switching(m)
  return {
    kind: 'ha-cluster',
    name: m.metadata.labels?.[INSTANCE] ?? m.metadata.name,
    namespace: m.metadata.namespace ?? '',
    engine: 'mariadb',
    operator: 'MariaDB operator',
    topology: topologyOf(m),
    version: versionOf(m),
    phase: r?.message ?? '',
    phaseReason: r?.reason ?? null,
    status: statusWordFrom({
      deleting: Boolean(m.metadata.deletionTimestamp),
      switching: sw !== undefined,
      failingOver: false,
      healthy: healthy(m),
      creating: !r || !m.status?.currentPrimary,
    }),
    currentPrimary: m.status?.currentPrimary ?? null,
    targetPrimary: topologyOf(m) === 'replication' && m.spec?.replication?.primary?.podIndex !== undefined ? podName(m, wantedIndex(m)) : (m.status?.currentPrimary ?? null),
    instances: want,
    readyInstances: ready,
    ready: `${ready}/${want}`,
    storage: ann[ANN.storage] ?? m.spec?.storage?.size ?? null,
    database: ann[ANN.database] ?? m.spec?.database ?? null,
    user: ann[ANN.user] ?? m.spec?.username ?? null,
    createdAt: m.metadata.creationTimestamp ?? null,
    restoredFrom: ann[ANN.restoredFrom] ?? null,
  }
}

function replicating(m: MariaDB, name: string): string | undefined {
  const role = m.status?.replication?.roles?.[name]
  if (role !== 'Replica') return role ? `its replication role is ${role}` : 'the operator reports no replication role for it'
  const r = m.status?.replication?.replicas?.[name]
  if (!r) return 'the operator reports no replication status for it'
  if (r.slaveIORunning !== true || r.slaveSQLRunning !== true) {
    const err = r.lastIOError || r.lastSQLError
    return `its replication threads are not running (IO ${r.slaveIORunning ?? false}, SQL ${r.slaveSQLRunning ?? false})${err ? `: ${err}` : ''}`
  }
  return undefined
}

export function mariadbMembers(m: MariaDB, pods: Pod[]): MemberView[] {
  const byName = new Map(pods.map((p) => [p.metadata.name, p]))
  const names = new Set<string>(pods.map((p) => p.metadata.name))
  for (let i = 0; i < (m.spec?.replicas ?? 0); i++) names.add(podName(m, i))
  const galera = topologyOf(m) === 'galera'
  return [...names].sort(byOrdinal).map((name) => {
    const primary = name === m.status?.currentPrimary
    const state = galera ? (primary ? 'primary service' : null) : (m.status?.replication?.roles?.[name] ?? null)
    return {
      name,
      role: galera ? (primary ? 'writer' : 'member') : primary ? 'primary' : 'replica',
      ready: podReady(byName.get(name)) && (galera || primary || replicating(m, name) === undefined),
      state,
      fenced: false,
    }
  })
}

export function mariadbWhere(m: MariaDB | undefined): string {
  if (!m) return 'the MariaDB is gone'
  const r = cond(m, 'Ready')
  const ps = cond(m, 'PrimarySwitched')
  return `currentPrimary ${m.status?.currentPrimary ?? '<none>'}, spec.${topologyOf(m)}.primary.podIndex ${wantedIndex(m)}, Ready ${r?.status ?? '<none>'}${r?.message ? ` ("${r.message}")` : ''}${ps ? `, PrimarySwitched ${ps.status}` : ''}, ${m.status?.replicas ?? 0}/${m.spec?.replicas ?? '?'} ready`
}

function resolve(m: MariaDB, to: string): string {
  return /^[0-9]+$/.test(to) ? podName(m, Number(to)) : to
}

function memberNames(m: MariaDB, pods: Pod[]): string[] {
  return mariadbMembers(m, pods).map((x) => x.name)
}

export function checkMariadbSwitchover(m: MariaDB, pods: Pod[], target: string): 'ok' | 'already' {
  const name = m.metadata.name
  const ns = m.metadata.namespace
  const known = memberNames(m, pods)
  const idx = trailingOrdinal(target)
  if (!known.includes(target) || !(idx < (m.spec?.replicas ?? 0))) {
    throw new NotFoundError(`${target} is not a member of HA cluster ${name}`, { hint: known.length ? `its members: ${known.join(', ')}` : `\`dbaas ha status ${name} -n ${ns}\` lists its members` })
  }
  const sw = switching(m)
  if (m.status?.currentPrimary === target && !sw) return 'already'
  const b = busy(m)
  if (b) throw new PreconditionError(`HA cluster ${name} is busy: ${b}`, { hint: `wait for it to finish (\`dbaas ha status ${name} -n ${ns}\`), then try again` })
  const pod = pods.find((p) => p.metadata.name === target)
  const others = () => candidates(m, pods).map((x) => x.name).join(', ') || 'none is ready now'
  if (!podReady(pod)) throw new PreconditionError(`${target} is not ready, so it cannot take over`, { hint: `pick a ready replica: ${others()}` })
  const why = replicating(m, target)
  if (why) throw new PreconditionError(`${target} is not replicating (${why}), so it cannot take over`, { hint: `pick a replica that replicates: ${others()}` })
  return 'ok'
}

function candidates(m: MariaDB, pods: Pod[]): MemberView[] {
  return mariadbMembers(m, pods).filter((x) => x.role === 'replica' && x.ready)
}

/** The switchover request: a merge patch of spec.replication.primary.podIndex carrying resourceVersion. */
export function podIndexPatch(resourceVersion: string, index: number): Record<string, unknown> {
  return { metadata: { resourceVersion }, spec: { replication: { primary: { podIndex: index } } } }
}

export function buildMariaDB(s: HaSpec): MariaDB {
  const secret = haSecretName(s.name)
  const resources: Record<string, Record<string, string>> = {}
  if (s.cpu) resources.requests = { ...resources.requests, cpu: s.cpu }
  if (s.memory) {
    resources.requests = { ...resources.requests, memory: s.memory }
    resources.limits = { memory: s.memory }
  }
  const cnf = myCnf('mariadb', s.params)
  const replication = s.topology === 'replication'
  const p = normalize(s.placement ?? {})
  return {
    apiVersion: 'k8s.mariadb.com/v1alpha1',
    kind: 'MariaDB',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      labels: haLabels(s, Kinds.haCluster),
      annotations: { ...clusterAnnotations(s), ...(s.snapshotClass ? { [SNAPSHOT_CLASS_ANN]: s.snapshotClass } : {}) },
    },
    spec: {
      replicas: s.instances,
      image: rewriteImage(`${MARIADB_IMAGE}:${s.version ?? MARIADB_VERSIONS[0]}`, p.imageRegistry),
      ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
      ...(p.tolerations ? { tolerations: p.tolerations.map((t) => ({ ...t })) } : {}),
      ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
      ...(p.imagePullSecrets ? { imagePullSecrets: p.imagePullSecrets.map((name) => ({ name })) } : {}),
      rootPasswordSecretKeyRef: { name: secret, key: 'root', generate: false },
      username: s.user,
      passwordSecretKeyRef: { name: secret, key: 'password', generate: false },
      database: s.database,
      storage: { size: s.storage, ...(s.storageClass ? { storageClassName: s.storageClass } : {}) },
      ...(cnf ? { myCnf: cnf } : {}),
      ...(Object.keys(resources).length ? { resources } : {}),
      ...(replication
        ? {
            replication: {
              enabled: true,
              primary: { podIndex: 0, autoFailover: true },
              ...(s.snapshotClass ? { replica: { bootstrapFrom: { physicalBackupTemplateRef: { name: templateName(s.name) } } } } : {}),
            },
          }
        : { galera: { enabled: true, primary: { autoFailover: true } } }),
      ...(s.recovery ? { bootstrapFrom: { volumeSnapshotRef: { name: s.recovery.dataSnapshot }, backupContentType: 'Physical' as const } } : {}),
    },
  }
}

export function templateName(cluster: string): string {
  return `${cluster}-replica-template`
}

/** The suspended PhysicalBackup the operator copies to seed a new replica when the cluster scales out. */
export function buildTemplate(s: HaSpec): PhysicalBackup {
  return {
    apiVersion: 'k8s.mariadb.com/v1alpha1',
    kind: 'PhysicalBackup',
    metadata: { name: templateName(s.name), namespace: s.namespace, labels: haLabels(s, HA_BACKUP_TEMPLATE) },
    spec: {
      mariaDbRef: { name: s.name },
      schedule: { suspend: true },
      storage: { volumeSnapshot: { volumeSnapshotClassName: s.snapshotClass as string } },
    },
  }
}

export function buildMariadbSecret(s: HaSpec, p: Passwords): Secret {
  return { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/basic-auth', metadata: secretMeta(s), stringData: { username: s.user, password: p.password, root: p.root } }
}

export function physicalBackupView(b: PhysicalBackup, snaps: KubeObject[] = []): HaBackupView {
  const c = (b.status?.conditions ?? []).find((x) => x.type === 'Complete')
  const phase = c?.status === 'True' ? 'completed' : c?.reason === 'SnapshotFailed' ? 'failed' : c?.reason === 'SnapshotInProgress' ? 'running' : 'pending'
  const mine = snaps.filter((s) => s.metadata.labels?.[PHYSICAL_BACKUP_LABEL] === b.metadata.name).sort((x, y) => x.metadata.name.localeCompare(y.metadata.name))
  return {
    name: b.metadata.name,
    namespace: b.metadata.namespace ?? '',
    cluster: b.spec?.mariaDbRef?.name ?? '',
    engine: 'mariadb',
    object: 'physicalbackup.k8s.mariadb.com',
    method: 'volumeSnapshot',
    phase,
    startedAt: b.status?.lastScheduleTime ?? b.metadata.creationTimestamp ?? null,
    stoppedAt: c?.status === 'True' ? (c.lastTransitionTime ?? null) : null,
    snapshots: mine.map((s) => ({ name: s.metadata.name, type: 'DATA' })),
    error: phase === 'failed' ? (c?.message ?? null) : null,
    expiresAt: b.metadata.annotations?.['dbaas.io/expires-at'] ?? null,
  }
}

export const mariadb: HaEngine<MariaDB, PhysicalBackup> = {
  id: 'mariadb',
  engine: 'mariadb',
  words: ['mariadb'],
  displayName: 'MariaDB (MariaDB operator)',
  operator: {
    name: 'MariaDB operator',
    group: 'k8s.mariadb.com',
    version: 'v1alpha1',
    plural: 'mariadbs',
    crd: 'mariadbs.k8s.mariadb.com',
    // The chart labels the controller app.kubernetes.io/name=mariadb-operator (its webhook and cert-controller get -webhook/-cert-controller).
    deploymentSelector: 'app.kubernetes.io/name=mariadb-operator',
    lease: 'mariadb-operator.mariadb.com',
    defaultNamespace: 'mariadb-operator',
    installHint: MARIADB_INSTALL_HINT,
  },
  resource: MARIADB.mariadbs,
  object: 'mariadb.k8s.mariadb.com',
  versions: MARIADB_VERSIONS,
  defaultVersion: MARIADB_VERSIONS[0],
  topologies: ['replication', 'galera'],
  flags: new Set(['--galera', '--snapshot-class', '--to']),
  port: MARIADB_PORT,
  scheme: 'mysql',
  validateName: () => undefined,
  reservedUsers: ['root', 'repl', 'mariadb.sys', 'mysql'],
  validateInstances: (n, t, flag) =>
    t === 'galera'
      ? validateInstanceCount(n, flag, { min: 3, odd: true, why: 'a Galera cluster needs an odd number of members, at least 3 (the operator refuses even counts to avoid split brain)' })
      : validateInstanceCount(n, flag, { min: 2, why: 'MariaDB replication needs a primary and at least one replica (the operator refuses 1); for a single server use `dbaas create mariadb`' }),
  parseParams: (list) => parseMysqlParams(list, 'the MariaDB operator', MANAGED),
  validateVersion: (v) => {
    const x = v.trim()
    if (!(MARIADB_VERSIONS as readonly string[]).includes(x)) throw new UsageError(`--version "${v}" is not a MariaDB version dbaas runs with the MariaDB operator`, { hint: `use one of ${MARIADB_VERSIONS.join(', ')}` })
    return x
  },
  secret: buildMariadbSecret,
  build: buildMariaDB,
  extras: (s) => (s.topology === 'replication' && s.snapshotClass && !s.recovery ? [buildTemplate(s)] : []),
  view: mariadbView,
  members: mariadbMembers,
  services: (m) => {
    const ns = m.metadata.namespace ?? ''
    const host = (svc: string) => `${svc}.${ns}.svc.cluster.local`
    return { rw: host(`${m.metadata.name}-primary`), ro: host(`${m.metadata.name}-secondary`), r: host(m.metadata.name), port: MARIADB_PORT }
  },
  podSelector: (m) => `app.kubernetes.io/name=mariadb,app.kubernetes.io/instance=${m.metadata.name}`,
  // The operator's storage PVCs (storage-<name>-<n>) have no owner: they outlive the MariaDB.
  dataSelector: (m) => `app.kubernetes.io/name=mariadb,app.kubernetes.io/instance=${m.metadata.name},pvc.k8s.mariadb.com/role=storage`,
  writerSelector: (m) => `app.kubernetes.io/name=mariadb,app.kubernetes.io/instance=${m.metadata.name}${m.status?.currentPrimary ? `,statefulset.kubernetes.io/pod-name=${m.status.currentPrimary}` : ''}`,
  secretName: (m) => m.spec?.passwordSecretKeyRef?.name ?? haSecretName(m.metadata.name),
  paramsOf: (m) => paramsFromCnf(m.spec?.myCnf),
  healthy,
  busy,
  whereItStands: mariadbWhere,
  scale: {
    patch: (_m, n) => ({ spec: { replicas: n } }),
    check: (m, n) => {
      if (topologyOf(m) === 'replication' && n > (m.spec?.replicas ?? 0) && !m.spec?.replication?.replica?.bootstrapFrom?.physicalBackupTemplateRef) {
        throw new PreconditionError(`HA cluster ${m.metadata.name} cannot scale out: the MariaDB operator seeds new replicas from a PhysicalBackup template (spec.replication.replica.bootstrapFrom), and this cluster has none`, {
          hint: 'dbaas sets one when the cluster has a VolumeSnapshotClass at create (--snapshot-class, or a default class); add one to the MariaDB (docs/replication.md, "Scaling out"), or scale in',
        })
      }
    },
  },
  failover: (m) => ({
    ...(topologyOf(m) === 'replication'
      ? {
          switchover: {
            what: 'a merge patch of spec.replication.primary.podIndex',
            resolve,
            candidates,
            check: checkMariadbSwitchover,
            request: (c, target) => ({ patch: podIndexPatch(c.metadata.resourceVersion ?? '', trailingOrdinal(target)) }),
            done: (c, target) => c.status?.currentPrimary === target && c.status?.currentPrimaryPodIndex === trailingOrdinal(target) && healthy(c),
            diverged: (c, target) => {
              const idx = c.spec?.replication?.primary?.podIndex
              return idx !== undefined && idx !== trailingOrdinal(target) ? `spec.replication.primary.podIndex is now ${idx}, not ${trailingOrdinal(target)}: someone else asked for another primary (${mariadbWhere(c)})` : undefined
            },
          },
        }
      : {}),
    force: {
      what: topologyOf(m) === 'galera' ? 'delete the member the <name>-primary Service routes to and wait until the operator moves it to another ready member' : "delete the primary's pod and wait for the operator's automatic failover",
      victim: (c) => c.status?.currentPrimary,
      check: (c, pods, victim) => {
        const name = c.metadata.name
        const b = busy(c)
        if (b) throw new PreconditionError(`HA cluster ${name} is busy: ${b}`, { hint: 'wait for it to finish, then try again' })
        const auto = topologyOf(c) === 'galera' ? c.spec?.galera?.primary?.autoFailover : c.spec?.replication?.primary?.autoFailover
        if (auto === false) {
          throw new PreconditionError(`HA cluster ${name} has automatic failover off (spec.${topologyOf(c)}.primary.autoFailover: false), so nothing would take over`, { hint: 'turn it on, or switch over instead' })
        }
        const others = mariadbMembers(c, pods).filter((x) => x.name !== victim && x.ready)
        if (others.length === 0) {
          throw new PreconditionError(`HA cluster ${name} has no other ready member that could take over from ${victim}`, {
            hint: `\`dbaas ha status ${name} -n ${c.metadata.namespace}\` shows each member`,
          })
        }
      },
      movedTo: (c, pods, victim) => {
        const now = c.status?.currentPrimary
        return now && now !== victim && podReady(pods.find((p) => p.metadata.name === now)) ? now : undefined
      },
      recovered: (c) => healthy(c),
    },
  }),
  backups: {
    resource: MARIADB.physicalBackups,
    object: 'physicalbackup.k8s.mariadb.com',
    refuse: (m) =>
      m.metadata.annotations?.[SNAPSHOT_CLASS_ANN]
        ? undefined
        : {
            message: `HA cluster ${m.metadata.name} has no VolumeSnapshotClass recorded (annotation ${SNAPSHOT_CLASS_ANN}), so dbaas cannot ask the MariaDB operator for a volume-snapshot PhysicalBackup`,
            hint: `mark a VolumeSnapshotClass for its storage as default and recreate, or annotate the MariaDB: \`kubectl annotate mariadb ${m.metadata.name} -n ${m.metadata.namespace} ${SNAPSHOT_CLASS_ANN}=<class>\``,
          },
    build: (m, name, o) => ({
      apiVersion: 'k8s.mariadb.com/v1alpha1',
      kind: 'PhysicalBackup',
      metadata: { name, namespace: m.metadata.namespace, labels: o.labels, annotations: o.annotations },
      spec: { mariaDbRef: { name: m.metadata.name }, storage: { volumeSnapshot: { volumeSnapshotClassName: m.metadata.annotations?.[SNAPSHOT_CLASS_ANN] ?? '' } } },
    }),
    view: (b, snaps) => physicalBackupView(b, snaps),
    clusterOf: (b) => b.spec?.mariaDbRef?.name ?? '',
    snapshotSelector: (b) => `${PHYSICAL_BACKUP_LABEL}=${b.metadata.name}`,
    restoreSnapshots: (v) => ({ data: v.snapshots[v.snapshots.length - 1]?.name }),
  },
}
