// schedule set's options: the instance, the cron line (checked as Kubernetes reads it), its zone, what to keep,
// quiescing, and whether to wait for a first run. Everything here is checked before anything is sent.
import { parseRetention } from '../../../../core/backup/model.ts'
import { parseCron, validateTimeZone } from '../../../../core/schedule/cron.ts'
import { DEFAULT_KEEP } from '../../../../core/schedule/model.ts'
import type { ScheduleSetOptions } from '../../../../core/schedule/set.ts'
import { parseDuration, validateName } from '../../../../core/names.ts'
import { UsageError } from '../../../../errors.ts'
import { clusterFlags, type RawClusterFlags } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'
import { placementEnv, placementFlags, type RawPlacement } from '../../../placement.ts'

export interface RawScheduleSet extends RawClusterFlags, RawPlacement {
  cron?: string
  timeZone?: string
  keep?: string
  retention?: string
  quiesce?: boolean
  class?: string
  waitFirstRun?: boolean
  timeout: string
}

export interface ScheduleSetInput extends RawScheduleSet {
  instance: string
  /** DBAAS_IMAGE_REGISTRY, read here from the environment. */
  registryEnv?: string | undefined
}

export function complete(c: CompleteContext<RawScheduleSet>): ScheduleSetInput {
  return { ...c.raw, instance: c.args[0] as string, ...placementEnv(c.deps.env) }
}

export function parseKeep(text: string): number {
  const t = text.trim()
  if (!/^[0-9]+$/.test(t)) throw new UsageError(`--keep "${text}" is not a number of backups`, { hint: 'e.g. --keep 7' })
  const n = Number(t)
  if (n === 0) throw new UsageError('--keep 0 would keep no backup at all', { hint: 'keep at least 1, e.g. --keep 7; --retention alone limits by age' })
  if (n > 1000) throw new UsageError(`--keep ${n} is more than dbaas allows (1000)`, { hint: 'use --retention to keep backups by age' })
  return n
}

export function validate(i: ScheduleSetInput): ScheduleSetOptions {
  const instance = validateName(i.instance)
  if (i.cron === undefined) throw new UsageError('missing --cron', { hint: `e.g. dbaas backup schedule set ${instance} --cron "0 3 * * *"` })
  const cron = parseCron(i.cron)
  const timeZone = i.timeZone === undefined ? undefined : validateTimeZone(i.timeZone)
  const keep = i.keep === undefined ? undefined : parseKeep(i.keep)
  const retention = i.retention === undefined ? undefined : { text: i.retention.trim(), ms: parseRetention(i.retention) }
  return {
    instance,
    namespace: i.namespace,
    cron,
    timeZone,
    // Neither --keep nor --retention: a bounded default rather than backups piling up forever.
    keep: keep ?? (retention === undefined ? DEFAULT_KEEP : undefined),
    retention,
    quiesce: i.quiesce === true,
    snapshotClass: i.class,
    placement: placementFlags(i),
    waitFirstRun: i.waitFirstRun === true,
    timeoutMs: parseDuration(i.timeout),
    cluster: clusterFlags(i),
  }
}
