// dbaas ha resize <name> --storage 50Gi: CloudNativePG expands every instance's volume (spec.storage.size),
// waited for until each one reports the new capacity.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { executeHa, planHaResize, type HaResizeOptions } from '../../../core/day2/ha.ts'
import { day2Writer } from '../../../output/writers/day2.ts'
import { changeOptions, runChange } from '../../change.ts'
import { haOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'resize',
      description: "Grow every instance's data volume (the storage class must allow expansion), waiting until each has the new size",
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        cmd.requiredOption('--storage <size>', 'the new size of each data volume, e.g. 50Gi (never smaller)')
        changeOptions(cmd, { confirms: true, waitFor: 'every data volume reports the new capacity', timeout: '15m' })
        haOptions(cmd)
      },
      examples: [
        ['Grow each instance to 50Gi, asking first on a terminal', 'dbaas ha resize pay --storage 50Gi'],
        ['In a script', 'dbaas ha resize pay --storage 50Gi --yes -o json'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: HaResizeOptions, d) => runChange(o, d, { confirms: true, plan: planHaResize, execute: (p, q, dd) => executeHa(p, q, { storage: q.storage }, () => planHaResize(q, dd), dd) }),
    },
    deps,
  )
