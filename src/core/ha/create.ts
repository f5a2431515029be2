// dbaas ha create: check the engine's operator and every precondition, then namespace → credentials Secret →
// the engine's cluster resource (→ its extras), each applied server-side with field manager dbaas; optionally
// wait until the operator reports it healthy. The same steps for every HA engine.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { ConflictError, PreconditionError } from '../../errors.ts'
import { apiInfo, isApiNotFound, orForbidden } from '../../k8s/errors.ts'
import { R, resourceFor, type Kube, type KubeObject, type ResourceType } from '../../k8s/kube.ts'
import { ANN, Kinds, MANAGED_BY } from '../../k8s/labels.ts'
import { generatePassword, redact } from '../create.ts'
import { haHistoryTarget, recordOutcome } from '../day2/history.ts'
import { checkNameFree } from '../find.ts'
import type { CnpgCluster } from '../../k8s/types.ts'
import { enableHaMetrics } from '../metrics/enable.ts'
import type { HaEngine, HaSpec, HaView } from './engine.ts'
import { checkOperatorNamespace } from '../system-namespaces.ts'
import { requireOperator } from './find.ts'
import { haLabels } from './model.ts'
import { haEngine, HA_ENGINES } from './registry.ts'
import { waitHealthy } from './wait.ts'

export interface HaCreateOptions {
  spec: HaSpec
  namespaceExplicit: boolean
  password?: string | undefined
  /** The superuser's password (MySQL-family root); generated unless a restore brings the backup's. */
  rootPassword?: string | undefined
  /** --snapshot-class; otherwise the cluster's default VolumeSnapshotClass. */
  snapshotClass?: string | undefined
  dryRun: 'none' | 'client' | 'server'
  wait: boolean
  timeoutMs: number
  cluster: ClusterFlags
  skipOperatorCheck: boolean
  /** --allow-system-namespace: an operator's own namespace is refused otherwise. */
  allowSystemNamespace?: boolean | undefined
  /** --metrics (engines that serve metrics themselves): dbaas's Prometheus monitor for the cluster, once it exists. */
  metrics?: boolean | undefined
  /** Recorded in the cluster's history as `ha create` unless false (`ha restore` records itself, around its own wait). */
  history?: false | undefined
}

export interface HaCreateResult {
  action: 'created' | 'dry-run'
  cluster: HaView
  objects: KubeObject[]
  notes: string[]
}

/** What the history says `ha create` (and `ha restore`) was asked for. */
export function createParams(engine: Pick<HaEngine, 'engine'>, spec: HaSpec): Record<string, string> {
  return {
    engine: engine.engine,
    ...(spec.version ? { version: spec.version } : {}),
    instances: String(spec.instances),
    storage: spec.storage,
    ...(spec.cpu ? { cpu: spec.cpu } : {}),
    ...(spec.memory ? { memory: spec.memory } : {}),
  }
}

export const DEFAULT_SNAPSHOT_CLASS = 'snapshot.storage.kubernetes.io/is-default-class'

export function buildHaNamespace(s: Pick<HaSpec, 'name' | 'namespace' | 'version' | 'engine'>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: s.namespace, labels: haLabels(s, Kinds.namespace), annotations: { [ANN.namespaceCreated]: 'true' } },
  }
}

/** The provisioner (CSI driver) of the storage class a Cluster will use: the one named, or the cluster's default. */
async function storageDriver(kube: Kube, storageClass: string | undefined): Promise<string | undefined> {
  try {
    const classes = (await kube.list(R.storageClasses, undefined)).items
    const sc = storageClass
      ? classes.find((c) => c.metadata.name === storageClass)
      : classes.find((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
    return (sc as { provisioner?: string } | undefined)?.provisioner
  } catch {
    return undefined
  }
}

/**
 * The default VolumeSnapshotClass, or why there is none (no snapshot CRDs, none marked default, not readable).
 * Each CSI driver may mark its own default: with several, the one of the storage's driver.
 */
export async function defaultSnapshotClass(kube: Kube, storageClass?: string): Promise<{ name?: string; why?: string }> {
  try {
    const classes = (await kube.list(R.volumeSnapshotClasses, undefined)).items
    const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_SNAPSHOT_CLASS] === 'true')
    if (defaults.length === 1) return { name: defaults[0]?.metadata.name as string }
    if (defaults.length > 1) {
      const driver = await storageDriver(kube, storageClass)
      const mine = defaults.filter((c) => (c as { driver?: string }).driver === driver)
      if (driver && mine.length === 1) return { name: mine[0]?.metadata.name as string }
      return { why: `several VolumeSnapshotClasses are marked default (${defaults.map((c) => c.metadata.name).join(', ')})${driver ? `, ${mine.length} of them for ${driver}` : ''}` }
    }
    return { why: classes.length ? 'no VolumeSnapshotClass is marked default' : 'this cluster has no VolumeSnapshotClass' }
  } catch (err) {
    if (isApiNotFound(err)) return { why: 'the VolumeSnapshot CRDs are not installed' }
    if (apiInfo(err)?.httpCode === 403) return { why: 'you may not list VolumeSnapshotClasses' }
    throw err
  }
}

