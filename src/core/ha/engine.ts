// The HA engine contract: what one operator-backed HA engine (CloudNativePG, Percona XtraDB Cluster, the
// MariaDB operator) gives the engine-neutral core. An entry is data plus pure functions — builders of the
// resources dbaas sends, readers of the operator's status into one dbaas shape, and the flags it supports —
// and the optional capabilities a verb needs (scale, failover, backups). The core does every request and
// every wait; an entry never does IO.
//
// Adding a day-2 verb (resize, stop/start, restart, upgrade, config) is adding an optional capability here
// (e.g. `resize?: { patch(c, size): object; done(c, size): boolean }`), filling it in the entries whose
// operator supports it, and calling `capability(engine, 'resize', …)` in the verb's core: an engine without
// it exits 7 naming the engines that have it.
import type { KubeObject, ResourceType } from '../../k8s/kube.ts'
import type { Pod, Secret } from '../../k8s/types.ts'
import type { HaDay2Capability } from '../day2/capability.ts'
import type { Placement } from '../placement.ts'

export type HaEngineId = 'cnpg' | 'pxc' | 'mariadb'

/** How the members replicate: CNPG streaming standbys, MariaDB asynchronous replication, or Galera. */
export type Topology = 'streaming' | 'replication' | 'galera'

/** The flags whose support differs between engines (a flag an engine does not support exits 2). */
export type HaFlag = '--galera' | '--snapshot-class' | '--offline' | '--to' | '--metrics'

export interface HaSpec {
  engine: HaEngineId
  topology: Topology
  name: string
  namespace: string
  instances: number
  database: string
  user: string
  storage: string
  storageClass?: string | undefined
  cpu?: string | undefined
  memory?: string | undefined
  /** The engine's version (a PostgreSQL major, a MySQL or MariaDB minor line); undefined = the operator's default. */
  version?: string | undefined
  /** Server parameters, checked by the engine's own rule. */
  params: Record<string, string>
  /** VolumeSnapshotClass for volume-snapshot backups (engines with snapshot backups). */
  snapshotClass?: string | undefined
  /** A new cluster bootstrapped from a backup's snapshots (ha restore) instead of an empty one. */
  recovery?: { dataSnapshot: string; walSnapshot?: string | undefined; source: string } | undefined
  /** Node selector, tolerations, priority class, pull secrets, image registry (core/placement.ts), for every member. */
  placement?: Placement | undefined
}

export interface Passwords {
  /** The database owner's (the application user's) password. */
  password: string
  /** The engine superuser's (MySQL/MariaDB root); unused by CloudNativePG, which keeps its own. */
  root: string
}

export type MemberRole = 'primary' | 'standby' | 'replica' | 'writer' | 'member'

export interface MemberView {
  name: string
  role: MemberRole
  ready: boolean
  /** What the operator says of this member (CNPG's instancesStatus key, MariaDB's replication role…), or null. */
  state: string | null
  fenced: boolean
}

export interface HaServices {
  /** Read-write: the primary, or the member the proxy writes to. */
  rw: string
  /** Read-only: the standbys/replicas (for Galera, the proxy's reader port). */
  ro: string
  /** Any member. */
  r: string
  port: number
}

export interface HaView {
  kind: 'ha-cluster'
  name: string
  namespace: string
  engine: string
  /** The operator behind it: CloudNativePG, Percona XtraDB Cluster, MariaDB operator. */
  operator: string
  topology: Topology
  version: string
  phase: string
  phaseReason: string | null
  /** Ready, Degraded, Switching, FailingOver, Creating, Deleting — one word for tables. */
  status: string
  /** The primary (streaming, replication) or the member the proxy writes to (Galera). */
  currentPrimary: string | null
  targetPrimary: string | null
  instances: number
  readyInstances: number
  ready: string
  storage: string | null
  database: string | null
  user: string | null
  createdAt: string | null
  restoredFrom: string | null
}

export interface LastBackup {
  name: string
  phase: string
  completedAt: string | null
}

export interface HaStatusView extends HaView {
  members: MemberView[]
  services: HaServices
  lastBackup: LastBackup | null
}

