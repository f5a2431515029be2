// dbaas create: gather state and check every precondition first (nothing is written until all pass), then
// namespace → credentials Secret → helm release → wait for the pods by watching.
import { instanceHistoryTarget, recordOutcome } from './day2/history.ts'
import type { Deps, ClusterFlags } from '../deps.ts'
import type { Engine } from '../engines/types.ts'
import { ClusterError, ConflictError, InterruptedError, OperationError, PreconditionError, UsageError } from '../errors.ts'
import { R, resource, resourceFor, type Kube, type KubeObject } from '../k8s/kube.ts'
import type { Namespace, Secret } from '../k8s/types.ts'
import { ANN, Kinds, identityLabels, instanceSelector, selector, withKind, INSTANCE, MANAGED_BY, KIND } from '../k8s/labels.ts'
import { waitFor } from '../k8s/wait.ts'
import { apiInfo, orForbidden } from '../k8s/errors.ts'
import { parseAllDocuments } from 'yaml'
import { checkDataVolume, readDataVolume } from './data-volume.ts'
import { checkNameFree } from './find.ts'
import { normalize, placementAnnotation, PLACEMENT_ANNOTATION, type Placement } from './placement.ts'
import { parseBytes } from './names.ts'
import { checkOperatorNamespace } from './system-namespaces.ts'
import { MONITORING_PASSWORD_KEY } from './metrics/exporters.ts'
import { finishCreateMetrics, planCreateMetrics } from './metrics/monitor.ts'
import { deriveStatus, groupInstances, PENDING_GRACE_MS, podFailure, podReady, toView, type InstanceParts, type InstanceView } from './instances.ts'

export type DryRunMode = 'none' | 'client' | 'server'

export interface CreateOptions {
  engine: Engine
  name: string
  namespace: string
  /** The namespace came from -n (rather than the dbaas-<name> default). */
  namespaceExplicit: boolean
  version: string
  storage: string
  storageClass?: string | undefined
  cpu: string
  memory: string
  database: string
  user: string
  /** From --password-stdin; generated when absent. */
  password?: string | undefined
  dryRun: DryRunMode
  wait: boolean
  timeoutMs: number
  cluster: ClusterFlags
  /** Extra annotations recorded on the StatefulSet (restores record their origin here). */
  annotations?: Record<string, string>
  /** A pre-made credentials Secret's data (restores bring the source's credentials). */
  credentials?: Record<string, string> | undefined
  /** --reuse-data: mount an existing data-<name>-0 of the same engine and major (restores pass true). */
  reuseData?: boolean | undefined
  /** Node selector, tolerations, priority class, pull secrets, image registry; kept on the StatefulSet. */
  placement?: Placement | undefined
  /** --openshift: render for OpenShift's SCCs even where discovery does not say so (always so on a client dry run). */
  openshift?: boolean | undefined
  /** --allow-system-namespace: Kubernetes' and operators' own namespaces are refused otherwise. */
  allowSystemNamespace?: boolean | undefined
  /** --metrics: an exporter sidecar, its monitoring user and (with the Prometheus Operator) a ServiceMonitor. */
  metrics?: boolean | undefined
  /** How the operation goes into the instance's history (restore says so); create by default. */
  history?: { verb: string; params: Record<string, string> } | undefined
}

export interface CreateResult {
  instance: InstanceView
  /** "created", "completed" (an Incomplete/Failed instance was finished) or "dry-run". */
  action: 'created' | 'completed' | 'dry-run'
  /** Objects printed by a dry run (Secret values redacted). */
  objects: KubeObject[]
  notes: string[]
}

export const PASSWORD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** A password from a CSPRNG, by rejection sampling so every character is equally likely. */
export function generatePassword(random: (n: number) => Buffer, length = 24): string {
  const limit = 256 - (256 % PASSWORD_ALPHABET.length)
  let out = ''
  while (out.length < length) {
    for (const b of random(length * 2)) {
      if (b < limit && out.length < length) out += PASSWORD_ALPHABET[b % PASSWORD_ALPHABET.length]
    }
  }
  return out
}

