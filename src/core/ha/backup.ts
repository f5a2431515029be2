// ha backup create|list and ha restore: CNPG Backup objects with method volumeSnapshot, and recovery into a
// new Cluster bootstrapped from the backup's VolumeSnapshots. Across namespaces the snapshots are brought
// over the way that works on every CSI driver: a pre-provisioned VolumeSnapshotContent (Retain) pointing at
// the same snapshot handle, and a VolumeSnapshot bound to it in the target namespace.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { ConflictError, NotFoundError, OperationError, PreconditionError, UsageError } from '../../errors.ts'
import { apiInfo, isApiNotFound } from '../../k8s/errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import type { CnpgBackup, CnpgCluster } from '../../k8s/types.ts'
import { ANN, INSTANCE, Kinds, MANAGED } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import { generatePassword } from '../create.ts'
import { mergePlacement, readPlacement, type Placement } from '../placement.ts'
import { openCluster, requireOperator, type HaTarget } from './find.ts'
import { createHaCluster } from './create.ts'
import { CNPG, haLabels, type HaSpec, type HaView } from './model.ts'

export interface BackupView {
  name: string
  namespace: string
  cluster: string
  method: string
  phase: string
  startedAt: string | null
  stoppedAt: string | null
  snapshots: Array<{ name: string; type: string }>
  error: string | null
}

export function backupView(b: CnpgBackup): BackupView {
  const st = b.status ?? {}
  return {
    name: b.metadata.name,
    namespace: b.metadata.namespace ?? '',
    cluster: b.spec?.cluster?.name ?? '',
    method: b.spec?.method ?? st.method ?? 'barmanObjectStore',
    phase: st.phase ?? 'pending',
    startedAt: st.startedAt ?? null,
    stoppedAt: st.stoppedAt ?? null,
    snapshots: (st.snapshotBackupStatus?.elements ?? []).map((e: { name: string; type: string }) => ({ name: e.name, type: e.type })),
    error: st.error ?? null,
  }
}

/** `<cluster>-YYYYMMDDhhmmss`, a DNS label like CNPG's own scheduled backups. */
export function backupName(cluster: string, now: number): string {
  return `${cluster}-${new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14)}`
}

export function buildBackup(cluster: CnpgCluster, name: string, online: boolean | undefined): CnpgBackup {
  const c = cluster.metadata
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Backup',
    metadata: {
      name,
      namespace: c.namespace,
      labels: haLabels({ name: c.labels?.[INSTANCE] ?? c.name, version: c.labels?.['dbaas.io/engine-version'] }, Kinds.backup),
      annotations: {
        ...(c.annotations?.[ANN.database] ? { [ANN.database]: c.annotations[ANN.database] } : {}),
        ...(c.annotations?.[ANN.user] ? { [ANN.user]: c.annotations[ANN.user] } : {}),
        ...(c.annotations?.[ANN.storage] ? { [ANN.storage]: c.annotations[ANN.storage] } : {}),
        ...(c.annotations?.[ANN.placement] ? { [ANN.placement]: c.annotations[ANN.placement] } : {}),
      },
    },
    spec: { cluster: { name: c.name }, method: 'volumeSnapshot', ...(online === undefined ? {} : { online }) },
  }
}

export async function haBackupCreate(
  t: HaTarget & { backupName?: string | undefined; online?: boolean | undefined; wait: boolean; timeoutMs: number },
  deps: Deps,
): Promise<BackupView> {
  const { kube, cluster } = await openCluster(t, deps)
  const ns = cluster.metadata.namespace as string
  const name = cluster.metadata.name
  if (!cluster.spec?.backup?.volumeSnapshot?.className) {
    throw new PreconditionError(`HA cluster ${name} has no spec.backup.volumeSnapshot.className, so CloudNativePG cannot take volume-snapshot backups`, {
      hint: 'mark a VolumeSnapshotClass for its storage as default (annotation snapshot.storage.kubernetes.io/is-default-class: "true") and recreate, or set the field on the Cluster',
    })
  }
  const bname = t.backupName ?? backupName(name, deps.now())
  deps.ui.step(`Requesting backup ${bname} of ${name}`)
  let b: CnpgBackup
  try {
    b = await kube.create(CNPG.backups, buildBackup(cluster, bname, t.online))
  } catch (err) {
    if (apiInfo(err)?.httpCode === 409) throw new ConflictError(`backup ${ns}/${bname} already exists`, { code: 'already_exists', hint: 'pick another --backup-name' })
    throw err
  }
  if (t.wait) {
    deps.ui.step(`Waiting for backup ${bname} to complete`)
    b = await waitFor(
      kube,
      CNPG.backups,
      ns,
      { fieldSelector: `metadata.name=${bname}` },
      (items) => {
        const x = items[0]
        deps.ui.update(`(${x?.status?.phase ?? 'pending'})`)
        if (x?.status?.phase === 'failed') throw new OperationError(`backup ${bname} failed: ${x.status.error ?? 'no reason given'}`, { hint: `\`kubectl describe backups.postgresql.cnpg.io ${bname} -n ${ns}\`` })
        return x?.status?.phase === 'completed' ? x : undefined
      },
      {
        timeoutMs: t.timeoutMs,
        signal: deps.signal,
        describe: (items) => `backup ${bname} is ${items[0]?.status?.phase ?? 'pending'}`,
        timeoutHint: `it goes on: \`dbaas ha backup list ${name} -n ${ns}\` follows it`,
      },
    )
  }
  deps.ui.done()
  return backupView(b)
}

