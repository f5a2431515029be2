// The HA model: CloudNativePG's kinds as dbaas uses them, the Cluster and Secret `ha create` sends (pure
// builders), --param parsing, and the view `ha list`/`ha status` print. No IO here.
import { UsageError } from '../../errors.ts'
import { resource, type KubeObject } from '../../k8s/kube.ts'
import type { CnpgBackup, CnpgCluster, Pod, Secret } from '../../k8s/types.ts'
import type { InstanceView } from '../instances.ts'
import { ANN, ENGINE_VERSION, INSTANCE, Kinds, identityLabels, withKind } from '../../k8s/labels.ts'
import { normalize, placementAnnotation, rewriteImage, type Placement } from '../placement.ts'

export const CNPG = {
  clusters: resource<CnpgCluster>({ group: 'postgresql.cnpg.io', version: 'v1', plural: 'clusters', kind: 'Cluster', namespaced: true }),
  backups: resource<CnpgBackup>({ group: 'postgresql.cnpg.io', version: 'v1', plural: 'backups', kind: 'Backup', namespaced: true }),
}

export const PHASE = {
  healthy: 'Cluster in healthy state',
  switchover: 'Switchover in progress',
  failover: 'Failing over',
} as const

/** The annotation CNPG fences instances with: a JSON list of pod names, or ["*"] for all. */
export const FENCED = 'cnpg.io/fencedInstances'
export const POD_CLUSTER_LABEL = 'cnpg.io/cluster'
/** dbaas.io/kind of the initdb Secret: distinct from single instances' `credentials`, so `find`/`list` never take it for one. */
export const HA_CREDENTIALS = 'ha-credentials'
export const ENGINE = 'postgresql'
export const IMAGE_REPO = 'ghcr.io/cloudnative-pg/postgresql'
/** PostgreSQL majors CNPG 1.30 supports. */
export const MAJORS = ['13', '14', '15', '16', '17', '18'] as const
/** The major written when --version is not given (CloudNativePG 1.30's own default operand is 18). */
export const DEFAULT_MAJOR = '18'
export const PG_PORT = 5432

export interface HaSpec {
  name: string
  namespace: string
  instances: number
  database: string
  user: string
  storage: string
  storageClass?: string | undefined
  cpu?: string | undefined
  memory?: string | undefined
  /** PostgreSQL major; undefined = the operator's default image. */
  version?: string | undefined
  params: Record<string, string>
  /** VolumeSnapshotClass for `method: volumeSnapshot` backups (the cluster's default class). */
  snapshotClass?: string | undefined
  /** A recovery bootstrap (ha restore) instead of initdb. */
  recovery?: { dataSnapshot: string; walSnapshot?: string | undefined; source: string } | undefined
  /** Node selector, tolerations, priority class, pull secrets, image registry (core/placement.ts). */
  placement?: Placement | undefined
}

export function haSecretName(name: string): string {
  return `${name}-ha-credentials`
}

/** The operand image of a major, under --image-registry when one is given. */
export function imageFor(major: string, registry?: string | undefined): string {
  return rewriteImage(`${IMAGE_REPO}:${major}`, registry)
}

export function validateMajor(v: string): string {
  const major = v.trim()
  if (!(MAJORS as readonly string[]).includes(major)) {
    throw new UsageError(`--version "${v}" is not a PostgreSQL major CloudNativePG runs`, { hint: `use one of ${MAJORS.join(', ')}, or leave it out for the operator's default` })
  }
  return major
}

