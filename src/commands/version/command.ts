// dbaas version: dbaas's version; for a script also Node's, helm's and the cluster's (each best effort).
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { versionWriter, type VersionInfo } from '../../output/writers/setup.ts'
import { VERSION } from '../../version.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate, type VersionOptions } from './options.ts'

async function versions(o: VersionOptions, deps: Deps): Promise<VersionInfo> {
  if (!o.full) return { dbaas: VERSION }
  // A missing helm or cluster is reported in the document, not as a failure.
  const why = (err: unknown) => ({ error: (err as Error).message })
  const [helm, server] = await Promise.all([
    deps.helm.version().then((v) => v, why),
    deps.kube(o.cluster).then((k) => k.serverVersion()).then((v) => v, why),
  ])
  return { dbaas: VERSION, node: process.version, helm, server }
}

export default (deps: Deps): Command =>
  command(
    {
      name: 'version',
      description: "Print dbaas's version (-o json adds helm's and the cluster's)",
      options: (cmd) => {
        clusterOptions(cmd)
      },
      examples: [
        ["dbaas's version", 'dbaas version'],
        ['With helm and the cluster (each best effort)', 'dbaas version -o json'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'jsonpath'], writer: versionWriter },
      complete,
      validate,
      run: versions,
    },
    deps,
  )
