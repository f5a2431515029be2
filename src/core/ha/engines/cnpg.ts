// CloudNativePG (postgresql.cnpg.io/v1 Cluster): a primary and streaming standbys behind -rw/-ro/-r
// Services. Switchover is CNPG's own: a merge patch of the status subresource setting targetPrimary (as
// `kubectl cnpg promote` writes it); --force deletes the primary's pod and waits for CNPG's failover; backups
// are Backup objects with method volumeSnapshot. Pure: builders and readers only.
import { NotFoundError, PreconditionError, UsageError } from '../../../errors.ts'
import { resource } from '../../../k8s/kube.ts'
import type { CnpgBackup, CnpgCluster, Pod, Secret } from '../../../k8s/types.ts'
import { ANN, ENGINE_VERSION, INSTANCE, Kinds } from '../../../k8s/labels.ts'
import { byOrdinal, podReady, type HaBackupView, type HaEngine, type HaSpec, type HaView, type MemberView, type Passwords } from '../engine.ts'
import { normalize, placementAnnotation, rewriteImage } from '../../placement.ts'
import { haLabels, haSecretName, secretMeta, statusWordFrom, validateInstanceCount } from '../model.ts'

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
export const IMAGE_REPO = 'ghcr.io/cloudnative-pg/postgresql'
/** PostgreSQL majors CNPG 1.30 supports. */
export const MAJORS = ['18', '17', '16', '15', '14', '13'] as const
/** The major written when --version is not given (CloudNativePG 1.30's own default operand is 18). */
export const DEFAULT_MAJOR = '18'
export const PG_PORT = 5432

export const CNPG_INSTALL_HINT =
  'install CloudNativePG first: `kubectl apply --server-side -f https://raw.githubusercontent.com/cloudnative-pg/cloudnative-pg/release-1.30/releases/cnpg-1.30.0.yaml` ' +
  'or `helm install cnpg cnpg/cloudnative-pg -n cnpg-system --create-namespace` (repo https://cloudnative-pg.github.io/charts); ' +
  'pass --skip-operator-check if it is installed later (GitOps)'

/** The operand image of a major, under --image-registry when one is given. */
export function imageFor(major: string, registry?: string | undefined): string {
  return rewriteImage(`${IMAGE_REPO}:${major}`, registry)
}

export function validateMajor(v: string): string {
  const major = v.trim()
  if (!(MAJORS as readonly string[]).includes(major)) {
    throw new UsageError(`--version "${v}" is not a PostgreSQL major CloudNativePG runs`, { hint: `use one of ${[...MAJORS].reverse().join(', ')}, or leave it out for ${DEFAULT_MAJOR}` })
  }
  return major
}

/** Parameters CNPG manages itself and refuses in spec.postgresql.parameters (its "fixed" list, abridged). */
export const FIXED_PARAMS = new Set([
  'allow_system_table_mods', 'archive_cleanup_command', 'archive_command', 'archive_mode', 'config_file', 'data_directory',
  'hba_file', 'hot_standby', 'ident_file', 'listen_addresses', 'port', 'primary_conninfo', 'primary_slot_name', 'promote_trigger_file',
  'recovery_target', 'recovery_target_action', 'recovery_target_lsn', 'recovery_target_name', 'recovery_target_time', 'recovery_target_timeline',
  'recovery_target_xid', 'restore_command', 'ssl', 'ssl_ca_file', 'ssl_cert_file', 'ssl_key_file', 'unix_socket_directories', 'unix_socket_group',
  'unix_socket_permissions', 'wal_level', 'wal_log_hints',
])

/** `key=value` pairs, each key once; the name rule and the keys an operator manages come from the engine. */
export function splitParams(list: readonly string[], rule: { name: RegExp; what: string; example: string; managed: ReadonlySet<string>; operator: string }): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of list) {
    const eq = item.indexOf('=')
    const key = eq < 0 ? item.trim() : item.slice(0, eq).trim()
    const value = eq < 0 ? '' : item.slice(eq + 1).trim()
    if (eq < 0 || key === '' || value === '') {
      throw new UsageError(`--param "${item}" is not key=value`, { hint: `e.g. ${rule.example}` })
    }
    if (!rule.name.test(key)) {
      throw new UsageError(`--param "${key}" is not a ${rule.what} parameter name`, { hint: `parameter names are lower-case letters, digits and underscores (e.g. ${rule.example})` })
    }
    if (rule.managed.has(key)) {
      throw new UsageError(`--param ${key} is managed by ${rule.operator} and cannot be set`, { hint: 'leave it out; the operator sets it for replication, TLS and its own tooling' })
    }
    if (key in out && out[key] !== value) throw new UsageError(`--param ${key} is given twice with different values`, { hint: 'pass each parameter once' })
    out[key] = value
  }
  return out
}

