// ha restore's options: the backup, the new cluster's name and namespace, its size and credentials.
import type { RestoreOptions } from '../../../core/ha/backup.ts'
import { parseInstances } from '../../../core/ha/model.ts'
import { checkSystemNamespace } from '../../../core/system-namespaces.ts'
import { defaultNamespace, parseDuration, validateName, validateNamespace, validateStorage } from '../../../core/names.ts'
import { clusterFlags, readPasswordStdin, waits, type RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'
import { placementEnv, placementFlags, type RawPlacement } from '../../placement.ts'

export interface RawHaRestore extends RawHa, RawPlacement {
  to: string
  backupNamespace?: string
  instances?: string
  storage?: string
  passwordStdin?: boolean
  wait?: boolean
  timeout: string
  allowSystemNamespace?: boolean
}

export interface HaRestoreInput extends RawHaRestore {
  backup: string
  password?: string | undefined
  /** DBAAS_IMAGE_REGISTRY, read here from the environment. */
  registryEnv?: string | undefined
}

export async function complete(c: CompleteContext<RawHaRestore>): Promise<HaRestoreInput> {
  return { ...c.raw, backup: c.args[0] as string, ...placementEnv(c.deps.env), ...(c.raw.passwordStdin ? { password: await readPasswordStdin(c.deps) } : {}) }
}

export function validate(i: HaRestoreInput): RestoreOptions {
  const to = validateName(i.to, 'cluster name')
  const cluster = clusterFlags(i)
  if (i.backupNamespace !== undefined) validateNamespace(i.backupNamespace)
  const namespace = cluster.namespace ?? defaultNamespace(to)
  checkSystemNamespace(namespace, i.allowSystemNamespace === true)
  return {
    backup: i.backup,
    backupNamespace: i.backupNamespace,
    to,
    namespace,
    namespaceExplicit: cluster.namespace !== undefined,
    instances: i.instances === undefined ? undefined : parseInstances(i.instances),
    storage: i.storage === undefined ? undefined : validateStorage(i.storage),
    password: i.password,
    placement: placementFlags(i),
    wait: waits(i, true),
    timeoutMs: parseDuration(i.timeout),
    cluster,
    skipOperatorCheck: i.skipOperatorCheck === true,
    allowSystemNamespace: i.allowSystemNamespace === true,
  }
}
