// backup list's options: one instance's backups or all, in one namespace or every one the user may list.
import type { BackupListOptions } from '../../../core/backup/manage.ts'
import { clusterFlags, type RawClusterFlags } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawBackupList extends RawClusterFlags {
  allNamespaces?: boolean
}

export interface BackupListInput extends RawBackupList {
  instance: string | undefined
}

export function complete(c: CompleteContext<RawBackupList>): BackupListInput {
  return { ...c.raw, instance: c.args[0] as string | undefined }
}

export function validate(i: BackupListInput): BackupListOptions {
  const cluster = clusterFlags(i)
  return { cluster, namespace: i.allNamespaces ? undefined : cluster.namespace, instance: i.instance }
}