/** `--param key=value`, repeatable: PostgreSQL GUCs, values kept as strings (as CNPG's schema wants). */
export function parseParams(list: readonly string[]): Record<string, string> {
  return splitParams(list, {
    name: /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/,
    what: 'PostgreSQL',
    example: '--param max_connections=200 --param shared_buffers=256MB',
    managed: FIXED_PARAMS,
    operator: 'CloudNativePG',
  })
}

export function buildHaSecret(s: HaSpec, p: Passwords | string): Secret {
  const password = typeof p === 'string' ? p : p.password
  // CNPG requires username == the database owner, in a kubernetes.io/basic-auth Secret.
  return { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/basic-auth', metadata: secretMeta(s), stringData: { username: s.user, password } }
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
  const affinity = {
    ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
    ...(p.tolerations ? { tolerations: p.tolerations.map((t) => ({ ...t })) } : {}),
  }
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: s.name, namespace: s.namespace, labels: haLabels(s, Kinds.haCluster), annotations: clusterAnnotations(s) },
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

/** What dbaas records on every HA cluster it creates: size, credentials' names, where a restore came from. */
export function clusterAnnotations(s: HaSpec): Record<string, string> {
  return {
    [ANN.storage]: s.storage,
    ...(s.storageClass ? { [ANN.storageClass]: s.storageClass } : {}),
    [ANN.database]: s.database,
    [ANN.user]: s.user,
    ...(s.cpu ? { [ANN.cpu]: s.cpu } : {}),
    ...(s.memory ? { [ANN.memory]: s.memory } : {}),
    ...(s.recovery ? { [ANN.restoredFrom]: s.recovery.source } : {}),
    ...(placementAnnotation(s.placement ?? {}) ? { [ANN.placement]: placementAnnotation(s.placement ?? {}) as string } : {}),
  }
}

// ---- reading a Cluster back ----

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
  const status = statusWordFrom({
    deleting: Boolean(c.metadata.deletionTimestamp),
    switching: st.phase === PHASE.switchover,
    failingOver: st.phase === PHASE.failover || st.targetPrimary === 'pending',
    healthy: isHealthy(c),
    creating: !st.phase || !st.currentPrimary,
    stopped: c.metadata.annotations?.['cnpg.io/hibernation'] === 'on',
  })
  return {
    kind: 'ha-cluster',
    name: c.metadata.labels?.[INSTANCE] ?? c.metadata.name,
    namespace: c.metadata.namespace ?? '',
    engine: 'postgresql',
    operator: 'CloudNativePG',
    topology: 'streaming',
    version: versionOf(c),
    phase: st.phase ?? '',
    phaseReason: st.phaseReason ?? null,
    status,
    currentPrimary: st.currentPrimary ?? null,
    targetPrimary: st.targetPrimary ?? null,
    instances: want,
    readyInstances: ready,
    ready: `${ready}/${want}`,
    storage: ann[ANN.storage] ?? c.spec?.storage?.size ?? null,
    database: ann[ANN.database] ?? c.spec?.bootstrap?.initdb?.database ?? c.spec?.bootstrap?.recovery?.database ?? null,
    user: ann[ANN.user] ?? c.spec?.bootstrap?.initdb?.owner ?? c.spec?.bootstrap?.recovery?.owner ?? null,
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

export function members(c: CnpgCluster, pods: Pod[]): MemberView[] {
  const byName = new Map(pods.map((p) => [p.metadata.name, p]))
  const states = (c.status?.instancesStatus ?? {}) as Record<string, string[]>
  return instanceNames(c, pods).map((name) => {
    const state = Object.entries(states).find(([, list]) => (list ?? []).includes(name))?.[0] ?? null
    return {
      name,
      role: name === c.status?.currentPrimary ? 'primary' : 'standby',
      ready: podReady(byName.get(name)) && state !== 'failed',
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
 * may replace this later): without one, the ready non-fenced member with the lowest ordinal.
 */
export function pickTarget(candidates: readonly MemberView[]): MemberView | undefined {
  return candidates[0]
}

export function services(c: CnpgCluster): { rw: string; ro: string; r: string; port: number } {
  const ns = c.metadata.namespace ?? ''
  const host = (svc: string) => `${c.metadata.name}-${svc}.${ns}.svc.cluster.local`
  return { rw: host('rw'), ro: host('ro'), r: host('r'), port: PG_PORT }
}

/** "2" → "<cluster>-2"; a full instance name passes through. */
export function resolveInstance(cluster: string, to: string): string {
  return /^[0-9]+$/.test(to) ? `${cluster}-${Number(to)}` : to
}

/** "currentPrimary pg-1, targetPrimary pg-2, phase Switchover in progress (…), 2/3 ready" */
export function whereItStands(c: CnpgCluster | undefined): string {
  if (!c) return 'the Cluster is gone'
  const st = c.status ?? {}
  const reason = st.phaseReason ? ` (${st.phaseReason})` : ''
  return `currentPrimary ${st.currentPrimary ?? '<none>'}, targetPrimary ${st.targetPrimary ?? '<none>'}, phase "${st.phase ?? '<none>'}"${reason}, ${st.readyInstances ?? 0}/${c.spec?.instances ?? '?'} instances ready`
}

// ---- switchover and failover ----

/** Refusals, on whatever Cluster object is current. Returns 'already' when the target already is primary. */
export function checkSwitchover(c: CnpgCluster, pods: Pod[], target: string): 'ok' | 'already' {
  const name = c.metadata.name
  const known = instanceNames(c, pods)
  if (!known.includes(target)) {
    throw new NotFoundError(`instance ${target} is not part of HA cluster ${name}`, {
      hint: known.length ? `its instances: ${known.join(', ')}` : `\`dbaas ha status ${name} -n ${c.metadata.namespace}\` lists its instances`,
    })
  }
  const st = c.status ?? {}
  if (st.currentPrimary === target && (st.targetPrimary === target || !st.targetPrimary)) return 'already'
  const busy = inProgress(c)
  if (busy) throw new PreconditionError(`HA cluster ${name} is busy: ${busy}`, { hint: `wait for it to finish (\`dbaas ha status ${name} -n ${c.metadata.namespace}\`), then try again` })
  if (isFenced(c, target)) throw new PreconditionError(`instance ${target} is fenced and cannot be promoted`, { hint: `lift the fence (annotation cnpg.io/fencedInstances) first, or pick another instance` })
  const m = members(c, pods).find((x) => x.name === target)
  if (!m?.ready) {
    throw new PreconditionError(`instance ${target} is not ready${m?.state ? ` (${m.state})` : ''}, so it cannot take over`, {
      hint: `pick a ready standby: ${switchoverCandidates(c, pods).map((x) => x.name).join(', ') || 'none is ready now'}`,
    })
  }
  return 'ok'
}

/** The exact status patch CNPG's switchover is. */
export function switchoverPatch(resourceVersion: string, target: string, nowIso: string): Record<string, unknown> {
  return {
    metadata: { resourceVersion },
    status: {
      targetPrimary: target,
      targetPrimaryTimestamp: nowIso,
      phase: PHASE.switchover,
      phaseReason: `Switching over to ${target}`,
    },
  }
}

// ---- backups ----

export function backupView(b: CnpgBackup): HaBackupView {
  const st = b.status ?? {}
  const phase = st.phase ?? 'pending'
  return {
    name: b.metadata.name,
    namespace: b.metadata.namespace ?? '',
    cluster: b.spec?.cluster?.name ?? '',
    engine: 'postgresql',
    object: 'backup.postgresql.cnpg.io',
    method: b.spec?.method ?? st.method ?? 'barmanObjectStore',
    phase,
    startedAt: st.startedAt ?? null,
    stoppedAt: st.stoppedAt ?? null,
    snapshots: (st.snapshotBackupStatus?.elements ?? []).map((e: { name: string; type: string }) => ({ name: e.name, type: e.type })),
    error: st.error ?? null,
    expiresAt: b.metadata.annotations?.['dbaas.io/expires-at'] ?? null,
  }
}

export const cnpg: HaEngine<CnpgCluster, CnpgBackup> = {
  id: 'cnpg',
  engine: 'postgresql',
  words: ['postgres', 'postgresql', 'pg'],
  displayName: 'PostgreSQL (CloudNativePG)',
  operator: {
    name: 'CloudNativePG operator',
    group: 'postgresql.cnpg.io',
    version: 'v1',
    plural: 'clusters',
    crd: 'clusters.postgresql.cnpg.io',
    deploymentSelector: 'app.kubernetes.io/name=cloudnative-pg',
    lease: 'db9c8771.cnpg.io',
    defaultNamespace: 'cnpg-system',
    installHint: CNPG_INSTALL_HINT,
  },
  resource: CNPG.clusters,
  object: 'cluster.postgresql.cnpg.io',
  versions: MAJORS,
  defaultVersion: DEFAULT_MAJOR,
  topologies: ['streaming'],
  flags: new Set(['--snapshot-class', '--offline', '--to', '--metrics']),
  port: PG_PORT,
  scheme: 'postgresql',
  validateName: () => undefined,
  reservedUsers: ['postgres', 'streaming_replica'],
  validateInstances: (n, _t, flag) => validateInstanceCount(n, flag, { min: 1, why: 'a cluster needs a primary: use 1, or 3 for a primary and two standbys' }),
  parseParams,
  validateVersion: validateMajor,
  secret: buildHaSecret,
  build: buildHaCluster,
  extras: () => [],
  view: haView,
  members,
  services,
  podSelector: (c) => `${POD_CLUSTER_LABEL}=${c.metadata.name}`,
  // CloudNativePG labels the current primary's pod.
  writerSelector: (c) => `${POD_CLUSTER_LABEL}=${c.metadata.name},cnpg.io/instanceRole=primary`,
  secretName: (c) => c.spec?.bootstrap?.initdb?.secret?.name ?? c.spec?.bootstrap?.recovery?.secret?.name ?? haSecretName(c.metadata.name),
  paramsOf: (c) => ({ ...(c.spec?.postgresql?.parameters ?? {}) }),
  healthy: isHealthy,
  busy: inProgress,
  whereItStands,
  scale: { patch: (_c, n) => ({ spec: { instances: n } }) },
  failover: () => ({
    switchover: {
      what: 'a status-subresource patch of targetPrimary',
      resolve: (c, to) => resolveInstance(c.metadata.name, to),
      candidates: switchoverCandidates,
      check: checkSwitchover,
      request: (c, target, nowIso) => ({ patch: switchoverPatch(c.metadata.resourceVersion ?? '', target, nowIso), subresource: 'status' }),
      done: (c, target) => c.status?.currentPrimary === target && isHealthy(c),
      diverged: (c, target) => {
        const tp = c.status?.targetPrimary
        return tp && tp !== target && tp !== 'pending' ? `the operator is now promoting ${tp}, not ${target} (${whereItStands(c)})` : undefined
      },
    },
    force: {
      what: "delete the primary's pod and wait for CloudNativePG's automatic failover",
      victim: (c) => c.status?.currentPrimary,
      check: (c, pods) => {
        const name = c.metadata.name
        const busy = inProgress(c)
        if (busy) throw new PreconditionError(`HA cluster ${name} is busy: ${busy}`, { hint: 'wait for it to finish, then try again' })
        if (switchoverCandidates(c, pods).length === 0) {
          throw new PreconditionError(`HA cluster ${name} has no ready, unfenced standby that could take over`, {
            hint: `a forced failover would leave it without a primary; scale up first: \`dbaas ha scale ${name} -n ${c.metadata.namespace} --instances ${(c.spec?.instances ?? 1) + 1}\``,
          })
        }
      },
      movedTo: (c, _pods, victim) => {
        const st = c.status ?? {}
        return st.currentPrimary && st.currentPrimary !== victim && st.targetPrimary === st.currentPrimary ? st.currentPrimary : undefined
      },
      recovered: (c) => isHealthy(c),
    },
  }),
  backups: {
    resource: CNPG.backups,
    object: 'backup.postgresql.cnpg.io',
    refuse: (c) =>
      c.spec?.backup?.volumeSnapshot?.className
        ? undefined
        : {
            message: `HA cluster ${c.metadata.name} has no spec.backup.volumeSnapshot.className, so CloudNativePG cannot take volume-snapshot backups`,
            hint: 'mark a VolumeSnapshotClass for its storage as default (annotation snapshot.storage.kubernetes.io/is-default-class: "true") and recreate, or set the field on the Cluster',
          },
    build: (c, name, o) => ({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Backup',
      metadata: { name, namespace: c.metadata.namespace, labels: o.labels, annotations: o.annotations },
      spec: { cluster: { name: c.metadata.name }, method: 'volumeSnapshot', ...(o.online === undefined ? {} : { online: o.online }) },
    }),
    view: backupView,
    clusterOf: (b) => b.spec?.cluster?.name ?? '',
    snapshotSelector: (b) => `cnpg.io/backupName=${b.metadata.name}`,
    restoreSnapshots: (v) => ({ data: v.snapshots.find((s) => s.type === 'PG_DATA')?.name, wal: v.snapshots.find((s) => s.type === 'PG_WAL')?.name }),
  },
}
