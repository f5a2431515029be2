// dbaas list: instances and HA clusters from their labels, in three requests whatever their number.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { listInstances, liveList, type ListResult } from '../../core/list.ts'
import type { LiveView } from '../../core/live.ts'
import type { Writer } from '../../output/writer.ts'
import { instanceListWriter, printInstanceTable } from '../../output/writers/instances.ts'
import { liveWriter } from '../../output/writers/live.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

const liveListWriter = (namespace: string | undefined) =>
  liveWriter<ListResult>((r, c) => printInstanceTable(r.items, c), { header: `Watching instances in ${namespace ? `namespace ${namespace}` : 'every namespace you may list'}: redrawn on every change; Ctrl-C to stop.` })

export default (deps: Deps): Command =>
  command<ReturnType<typeof complete>, ReturnType<typeof complete>, ReturnType<typeof validate>, ListResult | LiveView<ListResult>>(
    {
      name: 'list',
      aliases: ['ls'],
      description: 'List database instances and HA clusters in every namespace you may list (or one, with -n)',
      options: (cmd) => {
        cmd
          .option('-A, --all-namespaces', 'list across all namespaces (the default unless -n is given)')
          .option('-l, --selector <selector>', 'only instances whose objects match this label selector')
          .option('-w, --watch', 'keep the table up to date: redraw on every change (Ctrl-C to stop)')
        clusterOptions(cmd)
      },
      examples: [
        ['Everything dbaas manages that you may see', 'dbaas list'],
        ['One namespace, with more columns', 'dbaas list -n team-a -o wide'],
        ['Names of the PostgreSQL instances, for a script', 'dbaas list -l dbaas.io/engine=postgresql -o name'],
        ['The namespace of each instance, tab-separated', "dbaas list -o jsonpath='{range [*]}{.name}{\"\\t\"}{.namespace}{\"\\n\"}{end}'"],
      ],
      output: {
        formats: ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath'],
        table: true,
        writer: (o) => (o.watch ? liveListWriter(o.namespace) : instanceListWriter) as Writer<ListResult | LiveView<ListResult>>,
      },
      complete,
      validate,
      run: (o, d) => (o.watch ? liveList(o, d) : listInstances(o, d)),
    },
    deps,
  )
