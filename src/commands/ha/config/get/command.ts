// dbaas ha config get <cluster> [key]: the parameters set in the operator's object (CloudNativePG:
// spec.postgresql.parameters; PXC and the MariaDB operator: dbaas's block of their my.cnf text) beside the
// server's effective values and their source, read through exec.
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { haConfigGet } from '../../../../core/day2/ha-config.ts'
import { configWriter } from '../../../../output/writers/day2.ts'
import { haOptions } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'get',
      description: "Show an HA cluster's parameters beside the running server's effective values (one, or all set)",
      arguments: [
        ['<name>', 'cluster name'],
        ['[key]', 'one parameter (the server may have it even if it is not set)'],
      ],
      options: (cmd) => {
        haOptions(cmd)
      },
      examples: [
        ['Everything set, and what the server runs with', 'dbaas ha config get pay'],
        ['One parameter, for a script', "dbaas ha config get pay work_mem -o jsonpath='{.parameters[0].effective}'"],
      ],
      output: { formats: ['table', 'wide', 'json', 'yaml', 'jsonpath'], writer: configWriter, table: true },
      complete,
      validate,
      run: (o, d) => haConfigGet(o, d),
    },
    deps,
  )
