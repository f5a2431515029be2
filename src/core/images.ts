// dbaas images: every image dbaas may ask a cluster to pull — the single-instance engines' official images, the
// CloudNativePG operand images `ha create` writes, the Node image of in-cluster jobs (scheduled backups) — with
// --image-registry applied, so a mirror can be filled before an air-gapped cluster needs it. Pure: no cluster.
import { UsageError } from '../errors.ts'
import { engines } from '../engines/registry.ts'
import type { Engine } from '../engines/types.ts'
import { IMAGE_REPO as CNPG_IMAGE_REPO, MAJORS as CNPG_MAJORS } from './ha/model.ts'
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

function all(): Array<Omit<ImageRow, 'image'>> {
  const rows: Array<Omit<ImageRow, 'image'>> = []
  for (const e of engines) {
    for (const v of e.versions) rows.push({ source: `${e.image}:${v}`, engine: e.name, version: v, usedBy: 'create' })
    if (e.name === 'postgresql') {
      for (const m of [...CNPG_MAJORS].reverse()) rows.push({ source: `${CNPG_IMAGE_REPO}:${m}`, engine: e.name, version: m, usedBy: 'ha create' })
    }
  }
  rows.push({ source: NODE_JOB_IMAGE, engine: null, version: null, usedBy: 'in-cluster jobs' })
  return rows
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
