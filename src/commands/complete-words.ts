// What `dbaas __complete <words…>` answers (the bash, zsh and fish scripts and kubectl_complete-dbaas call it,
// cobra's contract): the candidates for the last word, found by walking the command tree — subcommands,
// flags, flag values (-o's formats, contexts, namespaces, storage classes) and live names for arguments.
// Not a command: cli.ts runs it over the fully loaded tree.
import type { Command, Option } from 'commander'
import type { ClusterFlags, Deps } from '../deps.ts'
import {
  contexts,
  Directive,
  formatCompletion,
  liveBackups,
  liveHaBackups,
  liveInstances,
  liveNamespaces,
  liveStorageClasses,
  shells,
  type Candidate,
} from '../core/completion.ts'
import { engines, getEngine } from '../engines/registry.ts'

const hidden = (c: Command) => (c as unknown as { _hidden?: boolean })._hidden === true
const takesValue = (o: Option) => o.required || o.optional

function findOption(cmd: Command, flag: string): Option | undefined {
  const name = flag.split('=')[0]
  for (let c: Command | null = cmd; c; c = c.parent) {
    const o = c.options.find((x) => x.long === name || x.short === name)
    if (o) return o
  }
  return undefined
}

function optionCandidates(cmd: Command): Candidate[] {
  const out: Candidate[] = []
  for (const o of cmd.options) {
    if (o.hidden) continue
    if (o.long) out.push({ value: o.long, description: o.description })
  }
  out.push({ value: '--help', description: 'show help' })
  return out
}

/** -o's formats, read from the option's choices or its "a|b|c" description. */
function choicesOf(o: Option): string[] | undefined {
  if (o.argChoices) return o.argChoices
  const m = /:\s*([a-z0-9-]+(?:\|[a-z0-9-]+)+)/.exec(o.description)
  // -o jsonpath=<template>: offer the prefix.
  return m ? (m[1] as string).split('|').map((f) => (f === 'jsonpath' ? 'jsonpath=' : f)) : undefined
}

interface Walk {
  cmd: Command
  positionals: string[]
  flags: ClusterFlags & { version?: string }
  values: Map<string, string>
}

/** Follows the words down the command tree, collecting positionals and flag values. */
function walk(program: Command, words: string[]): Walk {
  let cmd = program
  const positionals: string[] = []
  const values = new Map<string, string>()
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string
    if (w === '--') break
    if (w.startsWith('-')) {
      const o = findOption(cmd, w)
      if (o && takesValue(o)) {
        const v = w.includes('=') ? w.slice(w.indexOf('=') + 1) : words[++i]
        if (v !== undefined) values.set(o.attributeName(), v)
      }
      continue
    }
    const sub = positionals.length === 0 ? cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined
    if (sub) cmd = sub
    else positionals.push(w)
  }
  const flags = {
    kubeconfig: values.get('kubeconfig'),
    context: values.get('context'),
    namespace: values.get('namespace'),
    requestTimeout: values.get('requestTimeout'),
    version: values.get('version'),
  }
  return { cmd, positionals, flags, values }
}

function engineCandidates(): Candidate[] {
  return engines.flatMap((e) => [
    { value: e.name, description: `${e.displayName} ${e.versions.join(', ')}` },
    ...e.aliases.map((a) => ({ value: a, description: `${e.displayName} (alias)` })),
  ])
}

