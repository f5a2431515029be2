// The engine-neutral HA model: the labels and credentials Secret every HA cluster gets, the instance-count
// rule, the one-word status, and the row `dbaas list` prints. No IO here. Each engine's builders and readers
// are in engines/<engine>.ts.
import { UsageError } from '../../errors.ts'
import type { Secret } from '../../k8s/types.ts'
import { ANN, identityLabels, withKind } from '../../k8s/labels.ts'
import type { InstanceView } from '../instances.ts'
import type { HaEngineId, HaSpec, HaView } from './engine.ts'

/** dbaas.io/kind of the credentials Secret: distinct from single instances' `credentials`, so `find`/`list` never take it for one. */
export const HA_CREDENTIALS = 'ha-credentials'
/** dbaas.io/kind of the VolumeSnapshot(Content)s a cross-namespace restore makes and removes: never a backup of its own. */
export const HA_RESTORE_SOURCE = 'ha-restore-source'
/** dbaas.io/kind of a backup template an operator needs for scaling out (never listed as a backup). */
export const HA_BACKUP_TEMPLATE = 'ha-backup-template'
/** The dbaas.io/engine label of each HA engine's objects (one HA engine per database engine). */
export const ENGINE_LABEL: Record<HaEngineId, 'postgresql' | 'mysql' | 'mariadb'> = { cnpg: 'postgresql', pxc: 'mysql', mariadb: 'mariadb' }

export function haSecretName(name: string): string {
  return `${name}-ha-credentials`
}

export function haLabels(s: { name: string; version?: string | undefined; engine?: HaEngineId }, kind: string): Record<string, string> {
  return withKind(identityLabels({ name: s.name, engine: ENGINE_LABEL[s.engine ?? 'cnpg'], version: s.version ?? 'default' }), kind)
}

/** The credentials Secret's metadata: identity labels, and the database and user it is for. */
export function secretMeta(s: HaSpec): Secret['metadata'] {
  return {
    name: haSecretName(s.name),
    namespace: s.namespace,
    labels: haLabels(s, HA_CREDENTIALS),
    annotations: { [ANN.database]: s.database, [ANN.user]: s.user },
  }
}

/** A whole number of instances within what the engine and topology allow, or a usage error saying what is. */
export function validateInstanceCount(n: number, flag: string, rule: { min: number; odd?: boolean; why: string }): void {
  if (n > 99) throw new UsageError(`${flag} ${n} is more than dbaas allows (99)`, { hint: 'use fewer instances' })
  if (n < rule.min) throw new UsageError(`${flag} must be at least ${rule.min}`, { hint: rule.why })
  if (rule.odd && n % 2 === 0) throw new UsageError(`${flag} ${n} is even`, { hint: rule.why })
}

/** A positive whole number (the engine then says how many it allows). */
export function parseInstances(raw: string | number, flag = '--instances'): number {
  const n = typeof raw === 'number' ? raw : /^[0-9]+$/.test(raw.trim()) ? Number(raw) : NaN
  if (n === 0) throw new UsageError(`${flag} must be at least 1`, { hint: 'a cluster needs a primary: use 1, or 3 for a primary and two standbys' })
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} "${raw}" is not valid`, { hint: 'use a whole number of instances, at least 1 (3 = a primary and two standbys)' })
  if (n > 99) throw new UsageError(`${flag} ${n} is more than dbaas allows (99)`, { hint: 'use fewer instances' })
  return n
}

/** Kept for callers that only need the number checked (PostgreSQL's rule). */
export function validateInstances(raw: string | number, flag = '--instances'): number {
  return parseInstances(raw, flag)
}

/** One word for tables, from what an engine's status says. */
export function statusWordFrom(f: { deleting: boolean; switching: boolean; failingOver: boolean; healthy: boolean; creating: boolean; stopped?: boolean }): string {
  if (f.deleting) return 'Deleting'
  // Stopped on purpose (`dbaas ha stop`: the operator's hibernation): no pod runs, none is missing.
  if (f.stopped) return 'Stopped'
  if (f.switching) return 'Switching'
  if (f.failingOver) return 'FailingOver'
  if (f.healthy) return 'Ready'
  if (f.creating) return 'Creating'
  return 'Degraded'
}

/** An HA cluster as a row of `dbaas list`, beside single instances (kind ha-cluster). */
export function haInstanceViewOf(v: HaView, storageClass: string | null): InstanceView {
  const status = v.status === 'Ready' || v.status === 'Creating' || v.status === 'Deleting' || v.status === 'Stopped' ? v.status : 'Degraded'
  return {
    kind: 'ha-cluster',
    name: v.name,
    namespace: v.namespace,
    engine: v.engine,
    version: v.version,
    status,
    ready: v.ready,
    storage: v.storage,
    storageClass,
    database: v.database,
    user: v.user,
    createdAt: v.createdAt,
    release: null,
    restoredFrom: v.restoredFrom,
  }
}

