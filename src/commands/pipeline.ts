// The one pipeline every verb runs (kubectl's Complete → Validate → Run, helm's thin command over an action):
//
//   -o parsed → complete(raw, deps)  resolve names, namespaces and defaults; prompts only here, through
//                                    deps.prompter, and only for people at a terminal; never mutates raw
//             → validate(input)      pure: typed options or a UsageError
//             → run(options, deps)   the core function; returns data
//             → the result's Writer  decides how the data looks (commands never branch on the format)
//
// A verb is a VerbSpec in its own folder (src/commands/<verb>/command.ts + options.ts); `command()` turns it
// into a commander Command. Not a command itself: every verb folder may import it.
import { Command, Option } from 'commander'
import type { Deps } from '../deps.ts'
import { isHuman, parseOutput, type Format, type OutputSpec } from '../output/format.ts'
import { progressUi } from '../output/ui.ts'
import { writeResult, type Writer } from '../output/writer.ts'
import type { Prompter } from '../prompts.ts'
import { asProgram, programName } from '../program-name.ts'

export interface CompleteContext<Raw> {
  /** The positional arguments, in the order the spec declares them. */
  args: Array<string | string[] | undefined>
  /** The parsed flags, as commander gives them. Read, never written. */
  raw: Readonly<Raw>
  out: OutputSpec
  /** Set when prompting is allowed: a terminal, not CI, not --no-input, and output for people. */
  prompter: Prompter | undefined
  /** Whether a flag was given on the command line (rather than defaulted), by its attribute name. */
  given(attribute: string): boolean
  /** A note for stderr printed after the result (e.g. the command a guided session equals). */
  after(note: string): void
  deps: Deps
}

export interface OutputOptions<Opts, Result> {
  /** The -o formats this verb prints; the first is the default. A single format means no -o flag. */
  formats: readonly Format[]
  writer: Writer<Result> | ((o: Opts) => Writer<Result>)
  /** Progress (a spinner or step lines on stderr) while the core runs, for people only. */
  progress?: boolean
  /** The human view is a table of many rows: --no-headers is offered. */
  table?: boolean
  /** A verb's own output flag folded into the parsed -o (connection's --format); pure, may throw usage errors. */
  resolve?(raw: Record<string, unknown>, out: OutputSpec, given: (attribute: string) => boolean): OutputSpec
}

export interface VerbSpec<Raw, Input, Opts, Result> {
  name: string
  aliases?: string[]
  description: string
  /** commander argument specs: '<name>', '[engine]', '[client-args...]', with their help. */
  arguments?: Array<[string, string]>
  /** The verb's own flags (the output flags are added from `output`). */
  options?(cmd: Command): void
  examples: Array<[string, string]>
  output: OutputOptions<Opts, Result>
  complete(c: CompleteContext<Raw>): Input | Promise<Input>
  validate(input: Input, out: OutputSpec): Opts
  run(o: Opts, deps: Deps): Promise<Result>
  /** After the result is written: e.g. doctor exits 1 when a required check failed. */
  check?(r: Result, o: Opts): void
  /** Expert use: the -o help, when it should say more than the format list. */
  outputHelp?: string
}

/** Examples under --help, each with a comment line (kubectl style). */
export function examplesText(lines: Array<[string, string]>, program: string = programName()): string {
  return `\nExamples:\n${lines.map(([comment, example]) => `  # ${comment}\n  ${asProgram(example, program)}`).join('\n\n')}\n`
}

/** Builds the commander Command of a verb; its action runs the pipeline. */
export function command<Raw, Input, Opts, Result>(spec: VerbSpec<Raw, Input, Opts, Result>, deps: Deps): Command {
  const cmd = new Command(spec.name).description(spec.description)
  for (const a of spec.aliases ?? []) cmd.alias(a)
  for (const [arg, help] of spec.arguments ?? []) cmd.argument(arg, help)
  spec.options?.(cmd)
  const formats = spec.output.formats
  if (formats.length > 1) {
    const shown = formats.map((f) => (f === 'jsonpath' ? 'jsonpath=<template>' : f)).join('|')
    cmd.addOption(new Option('-o, --output <format>', spec.outputHelp ?? `output format: ${shown}`).default(formats[0]))
    if (spec.output.table) cmd.option('--no-headers', 'print the table without its header row')
  }
  cmd.addHelpText('after', examplesText(spec.examples))
  return cmd.action(async (...all: unknown[]) => {
    const self = all[all.length - 1] as Command
    const raw = all[all.length - 2] as Raw & { output?: string; headers?: boolean }
    const args = all.slice(0, spec.arguments?.length ?? 0) as Array<string | string[] | undefined>
    await runPipeline(spec, { args, raw, self }, deps)
  })
}

async function runPipeline<Raw, Input, Opts, Result>(
  spec: VerbSpec<Raw, Input, Opts, Result>,
  c: { args: Array<string | string[] | undefined>; raw: Raw & { output?: string; headers?: boolean }; self: Command },
  deps: Deps,
): Promise<void> {
  const formats = spec.output.formats
  const given = (attr: string) => c.self.getOptionValueSource(attr) === 'cli'
  const parsed = parseOutput(formats.length > 1 ? c.raw.output : formats[0], formats, c.raw.headers === false)
  const out = spec.output.resolve ? spec.output.resolve(c.raw as Record<string, unknown>, parsed, given) : parsed
  const afterNotes: string[] = []
  const input = await spec.complete({
    args: c.args,
    raw: c.raw,
    out,
    prompter: deps.interactive && isHuman(out) ? deps.prompter : undefined,
    given,
    after: (note) => afterNotes.push(note),
    deps,
  })
  const opts = spec.validate(input, out)
  const runDeps = spec.output.progress ? { ...deps, ui: await progressUi(deps.streams.err, deps.now, out) } : deps
  const result = await spec.run(opts, runDeps)
  const writer = typeof spec.output.writer === 'function' ? spec.output.writer(opts) : spec.output.writer
  await writeResult(writer, result, out, deps.printer, deps.now)
  for (const n of afterNotes) deps.printer.note(n)
  spec.check?.(result, opts)
}
