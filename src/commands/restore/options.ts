// restore's options: the backup (picked from the ready ones on a terminal when not given) and the new
// instance's name (asked for, checked live), where it goes (-n: the target namespace; --backup-namespace:
// where the backup is), and what it gets (size, class, CPU, memory; the source's by default).
import { listBackups } from '../../core/backup/manage.ts'
import { checkSystemNamespace } from '../../core/system-namespaces.ts'
import type { RestoreOptions } from '../../core/backup/restore.ts'
import { nameTaken } from '../../core/guided-create.ts'
import { defaultNamespace, parseDuration, validateCpu, validateMemory, validateName, validateNamespace, validateStorage } from '../../core/names.ts'
import { InterruptedError, isDbaasError, UsageError } from '../../errors.ts'
import { clusterFlags, parseDryRun, waits, type RawClusterFlags } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'
import { placementEnv, placementFlags, type RawPlacement } from '../placement.ts'
import { commandLine } from '../shell.ts'

export interface RawRestore extends RawClusterFlags, RawPlacement {
  to?: string
  backupNamespace?: string
  storage?: string
  storageClass?: string
  cpu?: string
  memory?: string
  wait?: boolean
  timeout: string
  allowSystemNamespace?: boolean
  openshift?: boolean
  dryRun?: string | boolean
}

export interface RestoreInput extends RawRestore {
  backup: string | undefined
  /** DBAAS_IMAGE_REGISTRY, read here from the environment. */
  registryEnv?: string | undefined
}

export async function complete(c: CompleteContext<RawRestore>): Promise<RestoreInput> {
  const input: RestoreInput = { ...c.raw, backup: c.args[0] as string | undefined, ...placementEnv(c.deps.env) }
  const pr = c.prompter
  if ((input.backup && input.to) || !pr) return input
  const cluster = clusterFlags(c.raw)
  if (!input.backup) {
    const res = await listBackups({ cluster: { ...cluster, namespace: undefined }, namespace: input.backupNamespace }, c.deps)
    const ready = res.items.filter((b) => b.ready)
    if (ready.length === 0) throw new UsageError('there is no ready backup to restore', { hint: 'take one with `dbaas backup create <instance>`' })
    const b = await pr.search({
      message: 'Backup to restore (type to filter)',
      choices: ready.map((x) => ({ name: `${x.name}  (${x.instance}, ${x.engine}${x.version ? ` ${x.version}` : ''}, ${x.size ?? '?'}, namespace ${x.namespace})`, value: x })),
    })
    input.backup = b.name
    input.backupNamespace = b.namespace
  }
  if (!input.to) {
    input.to = (
      await pr.input({
        message: 'Name of the new instance',
        validate: async (v) => {
          try {
            validateName(v.trim())
          } catch (err) {
            return isDbaasError(err) ? `${err.message}${err.hint ? `: ${err.hint}` : ''}` : String(err)
          }
          const taken = await nameTaken(v.trim(), input.namespace, cluster, c.deps)
          return taken ? `an instance "${v.trim()}" already exists in namespace ${taken}` : true
        },
      })
    ).trim()
  }
  const line = commandLine([
    'dbaas', 'restore', input.backup,
    ...(input.backupNamespace ? ['--backup-namespace', input.backupNamespace] : []),
    '--to', input.to,
    ...(input.namespace ? ['-n', input.namespace] : []),
  ])
  c.deps.printer.note(`The same without prompts:\n  ${line}`)
  if (!(await pr.confirm({ message: `Restore ${input.backup} into a new instance "${input.to}"?`, default: true }))) {
    throw new InterruptedError('cancelled; nothing was done', { hint: `run it later with: ${line}` })
  }
  return input
}

export function validate(i: RestoreInput): RestoreOptions {
  if (!i.backup) throw new UsageError('missing argument: backup', { hint: '`dbaas backup list` shows the backups; then dbaas restore <backup> --to <new-name>' })
  if (!i.to) throw new UsageError('missing --to <new-name>', { hint: `dbaas restore ${i.backup} --to <new-name>` })
  const to = validateName(i.to)
  const cluster = clusterFlags(i)
  if (i.backupNamespace !== undefined) validateNamespace(i.backupNamespace)
  const namespace = cluster.namespace ?? defaultNamespace(to)
  checkSystemNamespace(namespace, i.allowSystemNamespace === true)
  return {
    backup: i.backup,
    backupNamespace: i.backupNamespace,
    to,
    namespace,
    namespaceExplicit: cluster.namespace !== undefined,
    storage: i.storage === undefined ? undefined : validateStorage(i.storage),
    storageClass: i.storageClass,
    cpu: i.cpu === undefined ? undefined : validateCpu(i.cpu),
    memory: i.memory === undefined ? undefined : validateMemory(i.memory),
    wait: waits(i, true),
    timeoutMs: parseDuration(i.timeout),
    dryRun: parseDryRun(i.dryRun),
    placement: placementFlags(i),
    openshift: i.openshift === true,
    allowSystemNamespace: i.allowSystemNamespace === true,
    // The backup is looked up without -n (which names the target); the client itself is the same.
    cluster: { ...cluster, namespace: undefined },
  }
}
