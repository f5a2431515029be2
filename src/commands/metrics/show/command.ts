// dbaas metrics <name> (also `metrics show <name>`): one instance's or HA cluster's figures read from its
// exporter, where it is scraped from, and which Prometheus scrapes it.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import type { LiveView } from '../../../core/live.ts'
import { liveMetricsShow, metricsShow, type MetricsView } from '../../../core/metrics/top.ts'
import type { Writer } from '../../../output/writer.ts'
import { liveMetricsWriter, metricsViewWriter } from '../../../output/writers/metrics.ts'
import { clusterOptions, samplingOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate, type RawShow, type ShowInput, type ShowOptions } from './options.ts'

export default (deps: Deps): Command =>
  command<RawShow, ShowInput, ShowOptions, MetricsView | LiveView<MetricsView>>(
    {
      name: 'show',
      description: "Show one instance's figures from its exporter, and which Prometheus scrapes it (also: dbaas metrics <name>)",
      arguments: [['<name>', 'instance or HA cluster name']],
      options: (cmd) => {
        samplingOptions(cmd)
        clusterOptions(cmd)
      },
      examples: [
        ['Where an instance stands, read from its exporter', 'dbaas metrics orders'],
        ['Follow it, with a trend line per figure', 'dbaas metrics orders --watch'],
        ['For a script', 'dbaas metrics orders -o json'],
      ],
      output: {
        formats: ['table', 'json', 'yaml', 'name', 'jsonpath'],
        progress: true,
        writer: (o) => (o.watch ? liveMetricsWriter : metricsViewWriter) as Writer<MetricsView | LiveView<MetricsView>>,
      },
      complete,
      validate,
      run: (o, d) => (o.watch ? liveMetricsShow(o, d) : metricsShow(o, d)),
    },
    deps,
  )
