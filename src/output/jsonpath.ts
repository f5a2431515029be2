// kubectl's JSONPath templates (`-o jsonpath='{.items[*].name}'`), evaluated over the document that -o json
// prints. Text outside braces is printed as it is; inside: `.field`, `['key']`, `[n]` (negative from the
// end), `[a:b]`, `[*]`, `..field` (recursive), `[?(@.x=="y")]` filters (==, !=, <, <=, >, >=, or existence),
// `{range …}…{end}`, string literals (`{"\n"}`), `@` and `$`. Several results print space-separated; a
// missing key prints nothing (kubectl's default). No library implements kubectl's dialect (client-node
// carries JSONPath-Plus, a different syntax), so this small evaluator is dbaas's own.
import { UsageError } from '../errors.ts'

type Step =
  | { t: 'field'; name: string }
  | { t: 'recurse'; name: string | undefined }
  | { t: 'index'; i: number }
  | { t: 'slice'; from: number | undefined; to: number | undefined }
  | { t: 'wild' }
  | { t: 'filter'; path: Step[]; op: string | undefined; value: unknown }

type Node =
  | { t: 'text'; s: string }
  | { t: 'path'; root: '$' | '@'; steps: Step[] }
  | { t: 'literal'; s: string }
  | { t: 'range'; root: '$' | '@'; steps: Step[]; body: Node[] }

function bad(template: string, why: string): UsageError {
  return new UsageError(`-o jsonpath template ${JSON.stringify(template)}: ${why}`, { hint: "e.g. -o jsonpath='{.name}' or -o jsonpath='{range [*]}{.name}{\"\\n\"}{end}'" })
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c)
}

function parseLiteral(v: string): unknown {
  const t = v.trim()
  if (/^'.*'$/s.test(t) || /^".*"$/s.test(t)) return t.slice(1, -1)
  if (t === 'true' || t === 'false') return t === 'true'
  if (t !== '' && Number.isFinite(Number(t))) return Number(t)
  return t
}

/** Parses the path of one `{…}` action into steps. */
function parsePath(src: string, template: string): { root: '$' | '@'; steps: Step[] } {
  let i = 0
  // A path is relative to the current node (the item of an enclosing range, else the document); `$` is the document.
  let root: '$' | '@' = '@'
  if (src[0] === '$' || src[0] === '@') {
    root = src[0] as '$' | '@'
    i = 1
  }
  const steps: Step[] = []
  const ident = () => {
    const m = /^[A-Za-z0-9_\-/]+|^\*/.exec(src.slice(i))
    if (!m) return undefined
    i += m[0].length
    return m[0]
  }
  while (i < src.length) {
    const c = src[i]
    if (c === '.' && src[i + 1] === '.') {
      i += 2
      const name = ident()
      steps.push({ t: 'recurse', name: name === '*' ? undefined : name })
    } else if (c === '.') {
      i++
      if (i >= src.length) break
      if (src[i] === '[') continue
      const name = ident()
      if (name === undefined) throw bad(template, `unexpected "${src.slice(i)}"`)
      steps.push(name === '*' ? { t: 'wild' } : { t: 'field', name })
    } else if (c === '[') {
      const end = matching(src, i, template)
      const inner = src.slice(i + 1, end).trim()
      i = end + 1
      if (inner === '*') steps.push({ t: 'wild' })
      else if (/^'.*'$|^".*"$/s.test(inner)) steps.push({ t: 'field', name: inner.slice(1, -1) })
      else if (/^-?\d+$/.test(inner)) steps.push({ t: 'index', i: Number(inner) })
      else if (/^-?\d*:-?\d*$/.test(inner)) {
        const [a, b] = inner.split(':')
        steps.push({ t: 'slice', from: a === '' ? undefined : Number(a), to: b === '' ? undefined : Number(b) })
      } else if (inner.startsWith('?(') && inner.endsWith(')')) {
        const expr = inner.slice(2, -1).trim()
        const m = /^(@[^=!<>]*?)\s*(==|!=|<=|>=|<|>)\s*(.+)$/s.exec(expr)
        const lhs = (m ? m[1] : expr)?.trim() ?? ''
        if (!lhs.startsWith('@')) throw bad(template, `a filter compares @…: "${expr}"`)
        steps.push({ t: 'filter', path: parsePath(lhs, template).steps, op: m?.[2], value: m ? parseLiteral(m[3] ?? '') : undefined })
      } else throw bad(template, `cannot read "[${inner}]"`)
    } else if (/[A-Za-z_]/.test(c ?? '') && steps.length === 0 && i === 0) {
      const name = ident()
      steps.push({ t: 'field', name: name ?? '' })
    } else {
      throw bad(template, `unexpected "${src.slice(i)}"`)
    }
  }
  return { root, steps }
}

