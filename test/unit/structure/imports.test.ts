// The source's structure, checked: no import cycles (value imports, dynamic ones included; `import type` is
// erased and does not count), commands never import another command's folder, the core imports neither the
// output layer nor the prompts, and no object type is left as `any`.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : []
  })
}

/** Relative imports of a file that exist at run time: `import x from`, `export … from`, `import('…')`. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const out: string[] = []
  const statics = /^\s*(import|export)\s+(?!type\b)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm
  for (const m of text.matchAll(statics)) {
    // `import { type A, type B } from` carries no value either.
    const clause = m[0].slice(0, m[0].lastIndexOf('from'))
    const names = /\{([^}]*)\}/.exec(clause)?.[1]
    const onlyTypes = names !== undefined && !/^\s*(import|export)\s+\w/.test(clause.replace(/^\s*(import|export)\s+\{/, '')) && names.split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '))
    if (!onlyTypes) out.push(resolve(dirname(file), m[2] as string))
  }
  for (const m of text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) out.push(resolve(dirname(file), m[1] as string))
  return out
}

const all = files(src)
const graph = new Map(all.map((f) => [f, imports(f)]))
const rel = (f: string) => relative(src, f)

describe('the source structure', () => {
  it('reads the import graph (value and dynamic imports, not type-only ones)', () => {
    const edges = (f: string) => (graph.get(join(src, f)) ?? []).map(rel)
    expect(edges('cli.ts')).toContain('commands/index.ts')
    expect(edges('commands/index.ts')).toContain('commands/create/command.ts') // import('./create/command.ts')
    // output/writers/instances.ts imports only types from the core.
    expect(edges('output/writers/instances.ts').filter((d) => d.startsWith('core/'))).toEqual([])
  })

  it('has no import cycles', () => {
    const cycles: string[] = []
    const state = new Map<string, 'visiting' | 'done'>()
    const stack: string[] = []
    const visit = (f: string) => {
      if (state.get(f) === 'done') return
      if (state.get(f) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(f)), f].map(rel).join(' → '))
        return
      }
      state.set(f, 'visiting')
      stack.push(f)
      for (const g of graph.get(f) ?? []) visit(g)
      stack.pop()
      state.set(f, 'done')
    }
    for (const f of all) visit(f)
    expect(cycles).toEqual([])
  })

  it('no command folder imports another command folder', () => {
    const folderOf = (f: string) => {
      const r = rel(f).split('/')
      if (r[0] !== 'commands' || r.length < 3) return undefined
      return r.slice(0, -1).join('/')
    }
    const bad: string[] = []
    for (const [f, deps] of graph) {
      const mine = folderOf(f)
      if (!mine) continue
      for (const d of deps) {
        const theirs = folderOf(d)
        // A folder may hold its sub-verbs' folders (ha/backup/create) but never import them.
        if (theirs && theirs !== mine) bad.push(`${rel(f)} → ${rel(d)}`)
      }
    }
    expect(bad).toEqual([])
  })

  it('the core imports neither the output layer nor the prompts', () => {
    const bad = [...graph].filter(([f]) => rel(f).startsWith('core/')).flatMap(([f, deps]) =>
      deps.filter((d) => rel(d).startsWith('output/') || rel(d) === 'prompts.ts' || rel(d).startsWith('commands/')).map((d) => `${rel(f)} → ${rel(d)}`),
    )
    // Type-only imports are erased; check those too, textually.
    for (const f of all.filter((x) => rel(x).startsWith('core/'))) {
      const text = readFileSync(f, 'utf8')
      for (const m of text.matchAll(/from\s+['"](\.[^'"]+)['"]/g)) {
        const d = rel(resolve(dirname(f), m[1] as string))
        if (d.startsWith('output/') || d === 'prompts.ts' || d.startsWith('commands/')) bad.push(`${rel(f)} → ${d}`)
      }
    }
    expect([...new Set(bad)]).toEqual([])
  })

  it('no `spec?: any` / `status?: any`, and no `any` annotations at all', () => {
    const bad = all.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, i }))
        .filter(({ line }) => /:\s*any\b|\bas any\b|<any>/.test(line))
        .map(({ i }) => `${rel(f)}:${i + 1}`),
    )
    expect(bad).toEqual([])
  })
})
