// Percona XtraDB Cluster (pxc.percona.com/v1 PerconaXtraDBCluster), operator v1.18.0: 3 or 5 Galera members
// behind HAProxy. Every member takes writes; HAProxy sends them to <name>-pxc-0 while it passes its checks,
// else to the ready member with the highest number (the operator's documented routing), so dbaas reads "the
// writer" from the members' readiness. There is no switchover to ask for; --force deletes the writer's pod
// and waits for the routing to move and the cluster to be whole again. Backups are XtraBackup to object
// storage only, which dbaas does not drive. Pure: builders and readers only.
import { PreconditionError, UsageError } from '../../../errors.ts'
import { resource } from '../../../k8s/kube.ts'
import type { KubeObject, Pod, Secret } from '../../../k8s/types.ts'
import { ANN, ENGINE_VERSION, INSTANCE, Kinds } from '../../../k8s/labels.ts'
import { byOrdinal, podReady, type HaEngine, type HaSpec, type HaView, type MemberView, type Passwords } from '../engine.ts'
import { normalize, rewriteImage, type Placement } from '../../placement.ts'
import { haLabels, haSecretName, secretMeta, statusWordFrom, validateInstanceCount } from '../model.ts'
import { clusterAnnotations } from './cnpg.ts'
import { myCnf, paramsFromCnf, parseMysqlParams } from './mysql-params.ts'

interface AppStatus {
  size?: number
  ready?: number
  status?: string
  message?: string
}

/** The fields of pxc.percona.com/v1 PerconaXtraDBCluster that dbaas writes and reads. */
export interface PerconaXtraDBCluster extends KubeObject {
  spec?: {
    crVersion?: string
    secretsName?: string
    updateStrategy?: string
    pxc?: {
      size?: number
      image?: string
      configuration?: string
      resources?: { requests?: Record<string, string>; limits?: Record<string, string> }
      volumeSpec?: { persistentVolumeClaim?: { storageClassName?: string; resources?: { requests?: { storage?: string } } } }
      [key: string]: unknown
    }
    haproxy?: { enabled?: boolean; size?: number; image?: string; [key: string]: unknown }
    proxysql?: { enabled?: boolean }
    users?: Array<{ name: string; dbs?: string[]; grants?: string[]; passwordSecretRef?: { name: string; key?: string } }>
    [key: string]: unknown
  }
  status?: {
    state?: string
    message?: string[]
    pxc?: AppStatus
    haproxy?: AppStatus
    host?: string
    size?: number
    ready?: number
    observedGeneration?: number
    [key: string]: unknown
  }
}

export const PXC = {
  clusters: resource<PerconaXtraDBCluster>({ group: 'pxc.percona.com', version: 'v1', plural: 'perconaxtradbclusters', kind: 'PerconaXtraDBCluster', namespaced: true }),
}

export const PXC_CR_VERSION = '1.18.0'
/** The images the operator's v1.18.0 release lists (e2e-tests/release_versions), by MySQL line. */
export const PXC_IMAGES: Record<string, string> = {
  '8.4': 'percona/percona-xtradb-cluster:8.4.5-5.1',
  '8.0': 'percona/percona-xtradb-cluster:8.0.42-33.1',
  '5.7': 'percona/percona-xtradb-cluster:5.7.44-31.65',
}
export const PXC_VERSIONS = ['8.4', '8.0', '5.7'] as const
export const HAPROXY_IMAGE = 'percona/haproxy:2.8.15'
/** The operator refuses a longer cluster name (clusterNameMaxLen). */
export const PXC_MAX_NAME = 22
export const MYSQL_PORT = 3306

export const PXC_INSTALL_HINT =
  'install the Percona Operator for MySQL (PXC) v1.18.0 first: ' +
  '`kubectl apply --server-side -f https://raw.githubusercontent.com/percona/percona-xtradb-cluster-operator/v1.18.0/deploy/cw-bundle.yaml` ' +
  '(every namespace; deploy/bundle.yaml watches only the namespace it is applied in) ' +
  'or `helm install pxc-operator percona/pxc-operator --version 1.18.0 -n pxc-operator --create-namespace --set watchAllNamespaces=true` (repo https://percona.github.io/percona-helm-charts); ' +
  'pass --skip-operator-check if it is installed later (GitOps)'

/** Settings the operator writes for Galera and its own users, refused in --param. */
export const MANAGED = new Set(['wsrep_*', 'datadir', 'port', 'socket', 'bind_address', 'ssl_ca', 'ssl_cert', 'ssl_key', 'pxc_encrypt_cluster_traffic', 'admin_address', 'admin_port'])

