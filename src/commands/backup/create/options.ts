// backup create's options: the instance (picked from a list on a terminal when not given, then confirmed),
// the backup's name, class, retention and quiescing.
import type { BackupCreateOptions } from '../../../core/backup/create.ts'
import { parseRetention, validateBackupName } from '../../../core/backup/model.ts'
import { listInstances } from '../../../core/list.ts'
import { parseDuration, validateName } from '../../../core/names.ts'
import { InterruptedError, UsageError } from '../../../errors.ts'
import { clusterFlags, parseDryRun, waits, type RawClusterFlags } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'
import { commandLine } from '../../shell.ts'

export interface RawBackupCreate extends RawClusterFlags {
  name?: string
  class?: string
  retention?: string
  quiesce?: boolean
  wait?: boolean
  timeout: string
  dryRun?: string | boolean
}

export interface BackupCreateInput extends RawBackupCreate {
  instance: string | undefined
}

export async function complete(c: CompleteContext<RawBackupCreate>): Promise<BackupCreateInput> {
  const instance = c.args[0] as string | undefined
  if (instance || !c.prompter) return { ...c.raw, instance }
  const res = await listInstances({ cluster: clusterFlags(c.raw), namespace: c.raw.namespace }, c.deps)
  const items = res.items.filter((i) => i.kind !== 'ha-cluster')
  if (items.length === 0) throw new UsageError('there is no instance to back up', { hint: 'create one with `dbaas create`' })
  const inst = await c.prompter.search({
    message: 'Instance to back up (type to filter)',
    choices: items.map((i) => ({ name: `${i.name}  (${i.engine} ${i.version}, ${i.status}, namespace ${i.namespace})`, value: i })),
  })
  const line = commandLine(['dbaas', 'backup', 'create', inst.name, '-n', inst.namespace])
  c.deps.printer.note(`The same without prompts:\n  ${line}`)
  if (!(await c.prompter.confirm({ message: `Back up "${inst.name}" now?`, default: true }))) {
    throw new InterruptedError('cancelled; nothing was done', { hint: `run it later with: ${line}` })
  }
  return { ...c.raw, instance: inst.name, namespace: inst.namespace }
}

export function validate(i: BackupCreateInput): BackupCreateOptions {
  if (!i.instance) throw new UsageError('missing argument: instance', { hint: 'dbaas backup create <instance>; `dbaas list` shows them' })
  return {
    instance: validateName(i.instance),
    namespace: i.namespace,
    name: i.name === undefined ? undefined : validateBackupName(i.name),
    snapshotClass: i.class,
    retention: i.retention !== undefined ? { text: i.retention, ms: parseRetention(i.retention) } : undefined,
    quiesce: i.quiesce === true,
    wait: waits(i, true),
    timeoutMs: parseDuration(i.timeout),
    dryRun: parseDryRun(i.dryRun),
    cluster: clusterFlags(i),
  }
}
