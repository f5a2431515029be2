// Kubeconfig resolution with kubectl's rules: --kubeconfig, else every file in KUBECONFIG (first definition
// of a name wins, first current-context wins), else ~/.kube/config, else the in-cluster service account.
// Only parsing and merging happen here; nothing talks to the cluster.
//
// Fail closed: every key of a cluster or user entry is either understood (and then honoured by the transport,
// http.ts/connection.ts) or refused with a kubeconfig error. A key that changes where or as whom dbaas connects
// is never silently ignored.
import { readFileSync, existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, dirname, isAbsolute, join } from 'node:path'
import { parse } from 'yaml'
import { ClusterError, UsageError } from '../errors.ts'
import { EXEC_API_VERSIONS, type ExecApiVersion, type ExecConfig, type InteractiveMode } from './exec-credential.ts'
import { chooseProxy, type ProxyChoice } from './proxy.ts'

export interface KubeconfigFlags {
  kubeconfig?: string | undefined
  context?: string | undefined
  namespace?: string | undefined
  /** kubectl's --as: impersonate this user (wins over the user entry's `as`). */
  as?: string | undefined
  /** kubectl's --as-group (repeatable; wins over the user entry's `as-groups`). */
  asGroups?: string[] | undefined
}

export interface ResolvedCluster {
  server: string
  caData?: Buffer
  insecureSkipTLSVerify: boolean
  tlsServerName?: string
  /** The proxy to reach the server through: the cluster's proxy-url, else HTTPS_PROXY/HTTP_PROXY unless NO_PROXY. */
  proxy?: ProxyChoice
  /** The cluster's exec extension (extensions[client.authentication.k8s.io/exec]), for provideClusterInfo. */
  execExtension?: unknown
}

/** Impersonation, sent as Impersonate-* headers on every request. */
export interface Impersonation {
  user: string
  uid?: string
  groups: string[]
  extra: Record<string, string[]>
}

export interface ResolvedUser {
  certData?: Buffer
  keyData?: Buffer
  token?: string
  /** tokenFile: re-read (client-go re-reads it every minute) and after a 401; wins over `token` when readable. */
  tokenFile?: string
  username?: string
  password?: string
  /** An exec credential plugin, run by dbaas (exec-credential.ts). */
  exec?: ExecConfig
  /** The auth-provider's name (oidc, gcp, azure): its token comes from @kubernetes/client-node. */
  authProvider?: string
  impersonate?: Impersonation
  /** An auth-provider: authentication is delegated to @kubernetes/client-node. */
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
  /** How the files were found: --kubeconfig, KUBECONFIG (its value, for helm), ~/.kube/config, or in-cluster. */
  source?: { kind: 'flag' | 'env' | 'default' | 'in-cluster'; value?: string }
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
      out.users.push({ name: u.name, user: absolutiseUser(u.user ?? {}, base) })
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

/** Like kubectl: an exec command with a path separator is relative to its kubeconfig's directory. */
function absolutiseUser(user: Record<string, unknown>, base: string): Record<string, unknown> {
  const copy = absolutise(user, base, ['client-certificate', 'client-key', 'tokenFile'])
  const exec = copy.exec
  if (exec && typeof exec === 'object' && !Array.isArray(exec)) {
    const cmd = (exec as Record<string, unknown>).command
    if (typeof cmd === 'string' && cmd.includes('/') && !isAbsolute(cmd)) copy.exec = { ...(exec as Record<string, unknown>), command: join(base, cmd) }
  }
  return copy
}

// The keys dbaas understands. Anything else in a cluster or user entry is refused rather than ignored.
const CLUSTER_KEYS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'proxy-url',
  // Compression is a matter of bandwidth, not of where or as whom: dbaas never asks for gzip anyway.
  'disable-compression',
  'extensions',
])
const USER_KEYS = new Set([
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'token',
  'tokenFile',
  'username',
  'password',
  'as',
  'as-uid',
  'as-groups',
  'as-user-extra',
  'exec',
  'auth-provider',
  'extensions',
])
const EXEC_KEYS = new Set(['apiVersion', 'command', 'args', 'env', 'interactiveMode', 'provideClusterInfo', 'installHint'])

function refuseUnknown(obj: Record<string, unknown>, known: Set<string>, where: string): void {
  const unknown = Object.keys(obj).filter((k) => !known.has(k))
  if (unknown.length) {
    throw new ClusterError('kubeconfig', `${where} has ${unknown.map((k) => `"${k}"`).join(', ')}, which dbaas does not understand`, {
      hint: 'dbaas refuses kubeconfig settings it cannot honour rather than ignore them; remove or fix them (`kubectl config view`)',
    })
  }
}

function str(v: unknown, what: string, where: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v !== 'string') throw new ClusterError('kubeconfig', `${where}: "${what}" is not a string`, { hint: 'check `kubectl config view`' })
  return v
}

function strList(v: unknown, what: string, where: string): string[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ClusterError('kubeconfig', `${where}: "${what}" is not a list of strings`, { hint: 'check `kubectl config view`' })
  }
  return v as string[]
}

