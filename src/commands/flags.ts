// Flags many verbs share, defined once (kubectl's connection flags, --dry-run, --timeout, --wait/--no-wait,
// the deletion flags), and the pure parsing of their values. Not a command: every verb folder may import it.
import { Option, type Command } from 'commander'
import type { ClusterFlags, Deps } from '../deps.ts'
import { UsageError } from '../errors.ts'
import { parseDuration, parseRequestTimeout, validateNamespace } from '../core/names.ts'
import type { OutputSpec } from '../output/format.ts'

export interface RawClusterFlags {
  kubeconfig?: string
  context?: string
  namespace?: string
  requestTimeout?: string
  as?: string
  asGroup?: string[]
}

export const DEFAULT_REQUEST_TIMEOUT = '30s'

/** kubectl's connection flags, accepted after the subcommand as kubectl users type them. */
export function clusterOptions(cmd: Command, namespaceHelp = 'namespace (default: found by name, or dbaas-<name> on create)'): Command {
  return cmd
    .option('-n, --namespace <namespace>', namespaceHelp)
    .option('--kubeconfig <path>', 'path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use (default: the current context)')
    .option('--request-timeout <duration>', 'timeout for each API request, e.g. 30s', DEFAULT_REQUEST_TIMEOUT)
    .option('--as <user>', 'act as this user (impersonation; helm acts as the same user)')
    .option('--as-group <group>', 'act as a member of this group, repeatable (needs --as or an `as` in the kubeconfig)', (v: string, acc: string[] = []) => [...acc, v])
}

/** The connection flags, checked (a bad namespace or timeout is a usage error before anything is sent). */
export function clusterFlags(raw: RawClusterFlags): ClusterFlags {
  if (raw.namespace !== undefined) validateNamespace(raw.namespace)
  if (raw.requestTimeout !== undefined) parseRequestTimeout(raw.requestTimeout)
  if (raw.as !== undefined && raw.as.trim() === '') throw new UsageError('--as needs a user name', { hint: 'e.g. --as alice or --as system:serviceaccount:team-a:deployer' })
  return {
    kubeconfig: raw.kubeconfig,
    context: raw.context,
    namespace: raw.namespace,
    requestTimeout: raw.requestTimeout,
    ...(raw.as !== undefined ? { as: raw.as } : {}),
    ...(raw.asGroup?.length ? { asGroups: raw.asGroup } : {}),
  }
}

export function timeoutOption(def: string): Option {
  return new Option('--timeout <duration>', 'how long to wait, e.g. 90s, 10m').default(def)
}

export type DryRun = 'none' | 'client' | 'server'

export function dryRunOption(help = 'print what would be sent: client (contacts nothing) or server (validated by the API server)'): Option {
  return new Option('--dry-run [mode]', help)
}

export function parseDryRun(value: string | boolean | undefined): DryRun {
  if (value === undefined || value === false || value === 'none') return 'none'
  if (value === true || value === 'client') return 'client'
  if (value === 'server') return 'server'
  throw new UsageError(`--dry-run "${String(value)}" is not valid`, { hint: 'use --dry-run=client or --dry-run=server' })
}

/**
 * --wait and --no-wait on every verb that changes something; `waitsByDefault` says which is the default.
 * commander stores both under `wait` (true, false, or the default).
 */
export function waitOptions(cmd: Command, o: { waitsByDefault: boolean; what: string; noWaitHelp?: string }): Command {
  return cmd
    .addOption(new Option('--wait', `wait until ${o.what}${o.waitsByDefault ? ' (the default)' : ''}`))
    .addOption(new Option('--no-wait', o.noWaitHelp ?? `return without waiting until ${o.what}${o.waitsByDefault ? '' : ' (the default)'}`))
}

export function waits(raw: { wait?: boolean }, waitsByDefault: boolean): boolean {
  return raw.wait === undefined ? waitsByDefault : raw.wait
}

export function timeoutMs(raw: { timeout: string }): number {
  return parseDuration(raw.timeout)
}

/** --password-stdin: one line of at least 8 characters, the trailing newline dropped. */
export async function readPasswordStdin(deps: Pick<Deps, 'readStdin'>): Promise<string> {
  const pw = (await deps.readStdin()).replace(/\r?\n$/, '')
  if (pw.length < 8) throw new UsageError('the password read from standard input is shorter than 8 characters', { hint: 'pipe a longer password, or leave out --password-stdin to have one generated' })
  if (/[\n\r]/.test(pw)) throw new UsageError('the password read from standard input spans several lines', { hint: 'pipe a single line' })
  return pw
}