/** The neutral view of one backup, whatever object the operator keeps it in. */
export interface HaBackupView {
  name: string
  namespace: string
  cluster: string
  engine: string
  /** The operator's object: backup.postgresql.cnpg.io, physicalbackup.k8s.mariadb.com. */
  object: string
  method: string
  /** pending, running, completed, failed. */
  phase: string
  startedAt: string | null
  stoppedAt: string | null
  snapshots: Array<{ name: string; type: string }>
  error: string | null
  /** --retention at create: when `ha backup prune` may delete it; null = kept until deleted. */
  expiresAt: string | null
}

/** Where an operator is found: its CRD (by discovery), its Deployment's labels, its leader Lease. */
export interface OperatorSpec {
  /** The operator's name in messages: "CloudNativePG". */
  name: string
  group: string
  version: string
  /** The plural discovery must list for the CRD to count as served. */
  plural: string
  crd: string
  /** Label selector of the operator's Deployment, as its own manifests label it. */
  deploymentSelector: string
  lease: string
  /** Where its release manifests install it; tried directly when cluster-wide listing is refused. */
  defaultNamespace: string
  installHint: string
  /**
   * Whether a Deployment that runs the operator watches this namespace (operators installed per namespace).
   * Undefined: it watches every namespace.
   */
  watches?(deployment: KubeObject, namespace: string): boolean
}

/** A switchover to a chosen member, verified. */
export interface SwitchoverCapability<C extends KubeObject> {
  /** --to as the user typed it (a member name or an ordinal) → a member name. */
  resolve(c: C, to: string): string
  /** The ready members a switchover could go to, in ordinal order (the default target is the first). */
  candidates(c: C, pods: Pod[]): MemberView[]
  /** Refusals on the current object (3: not a member; 7: busy, not ready, not replicating); 'already' = nothing to do. */
  check(c: C, pods: Pod[], target: string): 'ok' | 'already'
  /** The one write that requests it: a merge patch carrying resourceVersion, of the object or its status. */
  request(c: C, target: string, nowIso: string): { patch: Record<string, unknown>; subresource?: 'status' }
  /** The operator reports the target as primary and the cluster healthy again. */
  done(c: C, target: string): boolean
  /** The operator went another way (another target): stop waiting, with this message. */
  diverged?(c: C, target: string): string | undefined
  /** A short name of the write, for messages ("status patch", "spec.replication.primary.podIndex"). */
  what: string
}

/** --force: delete the member that takes the writes and wait for the operator (and proxy) to move on. */
export interface ForcedFailoverCapability<C extends KubeObject> {
  /** The member the writes go to now, or undefined when there is none. */
  victim(c: C, pods: Pod[]): string | undefined
  /** Refusals before anything is deleted (7): busy, no other ready member to take over. */
  check(c: C, pods: Pod[], victim: string): void
  /** The member the writes go to once the victim is gone (the operator's promotion, the proxy's routing), or undefined. */
  movedTo(c: C, pods: Pod[], victim: string): string | undefined
  /** Back to full size and healthy. */
  recovered(c: C, pods: Pod[]): boolean
  /** What --force does, for help and messages. */
  what: string
}

export interface FailoverCapability<C extends KubeObject> {
  /** Per topology: a switchover, or (Galera) none — failover then explains and offers --force. */
  switchover?: SwitchoverCapability<C>
  force: ForcedFailoverCapability<C>
}

/** Volume-snapshot backups kept in an operator's object, and restores from them into a new cluster. */
export interface BackupCapability<C extends KubeObject, B extends KubeObject = KubeObject> {
  resource: ResourceType<B>
  /** "backup.postgresql.cnpg.io" */
  object: string
  /** The cluster cannot take one now (e.g. no snapshot class): a refusal (7) with its hint, else undefined. */
  refuse(c: C): { message: string; hint: string } | undefined
  build(c: C, name: string, o: { online?: boolean | undefined; labels: Record<string, string>; annotations: Record<string, string> }): B
  /** The neutral view; `snaps` are the VolumeSnapshots `snapshotSelector` finds (for operators whose object does not list them). */
  view(b: B, snaps: KubeObject[]): HaBackupView
  /** The cluster a backup object belongs to. */
  clusterOf(b: B): string
  /** Label selector of the VolumeSnapshots the operator took for this backup (to find and delete them). */
  snapshotSelector(b: B): string
  /** The snapshot a restore starts from (data; CNPG may add a WAL one). */
  restoreSnapshots(v: HaBackupView, snaps: KubeObject[]): { data?: string; wal?: string }
}

