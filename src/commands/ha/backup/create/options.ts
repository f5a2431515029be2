// ha backup create's options: the cluster, the Backup's name, online or offline, waiting.
import type { HaTarget } from '../../../../core/ha/find.ts'
import { parseDuration, validateName } from '../../../../core/names.ts'
import { haTarget, waits, type RawHa } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export interface RawHaBackupCreate extends RawHa {
  backupName?: string
  offline?: boolean
  wait?: boolean
  timeout: string
}

export function complete(c: CompleteContext<RawHaBackupCreate>): RawHaBackupCreate & { name: string } {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: RawHaBackupCreate & { name: string }): HaTarget & { backupName: string | undefined; online: boolean | undefined; wait: boolean; timeoutMs: number } {
  return {
    ...haTarget(i.name, i),
    backupName: i.backupName === undefined ? undefined : validateName(i.backupName, 'backup name'),
    online: i.offline ? false : undefined,
    wait: waits(i, true),
    timeoutMs: parseDuration(i.timeout),
  }
}
