// The interactive side of the CLI: `dbaas create` with arguments missing on a terminal, and `dbaas interactive`
// (alias `i`), a menu loop over the common tasks for someone who does not know the commands yet.
import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { InterruptedError, isDbaasError, UsageError } from '../errors.ts'
import { guidedCreate } from '../core/guided-create.ts'
import { listInstances } from '../core/list.ts'
import { inquirerPrompter, type Prompter } from '../prompts.ts'
import { clusterFlags, examples, withClusterFlags, type RawClusterFlags } from './shared.ts'

interface RawCreateLike extends RawClusterFlags {
  version?: string
  storage: string
  storageClass?: string
  cpu: string
  memory: string
  database?: string
  user?: string
  dryRun?: string | boolean
  wait?: boolean
}

/**
 * When create misses its engine or name on a terminal (and output is for people), asks for them and for
 * what was not given, filling `raw` the way flags would. Returns undefined when there is nothing to ask.
 */
export async function promptCreate(
  engine: string | undefined,
  name: string | undefined,
  raw: RawCreateLike,
  fmt: string,
  cmd: Command,
  deps: Deps,
  prompter?: Prompter,
): Promise<{ engine: string; name: string; command: string } | undefined> {
  if ((engine && name) || !deps.interactive || fmt !== 'table') return undefined
  const given = (opt: string) => cmd.getOptionValueSource(opt) === 'cli'
  const passthrough: string[] = []
  if (given('database') && raw.database) passthrough.push('--database', raw.database)
  if (given('user') && raw.user) passthrough.push('--user', raw.user)
  if (raw.dryRun) passthrough.push(raw.dryRun === true ? '--dry-run' : `--dry-run=${raw.dryRun}`)
  if (raw.wait === false) passthrough.push('--no-wait')
  const a = await guidedCreate(
    {
      engine,
      name,
      version: raw.version,
      sizeGiven: given('storage') || given('cpu') || given('memory'),
      storageClass: raw.storageClass,
      namespace: raw.namespace,
      cluster: clusterFlags(raw),
      passthrough,
      offline: raw.dryRun === true || raw.dryRun === 'client',
    },
    prompter ?? (await inquirerPrompter(deps)),
    deps,
  )
  raw.version = a.version
  if (a.storage) raw.storage = a.storage
  if (a.cpu) raw.cpu = a.cpu
  if (a.memory) raw.memory = a.memory
  if (a.storageClass) raw.storageClass = a.storageClass
  return { engine: a.engine, name: a.name, command: a.command }
}

type Task = 'create' | 'list' | 'status' | 'connection' | 'connect' | 'backup' | 'restore' | 'delete' | 'quit'

const tasks: Array<{ name: string; value: Task; description: string }> = [
  { name: 'Create a database', value: 'create', description: 'dbaas create' },
  { name: 'List databases', value: 'list', description: 'dbaas list' },
  { name: "Show a database's status", value: 'status', description: 'dbaas status <name>' },
  { name: 'Show connection details', value: 'connection', description: 'dbaas connection <name>' },
  { name: 'Open a database shell', value: 'connect', description: 'dbaas connect <name>' },
  { name: 'Back up a database', value: 'backup', description: 'dbaas backup create <name>' },
  { name: 'Restore a backup into a new database', value: 'restore', description: 'dbaas restore <backup> --to <new-name>' },
  { name: 'Delete a database', value: 'delete', description: 'dbaas delete <name>' },
  { name: 'Quit', value: 'quit', description: '' },
]

