// Where an instance's pods may run and where their images come from: --node-selector, --toleration,
// --priority-class, --image-pull-secret and --image-registry (or DBAAS_IMAGE_REGISTRY). Parsed and checked here
// before anything is sent; kept on the instance as one annotation (dbaas.io/placement, JSON) and copied onto its
// backups, so a restore — even of a deleted instance — runs where the source ran unless told otherwise. Pure.
import { UsageError } from '../errors.ts'
import { ANN } from '../k8s/labels.ts'

export const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const
export type Effect = (typeof EFFECTS)[number]

/** A pod toleration as the API has it (operator Exists when the taint syntax gave no value). */
export interface Toleration {
  key: string
  operator: 'Equal' | 'Exists'
  value?: string
  effect: Effect
}

/** What is set; an absent field is not set (the cluster's defaults apply). */
export interface Placement {
  nodeSelector?: Record<string, string>
  tolerations?: Toleration[]
  priorityClassName?: string
  imagePullSecrets?: string[]
  /** host[:port][/path] that replaces the registry of every image. */
  imageRegistry?: string
}

/** The flags as commander gives them: repeatable ones as arrays (empty when not given). */
export interface RawPlacement {
  nodeSelector?: string[]
  toleration?: string[]
  priorityClass?: string
  imagePullSecret?: string[]
  imageRegistry?: string
}

export const REGISTRY_ENV = 'DBAAS_IMAGE_REGISTRY'

