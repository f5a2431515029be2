// Views that follow the cluster (`list --watch`, `status --watch`): the view's own read, and the watches
// that say when to read it again (no polling). Watches are restarted when the server ends them; the signal
// (Ctrl-C) ends everything. Drawing is the output layer's (output/writers/live.ts).
import type { Kube, ListOptions, ResourceType } from '../k8s/kube.ts'
import { sleep } from '../k8s/wait.ts'

export interface WatchSource {
  r: ResourceType
  namespace: string | undefined
  opts?: ListOptions
}

export interface LiveView<T> {
  /** Reads the whole view again. */
  read(): Promise<T>
  /** Runs the watches, calling onChange on every event, until the signal aborts. */
  changes(onChange: () => void): Promise<void>
  signal: AbortSignal
}


/** onChange on every event of these watches until the signal aborts; an expired or dropped watch restarts. */
export async function watchSources(kube: Kube, sources: WatchSource[], signal: AbortSignal, onChange: () => void): Promise<void> {
  const loop = async (s: WatchSource) => {
    while (!signal.aborted) {
      try {
        await kube.watch(s.r, s.namespace, { ...s.opts, signal, timeoutSeconds: 300 }, (ev) => {
          if (ev.type !== 'BOOKMARK') onChange()
        })
      } catch {
        // An expired or dropped watch: start over (the redraw re-reads the whole view).
        if (!signal.aborted) await sleep(1000, signal)
      }
      onChange()
    }
  }
  await Promise.all(sources.map(loop))
}
