// dbaas ha status <name>: phase, primary and target, each instance, endpoints, last backup.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { haStatus } from '../../../core/ha/read.ts'
import { haStatusWriter } from '../../../output/writers/ha.ts'
import { haOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'status',
      aliases: ['describe'],
      description: 'Show an HA cluster: phase, primary and target, each instance, endpoints, last backup',
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        haOptions(cmd)
      },
      examples: [
        ['Primary, standbys and endpoints', 'dbaas ha status orders'],
        ['For a script', 'dbaas ha status orders -o json'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'jsonpath'], writer: haStatusWriter },
      complete,
      validate,
      run: haStatus,
    },
    deps,
  )
