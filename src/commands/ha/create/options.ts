// ha create's options: the engine (from the first positional, when two are given), the cluster's name, size,
// version, parameters and credentials — each checked by the engine's own rules before anything is sent.
import type { HaCreateOptions } from '../../../core/ha/create.ts'
import type { HaEngine, Topology } from '../../../core/ha/engine.ts'
import { parseInstances } from '../../../core/ha/model.ts'
import { engineForWord, engineWords, haEngine, requireFlag } from '../../../core/ha/registry.ts'
import { checkSystemNamespace } from '../../../core/system-namespaces.ts'
import { defaultNamespace, parseDuration, validateCpu, validateIdentifier, validateMemory, validateName, validateStorage } from '../../../core/names.ts'
import { UsageError } from '../../../errors.ts'
import { clusterFlags, parseDryRun, readPasswordStdin, waits, type RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'
import { placementEnv, placementFlags, type RawPlacement } from '../../placement.ts'

export interface RawHaCreate extends RawHa, RawPlacement {
  instances: string
  galera?: boolean
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
  allowSystemNamespace?: boolean
  metrics?: boolean
  dryRun?: string | boolean
}

export interface HaCreateInput extends RawHaCreate {
  engine: HaEngine
  name: string
  password?: string | undefined
  /** DBAAS_IMAGE_REGISTRY, read here from the environment. */
  registryEnv?: string | undefined
}

/** `<name>` alone is a PostgreSQL cluster (as before engines were added); `<engine> <name>` picks the engine. */
export function engineAndName(first: string, second: string | undefined): { engine: HaEngine; name: string } {
  if (second === undefined) return { engine: haEngine('cnpg'), name: first }
  const engine = engineForWord(first)
  if (!engine) throw new UsageError(`unknown HA engine "${first}"`, { hint: `use one of ${engineWords()}, then the name: dbaas ha create mysql shop` })
  return { engine, name: second }
}

export async function complete(c: CompleteContext<RawHaCreate>): Promise<HaCreateInput> {
  const { engine, name } = engineAndName(c.args[0] as string, c.args[1] as string | undefined)
  if (c.args[1] === undefined && engineForWord(name) && engineForWord(name)?.id !== 'cnpg') {
    c.after(`"${name}" was taken as the name of a PostgreSQL cluster; for a ${engineForWord(name)?.displayName} cluster: dbaas ha create ${name} <name>`)
  }
  return { ...c.raw, engine, name, ...placementEnv(c.deps.env), ...(c.raw.passwordStdin ? { password: await readPasswordStdin(c.deps) } : {}) }
}

export function validate(i: HaCreateInput): HaCreateOptions {
  const e = i.engine
  const name = validateName(i.name, 'cluster name')
  e.validateName(name)
  if (i.galera) requireFlag(e, '--galera')
  if (i.snapshotClass !== undefined) requireFlag(e, '--snapshot-class')
  if (i.metrics) requireFlag(e, '--metrics')
  const topology: Topology = i.galera ? 'galera' : (e.topologies[0] as Topology)
  const instances = parseInstances(i.instances)
  e.validateInstances(instances, topology, '--instances')
  const user = validateIdentifier(i.user, '--user')
  if (e.reservedUsers.includes(user.toLowerCase())) throw new UsageError(`--user "${user}" is reserved by the ${e.operator.name}`, { hint: 'pick another user name, e.g. app' })
  const cluster = clusterFlags(i)
  const dryRun = parseDryRun(i.dryRun)
  const namespace = cluster.namespace ?? defaultNamespace(name)
  checkSystemNamespace(namespace, i.allowSystemNamespace === true)
  return {
    spec: {
      engine: e.id,
      topology,
      name,
      namespace,
      instances,
      database: validateIdentifier(i.database, '--database'),
      user,
      storage: validateStorage(i.storage),
      storageClass: i.storageClass,
      cpu: i.cpu === undefined ? undefined : validateCpu(i.cpu),
      memory: i.memory === undefined ? undefined : validateMemory(i.memory),
      version: i.version === undefined ? e.defaultVersion : e.validateVersion(i.version),
      params: e.parseParams(i.param ?? []),
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
    allowSystemNamespace: i.allowSystemNamespace === true,
    metrics: i.metrics === true,
  }
}
