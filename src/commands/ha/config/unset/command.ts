// dbaas ha config unset <cluster> k…: removes parameters from the operator's object (the server's defaults
// again), checked and waited for as `ha config set` is.
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { haConfigParams, planHaConfig, restarts, type HaConfigSetOptions } from '../../../../core/day2/ha-config.ts'
import { executeHa } from '../../../../core/day2/ha.ts'
import { day2Writer } from '../../../../output/writers/day2.ts'
import { changeOptions, runChange } from '../../../change.ts'
import { haOptions } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'unset',
      description: "Remove an HA cluster's server parameters (the server's defaults again), waiting until the cluster runs without them",
      arguments: [['<name>', 'cluster name'], ['<key...>', 'parameter names, e.g. work_mem']],
      options: (cmd) => {
        changeOptions(cmd, { confirms: true, waitFor: 'the cluster runs without them and is healthy', timeout: '15m' })
        haOptions(cmd)
      },
      examples: [['Back to the default', 'dbaas ha config unset pay work_mem']],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: HaConfigSetOptions, d) => runChange(o, d, { confirms: restarts, plan: (q, dd) => planHaConfig(q, dd), execute: (p, q, dd) => executeHa(p, q, haConfigParams(q), () => planHaConfig(q, dd), dd) }),
    },
    deps,
  )