// ---- syntax (the API server's own rules, so nothing it would refuse is sent) ----

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`)
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/

/** A label key (or taint key): an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/')
  const prefix = slash < 0 ? undefined : key.slice(0, slash)
  const name = slash < 0 ? key : key.slice(slash + 1)
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false
  return name.length > 0 && name.length <= 63 && QUALIFIED_NAME.test(name)
}

export function isLabelValue(v: string): boolean {
  return v.length <= 63 && LABEL_VALUE.test(v)
}

export function isSubdomain(v: string): boolean {
  return v.length > 0 && v.length <= 253 && DNS1123_SUBDOMAIN.test(v)
}

/** Splits list-valued flags: every occurrence, and commas within one (kubectl's -l style). */
function items(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim())
}

/** `--node-selector k=v` (repeatable, or k=v,k2=v2). A lone '' clears (on restore: none of the source's). */
export function parseNodeSelector(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of items(values)) {
    if (item === '') continue
    const eq = item.indexOf('=')
    const key = eq < 0 ? item : item.slice(0, eq)
    const value = eq < 0 ? undefined : item.slice(eq + 1)
    if (value === undefined) throw new UsageError(`--node-selector "${item}" is not key=value`, { hint: 'e.g. --node-selector disktype=ssd (repeat the flag for more labels)' })
    if (!isQualifiedName(key)) {
      throw new UsageError(`--node-selector key "${key}" is not a label key`, { hint: 'label keys are [prefix/]name: a DNS subdomain, then at most 63 letters, digits, -, _ or .' })
    }
    if (!isLabelValue(value)) {
      throw new UsageError(`--node-selector value "${value}" (for ${key}) is not a label value`, { hint: 'label values are at most 63 letters, digits, -, _ or ., starting and ending with a letter or digit' })
    }
    if (key in out && out[key] !== value) throw new UsageError(`--node-selector ${key} is given twice with different values`, { hint: 'a node has one value per label: pass each key once' })
    out[key] = value
  }
  return out
}

/** kubectl's taint syntax: key=value:Effect, or key:Effect (any value: operator Exists). */
export function parseToleration(text: string): Toleration {
  const t = text.trim()
  const colon = t.lastIndexOf(':')
  const hint = 'use kubectl\'s taint syntax: key=value:Effect or key:Effect, Effect one of NoSchedule, PreferNoSchedule, NoExecute (e.g. --toleration dedicated=db:NoSchedule)'
  if (colon < 0) throw new UsageError(`--toleration "${text}" has no effect`, { hint })
  const effect = t.slice(colon + 1)
  const kv = t.slice(0, colon)
  if (!(EFFECTS as readonly string[]).includes(effect)) {
    throw new UsageError(`--toleration "${text}": "${effect}" is not a taint effect`, { hint })
  }
  const eq = kv.indexOf('=')
  const key = eq < 0 ? kv : kv.slice(0, eq)
  const value = eq < 0 ? undefined : kv.slice(eq + 1)
  if (!isQualifiedName(key)) throw new UsageError(`--toleration "${text}": "${key}" is not a taint key`, { hint })
  if (value !== undefined && !isLabelValue(value)) throw new UsageError(`--toleration "${text}": "${value}" is not a taint value`, { hint })
  return value === undefined ? { key, operator: 'Exists', effect: effect as Effect } : { key, operator: 'Equal', value, effect: effect as Effect }
}

export function parseTolerations(values: readonly string[]): Toleration[] {
  const out: Toleration[] = []
  for (const v of values) {
    if (v.trim() === '') continue
    const t = parseToleration(v)
    if (!out.some((x) => JSON.stringify(x) === JSON.stringify(t))) out.push(t)
  }
  return out
}

export function parsePriorityClass(v: string): string {
  const name = v.trim()
  if (!isSubdomain(name)) {
    throw new UsageError(`--priority-class "${v}" is not a PriorityClass name`, { hint: 'names are lower-case letters, digits, - and ., at most 253 characters (see `kubectl get priorityclasses`)' })
  }
  return name
}

export function parsePullSecrets(values: readonly string[]): string[] {
  const out: string[] = []
  for (const name of items(values)) {
    if (name === '') continue
    if (!isSubdomain(name)) throw new UsageError(`--image-pull-secret "${name}" is not a Secret name`, { hint: 'Secret names are lower-case letters, digits, - and ., at most 253 characters' })
    if (!out.includes(name)) out.push(name)
  }
  return out
}

const HOST = '(?:[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])'
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*'
/** host[:port][/path…]: what an image reference may start with (the distribution reference grammar). */
export const REGISTRY_PATTERN = new RegExp(`^${HOST}(?::[0-9]{1,5})?(?:/${PATH_COMPONENT})*$`)

/** --image-registry / DBAAS_IMAGE_REGISTRY: host[:port][/path], no scheme; a trailing / is dropped. */
export function parseRegistry(v: string, from = '--image-registry'): string {
  const r = v.trim().replace(/\/+$/, '')
  if (/^[a-z]+:\/\//i.test(r)) {
    throw new UsageError(`${from} "${v}" has a scheme`, { hint: `give the registry as images name it, without https://: e.g. ${from === REGISTRY_ENV ? `${REGISTRY_ENV}=` : '--image-registry '}${r.replace(/^[a-z]+:\/\//i, '')}` })
  }
  if (!REGISTRY_PATTERN.test(r)) {
    throw new UsageError(`${from} "${v}" is not a registry`, { hint: 'use host[:port][/path], e.g. mirror.example:5000 or registry.corp/dockerhub' })
  }
  return r
}

/**
 * The placement flags given on the command line, checked; a field is present only when its flag (or, for the
 * registry, DBAAS_IMAGE_REGISTRY) was given, so a restore can replace exactly those fields of the source's.
 */
export function parsePlacement(raw: RawPlacement, env: { [REGISTRY_ENV]?: string | undefined } = {}): Placement {
  const out: Placement = {}
  if (raw.nodeSelector?.length) out.nodeSelector = parseNodeSelector(raw.nodeSelector)
  if (raw.toleration?.length) out.tolerations = parseTolerations(raw.toleration)
  if (raw.priorityClass !== undefined) out.priorityClassName = raw.priorityClass.trim() === '' ? '' : parsePriorityClass(raw.priorityClass)
  if (raw.imagePullSecret?.length) out.imagePullSecrets = parsePullSecrets(raw.imagePullSecret)
  if (raw.imageRegistry !== undefined) out.imageRegistry = raw.imageRegistry.trim() === '' ? '' : parseRegistry(raw.imageRegistry)
  else if (env[REGISTRY_ENV] !== undefined && env[REGISTRY_ENV] !== '') out.imageRegistry = parseRegistry(env[REGISTRY_ENV], REGISTRY_ENV)
  return out
}

