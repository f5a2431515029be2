import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { engines } from '../engines/registry.ts'
import { examples, format, outputOption } from './shared.ts'

export function enginesCommand(deps: Deps): Command {
  const cmd = new Command('engines')
    .description('List the database engines and versions dbaas can create')
    .addOption(outputOption(['table', 'json', 'yaml']))
  examples(cmd, [
    ['Engines, versions and defaults', 'dbaas engines'],
    ['The default PostgreSQL version, for a script', "dbaas engines -o json | jq -r '.[] | select(.engine==\"postgresql\") | .default'"],
  ])
  return cmd.action((raw: { output?: string }) => {
      const fmt = format(raw, ['table', 'json', 'yaml'])
      const rows = engines.map((e) => ({ engine: e.name, aliases: e.aliases, image: e.image, versions: e.versions, default: e.defaultVersion, port: e.port }))
      if (fmt === 'json' || fmt === 'yaml') return deps.printer.data(rows, fmt)
      deps.printer.table(rows, [
        { header: 'ENGINE', get: (r) => r.engine },
        { header: 'ALIASES', get: (r) => r.aliases.join(',') },
        { header: 'VERSIONS', get: (r) => r.versions.join(', ') },
        { header: 'DEFAULT', get: (r) => r.default },
        { header: 'IMAGE', get: (r) => r.image },
      ])
    })
}
