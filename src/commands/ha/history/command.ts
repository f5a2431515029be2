// dbaas ha history <name>: the operations dbaas ran on an HA cluster, kept on its Cluster object.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { haHistory } from '../../../core/day2/ha-read.ts'
import { historyWriter } from '../../../output/writers/day2.ts'
import { haOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'history',
      description: 'Show the operations dbaas ran on an HA cluster (the last 50): verb, parameters, start, duration, result',
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        haOptions(cmd)
      },
      examples: [['What was done to a cluster', 'dbaas ha history pay']],
      output: { formats: ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath'], writer: historyWriter, table: true },
      complete,
      validate,
      run: haHistory,
    },
    deps,
  )
