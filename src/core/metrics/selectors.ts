// Kubernetes label selectors as the Prometheus Operator reads them (metav1.LabelSelector): matchLabels and
// matchExpressions (In, NotIn, Exists, DoesNotExist), ANDed. Two questions: does a selector match these
// labels, and which labels would a new object need to be matched by it.

export interface LabelSelectorRequirement {
  key: string
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | string
  values?: string[] | undefined
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | undefined
  matchExpressions?: LabelSelectorRequirement[] | undefined
}

/** An empty selector ({}): matches everything. A null one is the caller's to interpret (it means "nothing" for monitors, "own namespace" for namespaces). */
export function isEmptySelector(s: LabelSelector): boolean {
  return Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0
}

function requirementHolds(r: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key)
  const v = labels[r.key]
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(v as string)
    case 'NotIn':
      return !has || !(r.values ?? []).includes(v as string)
    case 'Exists':
      return has
    case 'DoesNotExist':
      return !has
    default:
      return false
  }
}

/** The requirements of a selector these labels do not meet, as kubectl prints them (`release=x`, `team in (a,b)`, `tier`, `!legacy`). */
export function unmet(s: LabelSelector, labels: Record<string, string>): string[] {
  const out: string[] = []
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) out.push(`${k}=${v}`)
  for (const r of s.matchExpressions ?? []) if (!requirementHolds(r, labels)) out.push(describeRequirement(r))
  return out
}

export function matches(s: LabelSelector, labels: Record<string, string>): boolean {
  return unmet(s, labels).length === 0
}

export function describeRequirement(r: LabelSelectorRequirement): string {
  switch (r.operator) {
    case 'In':
      return `${r.key} in (${(r.values ?? []).join(',')})`
    case 'NotIn':
      return `${r.key} notin (${(r.values ?? []).join(',')})`
    case 'Exists':
      return r.key
    case 'DoesNotExist':
      return `!${r.key}`
    default:
      return `${r.key} ${r.operator} (${(r.values ?? []).join(',')})`
  }
}

/** kubectl's rendering of a whole selector: `release=x,team in (a,b)`; `<everything>` for {}. */
export function describeSelector(s: LabelSelector): string {
  if (isEmptySelector(s)) return '<everything>'
  return [...Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`), ...(s.matchExpressions ?? []).map(describeRequirement)].join(',')
}

/** The value given to a label a selector only needs to exist. */
export const EXISTS_VALUE = 'true'

/**
 * Labels to add to `base` so that the selector matches, or a reason it cannot be done: a key it requires
 * with another value than base (or earlier choices) has, a key it forbids that base carries, an unknown operator.
 */
export function labelsToMatch(s: LabelSelector, base: Record<string, string>): { labels: Record<string, string> } | { conflict: string } {
  const want: Record<string, string> = {}
  const has = (k: string) => Object.hasOwn(base, k) || Object.hasOwn(want, k)
  const value = (k: string) => (Object.hasOwn(want, k) ? want[k] : base[k])
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) {
    if (has(k) && value(k) !== v) return { conflict: `it needs ${k}=${v}, and the monitor has ${k}=${value(k) as string}` }
    if (!Object.hasOwn(base, k)) want[k] = v
  }
  for (const r of s.matchExpressions ?? []) {
    const vals = r.values ?? []
    switch (r.operator) {
      case 'In':
        if (has(r.key)) {
          if (!vals.includes(value(r.key) as string)) return { conflict: `it needs ${describeRequirement(r)}, and the monitor has ${r.key}=${value(r.key) as string}` }
        } else if (vals[0] !== undefined) want[r.key] = vals[0]
        else return { conflict: `its requirement ${r.key} in () matches nothing` }
        break
      case 'NotIn':
        if (has(r.key) && vals.includes(value(r.key) as string)) return { conflict: `it needs ${describeRequirement(r)}, and the monitor has ${r.key}=${value(r.key) as string}` }
        break
      case 'Exists':
        if (!has(r.key)) want[r.key] = EXISTS_VALUE
        break
      case 'DoesNotExist':
        if (has(r.key)) return { conflict: `it needs the monitor to have no label ${r.key}` }
        break
      default:
        return { conflict: `its selector has an operator dbaas does not know (${r.operator})` }
    }
  }
  return { labels: want }
}
