// ha backup create's options: the cluster, the backup's name, online or offline, retention, waiting.
import type { HaBackupCreateOptions } from '../../../../core/ha/backup.ts'
import { parseRetention } from '../../../../core/backup/model.ts'
import { parseDuration, validateName } from '../../../../core/names.ts'
import { haTarget, waits, type RawHa } from '../../../flags.ts'
import type { CompleteContext } from '../../../pipeline.ts'

export interface RawHaBackupCreate extends RawHa {
  backupName?: string
  offline?: boolean
  retention?: string
  wait?: boolean
  timeout: string
}

export function complete(c: CompleteContext<RawHaBackupCreate>): RawHaBackupCreate & { name: string } {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: RawHaBackupCreate & { name: string }): HaBackupCreateOptions {
  return {
    ...haTarget(i.name, i),
    backupName: i.backupName === undefined ? undefined : validateName(i.backupName, 'backup name'),
    online: i.offline ? false : undefined,
    ...(i.retention !== undefined ? { retentionMs: parseRetention(i.retention), retention: i.retention } : {}),
    wait: waits(i, true),
    timeoutMs: parseDuration(i.timeout),
  }
}