export function memberName(c: PerconaXtraDBCluster, i: number): string {
  return `${c.metadata.name}-pxc-${i}`
}

/**
 * The member HAProxy writes to, by the operator's documented rule: <name>-pxc-0 while it is ready, else the
 * ready member with the highest number. Undefined when no member is ready.
 */
export function writerOf(c: PerconaXtraDBCluster, pods: Pod[]): string | undefined {
  const ready = pods.filter((p) => p.metadata.name.startsWith(`${c.metadata.name}-pxc-`) && podReady(p)).map((p) => p.metadata.name)
  if (ready.includes(memberName(c, 0))) return memberName(c, 0)
  return ready.sort(byOrdinal).reverse()[0]
}

export function pxcHealthy(c: PerconaXtraDBCluster): boolean {
  const st = c.status ?? {}
  const size = c.spec?.pxc?.size ?? 0
  const proxy = c.spec?.haproxy?.enabled === false ? true : (st.haproxy?.ready ?? 0) >= (c.spec?.haproxy?.size ?? 0)
  const current = st.observedGeneration === undefined || c.metadata.generation === undefined || st.observedGeneration >= c.metadata.generation
  return st.state === 'ready' && (st.pxc?.ready ?? 0) >= size && proxy && current
}

export function pxcBusy(c: PerconaXtraDBCluster): string | undefined {
  const st = c.status ?? {}
  if (!st.state || st.state === 'ready') return undefined
  return `its state is ${st.state} (${st.pxc?.ready ?? 0}/${c.spec?.pxc?.size ?? '?'} members ready${st.message?.length ? `: ${st.message.join('; ')}` : ''})`
}

function versionOf(c: PerconaXtraDBCluster): string {
  const tag = c.spec?.pxc?.image?.split('@')[0]?.split(':')[1]
  if (tag) return tag.split('-')[0]?.split('.').slice(0, 2).join('.') ?? tag
  return c.metadata.labels?.[ENGINE_VERSION] ?? 'default'
}

export function pxcView(c: PerconaXtraDBCluster): HaView {
  const st = c.status ?? {}
  const ann = c.metadata.annotations ?? {}
  const want = c.spec?.pxc?.size ?? 0
  const ready = st.pxc?.ready ?? 0
  const ok = pxcHealthy(c)
  return {
    kind: 'ha-cluster',
    name: c.metadata.labels?.[INSTANCE] ?? c.metadata.name,
    namespace: c.metadata.namespace ?? '',
    engine: 'mysql',
    operator: 'Percona XtraDB Cluster',
    topology: 'galera',
    version: versionOf(c),
    phase: st.state ?? '',
    phaseReason: st.message?.length ? st.message.join('; ') : null,
    status: statusWordFrom({ deleting: Boolean(c.metadata.deletionTimestamp), switching: false, failingOver: false, healthy: ok, creating: !st.state || (st.state === 'initializing' && ready === 0) }),
    // With every member ready, HAProxy writes to pxc-0; otherwise `ha status` works it out from the pods.
    currentPrimary: ok ? memberName(c, 0) : null,
    targetPrimary: null,
    instances: want,
    readyInstances: ready,
    ready: `${ready}/${want}`,
    storage: ann[ANN.storage] ?? c.spec?.pxc?.volumeSpec?.persistentVolumeClaim?.resources?.requests?.storage ?? null,
    database: ann[ANN.database] ?? c.spec?.users?.[0]?.dbs?.[0] ?? null,
    user: ann[ANN.user] ?? c.spec?.users?.[0]?.name ?? null,
    createdAt: c.metadata.creationTimestamp ?? null,
    restoredFrom: ann[ANN.restoredFrom] ?? null,
  }
}

export function pxcMembers(c: PerconaXtraDBCluster, pods: Pod[]): MemberView[] {
  const prefix = `${c.metadata.name}-pxc-`
  const mine = pods.filter((p) => p.metadata.name.startsWith(prefix))
  const names = new Set(mine.map((p) => p.metadata.name))
  for (let i = 0; i < (c.spec?.pxc?.size ?? 0); i++) names.add(memberName(c, i))
  const byName = new Map(mine.map((p) => [p.metadata.name, p]))
  const writer = writerOf(c, mine)
  return [...names].sort(byOrdinal).map((name) => {
    const pod = byName.get(name)
    return { name, role: name === writer ? 'writer' : 'member', ready: podReady(pod), state: pod ? (pod.metadata.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? null)) : 'missing', fenced: false }
  })
}

