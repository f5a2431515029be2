// connection's options: the name, where to look, and whether to reveal the password.
import type { ConnectionOptions } from '../../core/connection.ts'
import { clusterFlags, type RawClusterFlags } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface RawConnection extends RawClusterFlags {
  showPassword?: boolean
  format?: string
}

export interface ConnectionInput extends RawConnection {
  name: string
}

export function complete(c: CompleteContext<RawConnection>): ConnectionInput {
  return { ...c.raw, name: c.args[0] as string }
}

export function validate(i: ConnectionInput): ConnectionOptions {
  return { name: i.name, namespace: i.namespace, cluster: clusterFlags(i), showPassword: i.showPassword === true }
}
