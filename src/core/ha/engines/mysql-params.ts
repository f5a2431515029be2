// --param for the MySQL-family operators: server variables written into the my.cnf section the operator
// mounts (PXC's spec.pxc.configuration, the MariaDB operator's spec.myCnf), never the ones it manages itself.
import { UsageError } from '../../../errors.ts'
import { splitParams } from './cnpg.ts'

export function parseMysqlParams(list: readonly string[], operator: string, managed: ReadonlySet<string>): Record<string, string> {
  const out = splitParams(list, {
    name: /^[a-z_][a-z0-9_]*$/,
    what: 'MySQL/MariaDB server',
    example: '--param max_connections=200 --param innodb_buffer_pool_size=256M',
    managed,
    operator,
  })
  for (const [k, v] of Object.entries(out)) {
    if (/[\r\n\0]/.test(v)) throw new UsageError(`--param ${k} has a line break in its value`, { hint: 'give each parameter one line' })
    if (k.startsWith('wsrep_') && managed.has('wsrep_*')) {
      throw new UsageError(`--param ${k} is managed by ${operator} and cannot be set`, { hint: 'the operator writes the Galera (wsrep_*) settings itself' })
    }
  }
  return out
}

/** A my.cnf section with the parameters, in a stable order. */
export function myCnf(section: string, params: Record<string, string>): string | undefined {
  const keys = Object.keys(params).sort()
  return keys.length ? `[${section}]\n${keys.map((k) => `${k}=${params[k]}`).join('\n')}\n` : undefined
}

/** The parameters back from a my.cnf section dbaas wrote (for restores that keep the source's settings). */
export function paramsFromCnf(cnf: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of (cnf ?? '').split('\n')) {
    const m = /^([a-z_][a-z0-9_]*)=(.*)$/.exec(line.trim())
    if (m) out[m[1] as string] = m[2] as string
  }
  return out
}
