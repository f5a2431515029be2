// dbaas interactive (alias i): a menu over the common tasks for someone who does not know the commands yet.
// The one verb whose whole work is asking: each task it picks runs as the same command line a script would
// type (deps.invoke), which asks for what it needs itself.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { listInstances } from '../../core/list.ts'
import { InterruptedError, isDbaasError, OperationError } from '../../errors.ts'
import { textWriter } from '../../output/writers/setup.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate, type MenuOptions } from './options.ts'

type Task = 'create' | 'list' | 'status' | 'connection' | 'connect' | 'backup' | 'restore' | 'day2' | 'delete' | 'quit'
type Day2Task = 'scale' | 'resize' | 'stop' | 'start' | 'restart' | 'history'

const tasks: Array<{ name: string; value: Task; description: string }> = [
  { name: 'Create a database', value: 'create', description: 'dbaas create' },
  { name: 'List databases', value: 'list', description: 'dbaas list' },
  { name: "Show a database's status", value: 'status', description: 'dbaas status <name>' },
  { name: 'Show connection details', value: 'connection', description: 'dbaas connection <name>' },
  { name: 'Open a database shell', value: 'connect', description: 'dbaas connect <name>' },
  { name: 'Back up a database', value: 'backup', description: 'dbaas backup create <name>' },
  { name: 'Restore a backup into a new database', value: 'restore', description: 'dbaas restore <backup> --to <new-name>' },
  { name: 'Scale, resize, stop, start or restart a database', value: 'day2', description: 'dbaas scale|resize|stop|start|restart|history <name>' },
  { name: 'Delete a database', value: 'delete', description: 'dbaas delete <name>' },
  { name: 'Quit', value: 'quit', description: '' },
]

const day2Tasks: Array<{ name: string; value: Day2Task; description: string }> = [
  { name: 'Change CPU and memory', value: 'scale', description: 'dbaas scale <name> --cpu <cpu> --memory <memory>' },
  { name: 'Grow the disk', value: 'resize', description: 'dbaas resize <name> --storage <size>' },
  { name: 'Stop it (the data is kept)', value: 'stop', description: 'dbaas stop <name>' },
  { name: 'Start it', value: 'start', description: 'dbaas start <name>' },
  { name: 'Restart it', value: 'restart', description: 'dbaas restart <name>' },
  { name: 'What was done to it', value: 'history', description: 'dbaas history <name>' },
]

async function menu(o: MenuOptions, deps: Deps): Promise<string> {
  const invoke = deps.invoke
  if (!invoke) throw new OperationError('the menu cannot run commands here')
  const ns = o.namespace ? ['-n', o.namespace] : []
  const run = async (args: string[]) => {
    deps.printer.note(`$ dbaas ${args.join(' ')}`)
    const code = await invoke([...args, ...o.pass])
    if (code === 130 && deps.signal.aborted) throw new InterruptedError()
    deps.printer.line()
  }
  for (;;) {
    const task = await o.prompter.select({ message: 'What would you like to do?', choices: tasks })
    if (task === 'quit') return ''
    // These ask for what they need themselves.
    if (task === 'create' || task === 'list') {
      await run([task, ...ns])
      continue
    }
    if (task === 'backup') {
      await run(['backup', 'create', ...ns])
      continue
    }
    if (task === 'restore') {
      await run(['restore'])
      continue
    }
    let items
    try {
      items = (await listInstances({ cluster: o.cluster, namespace: o.namespace }, deps)).items
    } catch (err) {
      if (!isDbaasError(err)) throw err
      deps.printer.error(err, false)
      continue
    }
    if (items.length === 0) {
      deps.printer.note('No instances yet: choose "Create a database" first.')
      continue
    }
    const inst = await o.prompter.search({
      message: 'Which database? (type to filter)',
      choices: items.map((i) => ({ name: `${i.name}  (${i.engine} ${i.version}, ${i.status}, namespace ${i.namespace})`, value: i })),
    })
    if (task !== 'day2') {
      await run([task, inst.name, '-n', inst.namespace])
      continue
    }
    const verb = await o.prompter.select({ message: `What to do with ${inst.name}?`, choices: day2Tasks })
    // scale and resize take values the verbs do not ask for; the verb checks them (and asks to confirm).
    const extra: string[] = []
    if (verb === 'scale') {
      const cpu = (await o.prompter.input({ message: 'CPU (e.g. 500m or 2; empty keeps it)' })).trim()
      const memory = (await o.prompter.input({ message: 'Memory (e.g. 2Gi; empty keeps it)' })).trim()
      if (cpu) extra.push('--cpu', cpu)
      if (memory) extra.push('--memory', memory)
    }
    if (verb === 'resize') extra.push('--storage', (await o.prompter.input({ message: 'New size of the disk (e.g. 20Gi; it can only grow)' })).trim())
    await run([verb, inst.name, '-n', inst.namespace, ...extra])
  }
}

export default (deps: Deps): Command =>
  command(
    {
      name: 'interactive',
      aliases: ['i'],
      description: 'A menu of the common tasks, for when you do not know the commands yet',
      options: (cmd) => {
        clusterOptions(cmd)
      },
      examples: [['Start the menu', 'dbaas i']],
      output: { formats: ['table'], writer: textWriter },
      complete,
      validate,
      run: menu,
    },
    deps,
  )
