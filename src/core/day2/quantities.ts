// Kubernetes quantities as the day-2 checks compare them: CPU in millicores, memory and storage in bytes.
// Pure.
import { parseBytes } from '../names.ts'

/** "250m" → 250, "1" → 1000, "0.5" → 500, "2.5" → 2500; undefined when malformed. */
export function parseMillicores(q: string | number | undefined | null): number | undefined {
  if (q === undefined || q === null) return undefined
  if (typeof q === 'number') return Number.isFinite(q) ? Math.round(q * 1000) : undefined
  const t = q.trim()
  const m = /^([0-9]+(?:\.[0-9]+)?)(m|k|M|G)?$/.exec(t)
  if (!m) return undefined
  const n = Number(m[1])
  switch (m[2]) {
    case 'm':
      return Math.round(n)
    case 'k':
      return Math.round(n * 1e6)
    case 'M':
      return Math.round(n * 1e9)
    case 'G':
      return Math.round(n * 1e12)
    default:
      return Math.round(n * 1000)
  }
}

/** Bytes of a memory or storage quantity, also the exponent forms the API server may return (129e6). */
export function parseQuantityBytes(q: string | number | undefined | null): number | undefined {
  if (q === undefined || q === null) return undefined
  if (typeof q === 'number') return q
  const t = q.trim()
  const e = /^([0-9]+(?:\.[0-9]+)?)[eE]([0-9]+)$/.exec(t)
  if (e) return Number(e[1]) * 10 ** Number(e[2])
  // Ei and E are beyond Number's integer precision but compare fine.
  const ex = /^([0-9]+(?:\.[0-9]+)?)(Ei|E)$/.exec(t)
  if (ex) return Number(ex[1]) * (ex[2] === 'Ei' ? 2 ** 60 : 1e18)
  return parseBytes(t)
}

/** 1500 → "1500m", 2000 → "2". */
export function formatMillicores(m: number): string {
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`
}

/** Bytes as the largest binary unit that divides them: 2147483648 → "2Gi", else plain bytes. */
export function formatBytes(b: number): string {
  for (const [unit, mult] of [['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (b >= mult && b % mult === 0) return `${b / mult}${unit}`
  }
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toFixed(1)}Gi`
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)}Mi`
  return String(b)
}

/** Whether two CPU quantities are the same amount ("1" and "1000m"). */
export function sameCpu(a: string | undefined, b: string | undefined): boolean {
  const x = parseMillicores(a)
  const y = parseMillicores(b)
  return x !== undefined && x === y
}

/** Whether two byte quantities are the same amount ("1Gi" and "1024Mi"). */
export function sameBytes(a: string | undefined | null, b: string | undefined | null): boolean {
  const x = parseQuantityBytes(a)
  const y = parseQuantityBytes(b)
  return x !== undefined && x === y
}
