// dbaas resize <name> --storage 50Gi: expand the data volume online (PVCs patched, the StatefulSet
// re-created around its running pod), waiting until every volume reports the new capacity.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { executeResize, planResize, type ResizeOptions } from '../../core/day2/resize.ts'
import { day2Writer } from '../../output/writers/day2.ts'
import { changeOptions, runChange } from '../change.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'resize',
      description: "Grow an instance's data volume (its storage class must allow expansion); the pod keeps running",
      arguments: [['<name>', 'instance name']],
      options: (cmd) => {
        cmd.requiredOption('--storage <size>', 'the new size of the data volume, e.g. 50Gi (never smaller)')
        changeOptions(cmd, { confirms: true, waitFor: 'every volume reports the new capacity', timeout: '10m' })
        clusterOptions(cmd)
      },
      examples: [
        ['Grow the volume to 50Gi, asking first on a terminal', 'dbaas resize orders --storage 50Gi'],
        ['In a script, not waiting for the resizer', 'dbaas resize orders --storage 50Gi --yes --no-wait'],
        ['Run it again after an interruption: it finishes what is left', 'dbaas resize orders --storage 50Gi --yes'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: ResizeOptions, d) => runChange(o, d, { confirms: true, plan: planResize, execute: (p, q, dd) => executeResize(p, q, () => planResize(q, dd), dd) }),
    },
    deps,
  )
