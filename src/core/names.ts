// Name and size validation, before anything is sent. Pure.
import { UsageError } from '../errors.ts'

export const MAX_NAME = 40
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/

/**
 * Instance names are DNS-1035 labels of at most 40 characters: room for the `dbaas-` namespace prefix,
 * helm's 53-character release names and the StatefulSet's 52-character limit with its pod suffixes.
 */
export function validateName(name: string, what = 'instance name'): string {
  if (name === '') throw new UsageError(`the ${what} is empty`, { hint: 'names look like my-db: lower-case letters, digits and dashes' })
  if (name.length > MAX_NAME) {
    throw new UsageError(`the ${what} "${name}" is ${name.length} characters long; at most ${MAX_NAME} are allowed`, {
      hint: 'pick a shorter name',
    })
  }
  if (!DNS1035.test(name)) {
    throw new UsageError(`the ${what} "${name}" is not valid`, {
      hint: 'use lower-case letters, digits and dashes, starting with a letter and ending with a letter or digit (e.g. orders-db)',
    })
  }
  return name
}

/** Kubernetes namespace names are DNS-1123 labels (≤ 63). */
export function validateNamespace(ns: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63) {
    throw new UsageError(`the namespace "${ns}" is not valid`, {
      hint: 'namespaces are lower-case letters, digits and dashes, at most 63 characters',
    })
  }
  return ns
}

export function defaultNamespace(name: string): string {
  return `dbaas-${name}`
}

const BIN: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 }
const DEC: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 }

/**
 * The one rule for sizes (--storage, --memory, restore's --storage): a non-negative decimal with an optional
 * binary (Ki…Ei) or decimal (k…E) suffix — the subset of Kubernetes' quantity syntax the charts' schemas
 * accept. Every chart's values.schema.json uses exactly this pattern for storage.size (a unit test holds
 * them equal), so what dbaas accepts, helm accepts. Exponents (1e3) and millis (500m) are not sizes here.
 */
export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$'
const SIZE = new RegExp(SIZE_PATTERN)
const SIZE_HINT = 'use a number with a suffix Ki, Mi, Gi, Ti, Pi, Ei (powers of 1024) or k, M, G, T, P, E (powers of 1000), e.g.'

/** Parses a Kubernetes byte quantity (10Gi, 500M, 1073741824) into bytes, or undefined when malformed. */
export function parseBytes(q: string): number | undefined {
  const m = SIZE.exec(q.trim())
  if (!m) return undefined
  const n = Number(/^[0-9.]+/.exec(m[0])?.[0])
  const unit = m[2]
  const mult = unit === undefined ? 1 : (BIN[unit] ?? DEC[unit] ?? 1)
  return n * mult
}

export function validateStorage(q: string, flag = '--storage'): string {
  const bytes = parseBytes(q)
  if (bytes === undefined || bytes <= 0) {
    throw new UsageError(`${flag} "${q}" is not a size`, { hint: `${SIZE_HINT} ${flag} 10Gi` })
  }
  if (bytes < 2 ** 20) {
    throw new UsageError(`${flag} "${q}" is too small for a database`, { hint: 'use at least 1Mi; databases usually want 1Gi or more (e.g. --storage 10Gi)' })
  }
  return q.trim()
}

export function validateMemory(q: string): string {
  const bytes = parseBytes(q)
  if (bytes === undefined || bytes <= 0) {
    throw new UsageError(`--memory "${q}" is not a memory size`, { hint: `${SIZE_HINT} --memory 512Mi` })
  }
  if (bytes < 32 * 2 ** 20) {
    throw new UsageError(`--memory "${q}" is too small for a database`, { hint: 'use at least 32Mi (e.g. --memory 512Mi)' })
  }
  return q.trim()
}

/** CPU: whole or fractional cores (0.5, 2) or millicores (500m). */
export function validateCpu(q: string): string {
  const m = /^([0-9]+(?:\.[0-9]{1,3})?|[0-9]+m)$/.exec(q.trim())
  const value = m ? (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q)) : NaN
  if (!m || !(value > 0)) {
    throw new UsageError(`--cpu "${q}" is not a CPU amount`, { hint: 'use cores (0.5, 2) or millicores (250m)' })
  }
  return q.trim()
}

/** Durations as kubectl and helm take them: 90s, 5m, 1h30m, or a bare number of seconds. */
export function parseDuration(text: string, flag = '--timeout'): number {
  const t = text.trim()
  if (/^[0-9]+$/.test(t) && Number(t) > 0) return Number(t) * 1000
  const re = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g
  let total = 0
  let consumed = 0
  for (const m of t.matchAll(re)) {
    if (m.index !== consumed) break
    consumed += m[0].length
    const n = Number(m[1])
    total += n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd']
  }
  if (consumed !== t.length || t === '' || total <= 0) {
    throw new UsageError(`${flag} "${text}" is not a duration`, { hint: 'use e.g. 90s, 5m or 1h' })
  }
  return total
}

/** Database and user names the engines accept without quoting. */
export function validateIdentifier(value: string, flag: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,31}$/.test(value)) {
    throw new UsageError(`${flag} "${value}" is not a valid name`, {
      hint: 'use letters, digits and underscores, starting with a letter, at most 32 characters',
    })
  }
  if (['root', 'postgres', 'mysql', 'mariadb.sys'].includes(value.toLowerCase()) && flag === '--user') {
    throw new UsageError(`--user "${value}" is reserved by the engine`, { hint: 'pick another user name, e.g. app' })
  }
  return value
}

/** --request-timeout as kubectl reads it: a duration, or 0 (in any unit) for no timeout. */
export function parseRequestTimeout(text: string): number {
  return /^0+(ms|s|m|h)?$/.test(text.trim()) ? 0 : parseDuration(text, '--request-timeout')
}
