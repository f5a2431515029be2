// dbaas connect: an in-process port-forward to an instance's pod on a free local port, then the engine's
// client with the credentials in its environment (never on its command line, where `ps` shows them).
// Each TCP connection gets its own port-forward stream, so a client that reconnects (psql's \c, a pool)
// keeps working for as long as the forward is up.
import { spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { delimiter, join } from 'node:path'
import type { ClusterFlags, Deps } from '../deps.ts'
import { engineFromLabel } from '../engines/registry.ts'
import type { Engine } from '../engines/types.ts'
import { DbaasError, NotFoundError, OperationError, PreconditionError, UsageError, type ExitCode } from '../errors.ts'
import { R } from '../k8s/kube.ts'
import type { Pod } from '../k8s/types.ts'
import { instanceSelector } from '../k8s/labels.ts'
import { connectionInfo, connectionUri, MASK, type ConnectionView } from './connection.ts'
import { HaClusterError } from './find.ts'

export interface ConnectOptions {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  /** Local port; 0 or undefined: a free one. */
  port?: number | undefined
}

export interface ConnectPlan {
  connection: ConnectionView
  engine: Engine
  pod: string
  podPort: number
}

function podReady(p: Pod): boolean {
  return p.status?.phase === 'Running' && (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
}

/** Prefers a ready pod, and among those the first ordinal (the primary of a single-instance StatefulSet). */
export function pickPod(pods: Pod[]): Pod | undefined {
  const live = pods.filter((p) => !p.metadata.deletionTimestamp)
  const byName = (a: Pod, b: Pod) => a.metadata.name.localeCompare(b.metadata.name, 'en', { numeric: true })
  return [...live].sort(byName).find(podReady) ?? undefined
}

/** An HA cluster of this name (any HA engine): its credentials and the pods the writes go to, or undefined. */
async function haTarget(o: ConnectOptions, deps: Deps): Promise<{ connection: ConnectionView; selector: string } | undefined> {
  try {
    const { haConnection } = await import('./ha/read.ts')
    const c = await haConnection({ name: o.name, namespace: o.namespace, cluster: o.cluster, skipOperatorCheck: true, showPassword: true }, deps)
    return {
      connection: {
        name: c.name,
        namespace: c.namespace,
        engine: c.engine,
        host: c.rw.host,
        port: c.rw.port,
        database: c.database,
        user: c.user,
        password: c.password,
        passwordShown: true,
        secretRef: c.secretRef,
        uri: c.rw.uri,
        portForward: c.portForward,
      },
      // The engine knows how its operator marks the member the writes go to.
      selector: c.writerSelector,
    }
  } catch (err) {
    if (err instanceof NotFoundError) return undefined
    throw err
  }
}

export async function planConnect(o: ConnectOptions, deps: Deps): Promise<ConnectPlan> {
  let connection: ConnectionView
  let selector = instanceSelector(o.name)
  // The command that shows why there is nothing to connect to, for this kind.
  let statusVerb = 'status'
  try {
    connection = await connectionInfo({ name: o.name, namespace: o.namespace, cluster: o.cluster, showPassword: true }, deps)
  } catch (err) {
    // Not a single instance: perhaps an HA cluster of that name (connect reaches its primary).
    if (!(err instanceof NotFoundError) && !(err instanceof HaClusterError)) throw err
    const ha = await haTarget({ ...o, namespace: o.namespace ?? (err instanceof HaClusterError ? err.namespace : undefined) }, deps)
    if (!ha) throw err
    connection = ha.connection
    selector = ha.selector
    statusVerb = 'ha status'
  }
  const engine = engineFromLabel(connection.engine)
  if (!engine) throw new PreconditionError(`instance "${o.name}" has an unknown engine "${connection.engine}"`)
  const kube = await deps.kube(o.cluster)
  const pods = (await kube.list(R.pods, connection.namespace, { labelSelector: selector })).items
  const pod = pickPod(pods)
  if (!pod) {
    if (statusVerb === 'status' && connection.warnings?.length) {
      throw new PreconditionError(`instance "${o.name}" is stopped: there is nothing to connect to`, { hint: `start it with \`dbaas start ${o.name} -n ${connection.namespace}\`` })
    }
    throw new PreconditionError(`${statusVerb === 'status' ? 'instance' : 'HA cluster'} "${o.name}" has no ready ${statusVerb === 'status' ? 'pod' : 'primary'} to connect to`, {
      hint: `\`dbaas ${statusVerb} ${o.name} -n ${connection.namespace}\` shows why`,
    })
  }
  return { connection, engine, pod: pod.metadata.name, podPort: engine.port }
}

/** Opens one port-forward stream per accepted socket. */
export type ForwardStream = (namespace: string, pod: string, port: number, socket: Socket) => Promise<void>

export interface Forward {
  port: number
  /** Connections accepted so far. */
  connections(): number
  close(): Promise<void>
}

/** The client library's PortForward (WebSocket), loaded only here. */
export async function clientNodeForwarder(deps: Deps, cluster: ClusterFlags): Promise<ForwardStream> {
  const { clientNode } = await import('../k8s/client-node.ts')
  const { k8s, kc } = await clientNode(await deps.kubeconfig(cluster))
  const pf = new k8s.PortForward(kc, true)
  return async (namespace, pod, port, socket) => {
    const res = await pf.portForward(namespace, pod, [port], socket, null, socket)
    const ws = typeof res === 'function' ? res() : res
    socket.on('close', () => ws?.close())
    ws?.on('close', () => socket.destroy())
  }
}

export async function startForward(plan: ConnectPlan, localPort: number, forward: ForwardStream, onError: (err: Error) => void): Promise<Forward> {
  let count = 0
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    count++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    forward(plan.connection.namespace, plan.pod, plan.podPort, socket).catch((err: Error) => {
      onError(err)
      socket.destroy()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new PreconditionError(`local port ${localPort} is already in use`, { hint: 'pick another with --port, or leave --port out for a free one' })
          : err,
      ),
    )
    server.listen(localPort, '127.0.0.1', () => resolve())
  })
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : localPort
  return {
    port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** The local URI (127.0.0.1 and the forwarded port) with the password shown or masked. */
export function localUri(plan: ConnectPlan, port: number, password: string): string {
  const c = plan.connection
  return connectionUri(plan.engine.scheme, c.user, password, '127.0.0.1', port, c.database)
}

/** Finds an executable on PATH. */
export function which(cmd: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const file = join(dir, cmd)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  return undefined
}

export interface ClientCommand {
  command: string
  args: string[]
  /** Added to the environment: where to connect and the password. */
  env: Record<string, string>
}

/** The client invocation: connection facts by environment or plain options, the password by environment only. */
export function clientCommand(plan: ConnectPlan, port: number, client: string, extra: string[]): ClientCommand {
  const c = plan.connection
  if (plan.engine.passwordEnv === 'PGPASSWORD') {
    return {
      command: client,
      args: extra,
      env: { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: c.user, PGDATABASE: c.database, PGPASSWORD: c.password },
    }
  }
  return {
    command: client,
    args: ['--protocol=tcp', '--host=127.0.0.1', `--port=${port}`, `--user=${c.user}`, `--database=${c.database}`, ...extra],
    env: { MYSQL_PWD: c.password },
  }
}

/** Finds the first of the engine's clients on PATH. */
export function findClient(engine: Engine, env: NodeJS.ProcessEnv, wanted?: string): string | undefined {
  if (wanted) return which(wanted, env) ?? (wanted.includes('/') ? wanted : undefined)
  for (const c of engine.clients) if (which(c, env)) return c
  return undefined
}

/** Runs the client on the terminal; resolves with its exit code. */
export function runClient(cmd: ClientCommand, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, { stdio: 'inherit', env: { ...env, ...cmd.env } })
    child.on('error', (err) => reject(new OperationError(`could not run ${cmd.command}: ${err.message}`)))
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)))
  })
}

