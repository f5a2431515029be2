// create's option completion: the engine and name from the arguments — or, on a terminal when they are
// missing, from a guided session (engine, name checked live, version, size, storage class, a confirmation) —
// and the password from standard input; then the pure check into CreateOptions.
import type { CreateOptions } from '../../core/create.ts'
import { checkSystemNamespace } from '../../core/system-namespaces.ts'
import { equivalentCommand, nameTaken, sizePresets, storageClassOptions, type GuidedAnswers, type SizePreset } from '../../core/guided-create.ts'
import { exporterFor } from '../../core/metrics/exporters.ts'
import { defaultNamespace, parseDuration, validateCpu, validateIdentifier, validateMemory, validateName, validateStorage } from '../../core/names.ts'
import { engines, getEngine, resolveVersion } from '../../engines/registry.ts'
import { InterruptedError, isDbaasError, UsageError } from '../../errors.ts'
import type { Prompter } from '../../prompts.ts'
import { clusterFlags, parseDryRun, readPasswordStdin, waits, type RawClusterFlags } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'
import { placementEnv, placementFlags, type RawPlacement } from '../placement.ts'

export interface RawCreate extends RawClusterFlags, RawPlacement {
  version?: string
  storage: string
  storageClass?: string
  cpu: string
  memory: string
  database: string
  user: string
  passwordStdin?: boolean
  reuseData?: boolean
  metrics?: boolean
  dryRun?: string | boolean
  wait?: boolean
  timeout: string
  allowSystemNamespace?: boolean
  openshift?: boolean
}

/** The raw flags with what a guided session answered in place of missing ones. */
export interface CreateInput extends RawCreate {
  engine: string | undefined
  name: string | undefined
  password?: string | undefined
  /** DBAAS_IMAGE_REGISTRY, read here from the environment. */
  registryEnv?: string | undefined
}

/** Asks for what the command line left out; the answers fill the same fields flags would. */
async function guided(c: CompleteContext<RawCreate>, prompter: Prompter, engineArg: string | undefined, nameArg: string | undefined): Promise<GuidedAnswers> {
  const { raw, deps } = c
  const cluster = clusterFlags(raw)
  const offline = raw.dryRun === true || raw.dryRun === 'client'
  deps.printer.note('Creating a database instance; answer a few questions (Ctrl-C to stop, nothing is created before you confirm).')
  const engineName =
    engineArg ??
    (await prompter.select({
      message: 'Engine',
      choices: engines.map((e) => ({ name: `${e.displayName} (${e.name}) — versions ${e.versions.join(', ')}`, value: e.name, description: `default version ${e.defaultVersion}` })),
      default: engines[0]?.name,
    }))
  const engine = getEngine(engineName)
  const name =
    nameArg ??
    (
      await prompter.input({
        message: 'Name (lower-case letters, digits and dashes)',
        validate: async (value) => {
          try {
            validateName(value.trim())
          } catch (err) {
            return isDbaasError(err) ? `${err.message}${err.hint ? `: ${err.hint}` : ''}` : String(err)
          }
          const taken = offline ? undefined : await nameTaken(value.trim(), raw.namespace, cluster, deps)
          return taken ? `an instance "${value.trim()}" already exists in namespace ${taken}; pick another name` : true
        },
      })
    ).trim()
  const version =
    raw.version ??
    (await prompter.select({
      message: `${engine.displayName} version`,
      choices: engine.versions.map((v) => ({ name: v === engine.defaultVersion ? `${v} (default)` : v, value: v })),
      default: engine.defaultVersion,
    }))
  let size: SizePreset | undefined
  if (!c.given('storage') && !c.given('cpu') && !c.given('memory')) {
    size = await prompter.select({
      message: 'Size',
      choices: sizePresets.map((s) => ({ name: `${s.name.padEnd(6)} ${s.cpu} CPU, ${s.memory} memory, ${s.storage} storage — ${s.what}`, value: s })),
      default: sizePresets[0],
    })
  }
  let storageClass = raw.storageClass
  if (storageClass === undefined && !offline) {
    const classes = await storageClassOptions(cluster, deps)
    if (classes && classes.length > 0) {
      const def = classes.find((x) => x.isDefault)
      storageClass = await prompter.select<string | undefined>({
        message: 'Storage class',
        choices: [
          { name: def ? `the cluster default (${def.name})` : 'the cluster default', value: undefined },
          ...classes.map((x) => ({ name: x.name, value: x.name as string | undefined, description: x.provisioner })),
        ],
        default: undefined,
      })
    }
  }
  const passthrough: string[] = []
  if (c.given('database')) passthrough.push('--database', raw.database)
  if (c.given('user')) passthrough.push('--user', raw.user)
  if (raw.dryRun) passthrough.push(raw.dryRun === true ? '--dry-run' : `--dry-run=${raw.dryRun}`)
  if (raw.wait === false) passthrough.push('--no-wait')
  if (raw.reuseData) passthrough.push('--reuse-data')
  if (raw.openshift) passthrough.push('--openshift')
  if (raw.allowSystemNamespace) passthrough.push('--allow-system-namespace')
  for (const v of raw.nodeSelector ?? []) passthrough.push('--node-selector', v)
  for (const v of raw.toleration ?? []) passthrough.push('--toleration', v)
  if (raw.priorityClass !== undefined) passthrough.push('--priority-class', raw.priorityClass)
  for (const v of raw.imagePullSecret ?? []) passthrough.push('--image-pull-secret', v)
  if (raw.imageRegistry !== undefined) passthrough.push('--image-registry', raw.imageRegistry)
  const answers = { engine: engine.name, name, version, cpu: size?.cpu, memory: size?.memory, storage: size?.storage, storageClass }
  const command = equivalentCommand(answers, { namespace: raw.namespace, passthrough })
  deps.printer.note(`The same without prompts:\n  ${command}`)
  if (!(await prompter.confirm({ message: `Create ${engine.displayName} ${version} instance "${name}"?`, default: true }))) {
    throw new InterruptedError('cancelled; nothing was created', { hint: `run it later with: ${command}` })
  }
  return { ...answers, command }
}

