// Kubeconfig resolution with kubectl's rules: --kubeconfig, else every file in KUBECONFIG (first definition
// of a name wins, first current-context wins), else ~/.kube/config, else the in-cluster service account.
// Only parsing and merging happen here; nothing talks to the cluster. Users that need an exec or
// auth-provider plugin are marked so the client can hand their authentication to @kubernetes/client-node.
import { readFileSync, existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, dirname, isAbsolute, join } from 'node:path'
import { parse } from 'yaml'
import { ClusterError } from '../errors.ts'

export interface KubeconfigFlags {
  kubeconfig?: string | undefined
  context?: string | undefined
  namespace?: string | undefined
}

export interface ResolvedCluster {
  server: string
  caData?: Buffer
  insecureSkipTLSVerify: boolean
  tlsServerName?: string
}

export interface ResolvedUser {
  certData?: Buffer
  keyData?: Buffer
  token?: string
  username?: string
  password?: string
  /** exec or auth-provider: authentication is delegated to @kubernetes/client-node. */
  needsPlugin: boolean
}

export interface ResolvedConfig {
  /** The files that were read, in order (empty for in-cluster). */
  files: string[]
  contextName: string
  /** The namespace of the context (or "default"), before any -n flag. */
  contextNamespace: string
  /** True when the namespace came from -n. */
  namespaceExplicit: boolean
  /** -n if given, else the context's namespace. */
  namespace: string
  cluster: ResolvedCluster
  user: ResolvedUser
  /** The merged kubeconfig document, for handing to the client library when a plugin is needed. */
  raw: KubeconfigDoc
}

interface Named<T> {
  name: string
  [key: string]: unknown
  value?: T
}

export interface KubeconfigDoc {
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>
  users: Array<{ name: string; user: Record<string, unknown> }>
  contexts: Array<{ name: string; context: Record<string, unknown> }>
  'current-context'?: string
}

export interface FileSystem {
  exists(path: string): boolean
  read(path: string): string
}

const realFs: FileSystem = {
  exists: (p) => existsSync(p),
  read: (p) => readFileSync(p, 'utf8'),
}

const inClusterDir = '/var/run/secrets/kubernetes.io/serviceaccount'

/** The kubeconfig files kubectl would read, in order. */
export function kubeconfigPaths(flags: KubeconfigFlags, env: NodeJS.ProcessEnv, fs: FileSystem = realFs): string[] {
  if (flags.kubeconfig) {
    if (!fs.exists(flags.kubeconfig)) {
      throw new ClusterError('kubeconfig', `kubeconfig file ${flags.kubeconfig} does not exist`, {
        hint: 'pass an existing file to --kubeconfig',
      })
    }
    return [flags.kubeconfig]
  }
  if (env.KUBECONFIG) {
    return env.KUBECONFIG.split(delimiter).filter((p) => p !== '' && fs.exists(p))
  }
  const home = env.HOME ?? homedir()
  const def = join(home, '.kube', 'config')
  return fs.exists(def) ? [def] : []
}

function asList<T extends { name?: unknown }>(v: unknown, file: string, what: string): T[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) {
    throw new ClusterError('kubeconfig', `kubeconfig ${file}: "${what}" is not a list`, {
      hint: 'check the file with `kubectl config view`',
    })
  }
  return v as T[]
}

