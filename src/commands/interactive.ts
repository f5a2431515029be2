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

type Task = 'create' | 'list' | 'status' | 'connection' | 'connect' | 'delete' | 'quit'

const tasks: Array<{ name: string; value: Task; description: string }> = [
  { name: 'Create a database', value: 'create', description: 'dbaas create' },
  { name: 'List databases', value: 'list', description: 'dbaas list' },
  { name: "Show a database's status", value: 'status', description: 'dbaas status <name>' },
  { name: 'Show connection details', value: 'connection', description: 'dbaas connection <name>' },
  { name: 'Open a database shell', value: 'connect', description: 'dbaas connect <name>' },
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
