// dbaas ha stop <name>: CloudNativePG's declarative hibernation (cnpg.io/hibernation=on), waited for until its condition says Hibernated and no pod is left.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { executeHa, planHaStop, type HaChangeOptions } from '../../../core/day2/ha.ts'
import { day2Writer } from '../../../output/writers/day2.ts'
import { changeOptions, runChange } from '../../change.ts'
import { haOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'stop',
      description: 'Stop (hibernate) an HA cluster: every instance shut down, the volumes kept; `dbaas ha start` wakes it',
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        changeOptions(cmd, { confirms: true, waitFor: 'CloudNativePG reports the cluster hibernated', timeout: '10m' })
        haOptions(cmd)
      },
      examples: [
        ['Hibernate a cluster for the night', 'dbaas ha stop pay'],
        ['In a script', 'dbaas ha stop pay --yes'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: HaChangeOptions, d) => runChange(o, d, { confirms: true, plan: planHaStop, execute: (p, q, dd) => executeHa(p, q, {}, () => planHaStop(q, dd), dd) }),
    },
    deps,
  )
