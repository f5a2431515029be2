import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { instanceStatus, type StatusView } from '../core/status.ts'
import { age } from '../output/output.ts'
import { watchStatus } from './watch.ts'
import { clusterFlags, examples, format, outputOption, withClusterFlags, type RawClusterFlags } from './shared.ts'

export function printStatus(v: StatusView, deps: Deps): void {
  const p = deps.printer
  const s = p.outStyle
  const color = v.status === 'Ready' ? s.green : v.status === 'Failed' || v.status === 'Incomplete' ? s.red : s.yellow
  p.keyValues([
    ['Name', v.name],
    ['Namespace', v.namespace],
    ['Engine', `${v.engine} ${v.version}`],
    ['Status', `${color(v.status)} (${v.ready} ready): ${v.explanation}`],
    ['Endpoint', v.endpoint ? `${v.endpoint.host}:${v.endpoint.port}` : '<none>'],
    ['Storage', `${v.storage ?? '?'}${v.storageClass ? ` (${v.storageClass})` : ''}`],
    ['Database', `${v.database ?? '?'} (user ${v.user ?? '?'})`],
    ['Release', v.release ? `${v.release.status}, revision ${v.release.revision}` : '<none>'],
    ['Created', v.createdAt ? `${v.createdAt} (${age(v.createdAt, deps.now())} ago)` : '<unknown>'],
    ...(v.restoredFrom ? ([['Restored from', v.restoredFrom]] as Array<[string, string]>) : []),
  ])
  p.line()
  p.line(s.bold('Pods:'))
  if (v.pods.length === 0) p.line('  <none>')
  for (const pod of v.pods) {
    p.line(`  ${pod.name}  ${pod.phase}  ready=${pod.ready}  restarts=${pod.restarts}${pod.reason ? `  ${pod.reason}` : ''}${pod.node ? `  node=${pod.node}` : ''}`)
  }
  p.line(s.bold('Volumes:'))
  if (v.volumes.length === 0) p.line('  <none>')
  for (const vol of v.volumes) p.line(`  ${vol.name}  ${vol.status}  ${vol.capacity ?? '?'}${vol.storageClass ? `  ${vol.storageClass}` : ''}`)
  p.line(s.bold('Recent warnings:'))
  if (v.events.length === 0) p.line('  <none>')
  for (const e of v.events) p.line(`  ${e.reason} ${e.object}: ${e.message}${e.count > 1 ? ` (x${e.count})` : ''}`)
}

export function statusCommand(deps: Deps): Command {
  const cmd = new Command('status')
    .alias('describe')
    .description('Show one instance: status, pods, volume, endpoint, recent warnings and its helm release')
    .argument('<name>', 'instance name')
    .addOption(outputOption(['table', 'json', 'yaml']))
    .option('-w, --watch', 'keep the view up to date: redraw on every change (Ctrl-C to stop)')
  withClusterFlags(cmd)
  examples(cmd, [
    ['Where an instance stands', 'dbaas status orders'],
    ['The same, for a script', 'dbaas status orders -n team-a -o json'],
  ])
  return cmd.action(async (name: string, raw: RawClusterFlags & { output?: string; watch?: boolean }) => {
    if (raw.watch) return watchStatus(name, raw, deps)
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const v = await instanceStatus({ name, namespace: raw.namespace, cluster: clusterFlags(raw) }, deps)
    if (fmt === 'json' || fmt === 'yaml') deps.printer.data(v, fmt)
    else printStatus(v, deps)
  })
}