export interface HaEngine<C extends KubeObject = KubeObject, B extends KubeObject = KubeObject> {
  id: HaEngineId
  /** The dbaas.io/engine label and the `engine` of every view: postgresql, mysql, mariadb. */
  engine: 'postgresql' | 'mysql' | 'mariadb'
  /** The words `ha create <word> <name>` accepts for it. */
  words: readonly string[]
  displayName: string
  operator: OperatorSpec
  resource: ResourceType<C>
  /** The resource in deletion lists: cluster.postgresql.cnpg.io/<name>. */
  object: string
  /** Versions the operator documents for its pinned release, newest first; `defaultVersion` is what dbaas sends without --version. */
  versions: readonly string[]
  defaultVersion: string | undefined
  /** The first is the default. */
  topologies: readonly Topology[]
  flags: ReadonlySet<HaFlag>
  port: number
  scheme: 'postgresql' | 'mysql'
  /** Refuses (2) what the operator would refuse later: name length, instance counts per topology. */
  validateName(name: string): void
  validateInstances(n: number, topology: Topology, flag: string): void
  /** User names the operator keeps for itself (refused as --user). */
  reservedUsers: readonly string[]
  parseParams(list: readonly string[]): Record<string, string>
  validateVersion(v: string): string
  // ---- pure builders ----
  secret(s: HaSpec, p: Passwords): Secret
  build(s: HaSpec): C
  /** Objects sent after the cluster (e.g. MariaDB's scale-out backup template). */
  extras(s: HaSpec): KubeObject[]
  // ---- reading the operator's status ----
  view(c: C): HaView
  members(c: C, pods: Pod[]): MemberView[]
  services(c: C): HaServices
  /** The pods of the cluster (label selector). */
  podSelector(c: C): string
  /**
   * The data PVCs the operator leaves behind when the cluster is deleted (label selector), which `ha delete`
   * removes itself; undefined when they go with the cluster (owner references).
   */
  dataSelector?(c: C): string
  /** The pod the writes go to (for `connect`). */
  writerSelector(c: C): string
  secretName(c: C): string
  /** The server parameters dbaas set (a restore keeps the source's). */
  paramsOf(c: C): Record<string, string>
  /** Healthy: every member ready and nothing in progress. */
  healthy(c: C): boolean
  /** A switchover, failover, scale-out or restore is in progress. */
  busy(c: C): string | undefined
  /** "currentPrimary x, phase y, 2/3 ready": where a wait stopped. */
  whereItStands(c: C | undefined): string
  // ---- capabilities ----
  scale: { patch(c: C, n: number): Record<string, unknown>; check?(c: C, n: number): void }
  failover: (c: C) => FailoverCapability<C>
  backups?: BackupCapability<C, B>
  /** Why this engine has no dbaas backups, and the way it offers instead (exit 7). */
  backupsRefusal?: { message: string; hint: string }
  /** Resources, resize, hibernation, restart and upgrade (core/day2): the verbs an engine lacks exit 7. */
  day2?: HaDay2Capability<C>
}

export function podReady(p: Pod | undefined): boolean {
  return Boolean(p) && !p?.metadata.deletionTimestamp && (p?.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True')
}

/** The ordinal at the end of a StatefulSet-style member name (`x-2`), or NaN. */
export function trailingOrdinal(name: string): number {
  const m = /-([0-9]+)$/.exec(name)
  return m ? Number(m[1]) : NaN
}

export function byOrdinal(a: string, b: string): number {
  return (trailingOrdinal(a) || 0) - (trailingOrdinal(b) || 0) || a.localeCompare(b)
}

/** "x ready" counts for views. */
export function readyOf(ready: number, want: number): string {
  return `${ready}/${want}`
}
