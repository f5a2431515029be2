// `dbaas create` with arguments missing, on a terminal: ask for what is missing (engine, name validated live,
// version, size, storage class), show the equivalent command, confirm. The answers only fill in the same
// flags a script would pass; create itself then runs exactly as without prompts.
import type { ClusterFlags, Deps } from '../deps.ts'
import { engines, getEngine } from '../engines/registry.ts'
import { InterruptedError, isDbaasError } from '../errors.ts'
import { apiInfo } from '../k8s/errors.ts'
import { R } from '../k8s/kube.ts'
import type { Choice, Prompter } from '../prompts.ts'
import { isDefaultClass } from './doctor.ts'
import { namespacesOf } from './find.ts'
import { defaultNamespace, validateName } from './names.ts'

export interface SizePreset {
  name: 'small' | 'medium' | 'large'
  cpu: string
  memory: string
  storage: string
  what: string
}

export const sizePresets: SizePreset[] = [
  { name: 'small', cpu: '250m', memory: '512Mi', storage: '10Gi', what: 'development and tests' },
  { name: 'medium', cpu: '1', memory: '2Gi', storage: '50Gi', what: 'a small production service' },
  { name: 'large', cpu: '2', memory: '8Gi', storage: '200Gi', what: 'a busy production service' },
]

/** What the user already gave on the command line (given flags are never asked again). */
export interface GuidedInput {
  engine?: string | undefined
  name?: string | undefined
  version?: string | undefined
  /** True when any of --cpu/--memory/--storage was given: no size question then. */
  sizeGiven: boolean
  storageClass?: string | undefined
  namespace?: string | undefined
  cluster: ClusterFlags
  /** Flags passed through unchanged into the equivalent command (e.g. --database app). */
  passthrough: string[]
  /** --dry-run=client: contact nothing, so no live name check and no storage class question. */
  offline?: boolean
}

export interface GuidedAnswers {
  engine: string
  name: string
  version: string
  cpu?: string | undefined
  memory?: string | undefined
  storage?: string | undefined
  storageClass?: string | undefined
  /** The non-interactive command doing the same. */
  command: string
}

const shellQuote = (s: string) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

export function equivalentCommand(a: Omit<GuidedAnswers, 'command'>, input: Pick<GuidedInput, 'namespace' | 'passthrough'>): string {
  const parts = ['dbaas', 'create', a.engine, a.name, '--version', a.version]
  if (a.storage) parts.push('--storage', a.storage)
  if (a.cpu) parts.push('--cpu', a.cpu)
  if (a.memory) parts.push('--memory', a.memory)
  if (a.storageClass) parts.push('--storage-class', a.storageClass)
  if (input.namespace) parts.push('-n', input.namespace)
  parts.push(...input.passthrough)
  return parts.map(shellQuote).join(' ')
}

/** Whether an instance of this name already exists where create would put it (or anywhere we may look). */
export async function nameTaken(name: string, namespace: string | undefined, cluster: ClusterFlags, deps: Deps): Promise<string | undefined> {
  try {
    const kube = await deps.kube(cluster)
    if (!namespace) {
      const found = await namespacesOf(kube, name)
      if (found !== 'forbidden') return found.namespaces[0]
    }
    const ns = namespace ?? defaultNamespace(name)
    const sts = await kube.find(R.statefulSets, ns, name)
    return sts ? ns : undefined
  } catch {
    // Could not look (RBAC, network): create itself refuses a conflict later.
    return undefined
  }
}

async function storageClassChoices(cluster: ClusterFlags, deps: Deps): Promise<Array<Choice<string | undefined>> | undefined> {
  try {
    const kube = await deps.kube(cluster)
    const classes = (await kube.list(R.storageClasses, undefined)).items
    if (classes.length === 0) return undefined
    const def = classes.find(isDefaultClass)
    return [
      { name: def ? `the cluster default (${def.metadata.name})` : 'the cluster default', value: undefined },
      ...classes.map((c) => ({ name: c.metadata.name, value: c.metadata.name as string | undefined, description: String(c.provisioner ?? '') })),
    ]
  } catch (err) {
    if (apiInfo(err)?.httpCode === 403) return undefined
    return undefined
  }
}

export async function guidedCreate(input: GuidedInput, prompter: Prompter, deps: Deps): Promise<GuidedAnswers> {
  const p = deps.printer
  p.note('Creating a database instance; answer a few questions (Ctrl-C to stop, nothing is created before you confirm).')
  const engineName =
    input.engine ??
    (await prompter.select({
      message: 'Engine',
      choices: engines.map((e) => ({ name: `${e.displayName} (${e.name}) — versions ${e.versions.join(', ')}`, value: e.name, description: `default version ${e.defaultVersion}` })),
      default: engines[0]?.name,
    }))
  const engine = getEngine(engineName)

  const name =
    input.name ??
    (await prompter.input({
      message: 'Name (lower-case letters, digits and dashes)',
      validate: async (value) => {
        try {
          validateName(value.trim())
        } catch (err) {
          return isDbaasError(err) ? `${err.message}${err.hint ? `: ${err.hint}` : ''}` : String(err)
        }
        const taken = input.offline ? undefined : await nameTaken(value.trim(), input.namespace, input.cluster, deps)
        return taken ? `an instance "${value.trim()}" already exists in namespace ${taken}; pick another name` : true
      },
    })).trim()

  const version =
    input.version ??
    (await prompter.select({
      message: `${engine.displayName} version`,
      choices: engine.versions.map((v) => ({ name: v === engine.defaultVersion ? `${v} (default)` : v, value: v })),
      default: engine.defaultVersion,
    }))

  let size: SizePreset | undefined
  if (!input.sizeGiven) {
    size = await prompter.select({
      message: 'Size',
      choices: sizePresets.map((s) => ({ name: `${s.name.padEnd(6)} ${s.cpu} CPU, ${s.memory} memory, ${s.storage} storage — ${s.what}`, value: s })),
      default: sizePresets[0],
    })
  }

  let storageClass = input.storageClass
  if (storageClass === undefined && !input.offline) {
    const choices = await storageClassChoices(input.cluster, deps)
    if (choices && choices.length > 1) storageClass = await prompter.select({ message: 'Storage class', choices, default: undefined })
  }

  const answers = { engine: engine.name, name, version, cpu: size?.cpu, memory: size?.memory, storage: size?.storage, storageClass }
  const command = equivalentCommand(answers, input)
  p.note(`The same without prompts:\n  ${command}`)
  if (!(await prompter.confirm({ message: `Create ${engine.displayName} ${version} instance "${name}"?`, default: true }))) {
    throw new InterruptedError('cancelled; nothing was created', { hint: `run it later with: ${command}` })
  }
  return { ...answers, command }
}
