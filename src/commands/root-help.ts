// The root help (`dbaas`, `dbaas --help`, `-h`, `dbaas help`), rendered from the command manifest alone, in
// commander's layout: commander itself pulls in ~60 of Node's built-in modules at load (child_process, net,
// streams, worker_threads through node:util), which costs more than the rest of `--help` put together, so the
// one screen people open most is drawn without it. test/cli/root-help.test.ts holds this rendering equal to
// commander's own for the same tree, at several widths. Not a command: cli.ts and main.ts use it.
import { commandTree, type CommandEntry } from './index.ts'
import { programName } from '../program-name.ts'

/** `kubectl dbaas` when kubectl runs dbaas as its plugin (src/program-name.ts), `dbaas` otherwise. */
export const PROGRAM = programName()
export const DESCRIPTION = 'Databases as a service on any Kubernetes cluster: PostgreSQL, MySQL and MariaDB from your kubeconfig'

/** The root's own options, as cli.ts declares them (same order, same text). */
export const ROOT_OPTIONS: Array<[string, string]> = [
  ['-V, --version', "print dbaas's version (alone, as the only argument)"],
  ['--no-input', 'never prompt (also without a terminal or with CI=true); missing arguments are usage errors'],
  ['-v, --v <level>', 'log verbosity as kubectl: 6 shows every API request and helm command, 8 adds bodies (Secrets redacted)'],
  ['-h, --help', 'display help for command'],
]

export const HELP_COMMAND: [string, string] = ['help [command]', 'show help for a command']

/** A manifest entry's term as commander prints it in its parent's list: `list|ls [options] [args]`. */
export function entryTerm(e: CommandEntry): string {
  const name = e.aliases?.[0] ? `${e.name}|${e.aliases[0]}` : e.name
  // A group (ha, backup) has no options of its own; a verb has (unless it says it has none).
  const opts = !e.children && !e.noOptions ? ' [options]' : ''
  return `${name}${opts}${e.usage ? ` ${e.usage}` : ''}`
}

const MIN_WIDTH_TO_WRAP = 40

/** commander's boxWrap: wrap at whitespace to `width`, keeping existing line breaks. */
function boxWrap(str: string, width: number): string {
  if (width < MIN_WIDTH_TO_WRAP) return str
  const out: string[] = []
  for (const line of str.split(/\r\n|\n/)) {
    const chunks = line.match(/[\s]*[^\s]+/g)
    if (chunks === null) {
      out.push('')
      continue
    }
    let sum = [chunks.shift() as string]
    let sumWidth = (sum[0] as string).length
    for (const chunk of chunks) {
      if (sumWidth + chunk.length <= width) {
        sum.push(chunk)
        sumWidth += chunk.length
        continue
      }
      out.push(sum.join(''))
      const next = chunk.trimStart()
      sum = [next]
      sumWidth = next.length
    }
    out.push(sum.join(''))
  }
  return out.join('\n')
}

function item(term: string, termWidth: number, description: string, helpWidth: number): string {
  const remaining = helpWidth - termWidth - 2 - 2
  const desc = remaining < MIN_WIDTH_TO_WRAP ? description : boxWrap(description, remaining).replace(/\n/g, `\n${' '.repeat(termWidth + 2)}`)
  return `  ${term.padEnd(termWidth)}  ${desc.replace(/\n/g, '\n  ')}`
}

/** The root help text, for a given width (commander: the terminal's columns on a TTY, else 80). */
export function rootHelp(helpWidth = 80, tree: readonly CommandEntry[] = commandTree): string {
  const terms = [...ROOT_OPTIONS.map(([t]) => t), ...tree.map(entryTerm), HELP_COMMAND[0]]
  const termWidth = Math.max(...terms.map((t) => t.length))
  const lines = [`Usage: ${PROGRAM} [options] [command]`, '', boxWrap(DESCRIPTION, helpWidth), '', 'Options:']
  for (const [t, d] of ROOT_OPTIONS) lines.push(item(t, termWidth, d, helpWidth))
  lines.push('')
  const groups = new Map<string, CommandEntry[]>()
  for (const e of tree) {
    const g = e.group ?? 'Commands:'
    groups.set(g, [...(groups.get(g) ?? []), e])
  }
  for (const [g, entries] of groups) {
    lines.push(g)
    for (const e of entries) lines.push(item(entryTerm(e), termWidth, e.description, helpWidth))
    lines.push('')
  }
  lines.push('Commands:', item(HELP_COMMAND[0], termWidth, HELP_COMMAND[1], helpWidth), '')
  return lines.join('\n')
}

/** Whether a command line asks for the root help and nothing else. */
export function isRootHelp(args: readonly string[]): boolean {
  return args.length === 0 || (args.length === 1 && (args[0] === '--help' || args[0] === '-h' || args[0] === 'help'))
}
