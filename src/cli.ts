// The program: builds the command tree over injected deps, runs it, and is the one place that turns errors
// into messages and exit codes. Nothing here imports the cluster client.
import { Command, CommanderError } from 'commander'
import { completionCommand, runComplete } from './commands/completion.ts'
import { connectCommand } from './commands/connect.ts'
import { backupCommand } from './commands/backup.ts'
import { connectionCommand } from './commands/connection.ts'
import { createCommand } from './commands/create.ts'
import { deleteCommand } from './commands/delete.ts'
import { doctorCommand } from './commands/doctor.ts'
import { interactiveCommand } from './commands/interactive.ts'
import { rbacCommand } from './commands/rbac.ts'
import { enginesCommand } from './commands/engines.ts'
import { haCommand } from './commands/ha.ts'
import { listCommand } from './commands/list.ts'
import { logsCommand } from './commands/logs.ts'
import { restoreCommand } from './commands/restore.ts'
import { statusCommand } from './commands/status.ts'
import { versionCommand } from './commands/version.ts'
import { realDeps, type Deps } from './deps.ts'
import { DbaasError, ExitCode, InterruptedError, isDbaasError, OperationError } from './errors.ts'
import { stopAllUis } from './output/ui.ts'
import { VERSION } from './version.ts'

export function buildProgram(deps: Deps, opts: { json?: boolean } = {}): Command {
  const program = new Command('dbaas')
    .description('Databases as a service on any Kubernetes cluster: PostgreSQL, MySQL and MariaDB from your kubeconfig')
    .version(VERSION, '-V, --version', "print dbaas's version")
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    .helpCommand('help [command]', 'show help for a command')
    // Read in main() wherever it appears; declared here so it shows in help.
    .option('--no-input', 'never prompt (also without a terminal or with CI=true); missing arguments are usage errors')
  const groups: Array<[string, Command[]]> = [
    ['Instances:', [createCommand(deps), listCommand(deps), statusCommand(deps), connectionCommand(deps), connectCommand(deps), logsCommand(deps), deleteCommand(deps)]],
    ['Backups:', [backupCommand(deps), restoreCommand(deps)]],
    ['High availability:', [haCommand(deps)]],
    ['Setup:', [interactiveCommand(deps), doctorCommand(deps), rbacCommand(deps), enginesCommand(deps), completionCommand(deps), versionCommand(deps)]],
  ]
  for (const [group, cmds] of groups) {
    for (const c of cmds) {
      c.helpGroup(group)
      program.addCommand(c)
    }
  }
  const streams = deps.streams
  const apply = (c: Command) => {
    c.exitOverride()
    c.configureOutput({
      writeOut: (s) => streams.out.write(s),
      writeErr: (s) => streams.err.write(s),
      // With -o json, main prints the usage error as JSON instead.
      outputError: (s, write) => (opts.json ? undefined : write(s.replace(/^error: /, 'Error: '))),
    })
    for (const sub of c.commands) apply(sub)
  }
  apply(program)
  return program
}

/** Whether the user asked for machine output, so errors are printed as JSON on stderr too. */
function wantsJson(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if ((a === '-o' || a === '--output' || a === '--format') && argv[i + 1] === 'json') return true
    if (a === '-ojson' || a === '--output=json' || a === '--format=json') return true
  }
  return false
}

/** Removes a global --no-input (before `--`) and says whether it was there. */
export function noInput(args: string[]): { args: string[]; noInput: boolean } {
  const end = args.indexOf('--')
  const head = end < 0 ? args : args.slice(0, end)
  if (!head.includes('--no-input')) return { args, noInput: false }
  return { args: [...head.filter((a) => a !== '--no-input'), ...(end < 0 ? [] : args.slice(end))], noInput: true }
}

/** Runs the CLI; resolves to the exit code. argv excludes node and the script (user args only). */
export async function main(args: string[], deps: Deps = realDeps()): Promise<number> {
  // --no-input is global: accepted anywhere before `--`, it turns prompting off for every command.
  const split = noInput(args)
  if (split.noInput) {
    args = split.args
    deps = { ...deps, interactive: false }
  }
  const json = wantsJson(args)
  const program = buildProgram(deps, { json })
  // The shells' completion scripts (and kubectl_complete-dbaas) call `dbaas __complete <words…>`.
  if (args[0] === '__complete' || args[0] === '__completeNoDesc') {
    await runComplete(program, args.slice(1), deps, args[0] === '__complete')
    return ExitCode.ok
  }
  try {
    await program.parseAsync(args, { from: 'user' })
    return ExitCode.ok
  } catch (err) {
    stopAllUis()
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok
      // commander already printed its message; usage errors are exit 2.
      if (json) deps.printer.error(new DbaasError('usage', ExitCode.usage, err.message.replace(/^error: /, '')), true)
      return ExitCode.usage
    }
    // After Ctrl-C, whatever failed next (helm killed by the same signal, a dropped watch) is the interruption.
    const e: DbaasError =
      deps.signal.aborted && !(err instanceof InterruptedError)
        ? new InterruptedError('interrupted', {
            hint: '`dbaas status <name>` shows what was left; running the same command again completes it, `dbaas delete <name>` removes it',
          })
        : isDbaasError(err)
          ? err
          : new OperationError((err as Error)?.message ?? String(err), { cause: err })
    deps.printer.error(e, json)
    if (!isDbaasError(err) && (deps.env.DBAAS_DEBUG || deps.env.DEBUG)) deps.streams.err.write(`${(err as Error)?.stack ?? ''}\n`)
    return e.exitCode
  }
}

/** The process entry: wires SIGINT to an abort signal (exit 130) and sets process.exitCode. */
export async function run(): Promise<void> {
  const ctrl = new AbortController()
  let interrupted = false
  process.on('SIGINT', () => {
    if (interrupted) process.exit(ExitCode.interrupted)
    interrupted = true
    ctrl.abort()
  })
  const deps = realDeps({ signal: ctrl.signal })
  const code = await main(process.argv.slice(2), deps)
  process.exitCode = interrupted && code === ExitCode.ok ? ExitCode.interrupted : code
}
