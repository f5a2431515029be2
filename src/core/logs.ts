// dbaas logs: the database container's log of each pod of an instance, prefixed by pod when there are several.
import type { ClusterFlags, Deps } from '../deps.ts'
import { engineFromLabel } from '../engines/registry.ts'
import { NotFoundError } from '../errors.ts'
import { R, type Kube, type KubeObject } from '../k8s/kube.ts'
import { instanceSelector } from '../k8s/labels.ts'
import { findInstance } from './find.ts'
import { toView } from './instances.ts'

export interface LogsOptions {
  name: string
  namespace?: string | undefined
  cluster: ClusterFlags
  follow: boolean
  sinceSeconds?: number | undefined
  tailLines?: number | undefined
  previous: boolean
}

/** The log lines of an instance's pods, read when forEach is called (with -f, until Ctrl-C). */
export interface LogStream {
  pods: string[]
  forEach(write: (line: string) => void): Promise<void>
}

/** Finds the pods; the lines are streamed by the result's forEach. */
export async function openLogs(o: LogsOptions, deps: Deps): Promise<LogStream> {
  const kube = await deps.kube(o.cluster)
  const parts = await findInstance(kube, { name: o.name, namespace: o.namespace })
  const engine = engineFromLabel(toView(parts, deps.now()).engine)
  const pods = (await kube.list(R.pods, parts.namespace, { labelSelector: instanceSelector(o.name) })).items
  if (pods.length === 0) {
    throw new NotFoundError(`instance "${o.name}" has no pods`, { hint: `\`dbaas status ${o.name} -n ${parts.namespace}\` explains why` })
  }
  const prefix = pods.length > 1
  return { pods: pods.map((p) => p.metadata.name), forEach: (write) => streamPods(o, deps, kube, parts.namespace, engine?.container, pods, prefix, write) }
}

async function streamPods(
  o: LogsOptions,
  deps: Deps,
  kube: Kube,
  namespace: string,
  container: string | undefined,
  pods: KubeObject[],
  prefix: boolean,
  write: (line: string) => void,
): Promise<void> {
  await Promise.all(
    pods.map(async (p) => {
      let rest = ''
      const emit = (line: string) => write(prefix ? `[${p.metadata.name}] ${line}` : line)
      await kube.logs(
        namespace,
        p.metadata.name,
        {
          ...(container ? { container } : {}),
          follow: o.follow,
          ...(o.sinceSeconds !== undefined ? { sinceSeconds: o.sinceSeconds } : {}),
          ...(o.tailLines !== undefined ? { tailLines: o.tailLines } : {}),
          previous: o.previous,
          signal: deps.signal,
        },
        (chunk) => {
          rest += chunk.toString('utf8')
          const lines = rest.split('\n')
          rest = lines.pop() ?? ''
          for (const l of lines) emit(l)
        },
      )
      if (rest !== '') emit(rest)
    }),
  )
}
