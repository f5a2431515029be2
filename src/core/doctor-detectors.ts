// The optional areas' own detectors — volume snapshots (backups) and the HA operators (CloudNativePG, Percona
// XtraDB Cluster, the MariaDB operator) — turned into doctor checks. The detection itself belongs to those
// areas (core/detect/*, core/ha/operators.ts); doctor only words the verdicts.
import { apiInfo } from '../k8s/errors.ts'
import { R, type Kube, type KubeObject } from '../k8s/kube.ts'
import { CNPG_INSTALL_HINT, detectCnpg, type CnpgDetection } from './detect/cnpg.ts'
import { detectSnapshotSupport, SNAPSHOT_INSTALL_HINT, type SnapshotSupport } from './detect/snapshots.ts'
import type { Check, Detector } from './doctor.ts'
import type { HaEngine } from './ha/engine.ts'
import { detectOperator, type OperatorDetection } from './ha/operators.ts'
import { HA_ENGINES } from './ha/registry.ts'
import { scheduleViews } from './schedule/manage.ts'
import type { ScheduleView } from './schedule/model.ts'

const BACKUP_VERBS = ['backup', 'restore']
const HA_VERBS = ['ha']
/** For a user RBAC keeps from looking: neither "installed" nor "missing", and no install instructions. */
const ASK_ADMIN = 'ask a cluster admin, or for the ClusterRole `dbaas rbac` prints (it lets dbaas read the leader Leases and classes)'

export function snapshotChecks(s: SnapshotSupport, storageClasses: KubeObject[] | undefined): Check[] {
  const base = { required: false, disables: BACKUP_VERBS }
  const checks: Check[] = []
  checks.push(
    s.crds
      ? { ...base, id: 'snapshot-crds', title: 'Snapshot CRDs', status: 'ok', message: `VolumeSnapshot CRDs installed (${s.crdVersion ?? 'v1'})` }
      : { ...base, id: 'snapshot-crds', title: 'Snapshot CRDs', status: 'warn', message: 'the VolumeSnapshot CRDs are not installed', fix: SNAPSHOT_INSTALL_HINT },
  )
  checks.push(
    s.controller.running
      ? { ...base, id: 'snapshot-controller', title: 'Snapshot controller', status: 'ok', message: s.controller.detail }
      : s.controller.unknown
        ? { ...base, id: 'snapshot-controller', title: 'Snapshot controller', status: 'warn', message: `not allowed to check whether the snapshot controller runs (${s.controller.detail})`, fix: ASK_ADMIN }
        : {
          ...base,
          id: 'snapshot-controller',
          title: 'Snapshot controller',
          status: 'warn',
          message: `${s.controller.unknown ? 'could not tell whether the snapshot controller runs' : 'the snapshot controller is not running'}: ${s.controller.detail}`,
          fix: SNAPSHOT_INSTALL_HINT,
        },
  )
  // A default VolumeSnapshotClass for each CSI driver that provisions volumes (StorageClass provisioners).
  const drivers = [...new Set((storageClasses ?? []).map((c) => String(c.provisioner ?? '')).filter((p) => p.includes('.')))]
  const covered = new Set(s.defaultClasses.map((c) => c.driver))
  const missing = drivers.filter((d) => !covered.has(d))
  const have = s.defaultClasses.map((c) => `"${c.name}" for ${c.driver}`).join(', ')
  if (s.classesForbidden) {
    checks.push({ ...base, id: 'snapshot-class', title: 'VolumeSnapshotClass', status: 'warn', message: 'not allowed to check for a default VolumeSnapshotClass (you may not list them)', fix: ASK_ADMIN })
  } else if (s.defaultClasses.length === 0) {
    checks.push({
      ...base,
      id: 'snapshot-class',
      title: 'VolumeSnapshotClass',
      status: 'warn',
      message: `no default VolumeSnapshotClass${drivers.length ? ` for ${drivers.join(', ')}` : ''}`,
      fix: `create one per CSI driver with annotation snapshot.storage.kubernetes.io/is-default-class: "true"${drivers[0] ? ` (driver: ${drivers[0]})` : ''}`,
    })
  } else if (missing.length) {
    checks.push({
      ...base,
      id: 'snapshot-class',
      title: 'VolumeSnapshotClass',
      status: 'warn',
      message: `default ${have}; none for ${missing.join(', ')} (volumes of those drivers cannot be backed up)`,
      fix: `create a default VolumeSnapshotClass for ${missing.join(', ')}`,
    })
  } else {
    checks.push({ ...base, id: 'snapshot-class', title: 'VolumeSnapshotClass', status: 'ok', message: `default ${have}` })
  }
  return checks
}