export function interactiveCommand(deps: Deps): Command {
  const cmd = new Command('interactive')
    .alias('i')
    .description('A menu of the common tasks, for when you do not know the commands yet')
  withClusterFlags(cmd)
  examples(cmd, [['Start the menu', 'dbaas i']])
  return cmd.action(async (raw: RawClusterFlags) => {
    if (!deps.interactive) throw new UsageError('dbaas interactive needs a terminal', { hint: 'run the commands themselves in scripts: dbaas --help lists them' })
    const cluster = clusterFlags(raw)
    const prompter = await inquirerPrompter(deps)
    const { main } = await import('../cli.ts')
    const pass = [
      ...(raw.kubeconfig ? ['--kubeconfig', raw.kubeconfig] : []),
      ...(raw.context ? ['--context', raw.context] : []),
      ...(raw.requestTimeout && raw.requestTimeout !== '30s' ? ['--request-timeout', raw.requestTimeout] : []),
    ]
    const run = async (args: string[]) => {
      deps.printer.note(`$ dbaas ${args.join(' ')}`)
      const code = await main([...args, ...pass], deps)
      if (code === 130 && deps.signal.aborted) throw new InterruptedError()
      deps.printer.line()
    }
    for (;;) {
      const task = await prompter.select({ message: 'What would you like to do?', choices: tasks })
      if (task === 'quit') return
      if (task === 'create') {
        await run(['create', ...(raw.namespace ? ['-n', raw.namespace] : [])])
        continue
      }
      if (task === 'backup' || task === 'restore') {
        // Both ask for what they need themselves (promptBackupCreate, promptRestore).
        await run(task === 'backup' ? ['backup', 'create', ...(raw.namespace ? ['-n', raw.namespace] : [])] : ['restore'])
        continue
      }
      if (task === 'list') {
        await run(['list', ...(raw.namespace ? ['-n', raw.namespace] : [])])
        continue
      }
      let items
      try {
        items = (await listInstances({ cluster, namespace: raw.namespace }, deps)).items
      } catch (err) {
        if (!isDbaasError(err)) throw err
        deps.printer.error(err, false)
        continue
      }
      if (items.length === 0) {
        deps.printer.note('No instances yet: choose "Create a database" first.')
        continue
      }
      const inst = await prompter.search({
        message: 'Which database? (type to filter)',
        choices: items.map((i) => ({ name: `${i.name}  (${i.engine} ${i.version}, ${i.status}, namespace ${i.namespace})`, value: i })),
      })
      await run([task, inst.name, '-n', inst.namespace])
    }
  })
}

// ---- restore, backup create and ha failover: the same "ask on a terminal, usage error elsewhere" rule ----

const q = (s: string) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

async function confirmCommand(prompter: Prompter, deps: Deps, command: string[], question: string): Promise<void> {
  const line = command.map(q).join(' ')
  deps.printer.note(`The same without prompts:\n  ${line}`)
  if (!(await prompter.confirm({ message: question, default: true }))) throw new InterruptedError('cancelled; nothing was done', { hint: `run it later with: ${line}` })
}

/**
 * `dbaas restore [backup] --to <new-name>`: on a terminal, picks the backup from a list and asks for the new
 * name (validated live); elsewhere a missing backup is a usage error. Fills raw.to and raw.backupNamespace.
 */
export async function promptRestore(
  backup: string | undefined,
  raw: RawClusterFlags & { to?: string; backupNamespace?: string },
  fmt: string,
  deps: Deps,
  prompter?: Prompter,
): Promise<string> {
  if (backup && raw.to) return backup
  if (!deps.interactive || fmt !== 'table') {
    if (!backup) throw new UsageError('missing argument: backup', { hint: '`dbaas backup list` shows the backups; then dbaas restore <backup> --to <new-name>' })
    return backup
  }
  const pr = prompter ?? (await inquirerPrompter(deps))
  const cluster = clusterFlags(raw)
  if (!backup) {
    const { listBackups } = await import('../core/backup/manage.ts')
    const res = await listBackups({ cluster: { ...cluster, namespace: undefined }, namespace: raw.backupNamespace }, deps)
    const ready = res.items.filter((b) => b.ready)
    if (ready.length === 0) throw new UsageError('there is no ready backup to restore', { hint: 'take one with `dbaas backup create <instance>`' })
    const b = await pr.search({
      message: 'Backup to restore (type to filter)',
      choices: ready.map((x) => ({ name: `${x.name}  (${x.instance}, ${x.engine}${x.version ? ` ${x.version}` : ''}, ${x.size ?? '?'}, namespace ${x.namespace})`, value: x })),
    })
    backup = b.name
    raw.backupNamespace = b.namespace
  }
  if (!raw.to) {
    const { nameTaken } = await import('../core/guided-create.ts')
    const { validateName } = await import('../core/names.ts')
    raw.to = (
      await pr.input({
        message: 'Name of the new instance',
        validate: async (v) => {
          try {
            validateName(v.trim())
          } catch (err) {
            return isDbaasError(err) ? `${err.message}${err.hint ? `: ${err.hint}` : ''}` : String(err)
          }
          const taken = await nameTaken(v.trim(), raw.namespace, cluster, deps)
          return taken ? `an instance "${v.trim()}" already exists in namespace ${taken}` : true
        },
      })
    ).trim()
  }
  await confirmCommand(
    pr,
    deps,
    ['dbaas', 'restore', backup, ...(raw.backupNamespace ? ['--backup-namespace', raw.backupNamespace] : []), '--to', raw.to, ...(raw.namespace ? ['-n', raw.namespace] : [])],
    `Restore ${backup} into a new instance "${raw.to}"?`,
  )
  return backup
}

