// The program: builds the command tree over injected deps, runs it, and is the one place that turns errors
// into messages and exit codes. A verb's code is loaded only when that verb runs (or its help is shown): the
// root help and "did you mean" work from the command manifest (commands/index.ts) alone.
import { Command, CommanderError } from 'commander'
import { commandTree, pathOf, type CommandEntry } from './commands/index.ts'
import { examplesText } from './commands/pipeline.ts'
import { DESCRIPTION, HELP_COMMAND, isRootHelp, PROGRAM, rootHelp, ROOT_OPTIONS } from './commands/root-help.ts'
import { realDeps, type Deps } from './deps.ts'
import { DbaasError, ExitCode, InterruptedError, isDbaasError, OperationError, UsageError } from './errors.ts'
import { stopAllUis } from './output/ui.ts'
import { VERSION } from './version.ts'

/** A command of the manifest without its code: enough for the parent's help and for suggestions. */
function stub(e: CommandEntry): Command {
  const c = new Command(e.name).description(e.description)
  for (const a of e.aliases ?? []) c.alias(a)
  if (e.usage) c.arguments(e.usage)
  // Shown as "[options]" in the parent's list, as the loaded command has options.
  if (!e.noOptions) c.option('--help-stub', 'internal', false).options.at(-1)!.hideHelp()
  return c
}

/**
 * The command tree. Verbs on `load` (a path of entries, or 'all' for completion) get their real code; the
 * others are stubs.
 */
export async function buildProgram(deps: Deps, opts: { json?: boolean; load?: CommandEntry[] | 'all' } = {}): Promise<Command> {
  const program = new Command(PROGRAM)
    .description(DESCRIPTION)
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    .helpCommand(...HELP_COMMAND)
  // Read in main() wherever they appear; declared here so they show in help (root-help.ts draws the same).
  for (const [flags, description] of ROOT_OPTIONS.filter(([f]) => f !== '-h, --help')) program.option(flags, description)
  const wanted = opts.load ?? []
  const build = async (e: CommandEntry): Promise<Command> => {
    if (e.children) {
      const group = new Command(e.name).description(e.description)
      for (const a of e.aliases ?? []) group.alias(a)
      for (const child of e.children) group.addCommand(await build(child), child.isDefault ? { isDefault: true } : {})
      if (e.examples) group.addHelpText('after', examplesText(e.examples))
      return group
    }
    if (e.load && (wanted === 'all' || wanted.includes(e))) return (await e.load()).default(deps)
    return stub(e)
  }
  for (const e of commandTree) {
    const c = await build(e)
    if (e.group) c.helpGroup(e.group)
    program.addCommand(c)
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

export interface GlobalFlags {
  args: string[]
  noInput: boolean
  verbosity: number | undefined
}

/** Removes the global flags (--no-input, -v N / --v=N) from before `--` and says what they were. */
export function globalFlags(args: string[]): GlobalFlags {
  const end = args.indexOf('--')
  const head = end < 0 ? args : args.slice(0, end)
  const rest: string[] = []
  let noInput = false
  let verbosity: number | undefined
  const level = (v: string | undefined, flag: string): number => {
    if (v === undefined || !/^[0-9]+$/.test(v)) throw new UsageError(`${flag} needs a verbosity level (a number)`, { hint: 'e.g. -v 6 (every API request) or -v 8 (with bodies)' })
    return Number(v)
  }
  for (let i = 0; i < head.length; i++) {
    const a = head[i] as string
    if (a === '--no-input') noInput = true
    else if (a === '-v' || a === '--v') verbosity = level(head[++i], a)
    else if (/^(-v|--v)=/.test(a)) verbosity = level(a.slice(a.indexOf('=') + 1), a.slice(0, a.indexOf('=')))
    else if (/^-v[0-9]+$/.test(a)) verbosity = level(a.slice(2), '-v')
    else rest.push(a)
  }
  return { args: [...rest, ...(end < 0 ? [] : args.slice(end))], noInput, verbosity }
}

/** The verbs a command line needs loaded: its own path, the one `help <path>` names, or all for completion. */
function toLoad(args: string[]): CommandEntry[] | 'all' {
  if (args[0] === '__complete' || args[0] === '__completeNoDesc') return 'all'
  if (args[0] === 'help') return pathOf(args.slice(1))
  return pathOf(args)
}

/** Runs the CLI; resolves to the exit code. argv excludes node and the script (user args only). */
export async function main(argv: string[], deps: Deps = realDeps()): Promise<number> {
  let args = argv
  const json = wantsJson(args)
  try {
    // --no-input and -v are global: accepted anywhere before `--`.
    const g = globalFlags(args)
    args = g.args
    if (g.noInput) deps = { ...deps, interactive: false }
    if (g.verbosity !== undefined) deps = { ...deps, verbosity: g.verbosity }
    // -V/--version answers only when it stands alone: `dbaas creat x --version 17` is a mistyped verb (exit 2).
    if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
      deps.streams.out.write(`${VERSION}\n`)
      return ExitCode.ok
    }
    // The root help is drawn from the manifest without loading commander (root-help.ts); without arguments it
    // goes to stderr, as commander does.
    if (isRootHelp(args)) {
      const stream = args.length === 0 ? deps.streams.err : deps.streams.out
      const columns = stream.isTTY ? (stream as { columns?: number }).columns : undefined
      stream.write(rootHelp(columns ?? 80))
      return ExitCode.ok
    }
    const self = deps
    deps = { ...deps, invoke: (a) => main(a, self) }
    const program = await buildProgram(deps, { json, load: toLoad(args) })
    // The shells' completion scripts (and kubectl_complete-dbaas) call `dbaas __complete <words…>`.
    if (args[0] === '__complete' || args[0] === '__completeNoDesc') {
      const { runComplete } = await import('./commands/complete-words.ts')
      await runComplete(program, args.slice(1), deps, args[0] === '__complete')
      return ExitCode.ok
    }
    await program.parseAsync(args, { from: 'user' })
    return ExitCode.ok
  } catch (err) {
    stopAllUis()
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return ExitCode.ok
      if (err.code === 'commander.version') return ExitCode.ok
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

/** A reader that closed early (`dbaas list | head -1`) ends the output, not the program with a stack trace. */
function quietOnEpipe(stream: NodeJS.WriteStream, onClosed: () => void): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') onClosed()
    else throw err
  })
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
  let closed = false
  const onClosed = () => {
    if (closed) return
    closed = true
    // Nothing more can be said to a reader that left; stop here, as `kubectl get … | head` does.
    process.exit(process.exitCode ?? ExitCode.ok)
  }
  quietOnEpipe(process.stdout, onClosed)
  quietOnEpipe(process.stderr, onClosed)
  const argv = process.argv.slice(2)
  let verbosity: number | undefined
  try {
    verbosity = globalFlags(argv).verbosity
  } catch {
    // main() reports the bad flag.
  }
  const deps = realDeps({ signal: ctrl.signal, ...(verbosity !== undefined ? { verbosity } : {}) })
  const code = await main(argv, deps)
  process.exitCode = interrupted && code === ExitCode.ok ? ExitCode.interrupted : code
}