export function credentialsSecretName(name: string): string {
  return `${name}-credentials`
}

export function buildNamespace(o: Pick<CreateOptions, 'name' | 'engine' | 'version' | 'namespace'>): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: o.namespace,
      labels: withKind(identityLabels({ name: o.name, engine: o.engine.name, version: o.version }), Kinds.namespace),
      annotations: { [ANN.namespaceCreated]: 'true' },
    },
  }
}

export function credentialsData(o: Pick<CreateOptions, 'engine' | 'user' | 'database'>, password: string, rootPassword: string): Record<string, string> {
  return {
    username: o.user,
    password,
    database: o.database,
    ...(o.engine.rootPassword ? { 'root-password': rootPassword } : {}),
  }
}

export function buildCredentialsSecret(o: Pick<CreateOptions, 'name' | 'engine' | 'version' | 'namespace' | 'database' | 'user'>, data: Record<string, string>): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: credentialsSecretName(o.name),
      namespace: o.namespace,
      labels: withKind(identityLabels({ name: o.name, engine: o.engine.name, version: o.version }), Kinds.credentials),
      annotations: { [ANN.database]: o.database, [ANN.user]: o.user },
    },
    stringData: data,
  }
}

/** /dev/shm's size limit: half the memory limit (its pages count against it), in whole MiB. */
export function shmSize(memory: string): string {
  const bytes = parseBytes(memory) ?? 0
  return `${Math.max(1, Math.floor(bytes / 2 / 2 ** 20))}Mi`
}

/**
 * The chart values: everything the chart needs, and never a password. No labels: the chart sets the ones dbaas
 * finds its objects by, so helm writes them with the objects (nothing to relabel after an install).
 */
export function buildValues(o: CreateOptions, cluster: { openshift?: boolean } = {}): Record<string, unknown> {
  const p = normalize(o.placement ?? {})
  const placement = placementAnnotation(p)
  return {
    engineVersion: o.version,
    image: { repository: o.engine.image, tag: o.version, pullPolicy: 'IfNotPresent', registry: p.imageRegistry ?? '' },
    auth: { existingSecret: credentialsSecretName(o.name) },
    storage: { size: o.storage, storageClass: o.storageClass ?? '' },
    resources: { requests: { cpu: o.cpu, memory: o.memory }, limits: { memory: o.memory } },
    ...(o.engine.sharedMemory ? { shm: { sizeLimit: shmSize(o.memory) } } : {}),
    nodeSelector: p.nodeSelector ?? {},
    tolerations: p.tolerations ?? [],
    priorityClassName: p.priorityClassName ?? '',
    imagePullSecrets: p.imagePullSecrets ?? [],
    openshift: o.openshift === true || cluster.openshift === true,
    labels: {},
    annotations: {
      [ANN.storage]: o.storage,
      ...(o.storageClass ? { [ANN.storageClass]: o.storageClass } : {}),
      [ANN.database]: o.database,
      [ANN.user]: o.user,
      [ANN.cpu]: o.cpu,
      [ANN.memory]: o.memory,
      ...(placement ? { [PLACEMENT_ANNOTATION]: placement } : {}),
      ...(o.annotations ?? {}),
    },
  }
}

/**
 * Labels on helm's release record (helm install --labels), so `status` and `create` can read the release of
 * one instance. Not managed-by: the record is helm's. `list` never reads these.
 */
export function releaseLabels(o: Pick<CreateOptions, 'name' | 'engine' | 'version'>): Record<string, string> {
  const { [MANAGED_BY]: _helm, ...rest } = withKind(identityLabels({ name: o.name, engine: o.engine.name, version: o.version }), Kinds.release)
  return rest
}

/** Replaces every Secret value with a placeholder, for printing. */
export function redact<T extends KubeObject>(obj: T): T {
  if (obj.kind !== 'Secret') return obj
  const secret = obj as KubeObject & Pick<Secret, 'data' | 'stringData'>
  const hide = (m: Record<string, string>) => Object.fromEntries(Object.keys(m).map((k) => [k, '<redacted>']))
  const copy: KubeObject & Pick<Secret, 'data' | 'stringData'> = { ...secret }
  if (secret.data) copy.data = hide(secret.data)
  if (secret.stringData) copy.stringData = hide(secret.stringData)
  return copy as T
}

