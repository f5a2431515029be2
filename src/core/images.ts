// dbaas images: every image dbaas may ask a cluster to pull — the single-instance engines' official images, the
// images `ha create` writes for each HA engine (read from the engine's own builder, so this list cannot drift
// from what is sent), the Node image of in-cluster jobs (scheduled backups) — with --image-registry applied, so
// a mirror can be filled before an air-gapped cluster needs it. Pure: no cluster.
import { UsageError } from '../errors.ts'
import { engines } from '../engines/registry.ts'
import type { Engine } from '../engines/types.ts'
import type { HaEngine } from './ha/engine.ts'
import { HA_ENGINES } from './ha/registry.ts'
import { rewriteImage } from './placement.ts'

/** The Node image in-cluster jobs run on (the scheduled-backup CronJob). */
export const NODE_JOB_IMAGE = 'node:24-slim'

export type ImageUse = 'create' | 'ha create' | 'in-cluster jobs'

export interface ImageRow {
  /** What the cluster pulls: under the registry when one is given. */
  image: string
  /** The reference without a registry (what to copy into the mirror). */
  source: string
  /** null for images of no engine (the jobs' Node image). */
  engine: string | null
  version: string | null
  usedBy: ImageUse
}

export interface ImagesOptions {
  engine?: Engine | undefined
  version?: string | undefined
  registry?: string | undefined
}

export interface ImagesResult {
  registry: string | null
  images: ImageRow[]
}

/** Every `image` / `imageName` string in an object sent to the cluster. */
function imagesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) imagesIn(v, out)
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if ((k === 'image' || k === 'imageName') && typeof v === 'string') out.push(v)
      else imagesIn(v, out)
    }
  }
  return out
}

/** The images an HA engine's builder writes for one version (its topologies together). */
export function haImages(e: HaEngine, version: string): string[] {
  const found: string[] = []
  for (const topology of e.topologies) {
    const spec = { engine: e.id, topology, name: 'x', namespace: 'x', instances: 3, database: 'app', user: 'app', storage: '1Gi', params: {}, version }
    found.push(...imagesIn(e.build(spec)), ...e.extras(spec).flatMap((o) => imagesIn(o)))
  }
  return [...new Set(found)]
}

function all(): Array<Omit<ImageRow, 'image'>> {
  const rows: Array<Omit<ImageRow, 'image'>> = []
  for (const e of engines) {
    for (const v of e.versions) rows.push({ source: `${e.image}:${v}`, engine: e.name, version: v, usedBy: 'create' })
    for (const ha of HA_ENGINES.filter((h) => h.engine === e.name)) {
      for (const v of ha.versions) for (const source of haImages(ha, v)) rows.push({ source, engine: e.name, version: v, usedBy: 'ha create' })
    }
  }
  rows.push({ source: NODE_JOB_IMAGE, engine: null, version: null, usedBy: 'in-cluster jobs' })
  // One row per image: an image shared by several versions (PXC's HAProxy) is listed once, with its first version.
  const seen = new Set<string>()
  return rows.filter((r) => (seen.has(r.source) ? false : (seen.add(r.source), true)))
}

/** The images, filtered by engine and version (a version no image has is a usage error naming the ones there are). */
export function listImages(o: ImagesOptions): ImagesResult {
  let rows = all()
  if (o.engine) rows = rows.filter((r) => r.engine === o.engine?.name)
  if (o.version !== undefined) {
    const v = o.version.replace(/^v/, '')
    const hit = rows.filter((r) => r.version === v)
    if (hit.length === 0) {
      const known = [...new Set(rows.map((r) => r.version).filter((x): x is string => x !== null))]
      throw new UsageError(`no image of ${o.engine ? o.engine.displayName : 'any engine'} has version "${o.version}"`, {
        hint: `versions: ${known.join(', ')}`,
      })
    }
    rows = hit
  }
  return { registry: o.registry ?? null, images: rows.map((r) => ({ image: rewriteImage(r.source, o.registry), ...r })) }
}
