import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { listInstances } from '../core/list.ts'
import type { InstanceView } from '../core/instances.ts'
import { age, type Column } from '../output/output.ts'
import { watchList } from './watch.ts'
import { clusterFlags, examples, format, outputOption, withClusterFlags, type RawClusterFlags } from './shared.ts'

export function instanceColumns(now: number, opts: { kind?: boolean } = {}): Column<InstanceView>[] {
  return [
    { header: 'NAME', get: (i) => i.name },
    ...(opts.kind ? [{ header: 'KIND', get: (i: InstanceView) => i.kind }] : []),
    { header: 'ENGINE', get: (i) => i.engine },
    { header: 'VERSION', get: (i) => i.version },
    { header: 'STATUS', get: (i) => i.status },
    { header: 'READY', get: (i) => i.ready },
    { header: 'STORAGE', get: (i) => i.storage ?? '' },
    { header: 'NAMESPACE', get: (i) => i.namespace },
    { header: 'AGE', get: (i) => age(i.createdAt ?? undefined, now) },
    { header: 'STORAGE-CLASS', get: (i) => i.storageClass ?? '<default>', wide: true },
    { header: 'DATABASE', get: (i) => i.database ?? '', wide: true },
    { header: 'USER', get: (i) => i.user ?? '', wide: true },
    { header: 'RELEASE', get: (i) => (i.release ? `${i.release.status} (rev ${i.release.revision})` : '<none>'), wide: true },
    { header: 'RESTORED-FROM', get: (i) => i.restoredFrom ?? '', wide: true },
  ]
}

interface RawList extends RawClusterFlags {
  allNamespaces?: boolean
  selector?: string
  output?: string
}

export function listCommand(deps: Deps): Command {
  const cmd = new Command('list')
    .alias('ls')
    .description('List database instances and HA clusters in every namespace you may list (or one, with -n)')
    .option('-A, --all-namespaces', 'list across all namespaces (the default unless -n is given)')
    .option('-l, --selector <selector>', 'only instances whose objects match this label selector')
    .addOption(outputOption(['table', 'wide', 'json', 'yaml', 'name']))
    .option('-w, --watch', 'keep the table up to date: redraw on every change (Ctrl-C to stop)')
  withClusterFlags(cmd)
  examples(cmd, [
    ['Everything dbaas manages that you may see', 'dbaas list'],
    ['One namespace, with more columns', 'dbaas list -n team-a -o wide'],
    ['Names of the PostgreSQL instances, for a script', 'dbaas list -l dbaas.io/engine=postgresql -o name'],
  ])
  return cmd.action(async (raw: RawList & { watch?: boolean }) => {
    if (raw.watch) return watchList(raw, deps)
    const fmt = format(raw, ['table', 'wide', 'json', 'yaml', 'name'])
    const cluster = clusterFlags(raw)
    const res = await listInstances({ cluster, namespace: raw.allNamespaces ? undefined : cluster.namespace, selector: raw.selector }, deps)
    if (res.fellBackTo) deps.printer.warn(`you may not list across namespaces; showing namespace ${res.fellBackTo} only`)
    const p = deps.printer
    if (fmt === 'json' || fmt === 'yaml') p.data(res.items, fmt)
    else if (fmt === 'name') for (const i of res.items) p.line(i.name)
    else p.table(res.items, instanceColumns(deps.now(), { kind: true }), { wide: fmt === 'wide', empty: 'No instances found.' })
  })
}