/** Merges kubeconfig documents the way kubectl does: the first definition of each name wins. */
export function mergeKubeconfigs(docs: Array<{ file: string; text: string }>): KubeconfigDoc {
  const out: KubeconfigDoc = { clusters: [], users: [], contexts: [] }
  const seen = { clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>() }
  for (const { file, text } of docs) {
    let doc: Record<string, unknown>
    try {
      doc = (parse(text) ?? {}) as Record<string, unknown>
    } catch (err) {
      throw new ClusterError('kubeconfig', `kubeconfig ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, {
        hint: 'fix the file or point --kubeconfig/KUBECONFIG at another one',
      })
    }
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new ClusterError('kubeconfig', `kubeconfig ${file} is not a kubeconfig document`, {
        hint: 'fix the file or point --kubeconfig/KUBECONFIG at another one',
      })
    }
    const base = dirname(file)
    for (const c of asList<Named<unknown> & { cluster?: Record<string, unknown> }>(doc.clusters, file, 'clusters')) {
      if (typeof c?.name !== 'string' || seen.clusters.has(c.name)) continue
      seen.clusters.add(c.name)
      out.clusters.push({ name: c.name, cluster: absolutise(c.cluster ?? {}, base, ['certificate-authority']) })
    }
    for (const u of asList<Named<unknown> & { user?: Record<string, unknown> }>(doc.users, file, 'users')) {
      if (typeof u?.name !== 'string' || seen.users.has(u.name)) continue
      seen.users.add(u.name)
      out.users.push({ name: u.name, user: absolutise(u.user ?? {}, base, ['client-certificate', 'client-key', 'tokenFile']) })
    }
    for (const c of asList<Named<unknown> & { context?: Record<string, unknown> }>(doc.contexts, file, 'contexts')) {
      if (typeof c?.name !== 'string' || seen.contexts.has(c.name)) continue
      seen.contexts.add(c.name)
      out.contexts.push({ name: c.name, context: c.context ?? {} })
    }
    const current = doc['current-context']
    if (!out['current-context'] && typeof current === 'string' && current !== '') out['current-context'] = current
  }
  return out
}

function absolutise(obj: Record<string, unknown>, base: string, keys: string[]): Record<string, unknown> {
  const copy = { ...obj }
  for (const k of keys) {
    const v = copy[k]
    if (typeof v === 'string' && v !== '' && !isAbsolute(v)) copy[k] = join(base, v)
  }
  return copy
}

function readData(obj: Record<string, unknown>, dataKey: string, fileKey: string, fs: FileSystem, what: string): Buffer | undefined {
  const data = obj[dataKey]
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64')
  const file = obj[fileKey]
  if (typeof file === 'string' && file !== '') {
    if (!fs.exists(file)) {
      throw new ClusterError('kubeconfig', `the ${what} file ${file} named in the kubeconfig does not exist`, {
        hint: 'fix the path in your kubeconfig',
      })
    }
    return Buffer.from(fs.read(file), 'utf8')
  }
  return undefined
}

/** Picks the context, cluster and user from a merged document. */
export function resolveKubeconfig(
  doc: KubeconfigDoc,
  files: string[],
  flags: KubeconfigFlags,
  fs: FileSystem = realFs,
): ResolvedConfig {
  const contextName = flags.context ?? doc['current-context']
  if (!contextName) {
    throw new ClusterError('kubeconfig', 'no current context is set in your kubeconfig', {
      hint: 'pass --context, or run `kubectl config use-context <name>`',
    })
  }
  const ctx = doc.contexts.find((c) => c.name === contextName)
  if (!ctx) {
    const known = doc.contexts.map((c) => c.name)
    throw new ClusterError('kubeconfig', `context "${contextName}" is not in your kubeconfig`, {
      hint: known.length ? `known contexts: ${known.join(', ')}` : 'your kubeconfig defines no contexts',
    })
  }
  const clusterName = ctx.context.cluster
  const cluster = doc.clusters.find((c) => c.name === clusterName)?.cluster
  if (!cluster || typeof cluster.server !== 'string' || cluster.server === '') {
    throw new ClusterError('kubeconfig', `context "${contextName}" names cluster "${String(clusterName)}", which has no server in your kubeconfig`, {
      hint: 'check `kubectl config view`',
    })
  }
  const userName = ctx.context.user
  const user = (typeof userName === 'string' ? doc.users.find((u) => u.name === userName)?.user : undefined) ?? {}
  const contextNamespace = typeof ctx.context.namespace === 'string' && ctx.context.namespace !== '' ? ctx.context.namespace : 'default'
  const tokenFile = user.tokenFile
  const token =
    typeof user.token === 'string' && user.token !== ''
      ? user.token
      : typeof tokenFile === 'string' && tokenFile !== '' && fs.exists(tokenFile)
        ? fs.read(tokenFile).trim()
        : undefined
  const resolved: ResolvedConfig = {
    files,
    contextName,
    contextNamespace,
    namespaceExplicit: flags.namespace !== undefined,
    namespace: flags.namespace ?? contextNamespace,
    cluster: {
      server: cluster.server.replace(/\/+$/, ''),
      insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
      ...optional('caData', readData(cluster, 'certificate-authority-data', 'certificate-authority', fs, 'certificate authority')),
      ...optional('tlsServerName', typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined),
    },
    user: {
      needsPlugin: user.exec !== undefined || user['auth-provider'] !== undefined,
      ...optional('certData', readData(user, 'client-certificate-data', 'client-certificate', fs, 'client certificate')),
      ...optional('keyData', readData(user, 'client-key-data', 'client-key', fs, 'client key')),
      ...optional('token', token),
      ...optional('username', typeof user.username === 'string' ? user.username : undefined),
      ...optional('password', typeof user.password === 'string' ? user.password : undefined),
    },
    raw: doc,
  }
  return resolved
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>)
}

/** The in-cluster configuration of a pod's service account, if we run in one. */
function inClusterConfig(env: NodeJS.ProcessEnv, flags: KubeconfigFlags, fs: FileSystem): ResolvedConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST
  const port = env.KUBERNETES_SERVICE_PORT
  if (!host || !port || !fs.exists(join(inClusterDir, 'token'))) return undefined
  const ns = fs.exists(join(inClusterDir, 'namespace')) ? fs.read(join(inClusterDir, 'namespace')).trim() : 'default'
  const h = host.includes(':') ? `[${host}]` : host
  return {
    files: [],
    contextName: 'in-cluster',
    contextNamespace: ns,
    namespaceExplicit: flags.namespace !== undefined,
    namespace: flags.namespace ?? ns,
    cluster: {
      server: `https://${h}:${port}`,
      insecureSkipTLSVerify: false,
      caData: Buffer.from(fs.read(join(inClusterDir, 'ca.crt')), 'utf8'),
    },
    user: { needsPlugin: false, token: fs.read(join(inClusterDir, 'token')).trim() },
    raw: { clusters: [], users: [], contexts: [] },
  }
}

/** Resolves the kubeconfig for these flags and environment, or explains why there is none. */
export function loadKubeconfig(flags: KubeconfigFlags, env: NodeJS.ProcessEnv = process.env, fs: FileSystem = realFs): ResolvedConfig {
  const files = kubeconfigPaths(flags, env, fs)
  if (files.length === 0) {
    const inCluster = inClusterConfig(env, flags, fs)
    if (inCluster) return inCluster
    throw new ClusterError('kubeconfig', 'no kubeconfig found', {
      hint: env.KUBECONFIG
        ? `none of the files in KUBECONFIG exist (${env.KUBECONFIG})`
        : 'set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config (try `npm run lab:up` for a local cluster)',
    })
  }
  const docs = files.map((file) => ({ file, text: fs.read(file) }))
  return resolveKubeconfig(mergeKubeconfigs(docs), files, flags, fs)
}
