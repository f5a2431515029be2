// dbaas metrics dashboards install: Grafana dashboards for each engine, as ConfigMaps carrying the label
// Grafana's dashboard sidecar (k8s-sidecar) watches — kube-prometheus-stack's convention `grafana_dashboard: "1"`
// unless told otherwise. Applied server-side, so installing again updates them in place. The dashboards are
// files in templates/dashboards/, written for the exporters' metric names (a test checks every query's
// metric names against the real exporters' output).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClusterFlags, Deps } from '../../deps.ts'
import { PreconditionError } from '../../errors.ts'
import { apiInfo } from '../../k8s/errors.ts'
import { R, type Kube } from '../../k8s/kube.ts'
import { KIND, MANAGED_BY } from '../../k8s/labels.ts'
import type { ConfigMap } from '../../k8s/types.ts'

export const DEFAULT_DASHBOARD_LABEL: [string, string] = ['grafana_dashboard', '1']
export const DASHBOARD_KIND = 'dashboard'

/** Which engines each dashboard file is for. */
const FOR: Record<string, string[]> = {
  'postgresql.json': ['postgresql'],
  'mysql.json': ['mysql', 'mariadb'],
  'cloudnative-pg.json': ['postgresql (ha)'],
}

export interface Dashboard {
  file: string
  uid: string
  title: string
  engines: string[]
  panels: number
  json: string
}

export interface DashboardsOptions {
  namespace?: string | undefined
  cluster: ClusterFlags
  label: [string, string]
  /** An annotation naming the Grafana folder (k8s-sidecar's folderAnnotation), when given. */
  folder?: { annotation: string; name: string } | undefined
  dryRun: boolean
}

/** The stable JSON shape of `metrics dashboards install -o json`. */
export interface DashboardsResult {
  kind: 'dashboards'
  namespace: string
  label: string
  dryRun: boolean
  dashboards: Array<{ configMap: string; uid: string; title: string; engines: string[]; panels: number }>
  notes: string[]
}

/** templates/dashboards next to the installation, whether bundled (dist/) or not (src/). */
export function dashboardsDir(): string {
  if (process.env.DBAAS_DASHBOARDS_DIR) return process.env.DBAAS_DASHBOARDS_DIR
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'templates', 'dashboards')
    if (existsSync(candidate)) return candidate
    dir = dirname(dir)
  }
  throw new PreconditionError('cannot find the dashboards (templates/dashboards) next to the dbaas installation', { hint: 'reinstall dbaas, or set DBAAS_DASHBOARDS_DIR' })
}

export function loadDashboards(dir = dashboardsDir()): Dashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const json = readFileSync(join(dir, file), 'utf8')
      const d = JSON.parse(json) as { uid: string; title: string; panels?: unknown[] }
      return { file, uid: d.uid, title: d.title, engines: FOR[file] ?? [], panels: d.panels?.length ?? 0, json }
    })
}

export function configMapName(d: Dashboard): string {
  return `dbaas-dashboard-${d.file.replace(/\.json$/, '')}`
}

export function buildDashboardConfigMap(d: Dashboard, o: Pick<DashboardsOptions, 'label' | 'folder'>, namespace: string): ConfigMap {
  const [k, v] = o.label
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: configMapName(d),
      namespace,
      labels: { [MANAGED_BY]: 'dbaas', [KIND]: DASHBOARD_KIND, [k]: v },
      ...(o.folder ? { annotations: { [o.folder.annotation]: o.folder.name } } : {}),
    },
    data: { [d.file]: d.json },
  }
}

/** Where Grafana runs (by the chart's name label), when exactly one namespace has it. */
async function grafanaNamespace(kube: Kube): Promise<{ namespace?: string; seen: string[] }> {
  try {
    const deps = (await kube.list(R.deployments, undefined, { labelSelector: 'app.kubernetes.io/name=grafana' })).items
    const seen = [...new Set(deps.map((d) => d.metadata.namespace ?? ''))].sort()
    return seen.length === 1 ? { namespace: seen[0] as string, seen } : { seen }
  } catch (err) {
    if (apiInfo(err)?.httpCode === 403) return { seen: [] }
    throw err
  }
}

export async function installDashboards(o: DashboardsOptions, deps: Deps): Promise<DashboardsResult> {
  const dashboards = loadDashboards()
  const kube = await deps.kube(o.cluster)
  const notes: string[] = []
  let namespace = o.namespace
  if (!namespace) {
    const g = await grafanaNamespace(kube)
    if (g.namespace) {
      namespace = g.namespace
      notes.push(`Grafana found in namespace ${namespace}: the dashboards go beside it`)
    } else {
      namespace = kube.contextNamespace
      notes.push(
        g.seen.length > 1
          ? `Grafana runs in several namespaces (${g.seen.join(', ')}); the dashboards went to ${namespace}: pass -n to choose`
          : `no Grafana found; the dashboards went to namespace ${namespace}: Grafana's dashboard sidecar must watch it (pass -n to choose)`,
      )
    }
  }
  const ns = await kube.find(R.namespaces, undefined, namespace).catch((err: unknown) => (apiInfo(err)?.httpCode === 403 ? 'forbidden' : Promise.reject(err)))
  if (ns === undefined) throw new PreconditionError(`namespace ${namespace} does not exist`, { hint: 'pass -n with the namespace Grafana runs in' })
  deps.ui.step(`${o.dryRun ? 'Checking' : 'Installing'} ${dashboards.length} dashboards in ${namespace}`)
  for (const d of dashboards) await kube.apply(R.configmaps, buildDashboardConfigMap(d, o, namespace), { dryRun: o.dryRun })
  deps.ui.done()
  return {
    kind: 'dashboards',
    namespace,
    label: `${o.label[0]}=${o.label[1]}`,
    dryRun: o.dryRun,
    dashboards: dashboards.map((d) => ({ configMap: configMapName(d), uid: d.uid, title: d.title, engines: d.engines, panels: d.panels })),
    notes,
  }
}