export function pxcWhere(c: PerconaXtraDBCluster | undefined, pods?: Pod[]): string {
  if (!c) return 'the PerconaXtraDBCluster is gone'
  const st = c.status ?? {}
  const writer = pods ? writerOf(c, pods) : undefined
  return `state ${st.state ?? '<none>'}, ${st.pxc?.ready ?? 0}/${c.spec?.pxc?.size ?? '?'} members ready, haproxy ${st.haproxy?.ready ?? 0}/${c.spec?.haproxy?.size ?? '?'} ready${pods ? `, writes go to ${writer ?? '<no ready member>'}` : ''}`
}

/** The pod placement fields PXC's PodSpec has (for the members and for HAProxy alike). */
export function podPlacement(p: Placement): Record<string, unknown> {
  return {
    ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
    ...(p.tolerations ? { tolerations: p.tolerations.map((t) => ({ ...t })) } : {}),
    ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
    ...(p.imagePullSecrets ? { imagePullSecrets: p.imagePullSecrets.map((name) => ({ name })) } : {}),
  }
}

export function buildPxc(s: HaSpec): PerconaXtraDBCluster {
  const p = normalize(s.placement ?? {})
  const secret = haSecretName(s.name)
  const resources: Record<string, Record<string, string>> = {}
  if (s.cpu) resources.requests = { ...resources.requests, cpu: s.cpu }
  if (s.memory) {
    resources.requests = { ...resources.requests, memory: s.memory }
    resources.limits = { memory: s.memory }
  }
  const cnf = myCnf('mysqld', s.params)
  return {
    apiVersion: 'pxc.percona.com/v1',
    kind: 'PerconaXtraDBCluster',
    metadata: { name: s.name, namespace: s.namespace, labels: haLabels(s, Kinds.haCluster), annotations: clusterAnnotations(s) },
    spec: {
      crVersion: PXC_CR_VERSION,
      secretsName: secret,
      updateStrategy: 'SmartUpdate',
      pxc: {
        size: s.instances,
        image: rewriteImage(PXC_IMAGES[s.version ?? PXC_VERSIONS[0]] as string, p.imageRegistry),
        ...podPlacement(p),
        ...(cnf ? { configuration: cnf } : {}),
        ...(Object.keys(resources).length ? { resources } : {}),
        volumeSpec: { persistentVolumeClaim: { ...(s.storageClass ? { storageClassName: s.storageClass } : {}), resources: { requests: { storage: s.storage } } } },
      },
      haproxy: { enabled: true, size: 2, image: rewriteImage(HAPROXY_IMAGE, p.imageRegistry), ...podPlacement(p) },
      proxysql: { enabled: false },
      users: [{ name: s.user, dbs: [s.database], grants: ['ALL'], passwordSecretRef: { name: secret, key: 'password' } }],
    },
  }
}

