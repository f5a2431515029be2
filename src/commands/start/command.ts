// dbaas start <name>: a stopped instance's pod starts again on its kept volume. Never asks: it only starts.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import type { ChangeOptions } from '../../core/day2/model.ts'
import { executeValues, planStart } from '../../core/day2/single.ts'
import { day2Writer } from '../../output/writers/day2.ts'
import { changeOptions, runChange } from '../change.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'start',
      description: 'Start a stopped instance again, waiting until it is ready',
      arguments: [['<name>', 'instance name']],
      options: (cmd) => {
        changeOptions(cmd, { confirms: false, waitFor: 'the pod is ready', timeout: '10m' })
        clusterOptions(cmd)
      },
      examples: [
        ['Start it in the morning', 'dbaas start orders'],
        ['Start it, returning at once', 'dbaas start orders --no-wait'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: ChangeOptions, d) => runChange(o, d, { confirms: false, plan: planStart, execute: (p, q, dd) => executeValues(p, q, {}, () => planStart(q, dd), dd) }),
    },
    deps,
  )
