// dbaas config get <name> [key]: the parameters dbaas manages beside the server's effective values, their
// source, whether a change needs a restart, and what waits for one.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { configGet } from '../../../core/day2/config.ts'
import { configWriter } from '../../../output/writers/day2.ts'
import { clusterOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'get',
      description: "Show the parameters dbaas manages beside the server's effective values (one, or all)",
      arguments: [
        ['<name>', 'instance name'],
        ['[key]', 'one parameter (the server may have it even if dbaas does not manage it)'],
      ],
      options: (cmd) => {
        clusterOptions(cmd)
      },
      examples: [
        ['Everything dbaas manages, and what the server runs with', 'dbaas config get orders'],
        ['One parameter, for a script', "dbaas config get orders max_connections -o jsonpath='{.parameters[0].effective}'"],
      ],
      output: { formats: ['table', 'wide', 'json', 'yaml', 'jsonpath'], writer: configWriter, table: true },
      complete,
      validate,
      run: (o, d) => configGet(o, d),
    },
    deps,
  )
