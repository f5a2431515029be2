import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { InterruptedError, NotFoundError, UsageError } from '../errors.ts'
import { parseDuration } from '../core/names.ts'
import { deleteInstance, planDelete, type DeleteOptions, type DeleteResult } from '../core/delete.ts'
import { confirmByName } from '../prompts.ts'
import { clusterFlags, examples, format, outputOption, timeoutOption, withClusterFlags, withProgress, type RawClusterFlags } from './shared.ts'

interface RawDelete extends RawClusterFlags {
  yes?: boolean
  ignoreNotFound?: boolean
  deleteData?: boolean
  wait: boolean
  timeout: string
  dryRun?: boolean
  output?: string
}

function printDeleteResult(r: DeleteResult, fmt: string, deps: Deps): void {
  const p = deps.printer
  if (fmt === 'json' || fmt === 'yaml') return p.data(r, fmt)
  if (r.dryRun) {
    for (const d of r.deleted) p.line(`would delete ${d}`)
    for (const k of r.kept) p.line(`would keep ${k.object}: ${k.reason}`)
    return
  }
  p.line(`instance "${r.name}" deleted from namespace ${r.namespace}`)
  for (const k of r.kept) p.note(`kept ${k.object}: ${k.reason}`)
}

export function deleteCommand(deps: Deps): Command {
  const cmd = new Command('delete')
    .alias('rm')
    .description('Delete an instance: its release and credentials; the data volume is kept unless --delete-data')
    .argument('<name>', 'instance name')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--ignore-not-found', 'succeed when the instance does not exist')
    .option('--delete-data', 'also delete the data volume (PVC): the data is gone for good')
    .option('--dry-run', 'print what would be deleted and kept, delete nothing')
    .option('--no-wait', 'return without waiting until the pods are gone')
    .addOption(timeoutOption('5m'))
    .addOption(outputOption(['table', 'json', 'yaml']))
  withClusterFlags(cmd)
  examples(cmd, [
    ['Delete, asking to type the name, keeping the data volume', 'dbaas delete orders'],
    ['In a script: no prompt, data included, fine if already gone', 'dbaas delete orders -n team-a --yes --delete-data --ignore-not-found'],
  ])
  return cmd.action(async (name: string, raw: RawDelete) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const opts: DeleteOptions = {
      name,
      namespace: raw.namespace,
      cluster: clusterFlags(raw),
      deleteData: raw.deleteData === true,
      wait: raw.wait,
      timeoutMs: parseDuration(raw.timeout),
      dryRun: raw.dryRun === true,
    }
    let plan
    try {
      plan = await planDelete(opts, deps)
    } catch (err) {
      if (raw.ignoreNotFound && err instanceof NotFoundError) {
        deps.printer.note(`instance "${name}" not found; nothing to delete`)
        if (fmt === 'json' || fmt === 'yaml') deps.printer.data({ name, namespace: raw.namespace ?? null, dryRun: opts.dryRun, deleted: [], kept: [], namespaceDeleted: false }, fmt)
        return
      }
      throw err
    }
    if (!opts.dryRun && !raw.yes) {
      if (!deps.interactive) {
        throw new UsageError(`refusing to delete "${name}" without confirmation`, { hint: 'pass --yes (no terminal to ask on)' })
      }
      const what = `${plan.instance.engine} instance "${name}" in namespace ${plan.instance.namespace}${opts.deleteData ? ' AND its data' : ''}`
      if (!(await confirmByName(name, what, deps))) throw new InterruptedError('delete cancelled; nothing was deleted')
    }
    const r = await deleteInstance(plan, opts, await withProgress(deps, fmt))
    printDeleteResult(r, fmt, deps)
  })
}
