import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { engines } from '../engines/registry.ts'
import { format, outputOption } from './shared.ts'

export function enginesCommand(deps: Deps): Command {
  return new Command('engines')
    .description('List the database engines and versions dbaas can create')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .action((raw: { output?: string }) => {
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
