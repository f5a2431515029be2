// metrics dashboards install's options: where (default: beside Grafana), the sidecar's label, a folder.
import type { DashboardsOptions } from '../../../../core/metrics/dashboards.ts'
import { DEFAULT_DASHBOARD_LABEL } from '../../../../core/metrics/dashboards.ts'
import { UsageError } from '../../../../errors.ts'
import { clusterFlags, type RawClusterFlags } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export interface RawDashboards extends RawClusterFlags {
  label?: string
  folder?: string
  folderAnnotation: string
  dryRun?: boolean
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/

export function complete(c: CompleteContext<RawDashboards>): RawDashboards {
  return c.raw
}

/** A label `key=value` as Kubernetes allows it. */
export function parseLabel(text: string, flag: string): [string, string] {
  const i = text.indexOf('=')
  const [k, v] = i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)]
  if (i < 0 || !KEY.test(k) || !VALUE.test(v)) throw new UsageError(`${flag} "${text}" is not a label key=value`, { hint: `e.g. ${flag} ${DEFAULT_DASHBOARD_LABEL.join('=')}` })
  return [k, v]
}

export function validate(raw: RawDashboards): DashboardsOptions {
  const cluster = clusterFlags(raw)
  const label = raw.label === undefined ? DEFAULT_DASHBOARD_LABEL : parseLabel(raw.label, '--label')
  if (raw.folder !== undefined && raw.folder.trim() === '') throw new UsageError('--folder needs a folder name', { hint: 'e.g. --folder Databases' })
  if (!KEY.test(raw.folderAnnotation)) throw new UsageError(`--folder-annotation "${raw.folderAnnotation}" is not an annotation key`, { hint: 'e.g. --folder-annotation grafana_folder' })
  return {
    namespace: cluster.namespace,
    cluster,
    label,
    ...(raw.folder !== undefined ? { folder: { annotation: raw.folderAnnotation, name: raw.folder } } : {}),
    dryRun: raw.dryRun === true,
  }
}
