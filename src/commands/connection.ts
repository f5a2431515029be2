import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { connectionInfo, envLines, laptopPort } from '../core/connection.ts'
import { clusterFlags, connectionFormat, connectionFormatOptions, examples, withClusterFlags, type RawClusterFlags } from './shared.ts'

export function connectionCommand(deps: Deps): Command {
  const cmd = new Command('connection')
    .alias('conn')
    .description('Show how to connect to an instance: host, port, database, user, password (masked) and a URI')
    .argument('<name>', 'instance name')
    .option('--show-password', 'print the password instead of ********')
  connectionFormatOptions(cmd)
  withClusterFlags(cmd)
  examples(cmd, [
    ['Connection details with the password masked', 'dbaas connection orders'],
    ['A URI with the password, for an application', 'dbaas connection orders --format uri --show-password'],
    ['Shell variables (PGHOST, PGPASSWORD, …) to source', 'eval "$(dbaas connection orders --format env --show-password)"'],
  ])
  return cmd.action(async (name: string, raw: RawClusterFlags & { showPassword?: boolean; format: string; output?: string }) => {
    const fmt = connectionFormat(raw)
    const c = await connectionInfo({ name, namespace: raw.namespace, cluster: clusterFlags(raw), showPassword: raw.showPassword === true }, deps)
    const p = deps.printer
    if (fmt === 'json' || fmt === 'yaml') p.data(c, fmt)
    else if (fmt === 'uri') p.line(c.uri)
    else if (fmt === 'env') for (const l of envLines(c)) p.line(l)
    else {
      p.keyValues([
        ['Host', c.host],
        ['Port', String(c.port)],
        ['Database', c.database],
        ['User', c.user],
        ['Password', c.passwordShown ? c.password : `${c.password} (--show-password to reveal; secret ${c.secretRef.namespace}/${c.secretRef.name})`],
        ['URI', c.uri],
      ])
      p.note(`From your laptop: ${c.portForward}  (then connect to 127.0.0.1:${laptopPort(c.port)})`)
    }
  })
}
