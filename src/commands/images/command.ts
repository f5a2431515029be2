// dbaas images: every image dbaas may pull (engines, CloudNativePG operands, in-cluster jobs), for mirroring.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { listImages } from '../../core/images.ts'
import { REGISTRY_ENV } from '../../core/placement.ts'
import { imagesWriter } from '../../output/writers/images.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'images',
      description: 'List every image dbaas may pull (engines, CloudNativePG operands, in-cluster jobs), for mirroring',
      options: (cmd) => {
        cmd
          .option('--engine <engine>', 'only the images of this engine (postgresql also has the CloudNativePG operand images)')
          .option('--version <version>', 'only the images of this version')
          .option('--image-registry <host[:port][/path]>', `show the images as pulled from this mirror (default: $${REGISTRY_ENV})`)
      },
      examples: [
        ['Every image, as the cluster would pull it', 'dbaas images'],
        ['What to copy where, to fill a mirror with the PostgreSQL 17 images', "dbaas images --engine postgres --version 17 --image-registry mirror.example:5000 -o jsonpath='{range .images[*]}{.source} {.image}{\"\\n\"}{end}'"],
        ['The names under a mirror, one per line', 'dbaas images --image-registry mirror.example:5000 -o name'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: imagesWriter, table: true },
      complete,
      validate,
      run: async (o) => listImages(o),
    },
    deps,
  )
