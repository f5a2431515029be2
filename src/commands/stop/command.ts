// dbaas stop <name>: the pod goes, the data volume stays, and nothing starts it again but `dbaas start`.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import type { ChangeOptions } from '../../core/day2/model.ts'
import { executeValues, planStop } from '../../core/day2/single.ts'
import { day2Writer } from '../../output/writers/day2.ts'
import { changeOptions, runChange } from '../change.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'stop',
      description: 'Stop an instance: its pod is deleted, its data volume kept; `dbaas start` brings it back',
      arguments: [['<name>', 'instance name']],
      options: (cmd) => {
        changeOptions(cmd, { confirms: true, waitFor: 'the pod is gone', timeout: '5m' })
        clusterOptions(cmd)
      },
      examples: [
        ['Stop a dev database for the night', 'dbaas stop orders'],
        ['In a script', 'dbaas stop orders -n team-a --yes'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: ChangeOptions, d) => runChange(o, d, { confirms: true, plan: planStop, execute: (p, q, dd) => executeValues(p, q, {}, () => planStop(q, dd), dd) }),
    },
    deps,
  )
