// dbaas ha config set <cluster> k=v…: checked against the running server first (CloudNativePG: the primary's
// pg_settings; Percona XtraDB Cluster and the MariaDB operator: a ready member's variables), one merge patch
// under the cluster's Lease, waited for until the cluster runs with the new values (CloudNativePG reloads, or
// restarts the instances itself for a parameter that needs it; the MySQL operators roll every member).
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
      name: 'set',
      description: "Set an HA cluster's server parameters (checked against the running server first), waiting until the cluster runs with them",
      arguments: [['<name>', 'cluster name'], ['<key=value...>', 'parameters, e.g. work_mem=8MB']],
      options: (cmd) => {
        changeOptions(cmd, { confirms: true, waitFor: 'the cluster runs with the new values and is healthy', timeout: '15m' })
        haOptions(cmd)
      },
      examples: [
        ['A parameter a reload applies', 'dbaas ha config set pay work_mem=8MB'],
        ['What would change, and how', 'dbaas ha config set pay max_connections=200 --dry-run'],
        ['Percona XtraDB Cluster or MariaDB: the operator restarts every member', 'dbaas ha config set shop max_connections=300 --yes'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: HaConfigSetOptions, d) => runChange(o, d, { confirms: restarts, plan: (q, dd) => planHaConfig(q, dd), execute: (p, q, dd) => executeHa(p, q, haConfigParams(q), () => planHaConfig(q, dd), dd) }),
    },
    deps,
  )
