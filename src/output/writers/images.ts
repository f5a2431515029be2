// `dbaas images`: every image dbaas may pull, for mirroring. -o json|yaml is { registry, images: [{ image,
// source, engine, version, usedBy }] }; -o name prints one image per line; the table adds SOURCE when a
// registry rewrote the images.
import type { ImageRow, ImagesResult } from '../../core/images.ts'
import type { Writer } from '../writer.ts'

export const imagesWriter: Writer<ImagesResult> = {
  data: (r) => r,
  names: (r) => r.images.map((i) => i.image),
  human: (r, c) =>
    c.printer.table(
      r.images,
      [
        { header: 'IMAGE', get: (i) => i.image },
        { header: 'ENGINE', get: (i) => i.engine ?? '' },
        { header: 'VERSION', get: (i) => i.version ?? '' },
        { header: 'USED BY', get: (i) => i.usedBy },
        ...(r.registry ? [{ header: 'SOURCE', get: (i: ImageRow) => i.source }] : []),
      ],
      { noHeaders: c.noHeaders },
    ),
}