export async function haBackupList(t: HaTarget, deps: Deps): Promise<BackupView[]> {
  const { kube, cluster } = await openCluster(t, deps)
  const list = await kube.list(CNPG.backups, cluster.metadata.namespace)
  return list.items
    .filter((b) => b.spec?.cluster?.name === cluster.metadata.name)
    .map(backupView)
    .sort((a, b) => (a.startedAt ?? a.name).localeCompare(b.startedAt ?? b.name))
}

export interface RestoreOptions {
  backup: string
  /** Where the backup is; found by name across namespaces otherwise. */
  backupNamespace?: string | undefined
  to: string
  namespace: string
  namespaceExplicit: boolean
  instances?: number | undefined
  storage?: string | undefined
  password?: string | undefined
  wait: boolean
  timeoutMs: number
  cluster: ClusterFlags
  skipOperatorCheck: boolean
  /** Placement flags given to ha restore; the rest is the source cluster's. */
  placement?: Placement | undefined
}

async function findBackup(kube: Kube, name: string, ns: string | undefined): Promise<CnpgBackup> {
  if (ns) {
    const b = await kube.find(CNPG.backups, ns, name)
    if (!b) throw new NotFoundError(`backup "${name}" not found in namespace ${ns}`, { hint: 'list them with `dbaas ha backup list <cluster>`' })
    return b
  }
  const found = (await kube.list(CNPG.backups, undefined, { fieldSelector: `metadata.name=${name}` })).items
  if (found.length === 0) throw new NotFoundError(`backup "${name}" not found`, { hint: 'list them with `dbaas ha backup list <cluster>`' })
  if (found.length > 1) throw new UsageError(`backup "${name}" exists in several namespaces`, { hint: '--backup-namespace picks one' })
  return found[0] as CnpgBackup
}

/** Makes a VolumeSnapshot of another namespace available in `targetNs` under the same name (pre-provisioned content). */
export async function bringSnapshot(kube: Kube, srcNs: string, vsName: string, targetNs: string, labels: Record<string, string>): Promise<void> {
  const vs = await kube.get(R.volumeSnapshots, srcNs, vsName)
  const contentName: string | undefined = vs.status?.boundVolumeSnapshotContentName
  if (!contentName || vs.status?.readyToUse !== true) throw new PreconditionError(`snapshot ${srcNs}/${vsName} is not ready to use yet`, { hint: 'wait for the backup to complete' })
  const content = await kube.get(R.volumeSnapshotContents, undefined, contentName)
  const handle: string | undefined = content.status?.snapshotHandle
  if (!handle) throw new PreconditionError(`snapshot content ${contentName} has no snapshot handle yet`, { hint: 'wait for the backup to complete' })
  const copyName = `${targetNs}-${vsName}`.slice(0, 253)
  const keep = (m: Record<string, string> | undefined) => Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => k.startsWith('cnpg.io/')))
  await kube.create(R.volumeSnapshotContents, {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshotContent',
    metadata: { name: copyName, labels },
    spec: {
      deletionPolicy: 'Retain',
      driver: content.spec?.driver,
      source: { snapshotHandle: handle },
      ...(content.spec?.volumeSnapshotClassName ? { volumeSnapshotClassName: content.spec.volumeSnapshotClassName } : {}),
      volumeSnapshotRef: { namespace: targetNs, name: vsName },
    },
  })
  await kube.create(R.volumeSnapshots, {
    apiVersion: 'snapshot.storage.k8s.io/v1',
    kind: 'VolumeSnapshot',
    metadata: { name: vsName, namespace: targetNs, labels: { ...keep(vs.metadata.labels), ...labels }, annotations: keep(vs.metadata.annotations) },
    spec: {
      source: { volumeSnapshotContentName: copyName },
      ...(vs.spec?.volumeSnapshotClassName ? { volumeSnapshotClassName: vs.spec.volumeSnapshotClassName } : {}),
    },
  })
}