/** One Secret for the system users the operator reads (root; it adds the others) and the application user. */
export function buildPxcSecret(s: HaSpec, p: Passwords): Secret {
  return { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/basic-auth', metadata: secretMeta(s), stringData: { username: s.user, password: p.password, root: p.root } }
}

export const pxc: HaEngine<PerconaXtraDBCluster> = {
  id: 'pxc',
  engine: 'mysql',
  words: ['mysql', 'pxc'],
  displayName: 'MySQL (Percona XtraDB Cluster)',
  operator: {
    name: 'Percona XtraDB Cluster operator',
    group: 'pxc.percona.com',
    version: 'v1',
    plural: 'perconaxtradbclusters',
    crd: 'perconaxtradbclusters.pxc.percona.com',
    // deploy/operator.yaml and cw-operator.yaml label the Deployment app.kubernetes.io/name=percona-xtradb-cluster-operator.
    deploymentSelector: 'app.kubernetes.io/name=percona-xtradb-cluster-operator',
    lease: '08db1feb.percona.com',
    defaultNamespace: 'pxc-operator',
    installHint: PXC_INSTALL_HINT,
    // bundle.yaml sets WATCH_NAMESPACE from the pod's own namespace; cw-bundle.yaml sets it empty (every namespace).
    watches: (d, namespace) => {
      const containers = ((d as { spec?: { template?: { spec?: { containers?: Array<{ env?: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }> }> } } } }).spec?.template?.spec?.containers ?? [])
      const env = containers.flatMap((c) => c.env ?? []).find((e) => e.name === 'WATCH_NAMESPACE')
      if (!env) return true
      if (env.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') return d.metadata.namespace === namespace
      if (env.value === undefined || env.value === '') return true
      return env.value.split(',').map((x) => x.trim()).includes(namespace)
    },
  },
  resource: PXC.clusters,
  object: 'perconaxtradbcluster.pxc.percona.com',
  versions: PXC_VERSIONS,
  defaultVersion: PXC_VERSIONS[0],
  topologies: ['galera'],
  flags: new Set(),
  port: MYSQL_PORT,
  scheme: 'mysql',
  validateName: (name) => {
    if (name.length > PXC_MAX_NAME) {
      throw new UsageError(`the cluster name "${name}" is ${name.length} characters long; Percona XtraDB Cluster allows at most ${PXC_MAX_NAME}`, { hint: 'pick a shorter name (the operator refuses longer ones)' })
    }
  },
  reservedUsers: ['root', 'operator', 'monitor', 'xtrabackup', 'replication', 'proxyadmin', 'clustercheck', 'pmmserver'],
  validateInstances: (n, _t, flag) => {
    const why = 'Percona XtraDB Cluster runs 3 or 5 Galera members (the operator refuses other sizes without spec.unsafeFlags.pxcSize); postgresql and mariadb HA clusters take fewer'
    validateInstanceCount(n, flag, { min: 3, odd: true, why })
    if (n > 5) throw new UsageError(`${flag} ${n} is more than Percona XtraDB Cluster allows (5)`, { hint: why })
  },
  parseParams: (list) => parseMysqlParams(list, 'the Percona XtraDB Cluster operator', MANAGED),
  validateVersion: (v) => {
    const x = v.trim()
    if (!(PXC_VERSIONS as readonly string[]).includes(x)) throw new UsageError(`--version "${v}" is not a MySQL version Percona XtraDB Cluster ${PXC_CR_VERSION} runs`, { hint: `use one of ${PXC_VERSIONS.join(', ')}` })
    return x
  },
  secret: buildPxcSecret,
  build: buildPxc,
  extras: () => [],
  view: pxcView,
  members: pxcMembers,
  services: (c) => {
    const ns = c.metadata.namespace ?? ''
    const host = (svc: string) => `${c.metadata.name}-${svc}.${ns}.svc.cluster.local`
    return { rw: host('haproxy'), ro: host('haproxy-replicas'), r: host('pxc'), port: MYSQL_PORT }
  },
  podSelector: (c) => `app.kubernetes.io/instance=${c.metadata.name},app.kubernetes.io/component=pxc`,
  // The StatefulSet's claims (datadir-<name>-pxc-<n>) carry its selector's labels and outlive the cluster
  // (unless the percona.com/delete-pxc-pvc finalizer, which needs the operator, is set).
  dataSelector: (c) => `app.kubernetes.io/instance=${c.metadata.name},app.kubernetes.io/component=pxc`,
  // Every Galera member takes writes; `connect` prefers the lowest ready ordinal, which is HAProxy's writer too.
  writerSelector: (c) => `app.kubernetes.io/instance=${c.metadata.name},app.kubernetes.io/component=pxc`,
  secretName: (c) => c.spec?.secretsName ?? haSecretName(c.metadata.name),
  paramsOf: (c) => paramsFromCnf(c.spec?.pxc?.configuration),
  healthy: pxcHealthy,
  busy: pxcBusy,
  whereItStands: (c) => pxcWhere(c),
  scale: { patch: (_c, n) => ({ spec: { pxc: { size: n } } }) },
  failover: () => ({
    force: {
      what: 'delete the member HAProxy writes to and wait until it routes to another ready member and the cluster is back to full size',
      victim: (c, pods) => writerOf(c, pods),
      check: (c, pods, victim) => {
        const name = c.metadata.name
        const b = pxcBusy(c)
        if (b) throw new PreconditionError(`HA cluster ${name} is busy: ${b}`, { hint: 'wait until it is ready, then try again' })
        const others = pxcMembers(c, pods).filter((m) => m.name !== victim && m.ready)
        if (others.length === 0) throw new PreconditionError(`HA cluster ${name} has no other ready member HAProxy could route to`, { hint: `\`dbaas ha status ${name} -n ${c.metadata.namespace}\` shows each member` })
      },
      movedTo: (c, pods, victim) => {
        const w = writerOf(c, pods)
        return w && w !== victim ? w : undefined
      },
      recovered: (c) => pxcHealthy(c),
    },
  }),
  backupsRefusal: {
    message: 'Percona XtraDB Cluster backs up with XtraBackup to object storage only (it takes no volume snapshots), so dbaas has no PXC backups',
    hint: 'define an S3, GCS or Azure storage in spec.backup.storages of the PerconaXtraDBCluster and create a PerconaXtraDBClusterBackup (pxc.percona.com/v1) naming it; restore with a PerconaXtraDBClusterRestore (https://docs.percona.com/percona-operator-for-mysql/pxc/backups.html)',
  },
}