/** The candidates for the last word given the ones before it (cobra's __complete contract). */
export async function completeWords(program: Command, words: string[], deps: Deps): Promise<{ items: Candidate[]; directive: number }> {
  const current = words.length ? (words[words.length - 1] as string) : ''
  const before = words.slice(0, -1)
  const w = walk(program, before)
  const none = { items: [] as Candidate[], directive: Directive.noFileComp }
  const prev = before[before.length - 1]

  // The value of a flag: `--flag <TAB>` or `--flag=<TAB>`.
  let flagName: string | undefined
  let prefix = ''
  if (prev && prev.startsWith('-') && !prev.includes('=')) {
    const o = findOption(w.cmd, prev)
    if (o && o.required) flagName = o.attributeName()
  }
  if (!flagName && current.startsWith('--') && current.includes('=')) {
    const o = findOption(w.cmd, current)
    if (o && takesValue(o)) {
      flagName = o.attributeName()
      prefix = current.slice(0, current.indexOf('=') + 1)
    }
  }
  if (flagName) {
    const o = findOption(w.cmd, `--${flagName.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)
    let items: Candidate[] = []
    if (flagName === 'kubeconfig') return { items: [], directive: Directive.default }
    if (flagName === 'namespace') items = await liveNamespaces(w.flags, deps)
    else if (flagName === 'context') items = await contexts(w.flags, deps)
    else if (flagName === 'storageClass') items = await liveStorageClasses(w.flags, deps)
    else if (flagName === 'version' && w.cmd.name() === 'create') {
      try {
        const e = getEngine(w.positionals[0] ?? '')
        items = e.versions.map((v) => ({ value: v, description: v === e.defaultVersion ? 'default' : undefined }))
      } catch {
        items = engines.flatMap((e) => e.versions.map((v) => ({ value: v, description: e.displayName })))
      }
    } else if (o) items = (choicesOf(o) ?? []).map((v) => ({ value: v }))
    return { items: items.map((c) => ({ ...c, value: prefix + c.value })), directive: Directive.noFileComp }
  }

  if (current.startsWith('-')) return { items: optionCandidates(w.cmd), directive: Directive.noFileComp }

  // A subcommand, when this command has some and no positional was given yet.
  const subs = w.cmd.commands.filter((c) => !hidden(c))
  if (subs.length && w.positionals.length === 0) {
    const items = subs.map((c) => ({ value: c.name(), description: c.description() }))
    return { items, directive: Directive.noFileComp }
  }

  // A positional argument, by its name.
  const args = w.cmd.registeredArguments
  const arg = args[w.positionals.length] ?? (args[args.length - 1]?.variadic ? args[args.length - 1] : undefined)
  if (!arg) return none
  const name = arg.name()
  if (arg.argChoices) return { items: arg.argChoices.map((v) => ({ value: v })), directive: Directive.noFileComp }
  if (name === 'engine') return { items: engineCandidates(), directive: Directive.noFileComp }
  if (name === 'shell') return { items: shells.map((s) => ({ value: s })), directive: Directive.noFileComp }
  if (name === 'command') return { items: program.commands.filter((c) => !hidden(c)).map((c) => ({ value: c.name(), description: c.description() })), directive: Directive.noFileComp }
  // Each verb is offered only the names it accepts: `ha` verbs HA clusters and their CloudNativePG backups,
  // the single-instance verbs instances and VolumeSnapshot backups; `connect` takes either kind.
  let under: Command | null = w.cmd
  while (under && under.parent && under.parent.parent) under = under.parent
  const ha = under?.name() === 'ha'
  if (/backup/i.test(name)) return { items: await (ha ? liveHaBackups : liveBackups)(w.flags, deps), directive: Directive.noFileComp }
  // A new name (create, ha create) has nothing to complete; `ha backup create <name>` names an existing cluster.
  if (w.cmd.name() === 'create' && w.cmd.parent?.name() !== 'backup' && name === 'name') return none
  if (/name|instance|source|target|cluster/i.test(name)) {
    const kind = ha ? 'ha-cluster' : w.cmd.name() === 'connect' ? undefined : 'instance'
    return { items: await liveInstances(w.flags, deps, kind), directive: Directive.noFileComp }
  }
  return none
}

/** `dbaas __complete <words…>`: what the completion scripts (and kubectl_complete-dbaas) call. */
export async function runComplete(program: Command, words: string[], deps: Deps, descriptions = true): Promise<void> {
  let out = { items: [] as Candidate[], directive: Directive.noFileComp as number }
  try {
    out = await completeWords(program, words, deps)
  } catch {
    // Silent: a completion error must never print into the user's command line.
  }
  const current = words[words.length - 1] ?? ''
  const items = out.items.filter((c) => c.value.startsWith(current))
  deps.streams.out.write(formatCompletion(items, out.directive, descriptions))
}
