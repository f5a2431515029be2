// dbaas backup create: gather everything and check every precondition first (nothing is written until all
// pass), then [quiesce] → VolumeSnapshot → [release] → credentials Secret owned by it → wait for readyToUse.
import { instanceHistoryTarget, recordOutcome } from '../day2/history.ts'
import type { ClusterFlags, Deps } from '../../deps.ts'
import { ClusterError, ConflictError, NotFoundError, PreconditionError, UsageError } from '../../errors.ts'
import { orForbidden } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../../k8s/kube.ts'
import type { PersistentVolumeClaim, Secret, StatefulSet, VolumeSnapshot } from '../../k8s/types.ts'
import { ANN, ENGINE, ENGINE_VERSION } from '../../k8s/labels.ts'
import { waitFor } from '../../k8s/wait.ts'
import { engineFromLabel } from '../../engines/registry.ts'
import { credentialsSecretName, redact } from '../create.ts'
import { findInstance } from '../find.ts'
import type { InstanceParts } from '../instances.ts'
import { SNAPSHOT_GROUP, type SnapshotSupport } from '../detect/snapshots.ts'
import { findHaCluster, haUsage, requireSnapshots, settle, unwrap } from './common.ts'
import {
  backupCredentialsName,
  buildBackupCredentials,
  buildBackupSnapshot,
  chooseDefaultClass,
  defaultBackupName,
  expiresAt,
  toBackupView,
  validateBackupName,
  type BackupSpec,
  type BackupView,
  type QuiesceMode,
} from './model.ts'
import { checkpoint, holdReadLock, type ReadLock } from './quiesce.ts'

export interface BackupCreateOptions {
  instance: string
  /** -n: the instance's namespace, when given. */
  namespace?: string | undefined
  name?: string | undefined
  snapshotClass?: string | undefined
  /** --retention as typed, and in ms. */
  retention?: { text: string; ms: number } | undefined
  quiesce: boolean
  wait: boolean
  timeoutMs: number
  dryRun: 'none' | 'client' | 'server'
  cluster: ClusterFlags
  /** Record it in the instance's history (a schedule's job does not: its Role may not patch Secrets). */
  recordHistory?: boolean | undefined
}

export interface BackupCreateResult {
  backup: BackupView
  action: 'created' | 'dry-run'
  objects: KubeObject[]
  notes: string[]
  /** Wall-clock milestones (ms since epoch) for `bench/`: written, cut, ready. */
  timings: { start: number; snapshotCreated?: number; ready?: number; end: number }
}

interface Plan {
  spec: BackupSpec
  parts: InstanceParts
  credentials: Secret
  notes: string[]
}

async function instanceOrHa(kube: Kube, o: BackupCreateOptions): Promise<InstanceParts> {
  let parts: InstanceParts | undefined
  try {
    parts = await findInstance(kube, { name: o.instance, namespace: o.namespace, haVerb: 'ha backup create' })
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err
    if (await findHaCluster(kube, o.instance, o.namespace)) throw haUsage(`"${o.instance}" is an HA cluster`, `dbaas ha backup create ${o.instance}`)
    throw err
  }
  if (!parts.statefulSet) {
    if (await findHaCluster(kube, o.instance, parts.namespace)) throw haUsage(`"${o.instance}" is an HA cluster`, `dbaas ha backup create ${o.instance}`)
    throw new PreconditionError(`instance "${o.instance}" in ${parts.namespace} is incomplete (it has no StatefulSet), so it has no data volume to back up`, {
      hint: `see \`dbaas status ${o.instance} -n ${parts.namespace}\``,
    })
  }
  return parts
}

/** The CSI driver behind a PVC: its PV's csi.driver, else its StorageClass's provisioner (undefined if unreadable). */
async function pvcDriver(kube: Kube, pvc: PersistentVolumeClaim): Promise<string | undefined> {
  const pvName: string | undefined = pvc.spec?.volumeName
  if (pvName) {
    const pv = await orForbidden(kube.find(R.pvs, undefined, pvName))
    if (pv && pv !== 'forbidden' && pv.spec?.csi?.driver) return String(pv.spec.csi.driver)
  }
  const cls: string | undefined = pvc.spec?.storageClassName
  if (cls) {
    const sc = await orForbidden(kube.find(R.storageClasses, undefined, cls))
    if (sc && sc !== 'forbidden') return sc.provisioner
  }
  return undefined
}

