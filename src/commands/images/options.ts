// images' options: --engine, --version and the registry (--image-registry, else DBAAS_IMAGE_REGISTRY).
import type { ImagesOptions } from '../../core/images.ts'
import { parseRegistry, REGISTRY_ENV } from '../../core/placement.ts'
import { getEngine } from '../../engines/registry.ts'
import type { CompleteContext } from '../pipeline.ts'
import { placementEnv } from '../placement.ts'

export interface RawImages {
  engine?: string
  version?: string
  imageRegistry?: string
}

export interface ImagesInput extends RawImages {
  registryEnv?: string | undefined
}

export function complete(c: CompleteContext<RawImages>): ImagesInput {
  return { ...c.raw, ...placementEnv(c.deps.env) }
}

export function validate(i: ImagesInput): ImagesOptions {
  const registry =
    i.imageRegistry !== undefined
      ? i.imageRegistry.trim() === ''
        ? undefined
        : parseRegistry(i.imageRegistry)
      : i.registryEnv
        ? parseRegistry(i.registryEnv, REGISTRY_ENV)
        : undefined
  return {
    engine: i.engine === undefined ? undefined : getEngine(i.engine),
    version: i.version,
    registry,
  }
}
