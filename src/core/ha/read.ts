// ha list / ha status / ha connection: reading Clusters back from the cluster, never from local state.
import type { ClusterFlags, Deps } from '../../deps.ts'
import { NotFoundError } from '../../errors.ts'
import { apiInfo, isApiNotFound } from '../../k8s/errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import type { CnpgBackup, CnpgCluster } from '../../k8s/types.ts'
import { openCluster, HA_SELECTOR, requireOperator, type HaTarget } from './find.ts'
import { CNPG, haSecretName, haView, PG_PORT, POD_CLUSTER_LABEL, statusView, type HaStatusView, type HaView } from './model.ts'
import { laptopPort } from '../connection.ts'

/** Lists dbaas's HA Clusters (one request); a 404 because the CRD is absent means none. */
export async function listHaClusters(kube: Kube, namespace: string | undefined, extra?: string): Promise<CnpgCluster[]> {
  try {
    return (await kube.list(CNPG.clusters, namespace, { labelSelector: `${HA_SELECTOR}${extra ? `,${extra}` : ''}` })).items
  } catch (err) {
    if (isApiNotFound(err)) return []
    throw err
  }
}

export async function haList(o: { cluster: ClusterFlags; namespace?: string | undefined; skipOperatorCheck: boolean }, deps: Deps): Promise<{ items: HaView[]; fellBackTo?: string }> {
  const kube = await deps.kube(o.cluster)
  await requireOperator(kube, o.skipOperatorCheck, deps)
  let fellBackTo: string | undefined
  let items: CnpgCluster[]
  try {
    items = await listHaClusters(kube, o.namespace)
  } catch (err) {
    if (o.namespace !== undefined || apiInfo(err)?.httpCode !== 403) throw err
    fellBackTo = kube.contextNamespace
    items = await listHaClusters(kube, fellBackTo)
  }
  const views = items.map(haView).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name))
  return { items: views, ...(fellBackTo ? { fellBackTo } : {}) }
}

/** The newest Backup of this cluster, completed or not. */
export function lastBackupOf(backups: CnpgBackup[], cluster: string): HaStatusView['lastBackup'] {
  const mine = backups.filter((b) => b.spec?.cluster?.name === cluster)
  const when = (b: CnpgBackup) => Date.parse(b.status?.stoppedAt ?? b.status?.startedAt ?? b.metadata.creationTimestamp ?? '') || 0
  const last = mine.sort((a, b) => when(b) - when(a))[0]
  return last ? { name: last.metadata.name, phase: last.status?.phase ?? 'pending', completedAt: last.status?.phase === 'completed' ? (last.status?.stoppedAt ?? null) : null } : null
}

export async function haStatus(t: HaTarget, deps: Deps): Promise<HaStatusView> {
  const { kube, cluster } = await openCluster(t, deps)
  const ns = cluster.metadata.namespace as string
  const [pods, backups] = await Promise.all([
    kube.list(R.pods, ns, { labelSelector: `${POD_CLUSTER_LABEL}=${cluster.metadata.name}` }).then((l) => l.items),
    kube.list(CNPG.backups, ns).then(
      (l) => l.items,
      (err) => {
        if (isApiNotFound(err) || apiInfo(err)?.httpCode === 403) return [] as CnpgBackup[]
        throw err
      },
    ),
  ])
  return statusView(cluster, pods, lastBackupOf(backups, cluster.metadata.name))
}

export interface HaConnectionView {
  name: string
  namespace: string
  rw: { host: string; port: number; uri: string }
  ro: { host: string; port: number; uri: string }
  database: string
  user: string
  password: string
  passwordShown: boolean
  secretRef: { name: string; namespace: string; key: string }
  sslmode: 'require'
  portForward: string
}

export const MASK = '********'

export function pgUri(user: string, password: string, host: string, port: number, database: string): string {
  const enc = encodeURIComponent
  return `postgresql://${enc(user)}:${enc(password)}@${host}:${port}/${enc(database)}?sslmode=require`
}

export async function haConnection(t: HaTarget & { showPassword: boolean }, deps: Deps): Promise<HaConnectionView> {
  const { kube, cluster } = await openCluster(t, deps)
  const ns = cluster.metadata.namespace as string
  const name = cluster.metadata.name
  const boot = cluster.spec?.bootstrap ?? {}
  const secretName: string = boot.initdb?.secret?.name ?? boot.recovery?.secret?.name ?? haSecretName(name)
  const secret = await kube.find(R.secrets, ns, secretName)
  if (!secret?.data) {
    throw new NotFoundError(`the credentials secret ${ns}/${secretName} of HA cluster "${name}" is missing`, { hint: `\`dbaas ha status ${name} -n ${ns}\`` })
  }
  const dec = (k: string) => Buffer.from(secret.data?.[k] ?? '', 'base64').toString('utf8')
  const user = dec('username')
  const password = dec('password')
  const database: string = cluster.metadata.annotations?.['dbaas.io/database'] ?? boot.initdb?.database ?? boot.recovery?.database ?? 'app'
  const shown = t.showPassword ? password : MASK
  const host = (svc: string) => `${name}-${svc}.${ns}.svc.cluster.local`
  const ep = (svc: string) => ({ host: host(svc), port: PG_PORT, uri: pgUri(user, shown, host(svc), PG_PORT, database) })
  return {
    name,
    namespace: ns,
    rw: ep('rw'),
    ro: ep('ro'),
    database,
    user,
    password: shown,
    passwordShown: t.showPassword,
    secretRef: { name: secretName, namespace: ns, key: 'password' },
    sslmode: 'require',
    portForward: `kubectl port-forward -n ${ns} svc/${name}-rw ${laptopPort(PG_PORT)}:${PG_PORT}`,
  }
}
