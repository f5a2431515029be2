// The placement flags of every verb that creates an instance or cluster (create, restore, ha create, ha
// restore), defined once, and their pure parsing (core/placement.ts). Not a command: every verb folder may
// import it.
import type { Command } from 'commander'
import { parsePlacement, REGISTRY_ENV, type Placement, type RawPlacement } from '../core/placement.ts'

export type { RawPlacement }

const collect = (v: string, acc: string[]) => [...acc, v]

/** --node-selector, --toleration, --priority-class, --image-pull-secret, --image-registry. */
export function placementOptions(cmd: Command, o: { restore?: boolean } = {}): Command {
  const keep = o.restore ? "; default: the source's, an empty value for none" : ''
  return cmd
    .option('--node-selector <key=value>', `run only on nodes with this label; repeatable${keep}`, collect, [] as string[])
    .option('--toleration <key[=value]:Effect>', `tolerate a node taint (kubectl's taint syntax; Effect: NoSchedule, PreferNoSchedule or NoExecute); repeatable${keep}`, collect, [] as string[])
    .option('--priority-class <name>', `PriorityClass of the pods${o.restore ? "; default: the source's" : ' (default: the cluster default)'}`)
    .option('--image-pull-secret <name>', `a docker-registry Secret in the target namespace to pull images with; repeatable${keep}`, collect, [] as string[])
    .option('--image-registry <host[:port][/path]>', `pull every image from this registry (a mirror): postgres:18 → <registry>/library/postgres:18 (default: $${REGISTRY_ENV}${o.restore ? ", else the source's" : ''})`)
}

/** The placement given on the command line (and DBAAS_IMAGE_REGISTRY, read by complete), checked. */
export function placementFlags(raw: RawPlacement & { registryEnv?: string | undefined }): Placement {
  return parsePlacement(raw, { [REGISTRY_ENV]: raw.registryEnv })
}

/** What complete reads from the environment for the placement flags. */
export function placementEnv(env: NodeJS.ProcessEnv): { registryEnv?: string } {
  const v = env[REGISTRY_ENV]
  return v === undefined ? {} : { registryEnv: v }
}

/** --allow-system-namespace: Kubernetes' own namespaces and an operator's are refused without it. */
export function systemNamespaceOption(cmd: Command): Command {
  return cmd.option('--allow-system-namespace', "allow kube-system, kube-public, kube-node-lease or an operator's own namespace (refused otherwise)")
}