function parseExec(v: unknown, where: string): ExecConfig {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ClusterError('kubeconfig', `${where}: "exec" is not a mapping`, { hint: 'check `kubectl config view`' })
  const e = v as Record<string, unknown>
  refuseUnknown(e, EXEC_KEYS, `${where} exec`)
  const command = str(e.command, 'exec.command', where)
  if (!command) throw new ClusterError('kubeconfig', `${where}: exec has no command`, { hint: 'set users[].user.exec.command' })
  const apiVersion = str(e.apiVersion, 'exec.apiVersion', where)
  if (!apiVersion || !(EXEC_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw new ClusterError('kubeconfig', `${where}: exec apiVersion ${apiVersion ? `"${apiVersion}" is not supported` : 'is missing'}`, {
      hint: `use ${EXEC_API_VERSIONS.join(' or ')} (as kubectl does)`,
    })
  }
  const mode = str(e.interactiveMode, 'exec.interactiveMode', where)
  if (mode !== undefined && mode !== 'Never' && mode !== 'IfAvailable' && mode !== 'Always') {
    throw new ClusterError('kubeconfig', `${where}: exec interactiveMode "${mode}" is not Never, IfAvailable or Always`, { hint: 'fix users[].user.exec.interactiveMode' })
  }
  if (mode === undefined && apiVersion === 'client.authentication.k8s.io/v1') {
    throw new ClusterError('kubeconfig', `${where}: exec interactiveMode must be set for ${apiVersion}`, { hint: 'set interactiveMode: Never, IfAvailable or Always (as kubectl requires)' })
  }
  const envList = e.env ?? []
  if (!Array.isArray(envList) || envList.some((x) => !x || typeof x !== 'object' || typeof (x as { name?: unknown }).name !== 'string')) {
    throw new ClusterError('kubeconfig', `${where}: exec env is not a list of {name, value}`, { hint: 'check `kubectl config view`' })
  }
  const hint = str(e.installHint, 'exec.installHint', where)
  return {
    apiVersion: apiVersion as ExecApiVersion,
    command,
    args: strList(e.args, 'exec.args', where),
    env: (envList as Array<{ name: string; value?: unknown }>).map((x) => ({ name: x.name, value: x.value === undefined || x.value === null ? '' : String(x.value) })),
    interactiveMode: (mode ?? 'IfAvailable') as InteractiveMode,
    provideClusterInfo: e.provideClusterInfo === true,
    ...(hint ? { installHint: hint } : {}),
  }
}

/** The user entry's impersonation, with --as/--as-group on top (flags win, field by field, as in kubectl). */
function impersonation(user: Record<string, unknown>, flags: KubeconfigFlags, where: string): Impersonation | undefined {
  const extraRaw = user['as-user-extra']
  if (extraRaw !== undefined && extraRaw !== null && (typeof extraRaw !== 'object' || Array.isArray(extraRaw))) {
    throw new ClusterError('kubeconfig', `${where}: "as-user-extra" is not a mapping of lists`, { hint: 'check `kubectl config view`' })
  }
  const extra: Record<string, string[]> = {}
  for (const [k, v] of Object.entries((extraRaw ?? {}) as Record<string, unknown>)) extra[k] = strList(v, `as-user-extra.${k}`, where)
  const flagUser = flags.as !== undefined && flags.as !== '' ? flags.as : undefined
  const flagGroups = (flags.asGroups ?? []).filter((g) => g !== '')
  const userName = flagUser ?? str(user.as, 'as', where)
  const groups = flagGroups.length ? flagGroups : strList(user['as-groups'], 'as-groups', where)
  const uid = str(user['as-uid'], 'as-uid', where)
  if (userName === undefined) {
    if (flagGroups.length) {
      throw new UsageError('--as-group needs --as (or `as:` in the kubeconfig user): a group is impersonated together with a user', {
        hint: 'add --as <user>, e.g. --as system:serviceaccount:<namespace>:<name>',
      })
    }
    if (groups.length || uid !== undefined || Object.keys(extra).length) {
      throw new ClusterError('kubeconfig', `${where} impersonates groups, a uid or extra fields without a user ("as")`, {
        hint: 'set `as:` in that user entry, or pass --as',
      })
    }
    return undefined
  }
  return { user: userName, groups, extra, ...(uid !== undefined ? { uid } : {}) }
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
  env: NodeJS.ProcessEnv = {},
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
  const userWhere = `kubeconfig user "${typeof userName === 'string' ? userName : ''}"`
  const clusterWhere = `kubeconfig cluster "${String(clusterName)}"`
  refuseUnknown(cluster, CLUSTER_KEYS, clusterWhere)
  refuseUnknown(user, USER_KEYS, userWhere)
  const server = cluster.server.replace(/\/+$/, '')
  let serverUrl: URL
  try {
    serverUrl = new URL(server)
  } catch {
    throw new ClusterError('kubeconfig', `${clusterWhere}: server "${server}" is not a URL`, { hint: 'write it as https://host:port' })
  }
  if (serverUrl.protocol !== 'https:' && serverUrl.protocol !== 'http:') {
    throw new ClusterError('kubeconfig', `${clusterWhere}: server "${server}" is neither https:// nor http://`, { hint: 'fix the server in your kubeconfig' })
  }
  const contextNamespace = typeof ctx.context.namespace === 'string' && ctx.context.namespace !== '' ? ctx.context.namespace : 'default'
  const tokenFile = str(user.tokenFile, 'tokenFile', userWhere)
  const token = str(user.token, 'token', userWhere)
  const username = str(user.username, 'username', userWhere)
  const password = str(user.password, 'password', userWhere)
  const authProvider = user['auth-provider']
  const exec = user.exec === undefined || user.exec === null ? undefined : parseExec(user.exec, userWhere)
  if (exec && authProvider !== undefined) {
    throw new ClusterError('kubeconfig', `${userWhere} has both exec and auth-provider`, { hint: 'keep one of them (kubectl refuses both too)' })
  }
  const plugin = exec ? 'exec' : authProvider !== undefined && authProvider !== null ? 'auth-provider' : undefined
  if (plugin && (token !== undefined || tokenFile !== undefined || username !== undefined)) {
    // kubectl picks one of them depending on the transport's layering; dbaas will not guess which.
    throw new ClusterError('kubeconfig', `${userWhere} has both ${plugin} and a ${username !== undefined ? 'username/password' : 'token'}`, {
      hint: `keep one of them: the ${plugin} credential or the static one`,
    })
  }
  if ((token !== undefined || tokenFile !== undefined) && username !== undefined) {
    throw new ClusterError('kubeconfig', `${userWhere} has both a token and a username/password`, { hint: 'keep one of them (kubectl refuses both too)' })
  }
  if (tokenFile !== undefined && token === undefined && !fs.exists(tokenFile)) {
    throw new ClusterError('kubeconfig', `the token file ${tokenFile} named in the kubeconfig does not exist`, { hint: 'fix tokenFile in your kubeconfig' })
  }
  const fileToken = tokenFile !== undefined && fs.exists(tokenFile) ? fs.read(tokenFile).trim() : undefined
  const authProviderName =
    authProvider !== undefined && authProvider !== null
      ? typeof (authProvider as { name?: unknown }).name === 'string'
        ? (authProvider as { name: string }).name
        : 'unnamed'
      : undefined
  const impersonate = impersonation(user, flags, userWhere)
  const extensions = Array.isArray(cluster.extensions) ? (cluster.extensions as Array<{ name?: unknown; extension?: unknown }>) : []
  const execExtension = extensions.find((e) => e?.name === 'client.authentication.k8s.io/exec')?.extension
  const resolved: ResolvedConfig = {
    files,
    contextName,
    contextNamespace,
    namespaceExplicit: flags.namespace !== undefined,
    namespace: flags.namespace ?? contextNamespace,
    cluster: {
      server,
      insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
      ...optional('caData', readData(cluster, 'certificate-authority-data', 'certificate-authority', fs, 'certificate authority')),
      ...optional('tlsServerName', str(cluster['tls-server-name'], 'tls-server-name', clusterWhere)),
      ...optional('proxy', chooseProxy(server, str(cluster['proxy-url'], 'proxy-url', clusterWhere), env, clusterWhere)),
      ...optional('execExtension', execExtension),
    },
    user: {
      needsPlugin: authProviderName !== undefined,
      ...optional('certData', readData(user, 'client-certificate-data', 'client-certificate', fs, 'client certificate')),
      ...optional('keyData', readData(user, 'client-key-data', 'client-key', fs, 'client key')),
      ...optional('token', fileToken ?? token),
      ...optional('tokenFile', tokenFile),
      ...optional('username', username),
      ...optional('password', password),
      ...optional('exec', exec),
      ...optional('authProvider', authProviderName),
      ...optional('impersonate', impersonate),
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
  const server = `https://${h}:${port}`
  const tokenFile = join(inClusterDir, 'token')
  const impersonate = impersonation({}, flags, 'the in-cluster service account')
  return {
    files: [],
    contextName: 'in-cluster',
    contextNamespace: ns,
    namespaceExplicit: flags.namespace !== undefined,
    namespace: flags.namespace ?? ns,
    cluster: {
      server,
      insecureSkipTLSVerify: false,
      caData: Buffer.from(fs.read(join(inClusterDir, 'ca.crt')), 'utf8'),
      ...optional('proxy', chooseProxy(server, undefined, env)),
    },
    // The projected token rotates: it is a token file, re-read as client-go's in-cluster config does.
    user: { needsPlugin: false, token: fs.read(tokenFile).trim(), tokenFile, ...optional('impersonate', impersonate) },
    raw: { clusters: [], users: [], contexts: [] },
    source: { kind: 'in-cluster' },
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
  const cfg = resolveKubeconfig(mergeKubeconfigs(docs), files, flags, fs, env)
  cfg.source = flags.kubeconfig ? { kind: 'flag', value: flags.kubeconfig } : env.KUBECONFIG ? { kind: 'env', value: env.KUBECONFIG } : { kind: 'default', value: files[0] }
  return cfg
}