/** OpenShift's SecurityContextConstraints API group: served on OpenShift (and OKD), so the charts leave uids to the SCC. */
export const OPENSHIFT_SECURITY_GROUP = 'security.openshift.io'

/** Whether discovery serves security.openshift.io (every authenticated user may read discovery). */
export async function servesOpenShiftSecurity(kube: Kube): Promise<boolean> {
  try {
    await kube.transport.request('GET', `/apis/${OPENSHIFT_SECURITY_GROUP}`)
    return true
  } catch (err) {
    const code = apiInfo(err)?.httpCode
    if (code === 404 || code === 403) return false
    throw err
  }
}

/** PriorityClasses: --priority-class must name one (a pod naming a missing one is refused by admission). */
export const PRIORITY_CLASSES = resource<KubeObject>({ group: 'scheduling.k8s.io', version: 'v1', plural: 'priorityclasses', kind: 'PriorityClass', namespaced: false })

interface ClusterState {
  /** The namespace, undefined when it does not exist, 'forbidden' when the user may not read it. */
  namespace?: KubeObject | 'forbidden' | undefined
  parts?: InstanceParts | undefined
  /** A StatefulSet of that name exists that is not a dbaas instance. */
  foreign: boolean
  /** undefined when the user may not list storage classes (a namespaced user): not checked then. */
  storageClasses: KubeObject[] | undefined
  credentials?: KubeObject | undefined
  /** --priority-class's PriorityClass: undefined when missing, 'forbidden' when unreadable, 'unasked' without the flag. */
  priorityClass: KubeObject | 'forbidden' | 'unasked' | undefined
  /** The --image-pull-secret names missing from the namespace (those that could be read). */
  missingPullSecrets: string[]
  /** The cluster serves security.openshift.io. */
  openshift: boolean
}

async function readState(kube: Kube, o: CreateOptions): Promise<ClusterState> {
  const ns = o.namespace
  const p = normalize(o.placement ?? {})
  const [namespace, sts, secrets, classes, priorityClass, pullSecrets, openshift] = await Promise.all([
    orForbidden(kube.find(R.namespaces, undefined, ns)),
    orForbidden(kube.find(R.statefulSets, ns, o.name)),
    orForbidden(kube.list(R.secrets, ns, { labelSelector: instanceSelector(o.name), metadataOnly: true }).then((l) => l.items)),
    orForbidden(kube.list(R.storageClasses, undefined).then((l) => l.items)),
    p.priorityClassName ? orForbidden(kube.find(PRIORITY_CLASSES, undefined, p.priorityClassName)) : Promise.resolve('unasked' as const),
    Promise.all((p.imagePullSecrets ?? []).map(async (name) => ({ name, found: await orForbidden(kube.find(R.secrets, ns, name)) }))),
    servesOpenShiftSecurity(kube),
    checkOperatorNamespace(kube, ns, o.allowSystemNamespace === true),
  ])
  const statefulSet = sts === 'forbidden' ? undefined : sts
  const parts = groupInstances(statefulSet ? [statefulSet] : [], secrets === 'forbidden' ? [] : secrets).find(
    (p) => p.name === o.name && p.namespace === ns,
  )
  const foreign = statefulSet !== undefined && statefulSet.metadata.labels?.[KIND] !== Kinds.instance
  return {
    namespace,
    parts,
    foreign,
    storageClasses: classes === 'forbidden' ? undefined : classes,
    credentials: parts?.credentials,
    priorityClass,
    missingPullSecrets: pullSecrets.filter((s) => s.found === undefined).map((s) => s.name),
    openshift,
  }
}