/** `dbaas backup create [instance]`: on a terminal, picks the instance; elsewhere a missing one is a usage error. */
export async function promptBackupCreate(instance: string | undefined, raw: RawClusterFlags, fmt: string, deps: Deps, prompter?: Prompter): Promise<string> {
  if (instance) return instance
  if (!deps.interactive || fmt !== 'table') throw new UsageError('missing argument: instance', { hint: 'dbaas backup create <instance>; `dbaas list` shows them' })
  const pr = prompter ?? (await inquirerPrompter(deps))
  const res = await listInstances({ cluster: clusterFlags(raw), namespace: raw.namespace }, deps)
  const items = res.items.filter((i) => (i as { kind?: string }).kind !== 'ha-cluster')
  if (items.length === 0) throw new UsageError('there is no instance to back up', { hint: 'create one with `dbaas create`' })
  const inst = await pr.search({
    message: 'Instance to back up (type to filter)',
    choices: items.map((i) => ({ name: `${i.name}  (${i.engine} ${i.version}, ${i.status}, namespace ${i.namespace})`, value: i })),
  })
  raw.namespace = inst.namespace
  await confirmCommand(pr, deps, ['dbaas', 'backup', 'create', inst.name, '-n', inst.namespace], `Back up "${inst.name}" now?`)
  return inst.name
}

/**
 * `dbaas ha failover [name] [--to standby]`: on a terminal without a name, picks the HA cluster and then one of
 * its ready standbys; elsewhere a missing name is a usage error. Fills raw.to and raw.namespace.
 */
export async function promptFailover(
  name: string | undefined,
  raw: RawClusterFlags & { to?: string; skipOperatorCheck?: boolean; force?: boolean },
  fmt: string,
  deps: Deps,
  prompter?: Prompter,
): Promise<string> {
  if (name) return name
  if (!deps.interactive || fmt !== 'table') throw new UsageError('missing argument: name', { hint: 'dbaas ha failover <name>; `dbaas ha list` shows the HA clusters' })
  const pr = prompter ?? (await inquirerPrompter(deps))
  const cluster = clusterFlags(raw)
  const { haList, haStatus } = await import('../core/ha/read.ts')
  const clusters = (await haList({ cluster, namespace: raw.namespace, skipOperatorCheck: raw.skipOperatorCheck === true }, deps)).items
  if (clusters.length === 0) throw new UsageError('there is no HA cluster', { hint: 'create one with `dbaas ha create`' })
  const c = await pr.search({
    message: 'HA cluster (type to filter)',
    choices: clusters.map((x) => ({ name: `${x.name}  (${x.status}, primary ${x.currentPrimary ?? '?'}, ${x.ready} ready, namespace ${x.namespace})`, value: x })),
  })
  raw.namespace = c.namespace
  if (!raw.to && !raw.force) {
    const st = await haStatus({ name: c.name, namespace: c.namespace, cluster: { ...cluster, namespace: c.namespace }, skipOperatorCheck: raw.skipOperatorCheck === true }, deps)
    const standbys = st.members.filter((m) => m.role === 'standby' && m.ready && !m.fenced)
    if (standbys.length === 0) throw new UsageError(`HA cluster "${c.name}" has no ready standby to promote`, { hint: `\`dbaas ha status ${c.name} -n ${c.namespace}\` shows its instances` })
    raw.to = await pr.select({ message: 'Standby to promote', choices: standbys.map((m) => ({ name: `${m.name}${m.state ? `  (${m.state})` : ''}`, value: m.name })) })
  }
  await confirmCommand(
    pr,
    deps,
    ['dbaas', 'ha', 'failover', c.name, '-n', c.namespace, ...(raw.to ? ['--to', raw.to] : []), ...(raw.force ? ['--force'] : [])],
    raw.force ? `Kill the primary of "${c.name}" and wait for the operator's failover?` : `Switch "${c.name}" over to ${raw.to}?`,
  )
  return c.name
}
