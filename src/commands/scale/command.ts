// dbaas scale <name> --cpu 1 --memory 2Gi: new requests and memory limit, checked against node capacity,
// quotas and limit ranges before anything is written, applied by helm upgrade, waited for until the pod
// runs with them.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { executeValues, planScale, type ScaleOptions } from '../../core/day2/single.ts'
import { day2Writer } from '../../output/writers/day2.ts'
import { changeOptions, runChange } from '../change.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, params, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'scale',
      description: "Change an instance's CPU and memory (requests and memory limit); the pod restarts with them",
      arguments: [['<name>', 'instance name']],
      options: (cmd) => {
        cmd.option('--cpu <cpu>', 'CPU request: cores (0.5, 2) or millicores (250m)')
        cmd.option('--memory <memory>', 'memory request and limit, e.g. 512Mi, 2Gi')
        changeOptions(cmd, { confirms: true, waitFor: 'the pod runs with the new resources', timeout: '10m' })
        clusterOptions(cmd)
      },
      examples: [
        ['More memory and CPU, asking first on a terminal', 'dbaas scale orders --cpu 1 --memory 2Gi'],
        ['In a script', 'dbaas scale orders -n team-a --memory 4Gi --yes -o json'],
        ['The plan and the StatefulSet that would be sent', 'dbaas scale orders --cpu 2 --dry-run'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: ScaleOptions, d) => runChange(o, d, { confirms: true, plan: planScale, execute: (p, q, dd) => executeValues(p, q, params(q), () => planScale(q, dd), dd) }),
    },
    deps,
  )