/** A PriorityClass that does not exist would have every pod refused: say so before anything is written. */
function checkPriorityClass(o: CreateOptions, found: ClusterState['priorityClass']): void {
  if (found !== undefined) return // exists, unreadable (admission will say), or not asked for
  throw new UsageError(`priority class "${o.placement?.priorityClassName}" does not exist`, {
    hint: 'see `kubectl get priorityclasses`, or leave out --priority-class for the cluster default',
  })
}

function checkStorageClass(o: CreateOptions, classes: KubeObject[] | undefined): void {
  if (classes === undefined) return // may not list classes: the provisioner will say
  const names = classes.map((c) => c.metadata.name)
  if (o.storageClass) {
    if (!names.includes(o.storageClass)) {
      throw new UsageError(`storage class "${o.storageClass}" does not exist`, {
        hint: names.length ? `existing classes: ${names.join(', ')}` : 'this cluster has no storage classes',
      })
    }
    return
  }
  const isDefault = (c: KubeObject) =>
    c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ||
    c.metadata.annotations?.['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
  if (!classes.some(isDefault)) {
    throw new PreconditionError('this cluster has no default storage class, so the data volume could not be provisioned', {
      hint: names.length ? `pass --storage-class (existing: ${names.join(', ')})` : 'install a CSI driver with a StorageClass first',
    })
  }
}

/** Everything create will write must be allowed before anything is written. */
async function checkAccess(kube: Kube, o: CreateOptions, namespaceExists: boolean): Promise<void> {
  const ns = o.namespace
  const denied = await kube.denied([
    ...(namespaceExists ? [] : [{ verb: 'create', resource: 'namespaces' }]),
    { verb: 'create', resource: 'secrets', namespace: ns },
    { verb: 'list', resource: 'secrets', namespace: ns },
    { verb: 'create', group: 'apps', resource: 'statefulsets', namespace: ns },
    { verb: 'create', resource: 'services', namespace: ns },
    { verb: 'watch', resource: 'pods', namespace: ns },
  ])
  if (denied.length) {
    const what = denied.map((d) => `${d.verb} ${d.group ? `${d.resource}.${d.group}` : d.resource}`).join(', ')
    throw new ClusterError('forbidden', `you may not ${what} in namespace ${ns}; nothing was created`, {
      hint: namespaceExists ? 'ask a cluster admin for the Role that `dbaas rbac` prints' : `ask for namespace ${ns} to be created for you, or pass -n with a namespace you may use`,
      details: { denied },
    })
  }
}

export async function createInstance(o: CreateOptions, deps: Deps): Promise<CreateResult> {
  const password = o.password ?? generatePassword(deps.randomBytes)
  let data = o.credentials ?? credentialsData(o, password, generatePassword(deps.randomBytes))
  if (o.metrics && !data[MONITORING_PASSWORD_KEY]) data = { ...data, [MONITORING_PASSWORD_KEY]: generatePassword(deps.randomBytes) }
  const nsObj = buildNamespace(o)
  const secret = buildCredentialsSecret(o, data)
  const metricsOf = (kube: Kube | undefined) => planCreateMetrics(kube, { name: o.name, namespace: o.namespace, engine: o.engine.name, version: o.version })

  if (o.dryRun === 'client') {
    // Contacts nothing: helm template renders locally.
    const metrics = o.metrics ? await metricsOf(undefined) : undefined
    const values = buildValues(o)
    const manifests = await renderChart(o, metrics ? { ...values, metrics: metrics.values } : values, deps)
    const objects = [...(o.namespaceExplicit ? [] : [nsObj]), redact(secret), ...manifests]
    return { instance: plannedView(o, deps.now()), action: 'dry-run', objects, notes: metrics?.notes ?? [] }
  }

  const kube = await deps.kube(o.cluster)
  deps.ui.step(`Checking ${o.namespace}/${o.name}`)
  const [state, , dataVolume] = await Promise.all([readState(kube, o), deps.helm.version(), orForbidden(readDataVolume(kube, o.namespace, o.name))])
  if (state.foreign) {
    throw new ConflictError(`a StatefulSet named ${o.name} already exists in ${o.namespace} and was not created by dbaas`, {
      code: 'already_exists',
      hint: 'pick another name, or another namespace with -n',
    })
  }
  if (state.parts) {
    const existing = state.parts
    const view = toView(existing, deps.now())
    if (view.engine !== o.engine.name) {
      throw new ConflictError(`instance "${o.name}" already exists in ${o.namespace} as ${view.engine}`, {
        code: 'already_exists',
        hint: `pick another name, or remove it first with \`dbaas delete ${o.name} -n ${o.namespace}\``,
      })
    }
    const status = deriveStatus(existing, deps.now())
    if (status !== 'Incomplete' && status !== 'Failed' && status !== 'Creating') {
      throw new ConflictError(`instance "${o.name}" already exists in ${o.namespace} (${status})`, {
        code: 'already_exists',
        hint: `see it with \`dbaas status ${o.name} -n ${o.namespace}\`, or pick another name`,
      })
    }
    if (status === 'Creating' && latestOf(existing)?.status.startsWith('pending-')) {
      // helm is installing it right now (another create): neither interfere nor wait on someone else's helm.
      throw new PreconditionError(`instance "${o.name}" is being installed by another dbaas or helm right now`, {
        hint: `follow it with \`dbaas status ${o.name} -n ${o.namespace}\`; if that process was killed, run create again after ${PENDING_GRACE_MS / 60_000} minutes`,
      })
    }
  }
  const volumeCheck = { name: o.name, namespace: o.namespace, engine: o.engine.name, version: o.version, reuseData: o.reuseData === true, completing: state.parts !== undefined }
  let dataNote = dataVolume === 'forbidden' ? undefined : checkDataVolume(dataVolume, volumeCheck)
  await checkNameFree(kube, o.name, o.namespace, 'instance')
  checkStorageClass(o, state.storageClasses)
  checkPriorityClass(o, state.priorityClass)
  const values = buildValues(o, { openshift: state.openshift })
  if (state.namespace !== 'forbidden' && state.namespace?.metadata.deletionTimestamp) {
    throw new PreconditionError(`namespace ${o.namespace} is being deleted`, { hint: 'wait until it is gone, then create again' })
  }
  // A namespace the user may not read exists when they named it with -n; dbaas-<name> would have to be created.
  const namespaceExists = state.namespace === 'forbidden' ? o.namespaceExplicit : state.namespace !== undefined
  await checkAccess(kube, o, namespaceExists)
  // Not allowed to read the data volume: a namespace dbaas is about to make holds none; in an existing one the
  // read is asked again after the access checks, so its refusal (5, naming the rule) is the answer.
  if (dataVolume === 'forbidden' && namespaceExists) dataNote = checkDataVolume(await readDataVolume(kube, o.namespace, o.name), volumeCheck)
  const metrics = o.metrics ? await metricsOf(kube) : undefined
  if (metrics) values.metrics = metrics.values

  if (o.dryRun === 'server') return serverDryRun(o, kube, deps, namespaceExists, nsObj, secret, values)

  const completing = state.parts !== undefined
  const notes: string[] = [...(dataNote ? [dataNote] : []), ...(metrics?.notes ?? [])]
  if (state.missingPullSecrets.length) {
    // The kubelet pulls without a missing pull secret (and says so in an event): worth a word, not a refusal.
    notes.push(`image pull secret${state.missingPullSecrets.length > 1 ? 's' : ''} ${state.missingPullSecrets.join(', ')} not found in namespace ${o.namespace}; the image is pulled without ${state.missingPullSecrets.length > 1 ? 'them' : 'it'}`)
  }
  deps.ui.step(completing ? `Completing ${o.name} (${o.engine.displayName} ${o.version})` : `Creating ${o.name} (${o.engine.displayName} ${o.version})`)
  const started = deps.now()
  if (!namespaceExists) await kube.create(R.namespaces, nsObj)
  if (!state.credentials) {
    await kube.create(R.secrets, secret)
  } else if (o.password !== undefined) {
    notes.push(`kept the existing password in secret ${credentialsSecretName(o.name)}; --password-stdin was not applied`)
  }
  // The instance's history (on the credentials Secret, which exists from here on) records the operation.
  const op = { ...(o.history ?? { verb: 'create', params: { engine: o.engine.name, version: o.version, storage: o.storage } }), startedMs: started }
  const target = instanceHistoryTarget(o.name, o.namespace)
  try {
    // An instance still starting (an earlier create was interrupted while waiting) only needs the wait.
    const installed = state.parts?.statefulSet !== undefined && latestOf(state.parts)?.status === 'deployed'
    await unblockRelease(o, state.parts, deps)
    if (!installed) await install(o, values, deps)
    if (o.wait) await waitReady(kube, o.name, o.namespace, 1, o.timeoutMs, deps)
    if (metrics) notes.push(...(await finishCreateMetrics(kube, { cluster: o.cluster, name: o.name, namespace: o.namespace, engine: o.engine }, deps)))
  } catch (err) {
    await recordOutcome(kube, target, op, { error: err }, deps)
    throw err
  }
  const recorded = await recordOutcome(kube, target, op, { message: completing ? 'completed' : o.wait ? 'created, ready' : 'created (not waited for)' }, deps)
  if (recorded) notes.push(recorded)
  deps.ui.done()
  const parts = await readParts(kube, o.name, o.namespace)
  return { instance: toView(parts ?? { name: o.name, namespace: o.namespace, releases: [] }, deps.now()), action: completing ? 'completed' : 'created', objects: [], notes }
}

async function install(o: CreateOptions, values: Record<string, unknown>, deps: Deps): Promise<void> {
  deps.ui.step(`Installing helm release ${o.name}`)
  await deps.helm.upgradeInstall({
    release: o.name,
    chart: o.engine.chart,
    namespace: o.namespace,
    values,
    labels: releaseLabels(o),
    timeoutSeconds: Math.max(1, Math.round(o.timeoutMs / 1000)),
    target: await deps.kubeTarget(o.cluster),
  })
}

async function readParts(kube: Kube, name: string, namespace: string): Promise<InstanceParts | undefined> {
  const [sts, secrets] = await Promise.all([
    kube.find(R.statefulSets, namespace, name),
    kube.list(R.secrets, namespace, { labelSelector: instanceSelector(name), metadataOnly: true }).then((l) => l.items),
  ])
  return groupInstances(sts ? [sts] : [], secrets).find((p) => p.name === name)
}

/** A release left in pending-* by an interrupted helm would block the next install: clear it. */
async function unblockRelease(o: CreateOptions, parts: InstanceParts | undefined, deps: Deps): Promise<void> {
  const release = parts ? latestOf(parts) : undefined
  if (!release) return
  const target = await deps.kubeTarget(o.cluster)
  if (release.status === 'pending-install') {
    deps.ui.step(`Removing the interrupted install of ${o.name}`)
    await deps.helm.uninstall(o.name, o.namespace, target, { noHooks: true })
  } else if (release.status === 'pending-upgrade' || release.status === 'pending-rollback') {
    deps.ui.step(`Rolling back the interrupted upgrade of ${o.name}`)
    await deps.helm.rollback(o.name, o.namespace, target)
  }
}

function latestOf(parts: InstanceParts): { status: string } | undefined {
  let best: { status: string; rev: number } | undefined
  for (const s of parts.releases) {
    const rev = Number(s.metadata.labels?.version ?? 0)
    if (!best || rev > best.rev) best = { status: s.metadata.labels?.status ?? '', rev }
  }
  return best
}

/** Waits until `want` pods of the instance are Ready, failing fast on a terminal pod state. */
export async function waitReady(kube: Kube, name: string, namespace: string, want: number, timeoutMs: number, deps: Deps): Promise<void> {
  deps.ui.step(`Waiting for ${name} to be ready`)
  await waitFor(
    kube,
    R.pods,
    namespace,
    { labelSelector: selector({ [INSTANCE]: name, [KIND]: Kinds.pod }) },
    (pods) => {
      const failure = podFailure(pods)
      if (failure) {
        throw new OperationError(`${name} cannot start: ${failure}`, {
          hint: `see \`dbaas status ${name} -n ${namespace}\` and \`dbaas logs ${name} -n ${namespace}\`; fix the cause and run create again, or remove it with \`dbaas delete ${name} -n ${namespace}\``,
        })
      }
      const ready = pods.filter(podReady).length
      deps.ui.update(`(${ready}/${want} ready)`)
      return ready >= want ? true : undefined
    },
    {
      timeoutMs,
      signal: deps.signal,
      describe: (pods) =>
        pods.length === 0
          ? 'no pod has been created yet'
          : pods.map((p) => `pod ${p.metadata.name} ${p.status?.phase ?? 'Pending'}${podReady(p) ? ' (ready)' : ' (not ready)'}`).join(', '),
      timeoutHint: `the instance is still there: follow it with \`dbaas status ${name} -n ${namespace}\`, or remove it with \`dbaas delete ${name} -n ${namespace}\``,
    },
  )
    .then(() =>
      // The pods are ready; the StatefulSet's own status follows within moments, and list/status read it.
      waitFor(
        kube,
        R.statefulSets,
        namespace,
        { fieldSelector: `metadata.name=${name}` },
        (items) => ((items[0]?.status?.readyReplicas ?? 0) >= want ? true : undefined),
        { timeoutMs, signal: deps.signal, describe: () => `the StatefulSet ${name} does not report its pods ready yet` },
      ),
    )
    .catch((err) => {
    if (err instanceof InterruptedError) {
      throw new InterruptedError(`interrupted while waiting for ${name}`, {
        hint: `it goes on starting: \`dbaas status ${name} -n ${namespace}\` shows where it is; \`dbaas delete ${name} -n ${namespace}\` removes it`,
      })
    }
    throw err
  })
}

async function renderChart(o: CreateOptions, values: Record<string, unknown>, deps: Deps): Promise<KubeObject[]> {
  const text = await deps.helm.template({ release: o.name, chart: o.engine.chart, namespace: o.namespace, values })
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null && typeof d === 'object' && typeof d.kind === 'string')
    .map((d) => ({ ...d, metadata: { ...d.metadata, namespace: d.metadata.namespace ?? o.namespace } }))
}

