// What a guided `dbaas create` (arguments missing, on a terminal) offers and checks: size presets, whether a
// name is taken, the storage classes, and the command line the answers equal. The questions themselves are
// asked by the create verb's complete step (commands/create/options.ts).
import type { ClusterFlags, Deps } from '../deps.ts'
import { R } from '../k8s/kube.ts'
import { isDefaultClass } from './doctor.ts'
import { namespacesOf } from './find.ts'
import { defaultNamespace } from './names.ts'

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

/** The storage classes a guided create offers, or undefined when they cannot be listed (RBAC, network). */
export async function storageClassOptions(cluster: ClusterFlags, deps: Deps): Promise<Array<{ name: string; provisioner: string; isDefault: boolean }> | undefined> {
  try {
    const kube = await deps.kube(cluster)
    const classes = (await kube.list(R.storageClasses, undefined)).items
    return classes.map((c) => ({ name: c.metadata.name, provisioner: String((c as { provisioner?: unknown }).provisioner ?? ''), isDefault: isDefaultClass(c) }))
  } catch {
    return undefined
  }
}
