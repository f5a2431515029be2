// dbaas upgrade <name> --version 17.6: a minor release in place (the pod restarts on the new image, waited
// for); a minor downgrade with --allow-downgrade; a major downgrade refused; a major upgrade with
// --allow-major says the exact steps (7) until dbaas automates them for single instances.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { executeValues } from '../../core/day2/single.ts'
import { planUpgrade, upgradeParams, type UpgradeOptions } from '../../core/day2/upgrade.ts'
import { day2Writer } from '../../output/writers/day2.ts'
import { changeOptions, runChange } from '../change.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'upgrade',
      description: 'Move an instance to another release of its version (a new image, the pod restarted); majors say the steps',
      arguments: [['<name>', 'instance name']],
      options: (cmd) => {
        cmd.requiredOption('--version <version>', 'the version to run, e.g. 17.6 (a minor release of the running major) or 18 (a major)')
        cmd.option('--allow-major', 'a major version (data files change): single instances get the exact steps, HA clusters an in-place upgrade after a backup')
        cmd.option('--allow-downgrade', 'an older minor release of the same major (a way back from a bad image)')
        changeOptions(cmd, { confirms: true, waitFor: 'the pod runs the new image', timeout: '10m' })
        clusterOptions(cmd)
      },
      examples: [
        ['A minor release, asking first on a terminal', 'dbaas upgrade orders --version 17.6'],
        ['Back to the release before (a bad image)', 'dbaas upgrade orders --version 17.5 --allow-downgrade --yes'],
        ['A major: dbaas says the steps', 'dbaas upgrade orders --version 18 --allow-major'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: UpgradeOptions, d) => runChange(o, d, { confirms: true, plan: planUpgrade, execute: (p, q, dd) => executeValues(p, q, upgradeParams(q), () => planUpgrade(q, dd), dd) }),
    },
    deps,
  )
