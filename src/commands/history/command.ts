// dbaas history <name>: the operations dbaas ran on an instance (verb, parameters, start, end, result),
// kept on the instance itself.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { instanceHistory } from '../../core/day2/read.ts'
import { historyWriter } from '../../output/writers/day2.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'history',
      description: 'Show the operations dbaas ran on an instance (the last 50): verb, parameters, start, duration, result',
      arguments: [['<name>', 'instance name']],
      options: (cmd) => {
        clusterOptions(cmd)
      },
      examples: [
        ['What was done to an instance', 'dbaas history orders'],
        ['With each operation\'s message, for a script', 'dbaas history orders -o json'],
      ],
      output: { formats: ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath'], writer: historyWriter, table: true },
      complete,
      validate,
      run: instanceHistory,
    },
    deps,
  )