/**
 * RBAC refused every way of looking for the operator (its Deployments and its leader Lease): "not running"
 * then means "could not tell". Read from the detector's own words (core/ha/operators.ts says them).
 */
function refusedEveryLook(c: CnpgDetection): boolean {
  return c.operator.detail.includes('you may not list deployments') && c.operator.detail.includes('you may not read leases')
}

export function cnpgChecks(c: CnpgDetection): Check[] {
  const base = { required: false, disables: HA_VERBS }
  return [
    c.crds
      ? { ...base, id: 'cnpg-crds', title: 'CloudNativePG CRDs', status: 'ok', message: `installed${c.version ? ` (${c.version})` : ''}` }
      : { ...base, id: 'cnpg-crds', title: 'CloudNativePG CRDs', status: 'warn', message: 'not installed', fix: CNPG_INSTALL_HINT },
    c.operator.running
      ? { ...base, id: 'cnpg-operator', title: 'CloudNativePG operator', status: 'ok', message: c.operator.detail }
      : refusedEveryLook(c)
        ? { ...base, id: 'cnpg-operator', title: 'CloudNativePG operator', status: 'warn', message: `not allowed to check whether the operator runs (${c.operator.detail})`, fix: ASK_ADMIN }
        : { ...base, id: 'cnpg-operator', title: 'CloudNativePG operator', status: 'warn', message: `missing: ${c.operator.detail}`, fix: CNPG_INSTALL_HINT },
  ]
}

/** The MySQL-family HA engines' operators (CloudNativePG keeps its own check ids above): `ha <engine>` needs them. */
export function haOperatorChecks(e: HaEngine, d: OperatorDetection): Check[] {
  const base = { required: false, disables: [`ha create ${e.words[0]}`] }
  const id = e.id === 'pxc' ? 'pxc' : 'mariadb'
  const title = e.operator.name
  return [
    d.crds
      ? { ...base, id: `${id}-crds`, title: `${title} CRDs`, status: 'ok', message: `installed${d.version ? ` (${d.version})` : ''}` }
      : { ...base, id: `${id}-crds`, title: `${title} CRDs`, status: 'warn', message: 'not installed', fix: e.operator.installHint },
    d.operator.running
      ? { ...base, id: `${id}-operator`, title, status: 'ok', message: d.operator.detail }
      : { ...base, id: `${id}-operator`, title, status: 'warn', message: `missing: ${d.operator.detail}`, fix: e.operator.installHint },
  ]
}

/** Backup schedules whose last run failed (a Job failure, or the snapshot's error that made it fail). */
export function scheduleChecks(items: ScheduleView[]): Check[] {
  const base = { id: 'backup-schedules', title: 'Backup schedules', required: false }
  if (items.length === 0) return []
  const failing = items.filter((s) => s.lastRun?.result === 'Failed')
  if (failing.length === 0) {
    const suspended = items.filter((s) => s.suspended).length
    return [{ ...base, status: 'ok', message: `${items.length} schedule${items.length > 1 ? 's' : ''}, no failed last run${suspended ? ` (${suspended} suspended)` : ''}` }]
  }
  const what = failing.map((s) => `${s.namespace}/${s.instance}: ${s.consecutiveFailures} failed run(s) in a row, last: ${s.lastRun?.message ?? s.lastRun?.job}`)
  return [
    {
      ...base,
      status: 'warn',
      message: `the last backup run failed for ${what.join('; ')}`,
      fix: `see the run with \`kubectl logs -n ${failing[0]?.namespace} job/${failing[0]?.lastRun?.job}\`, then \`dbaas backup schedule run ${failing[0]?.instance} -n ${failing[0]?.namespace}\` to try again`,
    },
  ]
}

async function storageClassesOrUndefined(kube: Kube): Promise<KubeObject[] | undefined> {
  try {
    return (await kube.list(R.storageClasses, undefined)).items
  } catch (err) {
    if (apiInfo(err)?.httpCode === 403) return undefined
    throw err
  }
}

export async function doctorDetectors(): Promise<Detector[]> {
  return [
    async (kube) => {
      const [s, classes] = await Promise.all([detectSnapshotSupport(kube), storageClassesOrUndefined(kube)])
      return snapshotChecks(s, classes)
    },
    async (kube) => cnpgChecks(await detectCnpg(kube)),
    ...HA_ENGINES.filter((e) => e.id !== 'cnpg').map((e) => async (kube: Kube) => haOperatorChecks(e, await detectOperator(e.operator, kube))),
    async (kube) => scheduleChecks((await scheduleViews(kube, undefined, undefined, Date.now())).items),
    async (kube) => (await import('./metrics/doctor.ts')).metricsChecks(kube),
  ]
}
