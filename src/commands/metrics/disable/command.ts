// dbaas metrics disable <name>: the exporter sidecar, its monitoring user and dbaas's monitor removed.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { disableMetrics } from '../../../core/metrics/enable.ts'
import { metricsChangeWriter } from '../../../output/writers/metrics.ts'
import { clusterOptions, timeoutOption, waitOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'disable',
      description: "Remove the metrics exporter, its monitoring user and dbaas's monitor; an instance's pod restarts",
      arguments: [['<name>', 'instance or HA cluster name']],
      options: (cmd) => {
        waitOptions(cmd, { waitsByDefault: true, what: 'the pod has restarted without the exporter' })
        cmd.addOption(timeoutOption('10m'))
        clusterOptions(cmd)
      },
      examples: [['Stop exporting metrics of an instance', 'dbaas metrics disable orders']],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: metricsChangeWriter, progress: true },
      complete,
      validate,
      run: (o, d) => disableMetrics(o, d),
    },
    deps,
  )