export async function haRestore(o: RestoreOptions, deps: Deps): Promise<{ cluster: HaView; from: string; notes: string[] }> {
  const kube = await deps.kube(o.cluster)
  await requireOperator(kube, o.skipOperatorCheck, deps)
  const b = await findBackup(kube, o.backup, o.backupNamespace)
  const srcNs = b.metadata.namespace as string
  const view = backupView(b)
  if (view.phase !== 'completed') throw new PreconditionError(`backup ${srcNs}/${o.backup} is ${view.phase}, not completed`, { hint: 'restore a completed backup (`dbaas ha backup list <cluster>`)' })
  if (view.method !== 'volumeSnapshot') throw new PreconditionError(`backup ${o.backup} was taken with ${view.method}; dbaas restores volumeSnapshot backups only`)
  const data = view.snapshots.find((s) => s.type === 'PG_DATA')
  if (!data) throw new PreconditionError(`backup ${o.backup} lists no PG_DATA snapshot`)
  const wal = view.snapshots.find((s) => s.type === 'PG_WAL')
  const source = await kube.find(CNPG.clusters, srcNs, view.cluster).catch((err) => (isApiNotFound(err) ? undefined : Promise.reject(err)))
  const ann = { ...(source?.metadata.annotations ?? {}), ...(b.metadata.annotations ?? {}) }
  const spec: HaSpec = {
    name: o.to,
    namespace: o.namespace,
    instances: o.instances ?? source?.spec?.instances ?? 1,
    database: ann[ANN.database] ?? source?.spec?.bootstrap?.initdb?.database ?? 'app',
    user: ann[ANN.user] ?? source?.spec?.bootstrap?.initdb?.owner ?? 'app',
    storage: o.storage ?? source?.spec?.storage?.size ?? ann[ANN.storage] ?? '10Gi',
    storageClass: source?.spec?.storage?.storageClass,
    version: source?.metadata.labels?.['dbaas.io/engine-version'] && source.metadata.labels['dbaas.io/engine-version'] !== 'default' ? source.metadata.labels['dbaas.io/engine-version'] : undefined,
    params: source?.spec?.postgresql?.parameters ?? {},
    recovery: { dataSnapshot: data.name, walSnapshot: wal?.name, source: `${srcNs}/${o.backup}` },
    // The source's placement (dbaas.io/placement, copied onto the backup); each flag given to ha restore replaces its field.
    placement: mergePlacement(readPlacement(ann), o.placement ?? {}),
  }
  const notes: string[] = []
  if (srcNs !== o.namespace) {
    const existing = await kube.find(CNPG.clusters, o.namespace, o.to).catch((err) => (isApiNotFound(err) ? undefined : Promise.reject(err)))
    if (existing) throw new ConflictError(`a Cluster named ${o.to} already exists in ${o.namespace}`, { code: 'already_exists', hint: 'pick another --to name' })
    const nsExists = await kube.find(R.namespaces, undefined, o.namespace).catch((err) => (apiInfo(err)?.httpCode === 403 ? o.namespaceExplicit : Promise.reject(err)))
    if (!nsExists) {
      const { buildHaNamespace } = await import('./create.ts')
      await kube.create(R.namespaces, buildHaNamespace(spec))
    }
    deps.ui.step(`Bringing the backup's snapshots into ${o.namespace}`)
    const labels = { ...haLabels(spec, Kinds.backup) }
    for (const s of [data, ...(wal ? [wal] : [])]) {
      const there = await kube.find(R.volumeSnapshots, o.namespace, s.name)
      if (!there) await bringSnapshot(kube, srcNs, s.name, o.namespace, labels)
    }
    await waitFor(
      kube,
      R.volumeSnapshots,
      o.namespace,
      { labelSelector: `${MANAGED},${INSTANCE}=${o.to}` },
      (items) => (items.length > 0 && items.every((v) => v.status?.readyToUse === true) ? true : undefined),
      { timeoutMs: o.timeoutMs, signal: deps.signal, describe: (items) => `snapshots not ready in ${o.namespace}: ${items.filter((v) => !v.status?.readyToUse).map((v) => v.metadata.name).join(', ') || 'none created'}` },
    )
    notes.push(`copied ${wal ? 'two snapshots' : 'one snapshot'} into ${o.namespace} through pre-provisioned VolumeSnapshotContents (deletionPolicy Retain)`)
  }
  const r = await createHaCluster(
    { spec, namespaceExplicit: true, password: o.password ?? generatePassword(deps.randomBytes), dryRun: 'none', wait: o.wait, timeoutMs: o.timeoutMs, cluster: o.cluster, skipOperatorCheck: true },
    deps,
  )
  return { cluster: r.cluster, from: `${srcNs}/${o.backup}`, notes: [...notes, ...r.notes] }
}
