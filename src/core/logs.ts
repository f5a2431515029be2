// dbaas logs: the database container's log of each pod of an instance, prefixed by pod when there are several.
import type { ClusterFlags, Deps } from '../deps.ts'
import { engineFromLabel } from '../engines/registry.ts'
import { NotFoundError, PreconditionError } from '../errors.ts'
import { R, type Kube } from '../k8s/kube.ts'
import type { Pod } from '../k8s/types.ts'
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
  /** Pods left out, and why (no container started yet; no previous container with -p): said on stderr. */
  notes: string[]
  forEach(write: (line: string) => void): Promise<void>
}

/**
 * Why a pod has no log to show, or undefined when it has one: its container has not started (Pending,
 * ContainerCreating, an image still pulling), or, with -p, it never restarted so there is no previous one.
 */
export function noLogReason(p: Pod, container: string | undefined, previous: boolean): string | undefined {
  const statuses = p.status?.containerStatuses ?? []
  const cs = statuses.find((c) => c.name === container) ?? statuses[0]
  const phase = p.status?.phase ?? 'Pending'
  if (previous) {
    if (!cs?.lastState?.terminated && (cs?.restartCount ?? 0) === 0) return `pod ${p.metadata.name} has no previous container: it has not restarted`
    return undefined
  }
  if (cs?.state?.running || cs?.state?.terminated) return undefined
  const waiting = cs?.state?.waiting
  const why = waiting?.reason ? `${waiting.reason}${waiting.message ? `: ${waiting.message.split('\n')[0]}` : ''}` : phase
  if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') return cs ? `the container of pod ${p.metadata.name} has not started (${why})` : undefined
  return `pod ${p.metadata.name} is ${phase}${why !== phase ? ` (${why})` : ''}: its container has not started, so there is no log yet`
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
  // Pods without a log are left out with a note; with none left, there is nothing to show (7).
  const reasons = new Map(pods.map((p) => [p.metadata.name, noLogReason(p, engine?.container, o.previous)]))
  const ready = pods.filter((p) => !reasons.get(p.metadata.name))
  const notes = [...reasons.values()].filter((r): r is string => r !== undefined)
  if (ready.length === 0) {
    throw new PreconditionError(`no log to show: ${notes.join('; ')}`, {
      hint: o.previous ? `leave out -p for the current container's log: \`dbaas logs ${o.name} -n ${parts.namespace}\`` : `\`dbaas status ${o.name} -n ${parts.namespace}\` says why it has not started`,
    })
  }
  const prefix = pods.length > 1
  return { pods: ready.map((p) => p.metadata.name), notes, forEach: (write) => streamPods(o, deps, kube, parts.namespace, engine?.container, ready, prefix, write) }
}

async function streamPods(
  o: LogsOptions,
  deps: Deps,
  kube: Kube,
  namespace: string,
  container: string | undefined,
  pods: Pod[],
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
