// Flags shared by many commands, defined once (kubectl's global flags, -o, --dry-run, --timeout), and the
// small steps every command repeats: raw flags → typed options, progress set-up, mutation lines.
import { Command, Option } from 'commander'
import { stringify } from 'yaml'
import type { ClusterFlags, Deps } from '../deps.ts'
import { UsageError } from '../errors.ts'
import type { KubeObject } from '../k8s/kube.ts'
import { parseRequestTimeout, validateNamespace } from '../core/names.ts'
import { parseFormat, type Format } from '../output/output.ts'
import { lineUi, silentUi, spinnerUi } from '../output/ui.ts'

export interface RawClusterFlags {
  kubeconfig?: string
  context?: string
  namespace?: string
  requestTimeout?: string
}

/** kubectl's connection flags, accepted after the subcommand as kubectl users type them. */
export function withClusterFlags(cmd: Command): Command {
  return cmd
    .option('-n, --namespace <namespace>', 'namespace (default: found by name, or dbaas-<name> on create)')
    .option('--kubeconfig <path>', 'path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: the current context)')
    .option('--request-timeout <duration>', 'timeout for each API request, e.g. 30s', '30s')
}

export function clusterFlags(raw: RawClusterFlags): ClusterFlags {
  if (raw.namespace !== undefined) validateNamespace(raw.namespace)
  if (raw.requestTimeout !== undefined) parseRequestTimeout(raw.requestTimeout)
  return { kubeconfig: raw.kubeconfig, context: raw.context, namespace: raw.namespace, requestTimeout: raw.requestTimeout }
}

export function outputOption(formats: readonly Format[] = ['table', 'json', 'yaml']): Option {
  return new Option('-o, --output <format>', `output format: ${formats.join('|')}`).default('table')
}

export function timeoutOption(def: string): Option {
  return new Option('--timeout <duration>', 'how long to wait, e.g. 90s, 10m').default(def)
}

export function parseDryRun(value: string | boolean | undefined): 'none' | 'client' | 'server' {
  if (value === undefined || value === false || value === 'none') return 'none'
  if (value === true || value === 'client') return 'client'
  if (value === 'server') return 'server'
  throw new UsageError(`--dry-run "${String(value)}" is not valid`, { hint: 'use --dry-run=client or --dry-run=server' })
}

export function dryRunOption(): Option {
  return new Option('--dry-run [mode]', 'print what would be sent: client (contacts nothing) or server (validated by the API server)')
}

/** -o as a Format, checked against what this command supports. */
export function format(raw: { output?: string }, allowed: readonly Format[]): Format {
  return parseFormat(raw.output, allowed)
}

/** Progress on stderr for people: a spinner on a TTY, plain lines otherwise, nothing for -o json|yaml or --quiet. */
export async function withProgress(deps: Deps, fmt: Format, quiet = false): Promise<Deps> {
  if (quiet || fmt === 'json' || fmt === 'yaml' || fmt === 'name') return { ...deps, ui: silentUi }
  const err = deps.streams.err as NodeJS.WritableStream & { isTTY?: boolean }
  const ui = err.isTTY ? await spinnerUi(err) : lineUi(deps.streams.err, deps.now)
  return { ...deps, ui }
}

/** Examples shown under --help, each with a comment line (kubectl style). */
export function examples(cmd: Command, lines: Array<[string, string]>): Command {
  const text = lines.map(([comment, example]) => `  # ${comment}\n  ${example}`).join('\n\n')
  return cmd.addHelpText('after', `\nExamples:\n${text}\n`)
}

/** The flags every delete takes: --yes, --ignore-not-found, --dry-run, --no-wait, --timeout and -o. */
export function deletionOptions(cmd: Command, o: { what: string; waitHelp: string; timeout: string }): Command {
  return cmd
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--ignore-not-found', `succeed when the ${o.what} does not exist`)
    .option('--dry-run', 'print what would be deleted (and kept), delete nothing')
    .option('--no-wait', o.waitHelp)
    .addOption(timeoutOption(o.timeout))
    .addOption(outputOption(['table', 'json', 'yaml']))
}

/** --password-stdin: one line of at least 8 characters, the trailing newline dropped. */
export async function readPasswordStdin(deps: Deps): Promise<string> {
  const pw = (await deps.readStdin()).replace(/\r?\n$/, '')
  if (pw.length < 8) throw new UsageError('the password read from standard input is shorter than 8 characters', { hint: 'pipe a longer password, or leave out --password-stdin to have one generated' })
  if (/[\n\r]/.test(pw)) throw new UsageError('the password read from standard input spans several lines', { hint: 'pipe a single line' })
  return pw
}

/** Objects a dry run would send: a v1 List with -o json, else multi-document YAML. */
export function printManifests(objects: KubeObject[], fmt: string, deps: Deps): void {
  if (fmt === 'json') deps.printer.data({ apiVersion: 'v1', kind: 'List', items: objects }, 'json')
  else for (const o of objects) deps.printer.line(`---\n${stringify(o, { lineWidth: 0 })}`.trimEnd())
}

export const CONNECTION_FORMATS = ['text', 'uri', 'env', 'json', 'yaml'] as const
export type ConnectionFormat = (typeof CONNECTION_FORMATS)[number]

/** `connection`'s --format, with -o json|yaml as its kubectl-style synonym. */
export function connectionFormatOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', `output: ${CONNECTION_FORMATS.join('|')}`).default('text'))
    .addOption(new Option('-o, --output <format>', 'same as --format json|yaml'))
}

export function connectionFormat(raw: { format: string; output?: string }): ConnectionFormat {
  const fmt = raw.output && raw.output !== 'table' ? raw.output : raw.format
  if (!(CONNECTION_FORMATS as readonly string[]).includes(fmt)) throw new UsageError(`unknown format "${fmt}"`, { hint: `use --format ${CONNECTION_FORMATS.join('|')}` })
  return fmt as ConnectionFormat
}