function matching(src: string, open: number, template: string): number {
  let depth = 0
  let quote: string | undefined
  for (let j = open; j < src.length; j++) {
    const c = src[j]
    if (quote) {
      if (c === quote) quote = undefined
      continue
    }
    if (c === '"' || c === "'") quote = c
    else if (c === '[') depth++
    else if (c === ']' && --depth === 0) return j
  }
  throw bad(template, 'a "[" is not closed')
}

export function parseTemplate(template: string): Node[] {
  const root: Node[] = []
  const stack: Node[][] = [root]
  let i = 0
  while (i < template.length) {
    const open = template.indexOf('{', i)
    const top = stack[stack.length - 1] as Node[]
    if (open < 0) {
      top.push({ t: 'text', s: template.slice(i) })
      break
    }
    if (open > i) top.push({ t: 'text', s: template.slice(i, open) })
    let close = -1
    let quote: string | undefined
    for (let j = open + 1; j < template.length; j++) {
      const c = template[j]
      if (quote) {
        if (c === '\\') j++
        else if (c === quote) quote = undefined
      } else if (c === '"' || c === "'") quote = c
      else if (c === '}') {
        close = j
        break
      }
    }
    if (close < 0) throw bad(template, 'a "{" is not closed')
    const action = template.slice(open + 1, close).trim()
    i = close + 1
    if (/^".*"$/s.test(action) || /^'.*'$/s.test(action)) top.push({ t: 'literal', s: unescape(action.slice(1, -1)) })
    else if (action === 'end') {
      if (stack.length === 1) throw bad(template, '{end} without {range}')
      stack.pop()
    } else if (action.startsWith('range ')) {
      const node: Node = { t: 'range', ...parsePath(action.slice(6).trim(), template), body: [] }
      top.push(node)
      stack.push(node.body)
    } else top.push({ t: 'path', ...parsePath(action, template) })
  }
  if (stack.length > 1) throw bad(template, '{range} without {end}')
  return root
}

function children(v: unknown): unknown[] {
  if (Array.isArray(v)) return v
  if (v && typeof v === 'object') return Object.values(v as Record<string, unknown>)
  return []
}

function compare(a: unknown, op: string, b: unknown): boolean {
  switch (op) {
    case '==':
      return a === b || String(a) === String(b)
    case '!=':
      return !(a === b || String(a) === String(b))
    case '<':
      return Number(a) < Number(b)
    case '<=':
      return Number(a) <= Number(b)
    case '>':
      return Number(a) > Number(b)
    case '>=':
      return Number(a) >= Number(b)
  }
  return false
}

function walk(values: unknown[], steps: Step[]): unknown[] {
  let cur = values
  for (const s of steps) {
    const next: unknown[] = []
    for (const v of cur) {
      if (s.t === 'field') {
        if (v && typeof v === 'object' && !Array.isArray(v) && s.name in (v as object)) next.push((v as Record<string, unknown>)[s.name])
      } else if (s.t === 'wild') next.push(...children(v))
      else if (s.t === 'index') {
        if (Array.isArray(v)) {
          const x = v[s.i < 0 ? v.length + s.i : s.i]
          if (x !== undefined) next.push(x)
        }
      } else if (s.t === 'slice') {
        if (Array.isArray(v)) next.push(...v.slice(s.from, s.to))
      } else if (s.t === 'filter') {
        for (const item of children(v)) {
          const got = walk([item], s.path)
          if (s.op === undefined ? got.length > 0 && got[0] !== false && got[0] !== null : got.length > 0 && compare(got[0], s.op, s.value)) next.push(item)
        }
      } else {
        const visit = (x: unknown) => {
          if (x && typeof x === 'object') {
            if (s.name === undefined) next.push(...children(x))
            else if (!Array.isArray(x) && s.name in (x as object)) next.push((x as Record<string, unknown>)[s.name])
            for (const c of children(x)) visit(c)
          }
        }
        visit(v)
      }
    }
    cur = next
  }
  return cur
}

function show(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === null || v === undefined) return ''
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

function render(nodes: Node[], root: unknown, current: unknown): string {
  let out = ''
  for (const n of nodes) {
    if (n.t === 'text' || n.t === 'literal') out += n.s
    else if (n.t === 'path') out += walk([n.root === '@' ? current : root], n.steps).map(show).join(' ')
    else for (const item of walk([n.root === '@' ? current : root], n.steps)) out += render(n.body, root, item)
  }
  return out
}

/** Evaluates a kubectl JSONPath template over a JSON document. */
export function jsonpath(template: string, doc: unknown): string {
  const json = JSON.parse(JSON.stringify(doc ?? null)) as unknown
  return render(parseTemplate(template), json, json)
}