/** The resource type of an extra object an engine sends (its own kinds are in the registry). */
function resourceOf(engine: HaEngine, o: KubeObject): ResourceType {
  const own = [engine.resource, ...(engine.backups ? [engine.backups.resource] : [])].find((r) => r.kind === o.kind && `${r.group}/${r.version}` === o.apiVersion)
  const r = own ?? resourceFor(o.apiVersion ?? '', o.kind ?? '')
  if (!r) throw new Error(`no resource type for ${o.apiVersion} ${o.kind}`)
  return r
}

/** The other HA kinds with a cluster of this name in the namespace (one name, one HA cluster). */
async function sameNameElsewhere(kube: Kube, engine: HaEngine, s: HaSpec): Promise<string | undefined> {
  for (const e of HA_ENGINES) {
    if (e.id === engine.id) continue
    const c = await kube.find(e.resource, s.namespace, s.name).catch((err) => (apiInfo(err)?.httpCode === 403 ? undefined : Promise.reject(err)))
    if (c) return `${e.object}/${s.name}`
  }
  return undefined
}

export async function createHaCluster(o: HaCreateOptions, deps: Deps): Promise<HaCreateResult> {
  const notes: string[] = []
  const engine = haEngine(o.spec.engine)
  const spec: HaSpec = { ...o.spec, ...(o.snapshotClass ? { snapshotClass: o.snapshotClass } : {}) }
  const passwords = { password: o.password ?? generatePassword(deps.randomBytes), root: o.rootPassword ?? generatePassword(deps.randomBytes) }
  const usesSnapshots = engine.flags.has('--snapshot-class')

  if (o.dryRun === 'client') {
    if (o.metrics) notes.push('--metrics: a PodMonitor selecting the cluster\'s pods is created with the cluster where the Prometheus Operator is installed (--dry-run=client cannot tell)')
    if (usesSnapshots && !spec.snapshotClass) notes.push('--dry-run=client contacts nothing: the VolumeSnapshotClass for backups is the default class on a real run (or pass --snapshot-class)')
    const cluster = engine.build(spec)
    const objects = [...(o.namespaceExplicit ? [] : [buildHaNamespace(spec)]), redact(engine.secret(spec, passwords)), cluster, ...engine.extras(spec)]
    return { action: 'dry-run', cluster: engine.view(cluster), objects, notes }
  }

  const kube = await deps.kube(o.cluster)
  deps.ui.step(`Checking the ${engine.operator.name} and ${spec.namespace}/${spec.name}`)
  await requireOperator(kube, engine, o.skipOperatorCheck, deps, spec.namespace)
  const secretName = engine.secret(spec, passwords).metadata.name
  const [namespace, existing, secret, snap, other] = await Promise.all([
    orForbidden(kube.find(R.namespaces, undefined, spec.namespace)),
    kube.find(engine.resource, spec.namespace, spec.name),
    orForbidden(kube.find(R.secrets, spec.namespace, secretName)),
    !usesSnapshots || spec.snapshotClass ? Promise.resolve<{ name?: string; why?: string }>({ name: spec.snapshotClass }) : defaultSnapshotClass(kube, spec.storageClass),
    sameNameElsewhere(kube, engine, spec),
    checkOperatorNamespace(kube, spec.namespace, o.allowSystemNamespace === true),
  ])
  if (existing) {
    const ours = existing.metadata.labels?.[MANAGED_BY] === 'dbaas'
    throw new ConflictError(`a ${engine.resource.kind} named ${spec.name} already exists in ${spec.namespace}${ours ? '' : ' and was not created by dbaas'}`, {
      code: 'already_exists',
      hint: ours ? `see it with \`dbaas ha status ${spec.name} -n ${spec.namespace}\`` : 'pick another name, or another namespace with -n',
    })
  }
  if (other) {
    throw new ConflictError(`an HA cluster named ${spec.name} already exists in ${spec.namespace} (${other})`, { code: 'already_exists', hint: 'pick another name, or another namespace with -n' })
  }
  if (namespace !== 'forbidden' && namespace?.metadata.deletionTimestamp) {
    throw new PreconditionError(`namespace ${spec.namespace} is being deleted`, { hint: 'wait until it is gone, then create again' })
  }
  if (secret !== 'forbidden' && secret && secret.metadata.labels?.[MANAGED_BY] !== 'dbaas') {
    throw new ConflictError(`a Secret named ${secret.metadata.name} already exists in ${spec.namespace} and was not created by dbaas`, {
      code: 'already_exists',
      hint: 'pick another name, or another namespace with -n',
    })
  }
  // One name, one kind, per namespace (issue 19): not beside a single instance of that name.
  await checkNameFree(kube, spec.name, spec.namespace, 'ha-cluster')
  if (usesSnapshots) {
    if (snap.name) spec.snapshotClass = snap.name
    else notes.push(`backups by volume snapshot are off: ${snap.why}; pass --snapshot-class to turn them on`)
  }

  const namespaceExists = namespace === 'forbidden' ? o.namespaceExplicit : namespace !== undefined
  const nsObj = buildHaNamespace(spec)
  const secretObj = engine.secret(spec, passwords)
  const clusterObj = engine.build(spec)
  const extras = engine.extras(spec)

  if (o.dryRun === 'server') {
    const objects: KubeObject[] = []
    if (!namespaceExists) {
      objects.push(await kube.create(R.namespaces, nsObj, { dryRun: true }))
      notes.push(`namespace ${spec.namespace} does not exist yet, so the Secret and ${engine.resource.kind} could not be validated by the server`)
      objects.push(redact(secretObj), clusterObj, ...extras)
    } else {
      objects.push(redact(await kube.apply(R.secrets, secretObj, { dryRun: true })))
      objects.push(await kube.apply(engine.resource, clusterObj, { dryRun: true }))
      for (const x of extras) objects.push(await kube.apply(resourceOf(engine, x), x, { dryRun: true }))
    }
    if (o.metrics) notes.push('--metrics: a PodMonitor selecting the cluster\'s pods is created once the cluster exists, where the Prometheus Operator is installed')
    return { action: 'dry-run', cluster: engine.view(clusterObj), objects, notes }
  }

  deps.ui.step(`Creating ${engine.displayName} HA cluster ${spec.name} (${spec.instances} instance${spec.instances === 1 ? '' : 's'})`)
  const started = deps.now()
  if (!namespaceExists) await kube.create(R.namespaces, nsObj)
  if (!secret) await kube.create(R.secrets, secretObj)
  else if (o.password !== undefined) notes.push(`kept the existing password in secret ${secretObj.metadata.name}; --password-stdin was not applied`)
  let applied = await kube.apply(engine.resource, clusterObj)
  for (const x of extras) await kube.apply(resourceOf(engine, x), x)
  // The cluster's history (on its own object, which exists from here on) records the creation and how it ended.
  const target = haHistoryTarget(engine.resource, spec.name, spec.namespace)
  const op = { verb: 'ha create', params: createParams(engine, spec), startedMs: started }
  try {
    if (o.wait) applied = await waitHealthy(kube, engine, spec.name, spec.namespace, o.timeoutMs, deps)
  } catch (err) {
    if (o.history !== false) await recordOutcome(kube, target, op, { error: err }, deps)
    throw err
  }
  if (o.history !== false) {
    const note = await recordOutcome(kube, target, op, { message: o.wait ? 'created, healthy' : 'created (not waited for)' }, deps)
    if (note) notes.push(note)
  }
  deps.ui.done()
  if (o.metrics) notes.push(...(await enableHaMetrics(kube, applied as CnpgCluster, deps)).notes)
  return { action: 'created', cluster: engine.view(applied), objects: [], notes }
}
