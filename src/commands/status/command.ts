// dbaas status <name>: one instance in detail, once or following every change (--watch).
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import type { LiveView } from '../../core/live.ts'
import { instanceStatus, liveStatus, type StatusView } from '../../core/status.ts'
import type { Writer } from '../../output/writer.ts'
import { printStatus, statusWriter } from '../../output/writers/instances.ts'
import { liveWriter } from '../../output/writers/live.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate, type RawStatus, type StatusInput, type StatusVerbOptions } from './options.ts'

const liveStatusWriter = (name: string) => liveWriter<StatusView>((v, c) => printStatus(v, c.printer, c.now), { header: `Watching ${name}: redrawn on every change; Ctrl-C to stop.` })

export default (deps: Deps): Command =>
  command<RawStatus, StatusInput, StatusVerbOptions, StatusView | LiveView<StatusView>>(
    {
      name: 'status',
      aliases: ['describe'],
      description: 'Show one instance: status, pods, volume, endpoint, recent warnings and its helm release',
      arguments: [['<name>', 'instance name']],
      options: (cmd) => {
        cmd.option('-w, --watch', 'keep the view up to date: redraw on every change (Ctrl-C to stop)')
        clusterOptions(cmd)
      },
      examples: [
        ['Where an instance stands', 'dbaas status orders'],
        ['The same, for a script', 'dbaas status orders -n team-a -o json'],
        ['Follow it while it starts', 'dbaas status orders --watch'],
      ],
      output: {
        formats: ['table', 'json', 'yaml', 'jsonpath'],
        writer: (o) => (o.watch ? liveStatusWriter(o.name) : statusWriter) as Writer<StatusView | LiveView<StatusView>>,
      },
      complete,
      validate,
      run: (o, d) => (o.watch ? liveStatus(o, d) : instanceStatus(o, d)),
    },
    deps,
  )