/** The flags of every destructive verb: --yes, --ignore-not-found, --dry-run, --wait/--no-wait and --timeout. */
export function deletionOptions(cmd: Command, o: { what: string; waitFor: string; timeout: string }): Command {
  cmd
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--ignore-not-found', `succeed when the ${o.what} does not exist`)
    .option('--dry-run', 'print what would be deleted (and kept), delete nothing')
  waitOptions(cmd, { waitsByDefault: true, what: o.waitFor })
  return cmd.addOption(timeoutOption(o.timeout))
}

export interface RawDeletion extends RawClusterFlags {
  yes?: boolean
  ignoreNotFound?: boolean
  dryRun?: boolean
  wait?: boolean
  timeout: string
}

export const CONNECTION_FORMATS = ['text', 'uri', 'env', 'json', 'yaml'] as const
export type ConnectionFormat = (typeof CONNECTION_FORMATS)[number]

/** `connection`'s --format (text|uri|env|json|yaml); -o json|yaml is its kubectl-style synonym. */
export function connectionFormatOption(cmd: Command): Command {
  return cmd.addOption(new Option('--format <format>', `output: ${CONNECTION_FORMATS.join('|')}`))
}

/** --format folded into -o: json|yaml become the format, text|uri|env the human view's variant. */
export function connectionOutput(raw: Record<string, unknown>, out: OutputSpec, given: (attribute: string) => boolean): OutputSpec {
  const fmt = raw.format as string | undefined
  if (fmt === undefined) return out
  if (!(CONNECTION_FORMATS as readonly string[]).includes(fmt)) throw new UsageError(`--format "${fmt}" is not a format`, { hint: `use --format ${CONNECTION_FORMATS.join('|')}` })
  if (given('output')) {
    const same = (fmt === 'json' || fmt === 'yaml') && out.format === fmt
    if (!same) throw new UsageError(`--format ${fmt} and -o ${raw.output as string} ask for different output`, { hint: 'give one of them' })
    return out
  }
  if (fmt === 'json' || fmt === 'yaml') return { format: fmt, noHeaders: false }
  return { ...out, variant: fmt === 'text' ? undefined : fmt }
}

export interface RawHa extends RawClusterFlags {
  skipOperatorCheck?: boolean
}

/** The flags of every `ha` verb: kubectl's connection flags and --skip-operator-check. */
export function haOptions(cmd: Command): Command {
  clusterOptions(cmd)
  return cmd.option('--skip-operator-check', "do not refuse when the engine's operator is not running (e.g. it is installed later by GitOps); its CRDs must be there")
}

/** An HA cluster by name, where to look, and whether to skip the operator check. */
export function haTarget(name: string, raw: RawHa): { name: string; namespace: string | undefined; cluster: ClusterFlags; skipOperatorCheck: boolean } {
  const cluster = clusterFlags(raw)
  return { name, namespace: cluster.namespace, cluster, skipOperatorCheck: raw.skipOperatorCheck === true }
}

export interface RawSampling {
  watch?: boolean
  window: string
  interval: string
}

/** Reading exporters (`top`, `metrics <name>`): --watch, --interval and --window. */
export function samplingOptions(cmd: Command): Command {
  return cmd
    .option('-w, --watch', 'redraw in place every --interval with a trend line per figure (Ctrl-C to stop)')
    .option('--interval <duration>', 'time between readings with --watch', '2s')
    .option('--window <duration>', 'time between the two readings of a single run (rates need two)', '1s')
}

export const MIN_SAMPLING_INTERVAL_MS = 500

/** --watch only for people; an interval of at least 0.5 s, a window of at most a minute. */
export function samplingFlags(raw: RawSampling, out: OutputSpec): { watch: boolean; windowMs: number; intervalMs: number } {
  if (raw.watch && out.format !== 'table' && out.format !== 'wide') throw new UsageError('--watch redraws a view for people', { hint: 'leave out -o (or use -o wide) with --watch; -o json reads once' })
  const windowMs = parseDuration(raw.window, '--window')
  const intervalMs = parseDuration(raw.interval, '--interval')
  if (intervalMs < MIN_SAMPLING_INTERVAL_MS) throw new UsageError(`--interval ${raw.interval} is shorter than ${MIN_SAMPLING_INTERVAL_MS}ms`, { hint: 'e.g. --interval 2s' })
  if (windowMs > 60_000) throw new UsageError(`--window ${raw.window} is longer than a minute`, { hint: 'e.g. --window 1s (the two readings a rate is computed from)' })
  return { watch: raw.watch === true, windowMs, intervalMs }
}