function plannedView(o: CreateOptions, now: number): InstanceView {
  return {
    kind: 'instance',
    name: o.name,
    namespace: o.namespace,
    engine: o.engine.name,
    version: o.version,
    status: 'Creating',
    ready: '0/1',
    storage: o.storage,
    storageClass: o.storageClass ?? null,
    database: o.database,
    user: o.user,
    createdAt: new Date(now).toISOString(),
    release: null,
    restoredFrom: o.annotations?.[ANN.restoredFrom] ?? null,
  }
}

async function serverDryRun(
  o: CreateOptions,
  kube: Kube,
  deps: Deps,
  namespaceExists: boolean,
  nsObj: KubeObject,
  secret: KubeObject,
  values: Record<string, unknown>,
): Promise<CreateResult> {
  const manifests = await renderChart(o, values, deps)
  const objects: KubeObject[] = []
  const notes: string[] = []
  if (!namespaceExists) objects.push(await kube.create(R.namespaces, nsObj, { dryRun: true }))
  const namespaced = [secret, ...manifests]
  if (!namespaceExists) {
    notes.push(
      `namespace ${o.namespace} does not exist yet, so these objects could not be validated by the server: ${namespaced
        .map((m) => `${m.kind}/${m.metadata.name}`)
        .join(', ')}`,
    )
    objects.push(...namespaced.map(redact))
  } else {
    for (const m of namespaced) {
      const r = resourceFor(m.apiVersion ?? '', m.kind ?? '')
      if (!r) {
        notes.push(`${m.kind}/${m.metadata.name} was not validated (dbaas does not send that kind itself)`)
        objects.push(redact(m))
        continue
      }
      objects.push(redact(await kube.apply(r, m, { dryRun: true })))
    }
  }
  return { instance: plannedView(o, deps.now()), action: 'dry-run', objects, notes }
}
