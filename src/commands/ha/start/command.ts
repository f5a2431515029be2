// dbaas ha start <name>: hibernation off; CloudNativePG brings the instances back. Never asks: it only starts.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { executeHa, planHaStart, type HaChangeOptions } from '../../../core/day2/ha.ts'
import { day2Writer } from '../../../output/writers/day2.ts'
import { changeOptions, runChange } from '../../change.ts'
import { haOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'start',
      description: 'Start a stopped (hibernated) HA cluster again, waiting until it is healthy',
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        changeOptions(cmd, { confirms: false, waitFor: 'the cluster is healthy again', timeout: '15m' })
        haOptions(cmd)
      },
      examples: [
        ['Wake a hibernated cluster', 'dbaas ha start pay'],
        ['Wake it, returning at once', 'dbaas ha start pay --no-wait'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: HaChangeOptions, d) => runChange(o, d, { confirms: false, plan: planHaStart, execute: (p, q, dd) => executeHa(p, q, {}, () => planHaStart(q, dd), dd) }),
    },
    deps,
  )