/** While the client owns the terminal, Ctrl-C is the client's (psql cancels a query); dbaas keeps the forward. */
async function withSigintToChild<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.listeners('SIGINT')
  process.removeAllListeners('SIGINT')
  const ignore = () => {}
  process.on('SIGINT', ignore)
  try {
    return await fn()
  } finally {
    process.off('SIGINT', ignore)
    for (const l of saved) process.on('SIGINT', l)
  }
}

/** The client's own non-zero exit code, passed through; the client already said why. */
export class ClientExitError extends DbaasError {
  constructor(client: string, code: number) {
    super('client_exit', code as ExitCode, `${client} exited with code ${code}`)
  }
}

export interface ConnectSessionOptions extends ConnectOptions {
  forwardOnly: boolean
  /** --client; default: the engine's first client found on PATH. */
  client?: string | undefined
  clientArgs: string[]
  showPassword: boolean
}

/** An open port-forward, and what to do with it: run the client on the terminal, or hold it until Ctrl-C. */
export interface ConnectSession {
  /** `pod/x port n in namespace ns` */
  target: string
  port: number
  /** The client that will run, or undefined (forward only, or none on PATH). */
  client: string | undefined
  /** Set when a client was wanted but none is on PATH. */
  missingClients?: string[] | undefined
  /** The local URI, password shown or masked as asked. */
  uri: string
  /** Runs the client with the credentials in its environment; resolves with its exit code; closes the forward. */
  runClient(): Promise<number>
  /** Keeps the forward open until Ctrl-C, then closes it. */
  hold(): Promise<void>
  /** Where a failed forwarded connection is reported (the session goes on). */
  onForwardError(fn: (message: string) => void): void
}

export async function openConnect(o: ConnectSessionOptions, deps: Deps): Promise<ConnectSession> {
  const plan = await planConnect(o, deps)
  const client = o.forwardOnly ? undefined : findClient(plan.engine, deps.env, o.client)
  if (!o.forwardOnly && !client && o.client) throw new UsageError(`client "${o.client}" not found on PATH`, { hint: 'pass --client with a client on PATH, or install one' })
  let onError: (message: string) => void = () => {}
  const forward = await startForward(plan, o.port ?? 0, await clientNodeForwarder(deps, o.cluster), (err) => onError(`port-forward to ${plan.pod}: ${err.message}`))
  return {
    onForwardError: (fn) => {
      onError = fn
    },
    target: `pod/${plan.pod} port ${plan.podPort} in namespace ${plan.connection.namespace}`,
    port: forward.port,
    client,
    ...(!o.forwardOnly && !client ? { missingClients: plan.engine.clients } : {}),
    uri: localUri(plan, forward.port, o.showPassword ? plan.connection.password : MASK),
    runClient: async () => {
      try {
        return await withSigintToChild(() => runClient(clientCommand(plan, forward.port, client as string, o.clientArgs), deps.env))
      } finally {
        await forward.close()
      }
    },
    hold: async () => {
      try {
        await new Promise<void>((resolve) => {
          if (deps.signal.aborted) return resolve()
          deps.signal.addEventListener('abort', () => resolve(), { once: true })
        })
      } finally {
        await forward.close()
      }
    },
  }
}
