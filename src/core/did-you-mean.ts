// "did you mean …?" for mistyped instance names: on not-found, one list request for the names that do exist
// (metadata of the Secrets dbaas labelled), and the closest one by edit distance, if close enough.
import { NotFoundError, type DbaasError } from '../errors.ts'
import { INSTANCE, MANAGED } from '../k8s/labels.ts'
import { R, type Kube } from '../k8s/kube.ts'

/** Levenshtein distance, with a transposition counting as one edit (orders / odrers). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  }
  return d[a.length]![b.length]!
}

/** The closest candidate within a distance that still looks like a typo (or a prefix of a longer name). */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestD = Infinity
  const limit = Math.max(1, Math.min(3, Math.floor(name.length / 3)))
  for (const c of new Set(candidates)) {
    if (c === name) continue
    const dist = c.startsWith(name) && name.length >= 3 ? 1 : editDistance(name, c)
    if (dist <= limit && (dist < bestD || (dist === bestD && best !== undefined && c < best))) {
      best = c
      bestD = dist
    }
  }
  return best
}

/** The instance names dbaas labelled, in one namespace or everywhere; empty when they cannot be read. */
export async function instanceNames(kube: Kube, namespace?: string): Promise<Array<{ name: string; namespace: string }>> {
  try {
    const list = await kube.list(R.secrets, namespace, { labelSelector: MANAGED, metadataOnly: true })
    return list.items
      .map((s) => ({ name: s.metadata.labels?.[INSTANCE] ?? '', namespace: s.metadata.namespace ?? '' }))
      .filter((x) => x.name !== '')
  } catch {
    return []
  }
}

/** A not-found error that suggests the closest existing instance name, when there is one. */
export async function notFoundSuggesting(kube: Kube, name: string, namespace: string | undefined, fallback: DbaasError): Promise<DbaasError> {
  const names = await instanceNames(kube, namespace)
  const best = closest(name, names.map((n) => n.name))
  if (!best) return fallback
  const where = names.find((n) => n.name === best)?.namespace
  return new NotFoundError(fallback.message, {
    hint: `did you mean "${best}"${where && !namespace ? ` (namespace ${where})` : ''}? \`dbaas list${namespace ? ` -n ${namespace}` : ''}\` shows them all`,
    details: { suggestion: best },
  })
}
