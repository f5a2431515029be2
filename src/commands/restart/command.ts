// dbaas restart <name>: a rolling restart through a pod-template annotation, waited for until every pod was
// replaced and is ready.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import type { ChangeOptions } from '../../core/day2/model.ts'
import { executeValues, planRestart } from '../../core/day2/single.ts'
import { day2Writer } from '../../output/writers/day2.ts'
import { changeOptions, runChange } from '../change.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'restart',
      description: "Restart an instance's pod (a rolling restart), waiting until it was replaced and is ready",
      arguments: [['<name>', 'instance name']],
      options: (cmd) => {
        changeOptions(cmd, { confirms: true, waitFor: 'the pod was replaced and is ready', timeout: '10m' })
        clusterOptions(cmd)
      },
      examples: [
        ['Restart, asking first on a terminal', 'dbaas restart orders'],
        ['In a script, with a deadline', 'dbaas restart orders --yes --timeout 3m'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: ChangeOptions, d) => runChange(o, d, { confirms: true, plan: planRestart, execute: (p, q, dd) => executeValues(p, q, {}, () => planRestart(q, dd), dd) }),
    },
    deps,
  )