/** Drops empty fields: what is kept on the instance and sent to the charts. */
export function normalize(p: Placement): Placement {
  const out: Placement = {}
  if (p.nodeSelector && Object.keys(p.nodeSelector).length) out.nodeSelector = Object.fromEntries(Object.entries(p.nodeSelector).sort(([a], [b]) => a.localeCompare(b)))
  if (p.tolerations?.length) out.tolerations = p.tolerations
  if (p.priorityClassName) out.priorityClassName = p.priorityClassName
  if (p.imagePullSecrets?.length) out.imagePullSecrets = p.imagePullSecrets
  if (p.imageRegistry) out.imageRegistry = p.imageRegistry
  return out
}

/** The source's placement with each field given on the command line replacing the source's (an empty one clears it). */
export function mergePlacement(source: Placement | undefined, given: Placement): Placement {
  return normalize({ ...(source ?? {}), ...given })
}

export function isEmpty(p: Placement): boolean {
  return Object.keys(normalize(p)).length === 0
}

// ---- kept on the instance ----

export const PLACEMENT_ANNOTATION = ANN.placement

/** The annotation value, or undefined when nothing is set (no annotation then). */
export function placementAnnotation(p: Placement): string | undefined {
  const n = normalize(p)
  return Object.keys(n).length ? JSON.stringify(n) : undefined
}

/**
 * Reads the annotation back. It is dbaas's own, but a person may have edited it: anything that does not parse
 * as the flags would is dropped field by field rather than sent on.
 */
export function readPlacement(annotations: Record<string, string> | undefined): Placement {
  const text = annotations?.[PLACEMENT_ANNOTATION]
  if (!text) return {}
  let v: Record<string, unknown>
  try {
    v = JSON.parse(text) as Record<string, unknown>
  } catch {
    return {}
  }
  if (typeof v !== 'object' || v === null) return {}
  const out: Placement = {}
  const attempt = (f: () => void) => {
    try {
      f()
    } catch {
      // a field that no longer passes the checks is left out
    }
  }
  const ns = v.nodeSelector
  if (ns && typeof ns === 'object') attempt(() => (out.nodeSelector = parseNodeSelector(Object.entries(ns as Record<string, unknown>).map(([k, x]) => `${k}=${String(x)}`))))
  if (Array.isArray(v.tolerations)) {
    attempt(() => {
      out.tolerations = (v.tolerations as Array<Record<string, unknown>>).map((t) =>
        parseToleration(`${String(t.key)}${t.operator === 'Exists' ? '' : `=${String(t.value ?? '')}`}:${String(t.effect)}`),
      )
    })
  }
  if (typeof v.priorityClassName === 'string') attempt(() => (out.priorityClassName = parsePriorityClass(v.priorityClassName as string)))
  if (Array.isArray(v.imagePullSecrets)) attempt(() => (out.imagePullSecrets = parsePullSecrets((v.imagePullSecrets as unknown[]).map(String))))
  if (typeof v.imageRegistry === 'string') attempt(() => (out.imageRegistry = parseRegistry(v.imageRegistry as string)))
  return normalize(out)
}

// ---- images ----

/**
 * An image reference with its registry replaced (`postgres:17` → `R/library/postgres:17`, `ghcr.io/x/y:t` →
 * `R/x/y:t`), as a mirror made by `crane copy`/`skopeo sync` lays images out. Without a registry, unchanged.
 * The first path component names a registry when it has a dot or a port or is `localhost` (Docker's rule);
 * otherwise the image is Docker Hub's, whose one-component names live under `library/`.
 */
export function rewriteImage(ref: string, registry: string | undefined): string {
  if (!registry) return ref
  const at = ref.indexOf('@')
  const beforeDigest = at < 0 ? ref : ref.slice(0, at)
  const digest = at < 0 ? '' : ref.slice(at)
  const lastSlash = beforeDigest.lastIndexOf('/')
  const colon = beforeDigest.lastIndexOf(':')
  const hasTag = colon > lastSlash
  const name = hasTag ? beforeDigest.slice(0, colon) : beforeDigest
  const tag = hasTag ? beforeDigest.slice(colon) : ''
  const parts = name.split('/')
  const first = parts[0] ?? ''
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')
  const path = hasDomain ? parts.slice(1) : parts.length === 1 ? ['library', ...parts] : parts
  return `${registry}/${path.join('/')}${tag}${digest}`
}