/** Preflight: no backup of that name yet; the data volume exists and is Bound; the credentials are there to copy. */
function checkSources(
  o: BackupCreateOptions,
  at: { ns: string; name: string; pvcName: string; engine: string },
  found: { pvc: PersistentVolumeClaim | undefined; existing: unknown; secretExisting: unknown; credentials: Secret | undefined },
): { pvc: PersistentVolumeClaim; credentials: Secret } {
  const { ns, name, pvcName } = at
  if (found.existing || found.secretExisting) {
    throw new ConflictError(`backup "${name}" already exists in namespace ${ns}`, {
      code: 'already_exists',
      hint: o.name ? 'pick another --name' : 'wait a second and run it again, or pass --name',
    })
  }
  const pvc = found.pvc
  if (!pvc) throw new PreconditionError(`instance "${o.instance}" has no data volume ${pvcName} in ${ns}; nothing was created`, { hint: `see \`dbaas status ${o.instance} -n ${ns}\`` })
  if (pvc.status?.phase !== 'Bound') {
    throw new PreconditionError(`the data volume ${pvcName} is ${pvc.status?.phase ?? 'Pending'}, not Bound; nothing was created`, { hint: 'wait until the instance is Ready' })
  }
  if (!found.credentials?.data) {
    throw new PreconditionError(`instance "${o.instance}" has no credentials Secret ${credentialsSecretName(o.instance)}; a backup without it could not be restored`, {
      hint: `complete the instance with \`dbaas create ${at.engine} ${o.instance} -n ${ns}\``,
    })
  }
  return { pvc, credentials: found.credentials }
}

/** Preflight: the VolumeSnapshotClass — the one asked for (it exists, of the volume's driver), else the driver's default. */
async function chooseClass(kube: Kube, o: BackupCreateOptions, support: SnapshotSupport, pvcName: string, driver: string | undefined, notes: string[]): Promise<string | undefined> {
  const snapshotClass = o.snapshotClass
  if (snapshotClass) {
    const cls = await orForbidden(kube.find(R.volumeSnapshotClasses, undefined, snapshotClass))
    if (cls === undefined) {
      // A name the user typed that does not exist is bad input (2), as an unknown --storage-class is.
      throw new UsageError(`VolumeSnapshotClass "${snapshotClass}" does not exist; nothing was created`, {
        hint: support.defaultClasses.length ? `classes marked default: ${support.defaultClasses.map((c) => `${c.name} (${c.driver})`).join(', ')}` : 'see `kubectl get volumesnapshotclass`',
      })
    }
    const clsDriver = cls === 'forbidden' ? undefined : (cls as { driver?: string }).driver
    if (clsDriver && driver && clsDriver !== driver) {
      throw new PreconditionError(`VolumeSnapshotClass "${snapshotClass}" is for driver ${clsDriver}, but ${pvcName} is on ${driver}; nothing was created`, {
        hint: `pass --class with a class of driver ${driver}`,
      })
    }
    return snapshotClass
  }
  if (!driver) {
    notes.push('could not read the volume\'s CSI driver; the cluster\'s default VolumeSnapshotClass applies')
    return undefined
  }
  const choice = chooseDefaultClass(support.defaultClasses, driver)
  if (choice.name) return choice.name
  const all = await orForbidden(kube.list(R.volumeSnapshotClasses, undefined))
  const forDriver = all === 'forbidden' ? [] : all.items.filter((c) => (c as { driver?: string }).driver === driver).map((c) => c.metadata.name)
  throw new PreconditionError(
    choice.problem === 'several'
      ? `several VolumeSnapshotClasses are marked default for driver ${driver} (${choice.candidates.join(', ')}); nothing was created`
      : `no default VolumeSnapshotClass for driver ${driver}; nothing was created`,
    {
      hint: forDriver.length
        ? `pass --class (classes for ${driver}: ${forDriver.join(', ')})`
        : `install a VolumeSnapshotClass for ${driver} (annotated snapshot.storage.kubernetes.io/is-default-class: "true"), or pass --class`,
    },
  )
}