export async function complete(c: CompleteContext<RawCreate>): Promise<CreateInput> {
  const [engineArg, nameArg] = c.args as [string | undefined, string | undefined]
  let input: CreateInput = { ...c.raw, engine: engineArg, name: nameArg, ...placementEnv(c.deps.env) }
  if ((!engineArg || !nameArg) && c.prompter) {
    const a = await guided(c, c.prompter, engineArg, nameArg)
    input = {
      ...input,
      engine: a.engine,
      name: a.name,
      version: a.version,
      ...(a.storage ? { storage: a.storage } : {}),
      ...(a.cpu ? { cpu: a.cpu } : {}),
      ...(a.memory ? { memory: a.memory } : {}),
      ...(a.storageClass ? { storageClass: a.storageClass } : {}),
    }
    c.after(`To do the same in a script:\n  ${a.command}`)
  }
  if (input.engine && input.name && c.raw.passwordStdin) input.password = await readPasswordStdin(c.deps)
  return input
}

export function validate(i: CreateInput): CreateOptions {
  if (!i.engine) throw new UsageError('missing argument: engine', { hint: `dbaas create <engine> <name>; engines: ${engines.map((e) => e.name).join(', ')}` })
  if (!i.name) throw new UsageError('missing argument: name', { hint: `dbaas create ${i.engine} <name>` })
  const engine = getEngine(i.engine)
  const name = validateName(i.name)
  const cluster = clusterFlags(i)
  const namespace = cluster.namespace ?? defaultNamespace(name)
  checkSystemNamespace(namespace, i.allowSystemNamespace === true)
  return {
    engine,
    name,
    namespace,
    namespaceExplicit: cluster.namespace !== undefined,
    version: resolveVersion(engine, i.version),
    storage: validateStorage(i.storage),
    storageClass: i.storageClass,
    cpu: validateCpu(i.cpu),
    memory: validateMemory(i.memory),
    database: validateIdentifier(i.database, '--database'),
    user: validateIdentifier(i.user, '--user'),
    dryRun: parseDryRun(i.dryRun),
    wait: waits(i, true),
    timeoutMs: parseDuration(i.timeout),
    cluster,
    reuseData: i.reuseData === true,
    placement: placementFlags(i),
    openshift: i.openshift === true,
    allowSystemNamespace: i.allowSystemNamespace === true,
    ...(i.password !== undefined ? { password: i.password } : {}),
    ...(i.metrics ? { metrics: exporterFor(engine.name) !== undefined } : {}),
  }
}
