// dbaas connection: how to reach an instance from inside the cluster, and from a laptop.
import type { ClusterFlags, Deps } from '../deps.ts'
import { engineFromLabel } from '../engines/registry.ts'
import { NotFoundError, PreconditionError } from '../errors.ts'
import { R } from '../k8s/kube.ts'
import { credentialsSecretName } from './create.ts'
import { findInstance } from './find.ts'
import { toView } from './instances.ts'

export interface ConnectionOptions {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  showPassword: boolean
}

export interface ConnectionView {
  name: string
  namespace: string
  engine: string
  host: string
  port: number
  database: string
  user: string
  /** The password, or "********" unless --show-password. */
  password: string
  passwordShown: boolean
  secretRef: { name: string; namespace: string; key: string }
  uri: string
  portForward: string
  /** Set when the details cannot be used right now (a stopped instance); said on stderr. */
  warnings?: string[]
}

export const MASK = '********'

/** The local port suggested for a port-forward: clear of a database the laptop may run itself. */
export function laptopPort(port: number): number {
  return port + 20000
}

export function connectionUri(scheme: string, user: string, password: string, host: string, port: number, database: string): string {
  const enc = encodeURIComponent
  return `${scheme}://${enc(user)}:${enc(password)}@${host}:${port}/${enc(database)}`
}

export async function connectionInfo(o: ConnectionOptions, deps: Deps): Promise<ConnectionView> {
  const kube = await deps.kube(o.cluster)
  const parts = await findInstance(kube, { name: o.name, namespace: o.namespace, haVerb: 'ha connection' })
  const view = toView(parts, deps.now())
  const engine = engineFromLabel(view.engine)
  if (!engine) throw new PreconditionError(`instance "${o.name}" has an unknown engine label "${view.engine}"`)
  const secretName = credentialsSecretName(o.name)
  const secret = await kube.find(R.secrets, parts.namespace, secretName)
  if (!secret?.data) {
    throw new NotFoundError(`the credentials secret ${parts.namespace}/${secretName} of "${o.name}" is missing`, {
      hint: `the instance is ${view.status}; \`dbaas status ${o.name} -n ${parts.namespace}\` explains it`,
    })
  }
  const dec = (k: string) => Buffer.from(secret.data?.[k] ?? '', 'base64').toString('utf8')
  const password = dec('password')
  const shown = o.showPassword ? password : MASK
  const host = `${o.name}.${parts.namespace}.svc.cluster.local`
  const user = dec('username')
  const database = dec('database')
  return {
    name: o.name,
    namespace: parts.namespace,
    engine: engine.name,
    host,
    port: engine.port,
    database,
    user,
    password: shown,
    passwordShown: o.showPassword,
    secretRef: { name: secretName, namespace: parts.namespace, key: 'password' },
    uri: connectionUri(engine.scheme, user, shown, host, engine.port, database),
    portForward: `kubectl port-forward -n ${parts.namespace} svc/${o.name} ${laptopPort(engine.port)}:${engine.port}`,
    ...(view.status === 'Stopped' ? { warnings: [`instance "${o.name}" is stopped: nothing answers at this address until \`dbaas start ${o.name} -n ${parts.namespace}\``] } : {}),
  }
}

/** A value single-quoted for a POSIX shell. */
export function shellQuote(v: string | number): string {
  return `'${String(v).replace(/'/g, `'\\''`)}'`
}
