// dbaas ha list: the HA clusters dbaas created, from their labels.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { haList } from '../../../core/ha/read.ts'
import { haListWriter } from '../../../output/writers/ha.ts'
import { haOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'list',
      aliases: ['ls'],
      description: 'List HA clusters in every namespace you may list (or one, with -n)',
      options: (cmd) => {
        cmd.option('-A, --all-namespaces', 'list across all namespaces (the default unless -n is given)')
        haOptions(cmd)
      },
      examples: [
        ['Every HA cluster you may see', 'dbaas ha list'],
        ['One namespace, as JSON', 'dbaas ha list -n team-a -o json'],
      ],
      output: { formats: ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath'], writer: haListWriter, table: true },
      complete,
      validate,
      run: haList,
    },
    deps,
  )