/** Plan: find the instance, read everything at once, refuse in a fixed order, choose the class, describe the backup. */
async function plan(kube: Kube, o: BackupCreateOptions, deps: Deps): Promise<Plan> {
  const parts = await instanceOrHa(kube, o)
  const ns = parts.namespace
  const sts = parts.statefulSet as KubeObject
  const labels = sts.metadata.labels ?? {}
  const ann = sts.metadata.annotations ?? {}
  const engine = engineFromLabel(labels[ENGINE])
  if (!engine) throw new PreconditionError(`instance "${o.instance}" has no engine dbaas knows (label ${ENGINE})`)
  if (o.quiesce && (sts as StatefulSet).spec?.replicas === 0) {
    throw new UsageError(`--quiesce needs a running database, and instance "${o.instance}" is stopped`, {
      hint: 'leave out --quiesce: a stopped instance\'s volume is at rest, so its backup is consistent as it is',
    })
  }
  const now = deps.now()
  const name = validateBackupName(o.name ?? defaultBackupName(o.instance, now))
  const pvcName = `data-${o.instance}-0`
  // The reads at once; the refusals in their order.
  const [supportR, pvcR, existingR, secretExistingR, credentialsR] = await Promise.all([
    settle(requireSnapshots(kube, now)),
    settle(kube.find(R.pvcs, ns, pvcName)),
    settle(kube.find(R.volumeSnapshots, ns, name)),
    settle(kube.find(R.secrets, ns, backupCredentialsName(name))),
    settle(kube.find(R.secrets, ns, credentialsSecretName(o.instance))),
  ])
  const { support, notes } = unwrap(supportR)
  const found = { pvc: unwrap(pvcR), existing: unwrap(existingR), secretExisting: unwrap(secretExistingR), credentials: unwrap(credentialsR) }
  const { pvc, credentials } = checkSources(o, { ns, name, pvcName, engine: engine.name }, found)
  const driver = await pvcDriver(kube, pvc)
  const snapshotClass = await chooseClass(kube, o, support, pvcName, driver, notes)
  const spec: BackupSpec = {
    name,
    namespace: ns,
    instance: o.instance,
    engine: engine.name,
    version: labels[ENGINE_VERSION] ?? 'unknown',
    pvc: pvcName,
    snapshotClass,
    driver,
    storage: pvc.spec?.resources?.requests?.storage ?? ann[ANN.storage] ?? '',
    storageClass: pvc.spec?.storageClassName ?? ann[ANN.storageClass],
    database: ann[ANN.database] ?? credentialsValue(credentials, 'database') ?? 'app',
    user: ann[ANN.user] ?? credentialsValue(credentials, 'username') ?? 'app',
    cpu: ann[ANN.cpu],
    memory: ann[ANN.memory],
    placement: ann[ANN.placement],
    expiresAt: expiresAt(now, o.retention?.ms),
    retention: o.retention?.text,
    quiesce: !o.quiesce ? 'none' : engine.name === 'postgresql' ? 'checkpoint' : 'read-lock',
  }
  return { spec, parts, credentials, notes }
}

function credentialsValue(secret: Secret, key: string): string | undefined {
  const v = secret.data?.[key]
  return v ? Buffer.from(v, 'base64').toString('utf8') : undefined
}

async function checkAccess(kube: Kube, ns: string, quiesce: boolean): Promise<void> {
  const denied = await kube.denied([
    { verb: 'create', group: SNAPSHOT_GROUP, resource: 'volumesnapshots', namespace: ns },
    { verb: 'create', resource: 'secrets', namespace: ns },
    ...(quiesce ? [{ verb: 'create', resource: 'pods', subresource: 'exec', namespace: ns }] : []),
  ])
  if (denied.length) {
    const what = denied.map((d) => `${d.verb} ${d.subresource ? `${d.resource}/${d.subresource}` : d.group ? `${d.resource}.${d.group}` : d.resource}`).join(', ')
    throw new ClusterError('forbidden', `you may not ${what} in namespace ${ns}; nothing was created`, {
      hint: 'ask a cluster admin for the Role that `dbaas rbac` prints',
      details: { denied },
    })
  }
}

/** Waits until the snapshot is cut (creationTime or readyToUse), or, with `ready`, until it is readyToUse. */
export async function waitSnapshot(kube: Kube, ns: string, name: string, until: 'cut' | 'ready', timeoutMs: number, deps: Deps): Promise<VolumeSnapshot> {
  let lastError: string | undefined
  return waitFor(
    kube,
    R.volumeSnapshots,
    ns,
    { fieldSelector: `metadata.name=${name}` },
    (items) => {
      const vs = items[0]
      if (!vs) return undefined
      const st = vs.status ?? {}
      if (typeof st.error?.message === 'string' && st.error.message !== lastError) {
        // The controller retries and clears it on success: report it, keep waiting.
        lastError = st.error.message
        deps.ui.update(`(snapshot error: ${lastError})`)
      }
      if (st.readyToUse === true) return vs
      if (until === 'cut' && st.creationTime) return vs
      return undefined
    },
    {
      timeoutMs,
      signal: deps.signal,
      describe: (items) => {
        const st = items[0]?.status
        if (!items[0]) return `VolumeSnapshot ${ns}/${name} is gone`
        if (st?.error?.message) return `VolumeSnapshot ${ns}/${name} is not ready; the snapshot driver reports: ${st.error.message}`
        return `VolumeSnapshot ${ns}/${name} is not ${until === 'cut' ? 'cut' : 'ready'} yet${st?.boundVolumeSnapshotContentName ? '' : ' (no VolumeSnapshotContent bound: is the CSI snapshotter sidecar running?)'}`
      },
      timeoutHint: `the backup stays and may still become ready: \`dbaas backup list -n ${ns}\`; \`dbaas backup delete ${name} -n ${ns}\` removes it`,
    },
  )
}

