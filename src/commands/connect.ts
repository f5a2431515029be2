import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { DbaasError, UsageError, type ExitCode } from '../errors.ts'
import { clientCommand, clientNodeForwarder, findClient, localUri, planConnect, runClient, startForward } from '../core/connect.ts'
import { MASK } from '../core/connection.ts'
import { clusterFlags, examples, withClusterFlags, type RawClusterFlags } from './shared.ts'

interface RawConnect extends RawClusterFlags {
  port?: string
  forwardOnly?: boolean
  client?: string
  showPassword?: boolean
}

/** The client's own non-zero exit code, passed through; the client already said why. */
class ClientExitError extends DbaasError {
  constructor(client: string, code: number) {
    super('client_exit', code as ExitCode, `${client} exited with code ${code}`)
  }
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

export function connectCommand(deps: Deps): Command {
  const cmd = new Command('connect')
    .description("Open a database shell (psql, mysql or mariadb) through an in-process port-forward, or keep just the forward open")
    .argument('<name>', 'instance name')
    .argument('[client-args...]', 'arguments for the client, after --')
    .option('--port <port>', 'local port to listen on (default: a free one)')
    .option('--forward-only', 'do not run a client: print the URI and keep the forward open until Ctrl-C')
    .option('--client <command>', 'the client to run (default: the first of psql | mysql, mariadb found on PATH)')
    .option('--show-password', 'with --forward-only, print the URI with the password')
  withClusterFlags(cmd)
  examples(cmd, [
    ['A psql (or mysql/mariadb) shell on the instance', 'dbaas connect orders'],
    ['Run one statement', "dbaas connect orders -- -c 'select version()'"],
    ['Keep a forward on local port 25432 for a GUI or an app', 'dbaas connect orders --forward-only --port 25432 --show-password'],
  ])
  return cmd.action(async (name: string, clientArgs: string[], raw: RawConnect) => {
    let port = 0
    if (raw.port !== undefined) {
      port = Number(raw.port)
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port "${raw.port}" is not a port number`, { hint: 'e.g. --port 15432' })
    }
    const cluster = clusterFlags(raw)
    const plan = await planConnect({ name, namespace: raw.namespace, cluster, port }, deps)
    const client = raw.forwardOnly ? undefined : findClient(plan.engine, deps.env, raw.client)
    if (!raw.forwardOnly && !client && raw.client) throw new UsageError(`client "${raw.client}" not found on PATH`)
    const forward = await startForward(plan, port, await clientNodeForwarder(deps, cluster), (err) => deps.printer.warn(`port-forward to ${plan.pod}: ${err.message}`))
    const target = `pod/${plan.pod} port ${plan.podPort} in namespace ${plan.connection.namespace}`
    try {
      if (!client) {
        if (!raw.forwardOnly) deps.printer.warn(`no ${plan.engine.clients.join(' or ')} on PATH: keeping only the port-forward open`)
        deps.printer.note(`Forwarding 127.0.0.1:${forward.port} -> ${target}`)
        deps.printer.line(localUri(plan, forward.port, raw.showPassword ? plan.connection.password : MASK))
        deps.printer.note(`${raw.showPassword ? '' : 'The password: dbaas connection ' + name + ' --show-password. '}Ctrl-C closes the forward.`)
        await new Promise<void>((resolve) => {
          if (deps.signal.aborted) return resolve()
          deps.signal.addEventListener('abort', () => resolve(), { once: true })
        })
        deps.printer.note('port-forward closed')
        return
      }
      deps.printer.note(`Connecting ${client} to ${target} through 127.0.0.1:${forward.port}`)
      const code = await withSigintToChild(() => runClient(clientCommand(plan, forward.port, client, clientArgs), deps.env))
      if (code !== 0) throw new ClientExitError(client, code)
    } finally {
      await forward.close()
    }
  })
}
