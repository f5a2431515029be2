import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { NotFoundError } from '../errors.ts'
import { parseDuration } from '../core/names.ts'
import { deleteInstance, planDelete, type DeleteOptions, type DeleteResult } from '../core/delete.ts'
import { confirmDeletion } from '../prompts.ts'
import { clusterFlags, deletionOptions, examples, format, withClusterFlags, withProgress, type RawClusterFlags } from './shared.ts'

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
    .option('--delete-data', 'also delete the data volume (PVC): the data is gone for good')
  deletionOptions(cmd, { what: 'instance', waitHelp: 'return without waiting until the pods are gone', timeout: '5m' })
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
    const what = `${plan.instance.engine} instance "${name}" in namespace ${plan.instance.namespace}${opts.deleteData ? ' AND its data' : ''}`
    await confirmDeletion({ name, noun: 'instance', what, yes: raw.yes === true, dryRun: opts.dryRun }, deps)
    const r = await deleteInstance(plan, opts, await withProgress(deps, fmt))
    printDeleteResult(r, fmt, deps)
  })
}
