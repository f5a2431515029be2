// dbaas ha create: check the operator and every precondition, then namespace → initdb Secret (basic-auth,
// username = owner) → Cluster, applied server-side with field manager dbaas; optionally wait until healthy.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { ConflictError, PreconditionError } from '../../errors.ts'
import { apiInfo, isApiNotFound, orForbidden } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../../k8s/kube.ts'
import { ANN, Kinds, MANAGED_BY } from '../../k8s/labels.ts'
import { generatePassword, redact } from '../create.ts'
import { checkNameFree } from '../find.ts'
import { requireOperator } from './find.ts'
import { buildHaCluster, buildHaSecret, CNPG, haLabels, haView, type HaSpec, type HaView } from './model.ts'
import { waitHealthy } from './wait.ts'

export interface HaCreateOptions {
  spec: HaSpec
  namespaceExplicit: boolean
  password?: string | undefined
  /** --snapshot-class; otherwise the cluster's default VolumeSnapshotClass. */
  snapshotClass?: string | undefined
  dryRun: 'none' | 'client' | 'server'
  wait: boolean
  timeoutMs: number
  cluster: ClusterFlags
  skipOperatorCheck: boolean
}

export interface HaCreateResult {
  action: 'created' | 'dry-run'
  cluster: HaView
  objects: KubeObject[]
  notes: string[]
}

export const DEFAULT_SNAPSHOT_CLASS = 'snapshot.storage.kubernetes.io/is-default-class'

export function buildHaNamespace(s: HaSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: s.namespace, labels: haLabels(s, Kinds.namespace), annotations: { [ANN.namespaceCreated]: 'true' } },
  }
}

/** The default VolumeSnapshotClass, or why there is none (no snapshot CRDs, none marked default, not readable). */
export async function defaultSnapshotClass(kube: Kube): Promise<{ name?: string; why?: string }> {
  try {
    const classes = (await kube.list(R.volumeSnapshotClasses, undefined)).items
    const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_SNAPSHOT_CLASS] === 'true')
    if (defaults.length === 1) return { name: defaults[0]?.metadata.name as string }
    if (defaults.length > 1) return { why: `several VolumeSnapshotClasses are marked default (${defaults.map((c) => c.metadata.name).join(', ')})` }
    return { why: classes.length ? 'no VolumeSnapshotClass is marked default' : 'this cluster has no VolumeSnapshotClass' }
  } catch (err) {
    if (isApiNotFound(err)) return { why: 'the VolumeSnapshot CRDs are not installed' }
    if (apiInfo(err)?.httpCode === 403) return { why: 'you may not list VolumeSnapshotClasses' }
    throw err
  }
}

export async function createHaCluster(o: HaCreateOptions, deps: Deps): Promise<HaCreateResult> {
  const notes: string[] = []
  const spec: HaSpec = { ...o.spec, ...(o.snapshotClass ? { snapshotClass: o.snapshotClass } : {}) }
  const password = o.password ?? generatePassword(deps.randomBytes)

  if (o.dryRun === 'client') {
    if (!spec.snapshotClass) notes.push('--dry-run=client contacts nothing: spec.backup.volumeSnapshot.className is filled from the default VolumeSnapshotClass on a real run (or pass --snapshot-class)')
    const objects = [...(o.namespaceExplicit ? [] : [buildHaNamespace(spec)]), redact(buildHaSecret(spec, password)), buildHaCluster(spec)]
    return { action: 'dry-run', cluster: haView(buildHaCluster(spec)), objects, notes }
  }

  const kube = await deps.kube(o.cluster)
  deps.ui.step(`Checking CloudNativePG and ${spec.namespace}/${spec.name}`)
  await requireOperator(kube, o.skipOperatorCheck, deps)
  const [namespace, existing, secret, snap] = await Promise.all([
    orForbidden(kube.find(R.namespaces, undefined, spec.namespace)),
    kube.find(CNPG.clusters, spec.namespace, spec.name),
    orForbidden(kube.find(R.secrets, spec.namespace, buildHaSecret(spec, '').metadata.name)),
    spec.snapshotClass ? Promise.resolve<{ name?: string; why?: string }>({ name: spec.snapshotClass }) : defaultSnapshotClass(kube),
  ])
  if (existing) {
    const ours = existing.metadata.labels?.[MANAGED_BY] === 'dbaas'
    throw new ConflictError(`a CloudNativePG Cluster named ${spec.name} already exists in ${spec.namespace}${ours ? '' : ' and was not created by dbaas'}`, {
      code: 'already_exists',
      hint: ours ? `see it with \`dbaas ha status ${spec.name} -n ${spec.namespace}\`` : 'pick another name, or another namespace with -n',
    })
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
  if (snap.name) spec.snapshotClass = snap.name
  else notes.push(`backups by volume snapshot are off: ${snap.why}; pass --snapshot-class to turn them on`)

  const namespaceExists = namespace === 'forbidden' ? o.namespaceExplicit : namespace !== undefined
  const nsObj = buildHaNamespace(spec)
  const secretObj = buildHaSecret(spec, password)
  const clusterObj = buildHaCluster(spec)

  if (o.dryRun === 'server') {
    const objects: KubeObject[] = []
    if (!namespaceExists) {
      objects.push(await kube.create(R.namespaces, nsObj, { dryRun: true }))
      notes.push(`namespace ${spec.namespace} does not exist yet, so the Secret and Cluster could not be validated by the server`)
      objects.push(redact(secretObj), clusterObj)
    } else {
      objects.push(redact(await kube.apply(R.secrets, secretObj, { dryRun: true })))
      objects.push(await kube.apply(CNPG.clusters, clusterObj, { dryRun: true }))
    }
    return { action: 'dry-run', cluster: haView(clusterObj), objects, notes }
  }

  deps.ui.step(`Creating HA cluster ${spec.name} (${spec.instances} instance${spec.instances === 1 ? '' : 's'})`)
  if (!namespaceExists) await kube.create(R.namespaces, nsObj)
  if (!secret) await kube.create(R.secrets, secretObj)
  else if (o.password !== undefined) notes.push(`kept the existing password in secret ${secretObj.metadata.name}; --password-stdin was not applied`)
  let applied = await kube.apply(CNPG.clusters, clusterObj)
  if (o.wait) applied = await waitHealthy(kube, spec.name, spec.namespace, o.timeoutMs, deps)
  deps.ui.done()
  return { action: 'created', cluster: haView(applied), objects: [], notes }
}
