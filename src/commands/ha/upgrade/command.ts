// dbaas ha upgrade <name> --version 17.6|18: a minor release rolled through the instances; a major (with
// --allow-major) as CloudNativePG's offline in-place upgrade, after a backup whose name is printed.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { executeHa, planHaUpgrade, type HaUpgradeOptions } from '../../../core/day2/ha.ts'
import { day2Writer } from '../../../output/writers/day2.ts'
import { changeOptions, runChange } from '../../change.ts'
import { haOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'upgrade',
      description: 'Move an HA cluster to another version: a minor release rolled through the instances, a major (--allow-major) in place after a backup',
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        cmd.requiredOption('--version <version>', 'the version to run, e.g. 17.6 or 18')
        cmd.option('--allow-major', 'a major version: a volume-snapshot backup first, then the operator\'s offline in-place upgrade (the cluster is down meanwhile)')
        cmd.option('--allow-downgrade', 'an older minor release of the same major')
        changeOptions(cmd, { confirms: true, waitFor: 'every instance runs the new version and the cluster is healthy', timeout: '30m' })
        haOptions(cmd)
      },
      examples: [
        ['A minor release, rolled through the instances', 'dbaas ha upgrade pay --version 17.6'],
        ['A major, after a backup', 'dbaas ha upgrade pay --version 18 --allow-major'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      run: (o: HaUpgradeOptions, d) =>
        runChange(o, d, {
          confirms: true,
          plan: planHaUpgrade,
          execute: (p, q, dd) => executeHa(p, q, { version: q.version, ...(q.allowMajor ? { 'allow-major': 'true' } : {}), ...(q.allowDowngrade ? { 'allow-downgrade': 'true' } : {}) }, () => planHaUpgrade(q, dd), dd),
        }),
    },
    deps,
  )
