import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { VERSION } from '../version.ts'
import { clusterFlags, examples, format, outputOption, withClusterFlags, type RawClusterFlags } from './shared.ts'

export function versionCommand(deps: Deps): Command {
  const cmd = new Command('version')
    .description("Print dbaas's version (-o json adds helm's and the cluster's)")
    .addOption(outputOption(['table', 'json', 'yaml']))
  withClusterFlags(cmd)
  examples(cmd, [
    ["dbaas's version", 'dbaas version'],
    ['With helm and the cluster (each best effort)', 'dbaas version -o json'],
  ])
  return cmd.action(async (raw: RawClusterFlags & { output?: string }) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    if (fmt === 'table') {
      deps.printer.line(`dbaas ${VERSION}`)
      return
    }
    // Each part is best effort: a missing helm or cluster is reported in the document, not as a failure.
    const why = (err: unknown) => ({ error: (err as Error).message })
    const [helm, server] = await Promise.all([
      deps.helm.version().then((v) => v, why),
      deps.kube(clusterFlags(raw)).then((k) => k.serverVersion()).then((v) => v, why),
    ])
    deps.printer.data({ dbaas: VERSION, node: process.version, helm, server }, fmt as 'json' | 'yaml')
  })
}
