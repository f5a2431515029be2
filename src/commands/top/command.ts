// dbaas top [name]: every monitored instance's figures in one table (kubectl top's shape), read from the
// exporters through port-forwards; --watch redraws it in place with a trend line per figure.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import type { LiveView } from '../../core/live.ts'
import { liveTop, top, type TopView } from '../../core/metrics/top.ts'
import type { Writer } from '../../output/writer.ts'
import { liveTopWriter, topWriter } from '../../output/writers/metrics.ts'
import { clusterOptions, samplingOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate, type RawTop, type TopInput, type TopVerbOptions } from './options.ts'

export default (deps: Deps): Command =>
  command<RawTop, TopInput, TopVerbOptions, TopView | LiveView<TopView>>(
    {
      name: 'top',
      description: 'Show live figures of monitored instances: up, connections, TPS, cache hit ratio, size, replication lag, slow queries',
      arguments: [['[name]', 'one instance or HA cluster (default: every one with metrics)']],
      options: (cmd) => {
        cmd.option('-A, --all-namespaces', 'every namespace (the default without -n)')
        samplingOptions(cmd)
        clusterOptions(cmd, 'namespace (default: every namespace you may list)')
      },
      examples: [
        ['Every instance with an exporter', 'dbaas top'],
        ['Follow one namespace, redrawn every 2 seconds', 'dbaas top -n team-a --watch'],
        ['One instance, for a script', 'dbaas top orders -o json'],
      ],
      output: {
        formats: ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath'],
        table: true,
        progress: true,
        writer: (o) => (o.watch ? liveTopWriter : topWriter) as Writer<TopView | LiveView<TopView>>,
      },
      complete,
      validate,
      run: (o, d) => (o.watch ? liveTop(o, d) : top(o, d)),
    },
    deps,
  )