export function validateInstances(raw: string | number, flag = '--instances'): number {
  const n = typeof raw === 'number' ? raw : /^[0-9]+$/.test(raw.trim()) ? Number(raw) : NaN
  if (n === 0) throw new UsageError(`${flag} must be at least 1`, { hint: 'a cluster needs a primary: use 1, or 3 for a primary and two standbys' })
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} "${raw}" is not valid`, { hint: 'use a whole number of instances, at least 1 (3 = a primary and two standbys)' })
  if (n > 99) throw new UsageError(`${flag} ${n} is more than dbaas allows (99)`, { hint: 'use fewer instances' })
  return n
}

/** Parameters CNPG manages itself and refuses in spec.postgresql.parameters (its "fixed" list, abridged). */
export const FIXED_PARAMS = new Set([
  'allow_system_table_mods', 'archive_cleanup_command', 'archive_command', 'archive_mode', 'config_file', 'data_directory',
  'hba_file', 'hot_standby', 'ident_file', 'listen_addresses', 'port', 'primary_conninfo', 'primary_slot_name', 'promote_trigger_file',
  'recovery_target', 'recovery_target_action', 'recovery_target_lsn', 'recovery_target_name', 'recovery_target_time', 'recovery_target_timeline',
  'recovery_target_xid', 'restore_command', 'ssl', 'ssl_ca_file', 'ssl_cert_file', 'ssl_key_file', 'unix_socket_directories', 'unix_socket_group',
  'unix_socket_permissions', 'wal_level', 'wal_log_hints',
])

/** `--param key=value`, repeatable: PostgreSQL GUCs, values kept as strings (as CNPG's schema wants). */
export function parseParams(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of list) {
    const eq = item.indexOf('=')
    const key = eq < 0 ? item.trim() : item.slice(0, eq).trim()
    const value = eq < 0 ? '' : item.slice(eq + 1).trim()
    if (eq < 0 || key === '' || value === '') {
      throw new UsageError(`--param "${item}" is not key=value`, { hint: 'e.g. --param max_connections=200 --param shared_buffers=256MB' })
    }
    if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(key)) {
      throw new UsageError(`--param "${key}" is not a PostgreSQL parameter name`, { hint: 'parameter names are lower-case letters, digits and underscores (e.g. max_connections)' })
    }
    if (FIXED_PARAMS.has(key)) {
      throw new UsageError(`--param ${key} is managed by CloudNativePG and cannot be set`, { hint: 'leave it out; the operator sets it for replication and TLS' })
    }
    if (key in out && out[key] !== value) throw new UsageError(`--param ${key} is given twice with different values`, { hint: 'pass each parameter once' })
    out[key] = value
  }
  return out
}

export function haLabels(s: Pick<HaSpec, 'name' | 'version'>, kind: string): Record<string, string> {
  return withKind(identityLabels({ name: s.name, engine: ENGINE, version: s.version ?? 'default' }), kind)
}

export function buildHaSecret(s: HaSpec, password: string): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/basic-auth',
    metadata: {
      name: haSecretName(s.name),
      namespace: s.namespace,
      labels: haLabels(s, HA_CREDENTIALS),
      annotations: { [ANN.database]: s.database, [ANN.user]: s.user },
    },
    // CNPG requires username == the database owner.
    stringData: { username: s.user, password },
  }
}

export function buildHaCluster(s: HaSpec): CnpgCluster {
  const resources: Record<string, Record<string, string>> = {}
  if (s.cpu) resources.requests = { ...resources.requests, cpu: s.cpu }
  if (s.memory) {
    resources.requests = { ...resources.requests, memory: s.memory }
    resources.limits = { memory: s.memory }
  }
  const bootstrap = s.recovery
    ? {
        recovery: {
          database: s.database,
          owner: s.user,
          secret: { name: haSecretName(s.name) },
          volumeSnapshots: {
            storage: { name: s.recovery.dataSnapshot, kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' },
            ...(s.recovery.walSnapshot ? { walStorage: { name: s.recovery.walSnapshot, kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' } } : {}),
          },
        },
      }
    : { initdb: { database: s.database, owner: s.user, secret: { name: haSecretName(s.name) } } }
  const p = normalize(s.placement ?? {})
  const placement = placementAnnotation(p)
  const affinity = {
    ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
    ...(p.tolerations ? { tolerations: p.tolerations.map((t) => ({ ...t })) } : {}),
  }
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      labels: haLabels(s, Kinds.haCluster),
      annotations: {
        [ANN.storage]: s.storage,
        ...(s.storageClass ? { [ANN.storageClass]: s.storageClass } : {}),
        [ANN.database]: s.database,
        [ANN.user]: s.user,
        ...(s.cpu ? { [ANN.cpu]: s.cpu } : {}),
        ...(s.memory ? { [ANN.memory]: s.memory } : {}),
        ...(s.recovery ? { [ANN.restoredFrom]: s.recovery.source } : {}),
        ...(placement ? { [ANN.placement]: placement } : {}),
      },
    },
    spec: {
      instances: s.instances,
      // Always written, so the image is known (and mirrored with --image-registry) rather than the operator's choice.
      imageName: imageFor(s.version ?? DEFAULT_MAJOR, p.imageRegistry),
      ...(p.imagePullSecrets ? { imagePullSecrets: p.imagePullSecrets.map((name) => ({ name })) } : {}),
      ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
      ...(Object.keys(affinity).length ? { affinity } : {}),
      storage: { size: s.storage, ...(s.storageClass ? { storageClass: s.storageClass } : {}) },
      bootstrap,
      ...(Object.keys(s.params).length ? { postgresql: { parameters: s.params } } : {}),
      ...(Object.keys(resources).length ? { resources } : {}),
      ...(s.snapshotClass ? { backup: { volumeSnapshot: { className: s.snapshotClass } } } : {}),
    },
  }
}

// ---- reading a Cluster back ----

/** An HA cluster as a row of `dbaas list`, beside single instances (kind ha-cluster). */
export function haInstanceView(c: CnpgCluster): InstanceView {
  const v = haView(c)
  const status = v.status === 'Ready' || v.status === 'Creating' || v.status === 'Deleting' ? v.status : 'Degraded'
  return {
    kind: 'ha-cluster',
    name: v.name,
    namespace: v.namespace,
    engine: v.engine,
    version: v.version,
    status,
    ready: v.ready,
    storage: v.storage,
    storageClass: c.metadata.annotations?.[ANN.storageClass] ?? c.spec?.storage?.storageClass ?? null,
    database: v.database,
    user: v.user,
    createdAt: v.createdAt,
    release: null,
    restoredFrom: v.restoredFrom,
  }
}

export interface MemberView {
  name: string
  role: 'primary' | 'standby'
  ready: boolean
  /** The instancesStatus key CNPG files it under (healthy, failed, …), or null. */
  state: string | null
  fenced: boolean
}

export interface HaView {
  kind: 'ha-cluster'
  name: string
  namespace: string
  engine: string
  version: string
  phase: string
  phaseReason: string | null
  /** Ready, Degraded, Switching, Failing over, Creating, Deleting — one word for tables. */
  status: string
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

export interface HaStatusView extends HaView {
  members: MemberView[]
  services: { rw: string; ro: string; r: string; port: number }
  lastBackup: { name: string; phase: string; completedAt: string | null } | null
}

/** Fenced instance names from the annotation ("*" = every instance). */
export function fencedInstances(c: CnpgCluster): string[] {
  const raw = c.metadata.annotations?.[FENCED]
  if (!raw) return []
  try {
    const v = JSON.parse(raw)
    return Array.isArray(v) ? v.map(String) : []
  } catch {
    return []
  }
}

export function isFenced(c: CnpgCluster, instance: string): boolean {
  const f = fencedInstances(c)
  return f.includes('*') || f.includes(instance)
}

/** A switchover or failover is running: the operator's phase says so, or the target differs from the current primary. */
export function inProgress(c: CnpgCluster): string | undefined {
  const st = c.status ?? {}
  if (st.phase === PHASE.switchover || st.phase === PHASE.failover) return `${st.phase}${st.phaseReason ? ` (${st.phaseReason})` : ''}`
  if (st.targetPrimary === 'pending') return 'a failover is electing a new primary (targetPrimary is pending)'
  if (st.targetPrimary && st.currentPrimary && st.targetPrimary !== st.currentPrimary) {
    return `a switchover from ${st.currentPrimary} to ${st.targetPrimary} is in progress`
  }
  return undefined
}

export function isHealthy(c: CnpgCluster): boolean {
  const st = c.status ?? {}
  return st.phase === PHASE.healthy && (st.readyInstances ?? 0) >= (c.spec?.instances ?? 1)
}

function statusWord(c: CnpgCluster): string {
  const st = c.status ?? {}
  if (c.metadata.deletionTimestamp) return 'Deleting'
  if (st.phase === PHASE.switchover) return 'Switching'
  if (st.phase === PHASE.failover || st.targetPrimary === 'pending') return 'FailingOver'
  if (isHealthy(c)) return 'Ready'
  if (!st.phase || !st.currentPrimary) return 'Creating'
  return 'Degraded'
}

/** The major from the image tag the operator reports (or was asked for), else the label. */
function versionOf(c: CnpgCluster): string {
  const image: string | undefined = c.status?.image ?? c.spec?.imageName
  const tag = image?.split('@')[0]?.split(':')[1]
  return tag ? (tag.split(/[.-]/)[0] ?? tag) : (c.metadata.labels?.[ENGINE_VERSION] ?? 'default')
}

export function haView(c: CnpgCluster): HaView {
  const st = c.status ?? {}
  const ann = c.metadata.annotations ?? {}
  const want = c.spec?.instances ?? 0
  const ready = st.readyInstances ?? 0
  return {
    kind: 'ha-cluster',
    name: c.metadata.labels?.[INSTANCE] ?? c.metadata.name,
    namespace: c.metadata.namespace ?? '',
    engine: ENGINE,
    version: versionOf(c),
    phase: st.phase ?? '',
    phaseReason: st.phaseReason ?? null,
    status: statusWord(c),
    currentPrimary: st.currentPrimary ?? null,
    targetPrimary: st.targetPrimary ?? null,
    instances: want,
    readyInstances: ready,
    ready: `${ready}/${want}`,
    storage: ann[ANN.storage] ?? c.spec?.storage?.size ?? null,
    database: ann[ANN.database] ?? c.spec?.bootstrap?.initdb?.database ?? null,
    user: ann[ANN.user] ?? c.spec?.bootstrap?.initdb?.owner ?? null,
    createdAt: c.metadata.creationTimestamp ?? null,
    restoredFrom: ann[ANN.restoredFrom] ?? null,
  }
}

/** Ordinal of an instance name `<cluster>-<n>`, or NaN. */
export function ordinal(cluster: string, instance: string): number {
  const rest = instance.startsWith(`${cluster}-`) ? instance.slice(cluster.length + 1) : ''
  return /^[0-9]+$/.test(rest) ? Number(rest) : NaN
}

/** Every instance name the Cluster and its pods know of, in ordinal order. */
export function instanceNames(c: CnpgCluster, pods: Pod[]): string[] {
  const names = new Set<string>([...(c.status?.instanceNames ?? []), ...pods.map((p) => p.metadata.name)])
  for (const list of Object.values((c.status?.instancesStatus ?? {}) as Record<string, string[]>)) for (const n of list ?? []) names.add(n)
  const name = c.metadata.name
  return [...names].sort((a, b) => (ordinal(name, a) || 0) - (ordinal(name, b) || 0) || a.localeCompare(b))
}

function podIsReady(p: Pod | undefined): boolean {
  return (p?.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True')
}

export function members(c: CnpgCluster, pods: Pod[]): MemberView[] {
  const byName = new Map(pods.map((p) => [p.metadata.name, p]))
  const states = (c.status?.instancesStatus ?? {}) as Record<string, string[]>
  return instanceNames(c, pods).map((name) => {
    const state = Object.entries(states).find(([, list]) => (list ?? []).includes(name))?.[0] ?? null
    const pod = byName.get(name)
    return {
      name,
      role: name === c.status?.currentPrimary ? 'primary' : 'standby',
      ready: podIsReady(pod) && !pod?.metadata.deletionTimestamp && state !== 'failed',
      state,
      fenced: isFenced(c, name),
    }
  })
}

/** The ready, non-fenced standbys a switchover could go to, in ordinal order. */
export function switchoverCandidates(c: CnpgCluster, pods: Pod[]): MemberView[] {
  return members(c, pods).filter((m) => m.role === 'standby' && m.ready && !m.fenced)
}

/**
 * Chooses the switchover target when --to is not given. The seam for an interactive choice (a TTY prompt
 * may replace this later): without one, the ready non-fenced standby with the lowest ordinal.
 */
export function pickTarget(candidates: readonly MemberView[]): MemberView | undefined {
  return candidates[0]
}

export function statusView(c: CnpgCluster, pods: Pod[], lastBackup: HaStatusView['lastBackup']): HaStatusView {
  const ns = c.metadata.namespace ?? ''
  const host = (svc: string) => `${c.metadata.name}-${svc}.${ns}.svc.cluster.local`
  return {
    ...haView(c),
    members: members(c, pods),
    services: { rw: host('rw'), ro: host('ro'), r: host('r'), port: PG_PORT },
    lastBackup,
  }
}

/** "2" → "<cluster>-2"; a full instance name passes through. */
export function resolveInstance(cluster: string, to: string): string {
  return /^[0-9]+$/.test(to) ? `${cluster}-${Number(to)}` : to
}
