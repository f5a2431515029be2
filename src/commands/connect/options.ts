// connect's options: the local port (a free one unless --port), the client and its arguments.
import type { ConnectSessionOptions } from '../../core/connect.ts'
import { UsageError } from '../../errors.ts'
import { clusterFlags, type RawClusterFlags } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawConnect extends RawClusterFlags {
  port?: string
  forwardOnly?: boolean
  client?: string
  showPassword?: boolean
}

export interface ConnectInput extends RawConnect {
  name: string
  clientArgs: string[]
}

export function complete(c: CompleteContext<RawConnect>): ConnectInput {
  return { ...c.raw, name: c.args[0] as string, clientArgs: (c.args[1] as string[] | undefined) ?? [] }
}

export function validate(i: ConnectInput): ConnectSessionOptions {
  let port = 0
  if (i.port !== undefined) {
    port = Number(i.port)
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port "${i.port}" is not a port number`, { hint: 'e.g. --port 15432' })
  }
  return {
    name: i.name,
    namespace: i.namespace,
    cluster: clusterFlags(i),
    port,
    forwardOnly: i.forwardOnly === true,
    client: i.client,
    clientArgs: i.clientArgs,
    showPassword: i.showPassword === true,
  }
}
