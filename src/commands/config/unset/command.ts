// dbaas config unset: validated against the running server through exec before anything is written, applied
// by a reload (or SET GLOBAL) once the pod sees the new file; a restart only with --restart (confirmed).
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { configParams, executeConfig, planConfig, type ConfigSetOptions } from '../../../core/day2/config.ts'
import { day2Writer } from '../../../output/writers/day2.ts'
import { changeOptions, runChange } from '../../change.ts'
import { clusterOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'unset',
      description: "Remove parameters dbaas manages (the server's defaults again); reloads, or restarts with --restart",
      arguments: [['<name>', 'instance name'], ['<key...>', 'parameter names']],
      options: (cmd) => {
        cmd.option('--restart', 'restart the pod once written, so parameters that need a restart apply now (asks first on a terminal)')
        changeOptions(cmd, { confirms: true, waitFor: 'the pod sees the new file and the server reloaded it', timeout: '5m' })
        clusterOptions(cmd)
      },
      examples: [
        ['Back to the default', 'dbaas config unset orders work_mem'],
        ['What would change, and how', 'dbaas config unset orders max_connections --dry-run'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: day2Writer, progress: true },
      complete,
      validate,
      // Only --restart restarts anything: without it, nothing is asked.
      run: (o: ConfigSetOptions, d) => runChange(o, d, { confirms: o.restart, plan: (q, dd) => planConfig(q, dd), execute: (p, q, dd) => executeConfig(p, q, () => planConfig(q, dd), dd) }),
    },
    deps,
  )
