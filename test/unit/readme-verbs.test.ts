// The README shows every verb: each leaf of the command tree appears as `dbaas <path …>` in a line of a code
// block (an example a reader can copy), under its name or one of its aliases; a group's default verb
// (`metrics <name>` = `metrics show <name>`) may be shown without its own word.
import { readFileSync } from 'node:fs'
import { expect, it } from 'vitest'
import { commandTree, type CommandEntry } from '../../src/commands/index.ts'

interface Step {
  names: string[]
  isDefault: boolean
}

function leaves(entries: CommandEntry[], prefix: Step[] = []): Step[][] {
  return entries.flatMap((e) => {
    const step = { names: [e.name, ...(e.aliases ?? [])], isDefault: e.isDefault === true }
    return e.children ? leaves(e.children, [...prefix, step]) : [[...prefix, step]]
  })
}

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
/** The words after every `dbaas` of every code-block line (`a && dbaas b`, `source <(dbaas completion bash)` count). */
const invocations = [...readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)]
  .flatMap((m) => (m[1] ?? '').split('\n'))
  .flatMap((l) => [...l.matchAll(/(?:^|[\s(&|;$])dbaas\s+([^&|;#)]*)/g)].map((x) => (x[1] ?? '').trim().split(/\s+/)))

function shows(words: string[], path: Step[]): boolean {
  let i = 0
  for (const [k, step] of path.entries()) {
    if (step.names.includes(words[i] ?? '')) i++
    else if (!(step.isDefault && k === path.length - 1)) return false
  }
  return true
}

it.each(leaves(commandTree).map((p) => [p.map((s) => s.names[0]).join(' '), p] as const))('README has an example of dbaas %s', (name, path) => {
  expect(invocations.some((words) => shows(words, path)), `no README code block runs "dbaas ${name}"`).toBe(true)
})
