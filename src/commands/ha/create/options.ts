// ha create's options: the cluster's name, size, version, parameters and credentials.
import type { HaCreateOptions } from '../../../core/ha/create.ts'
import { parseParams, validateInstances, validateMajor } from '../../../core/ha/model.ts'
import { defaultNamespace, parseDuration, validateCpu, validateIdentifier, validateMemory, validateName, validateStorage } from '../../../core/names.ts'
import { clusterFlags, parseDryRun, readPasswordStdin, waits, type RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'
import { placementEnv, placementFlags, type RawPlacement } from '../../placement.ts'

export interface RawHaCreate extends RawHa, RawPlacement {
  instances: string
  database: string
  user: string
  storage: string
  storageClass?: string
  cpu?: string
  memory?: string
  version?: string
  param: string[]
  snapshotClass?: string
  passwordStdin?: boolean
  wait?: boolean
  timeout: string
  dryRun?: string | boolean
}

export interface HaCreateInput extends RawHaCreate {
  name: string
  password?: string | undefined
  /** DBAAS_IMAGE_REGISTRY, read here from the environment. */
  registryEnv?: string | undefined
}

export async function complete(c: CompleteContext<RawHaCreate>): Promise<HaCreateInput> {
  return { ...c.raw, name: c.args[0] as string, ...placementEnv(c.deps.env), ...(c.raw.passwordStdin ? { password: await readPasswordStdin(c.deps) } : {}) }
}

export function validate(i: HaCreateInput): HaCreateOptions {
  const name = validateName(i.name, 'cluster name')
  const cluster = clusterFlags(i)
  const dryRun = parseDryRun(i.dryRun)
  return {
    spec: {
      name,
      namespace: cluster.namespace ?? defaultNamespace(name),
      instances: validateInstances(i.instances),
      database: validateIdentifier(i.database, '--database'),
      user: validateIdentifier(i.user, '--user'),
      storage: validateStorage(i.storage),
      storageClass: i.storageClass,
      cpu: i.cpu === undefined ? undefined : validateCpu(i.cpu),
      memory: i.memory === undefined ? undefined : validateMemory(i.memory),
      version: i.version === undefined ? undefined : validateMajor(i.version),
      params: parseParams(i.param ?? []),
      placement: placementFlags(i),
    },
    namespaceExplicit: cluster.namespace !== undefined,
    password: i.password,
    snapshotClass: i.snapshotClass,
    dryRun,
    wait: waits(i, true),
    timeoutMs: parseDuration(i.timeout),
    cluster,
    skipOperatorCheck: i.skipOperatorCheck === true,
  }
}
