// dbaas ha restart <name>: CloudNativePG's rolling restart (the kubectl.kubernetes.io/restartedAt annotation), waited for until every pod was replaced and the cluster is healthy.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { executeHa, planHaRestart, type HaChangeOptions } from '../../../core/day2/ha.ts'
import { day2Writer } from '../../../output/writers/day2.ts'
import { changeOptions, runChange } from '../../change.ts'
import { haOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'restart',
      description: 'Restart every instance (standbys first, then the primary), waiting until all were restarted and the cluster is healthy',
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        changeOptions(cmd, { confirms: true, waitFor: 'every instance was restarted and the cluster is healthy', timeout: '15m' })
        haOptions(cmd)
      },
      examples: [
        ['A rolling restart, asking first on a terminal', 'dbaas ha restart pay'],
        ['In a script', 'dbaas ha restart pay --yes --timeout 20m'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: HaChangeOptions, d) => runChange(o, d, { confirms: true, plan: planHaRestart, execute: (p, q, dd) => executeHa(p, q, {}, () => planHaRestart(q, dd), dd) }),
    },
    deps,
  )