export async function createBackup(o: BackupCreateOptions, deps: Deps): Promise<BackupCreateResult> {
  const start = deps.now()
  const kube = await deps.kube(o.cluster)
  deps.ui.step(`Checking ${o.instance}`)
  const p = await plan(kube, o, deps)
  const ns = p.spec.namespace
  const vs = buildBackupSnapshot(p.spec)
  const secret = buildBackupCredentials(p.spec, p.credentials.data ?? {})

  if (o.dryRun === 'client') {
    return { backup: toBackupView(vs, deps.now(), true), action: 'dry-run', objects: [vs, redact(secret)], notes: p.notes, timings: { start, end: deps.now() } }
  }
  await checkAccess(kube, ns, o.quiesce)
  if (o.dryRun === 'server') {
    const sent = await kube.create(R.volumeSnapshots, vs, { dryRun: true })
    const sentSecret = await kube.create(R.secrets, secret, { dryRun: true })
    return { backup: toBackupView(sent, deps.now(), true), action: 'dry-run', objects: [sent, redact(sentSecret)], notes: p.notes, timings: { start, end: deps.now() } }
  }

  // The source instance's history (its credentials Secret) records the backup, or how it ended.
  const op = { verb: 'backup create', params: { backup: p.spec.name, ...(p.spec.quiesce !== 'none' ? { quiesce: p.spec.quiesce } : {}) }, startedMs: start }
  const historyTarget = instanceHistoryTarget(o.instance, ns)
  const record = o.recordHistory !== false
  try {
    return await take()
  } catch (err) {
    if (record) await recordOutcome(kube, historyTarget, op, { error: err }, deps)
    throw err
  }

  async function take(): Promise<BackupCreateResult> {
    const engine = engineFromLabel(p.spec.engine)
    const target = { cluster: o.cluster, namespace: ns, pod: `${o.instance}-0`, container: engine?.container ?? p.spec.engine }
    let lock: ReadLock | undefined
    let created: VolumeSnapshot | undefined
    let snapshotCreated = 0
    try {
      if (p.spec.quiesce === 'checkpoint') {
        deps.ui.step(`Quiescing ${o.instance}: CHECKPOINT`)
        await checkpoint(target, deps)
      } else if (p.spec.quiesce === 'read-lock') {
        deps.ui.step(`Quiescing ${o.instance}: FLUSH TABLES WITH READ LOCK`)
        const root = credentialsValue(p.credentials, 'root-password')
        if (!root) throw new PreconditionError(`the credentials Secret of ${o.instance} has no root-password, which FLUSH TABLES WITH READ LOCK needs; nothing was created`)
        lock = await holdReadLock(target, root, Math.min(o.timeoutMs, 60_000), deps)
      }
      deps.ui.step(`Taking snapshot ${ns}/${p.spec.name}`)
      created = await kube.create(R.volumeSnapshots, vs)
      snapshotCreated = deps.now()
      if (lock) {
        deps.ui.step('Waiting for the snapshot to be cut (tables locked)')
        try {
          await waitSnapshot(kube, ns, p.spec.name, 'cut', o.timeoutMs, deps)
        } finally {
          await lock.release()
          lock = undefined
        }
      }
    } finally {
      await lock?.release()
    }

    if (!created) throw new PreconditionError('the snapshot was not created')
    // The credentials copy, owned by the snapshot: garbage-collected with it.
    try {
      await kube.create(R.secrets, buildBackupCredentials(p.spec, p.credentials.data ?? {}, { uid: created.metadata.uid ?? '' }))
    } catch (err) {
      await kube.deleteIfExists(R.volumeSnapshots, ns, p.spec.name).catch(() => undefined)
      throw err
    }
    let final = created
    let ready: number | undefined
    if (o.wait) {
      deps.ui.step(`Waiting for ${p.spec.name} to be ready to use`)
      final = await waitSnapshot(kube, ns, p.spec.name, 'ready', o.timeoutMs, deps)
      ready = deps.now()
    }
    const recorded = record ? await recordOutcome(kube, historyTarget, op, { message: o.wait ? 'ready to use' : 'snapshot created (not waited for)' }, deps) : undefined
    deps.ui.done()
    return {
      backup: toBackupView(final, deps.now(), true),
      action: 'created',
      objects: [],
      notes: [...p.notes, ...(recorded ? [recorded] : [])],
      timings: { start, snapshotCreated, ...(ready ? { ready } : {}), end: deps.now() },
    }
  }
}
