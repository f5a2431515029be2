// dbaas metrics enable <name>: the exporter sidecar and its monitoring user (single instances), and a
// monitor the cluster's Prometheus objects select (single instances and HA clusters).
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { enableMetrics } from '../../../core/metrics/enable.ts'
import { metricsChangeWriter } from '../../../output/writers/metrics.ts'
import { clusterOptions, timeoutOption, waitOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'enable',
      description: "Add a metrics exporter (and a Prometheus monitor where the cluster has the operator); an instance's pod restarts",
      arguments: [['<name>', 'instance or HA cluster name']],
      options: (cmd) => {
        waitOptions(cmd, { waitsByDefault: true, what: 'the pod has restarted with the exporter' })
        cmd.addOption(timeoutOption('10m'))
        clusterOptions(cmd)
      },
      examples: [
        ['Export metrics of an instance (its pod restarts with a sidecar)', 'dbaas metrics enable orders'],
        ['A PodMonitor for an HA cluster, as JSON (which Prometheus scrapes it, and why others do not)', 'dbaas metrics enable pay -o json'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: metricsChangeWriter, progress: true },
      complete,
      validate,
      run: (o, d) => enableMetrics(o, d),
    },
    deps,
  )
