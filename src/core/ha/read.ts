// ha list / ha status / ha connection: reading HA clusters back from the cluster, never from local state,
// through each engine's reader into one shape.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { NotFoundError } from '../../errors.ts'
import { apiInfo, isApiNotFound } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../../k8s/kube.ts'
import { ANN } from '../../k8s/labels.ts'
import { laptopPort } from '../connection.ts'
import type { HaEngine, HaStatusView, HaView, LastBackup } from './engine.ts'
import { openCluster, requireSomeOperator, type HaTarget } from './find.ts'
import { HA_ENGINES, HA_SELECTOR } from './registry.ts'

/** Lists dbaas's HA clusters of one engine (one request); a 404 because the CRD is not served means none. */
export async function listHaClusters(kube: Kube, engine: HaEngine, namespace: string | undefined, extra?: string): Promise<KubeObject[]> {
  try {
    return (await kube.list(engine.resource, namespace, { labelSelector: `${HA_SELECTOR}${extra ? `,${extra}` : ''}` })).items
  } catch (err) {
    if (isApiNotFound(err)) return []
    throw err
  }
}

export async function haList(o: { cluster: ClusterFlags; namespace?: string | undefined; skipOperatorCheck: boolean }, deps: Deps): Promise<{ items: HaView[]; fellBackTo?: string; warnings: string[] }> {
  const kube = await deps.kube(o.cluster)
  // Every served kind is listed, also one whose operator is down (its clusters say so in a warning).
  const { served: engines, running } = await requireSomeOperator(kube, o.skipOperatorCheck, deps)
  const read = (ns: string | undefined) => Promise.all(engines.map(async (e) => (await listHaClusters(kube, e, ns)).map((c) => e.view(c))))
  let fellBackTo: string | undefined
  let views: HaView[][]
  try {
    views = await read(o.namespace)
  } catch (err) {
    if (o.namespace !== undefined || apiInfo(err)?.httpCode !== 403) throw err
    fellBackTo = kube.contextNamespace
    views = await read(fellBackTo)
  }
  const items = views.flat().sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
  const warnings = engines
    .filter((e, i) => !running.includes(e) && (views[i]?.length ?? 0) > 0)
    .map((e) => `no ${e.operator.name} is running: its clusters (${(views[engines.indexOf(e)] ?? []).map((v) => `${v.namespace}/${v.name}`).join(', ')}) are not being reconciled`)
  return { items, ...(fellBackTo ? { fellBackTo } : {}), warnings }
}

/** The newest backup of this cluster, completed or not. */
export function lastBackupOf(backups: Array<{ name: string; phase: string; startedAt: string | null; stoppedAt: string | null }>): LastBackup | null {
  const when = (b: { startedAt: string | null; stoppedAt: string | null }) => Date.parse(b.stoppedAt ?? b.startedAt ?? '') || 0
  const last = [...backups].sort((a, b) => when(b) - when(a))[0]
  return last ? { name: last.name, phase: last.phase, completedAt: last.phase === 'completed' ? last.stoppedAt : null } : null
}

/** The cluster's view with its members and endpoints; the writer as the members say (the pods may know better than the status). */
export function statusOf(engine: HaEngine, c: KubeObject, pods: Parameters<HaEngine['members']>[1], lastBackup: LastBackup | null): HaStatusView {
  const v = engine.view(c)
  const members = engine.members(c, pods)
  const writer = members.find((m) => m.role === 'primary' || m.role === 'writer')?.name
  return { ...v, currentPrimary: writer ?? v.currentPrimary, members, services: engine.services(c), lastBackup }
}

export async function haStatus(t: HaTarget, deps: Deps): Promise<HaStatusView> {
  const { kube, engine, cluster } = await openCluster(t, deps)
  const ns = cluster.metadata.namespace as string
  const [pods, backups] = await Promise.all([
    kube.list(R.pods, ns, { labelSelector: engine.podSelector(cluster) }).then((l) => l.items),
    engine.backups
      ? kube.list(engine.backups.resource, ns).then(
          (l) => l.items.filter((b) => engine.backups?.clusterOf(b) === cluster.metadata.name).map((b) => engine.backups?.view(b, []) as ReturnType<NonNullable<HaEngine['backups']>['view']>),
          (err) => {
            if (isApiNotFound(err) || apiInfo(err)?.httpCode === 403) return []
            throw err
          },
        )
      : Promise.resolve([]),
  ])
  return statusOf(engine, cluster, pods, lastBackupOf(backups))
}

export interface Endpoint {
  host: string
  port: number
  uri: string
}

export interface HaConnectionView {
  name: string
  namespace: string
  engine: string
  rw: Endpoint
  ro: Endpoint
  database: string
  user: string
  password: string
  passwordShown: boolean
  secretRef: { name: string; namespace: string; key: string }
  /** PostgreSQL's sslmode in the URIs (CloudNativePG serves TLS by default); null for MySQL-family engines. */
  sslmode: 'require' | null
  portForward: string
  /** The pods `connect` may reach the writer through (label selector). */
  writerSelector: string
}

export const MASK = '********'

export function pgUri(user: string, password: string, host: string, port: number, database: string): string {
  const enc = encodeURIComponent
  return `postgresql://${enc(user)}:${enc(password)}@${host}:${port}/${enc(database)}?sslmode=require`
}

export function mysqlUri(user: string, password: string, host: string, port: number, database: string): string {
  const enc = encodeURIComponent
  return `mysql://${enc(user)}:${enc(password)}@${host}:${port}/${enc(database)}`
}

export async function haConnection(t: HaTarget & { showPassword: boolean }, deps: Deps): Promise<HaConnectionView> {
  const { kube, engine, cluster } = await openCluster(t, deps)
  const ns = cluster.metadata.namespace as string
  const name = cluster.metadata.name
  const secretName = engine.secretName(cluster)
  const secret = await kube.find(R.secrets, ns, secretName)
  if (!secret?.data) {
    throw new NotFoundError(`the credentials secret ${ns}/${secretName} of HA cluster "${name}" is missing`, { hint: `\`dbaas ha status ${name} -n ${ns}\`` })
  }
  const dec = (k: string) => Buffer.from(secret.data?.[k] ?? '', 'base64').toString('utf8')
  const view = engine.view(cluster)
  const user = dec('username') || (view.user ?? '')
  const password = dec('password')
  const database: string = cluster.metadata.annotations?.[ANN.database] ?? view.database ?? 'app'
  const shown = t.showPassword ? password : MASK
  const svc = engine.services(cluster)
  const uri = engine.scheme === 'postgresql' ? pgUri : mysqlUri
  const ep = (host: string): Endpoint => ({ host, port: svc.port, uri: uri(user, shown, host, svc.port, database) })
  const rwService = svc.rw.split('.')[0] as string
  return {
    name,
    namespace: ns,
    engine: engine.engine,
    rw: ep(svc.rw),
    ro: ep(svc.ro),
    database,
    user,
    password: shown,
    passwordShown: t.showPassword,
    secretRef: { name: secretName, namespace: ns, key: 'password' },
    sslmode: engine.scheme === 'postgresql' ? 'require' : null,
    portForward: `kubectl port-forward -n ${ns} svc/${rwService} ${laptopPort(svc.port)}:${svc.port}`,
    writerSelector: engine.writerSelector(cluster),
  }
}

export { HA_ENGINES }
