// `list --watch` and `status --watch`: draw once, then redraw whenever a watch reports a change to what the
// view is made of (no polling). Watches are restarted when the server ends them; Ctrl-C ends the loop, and
// the process exits 130.
import type { Deps } from '../deps.ts'
import { Printer } from '../output/output.ts'
import { isDbaasError, UsageError } from '../errors.ts'
import { clusterFlags, format, type RawClusterFlags } from './shared.ts'
import { listInstances } from '../core/list.ts'
import { instanceStatus } from '../core/status.ts'
import { R, type Kube, type ListOptions, type ResourceType } from '../k8s/kube.ts'
import { instanceSelector, KIND, Kinds, MANAGED } from '../k8s/labels.ts'
import { instanceColumns } from './list.ts'
import { printStatus } from './status.ts'

export interface WatchSource {
  r: ResourceType
  namespace: string | undefined
  opts?: ListOptions
}

/** Renders into a string with the same colours the terminal would get. */
export async function renderToString(deps: Deps, draw: (d: Deps) => void | Promise<void>): Promise<string> {
  const chunks: string[] = []
  const out = { isTTY: deps.streams.out.isTTY, write: (s: string) => chunks.push(s) }
  // Notes such as "No instances found." belong to the view too.
  const streams = { out, err: out }
  const printer = new Printer(streams, deps.env)
  try {
    await draw({ ...deps, printer, streams })
  } catch (err) {
    if (!isDbaasError(err)) throw err
    chunks.push(`${err.message}${err.hint ? `\n${err.hint}` : ''}\n`)
  }
  return chunks.join('')
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true })
  })

export async function redrawOnChange(deps: Deps, kube: Kube, sources: WatchSource[], render: () => Promise<string>, opts: { debounceMs?: number } = {}): Promise<void> {
  const signal = deps.signal
  const out = deps.streams.out
  const tty = out.isTTY === true
  let last = ''
  let drawing = Promise.resolve()
  const draw = async () => {
    const text = await render()
    if (text === last) return
    if (tty) out.write(`\x1b[H\x1b[2J${text}`)
    else out.write(`${last ? '\n' : ''}${text}`)
    last = text
  }
  await draw()
  let timer: NodeJS.Timeout | undefined
  const schedule = () => {
    if (timer) return
    timer = setTimeout(() => {
      timer = undefined
      drawing = drawing.then(draw).catch((err: Error) => deps.printer.warn(`redraw failed: ${err.message}`))
    }, opts.debounceMs ?? 150)
  }
  const loop = async (s: WatchSource) => {
    while (!signal.aborted) {
      try {
        await kube.watch(s.r, s.namespace, { ...s.opts, signal, timeoutSeconds: 300 }, (ev) => {
          if (ev.type !== 'BOOKMARK') schedule()
        })
      } catch {
        // An expired or dropped watch: start over (the redraw re-reads the whole view).
        if (!signal.aborted) await sleep(1000, signal)
      }
      schedule()
    }
  }
  await Promise.all(sources.map(loop))
  if (timer) clearTimeout(timer)
  await drawing
}

// ---- the two views ----------------------------------------------------------------------------------------


export async function watchList(raw: RawClusterFlags & { allNamespaces?: boolean; selector?: string; output?: string }, deps: Deps): Promise<void> {
  const fmt = format(raw, ['table', 'wide', 'json', 'yaml', 'name'])
  if (fmt !== 'table' && fmt !== 'wide') throw new UsageError('--watch draws a table', { hint: 'use -o table or -o wide with --watch' })
  const cluster = clusterFlags(raw)
  const kube = await deps.kube(cluster)
  let namespace = raw.allNamespaces ? undefined : cluster.namespace
  let warned = false
  const render = () =>
    renderToString(deps, async (d) => {
      const res = await listInstances({ cluster, namespace: raw.allNamespaces ? undefined : cluster.namespace, selector: raw.selector }, d)
      if (res.fellBackTo) {
        namespace = res.fellBackTo
        if (!warned) deps.printer.warn(`you may not list across namespaces; showing namespace ${res.fellBackTo} only`)
        warned = true
      }
      d.printer.table(res.items, instanceColumns(d.now()), { wide: fmt === 'wide', empty: 'No instances found.' })
    })
  // The first render settles the namespace (a fall-back when cluster-wide listing is refused).
  await render()
  const extra = raw.selector ? `,${raw.selector}` : ''
  await redrawOnChange(deps, kube, [
    { r: R.statefulSets, namespace, opts: { labelSelector: `${MANAGED},${KIND}=${Kinds.instance}${extra}` } },
    { r: R.pods, namespace, opts: { labelSelector: `${MANAGED}${extra}` } },
  ], render)
}

export async function watchStatus(name: string, raw: RawClusterFlags & { output?: string }, deps: Deps): Promise<void> {
  const fmt = format(raw, ['table', 'json', 'yaml'])
  if (fmt !== 'table') throw new UsageError('--watch draws the status for people', { hint: 'leave out -o, or use -o json without --watch' })
  const cluster = clusterFlags(raw)
  const kube = await deps.kube(cluster)
  // Resolve the namespace once; the view is then re-read there on every change.
  const first = await instanceStatus({ name, namespace: raw.namespace, cluster }, deps)
  const ns = first.namespace
  const render = () =>
    renderToString(deps, async (d) => {
      d.printer.line(`Every change to ${name} in ${ns}; Ctrl-C to stop.\n`)
      printStatus(await instanceStatus({ name, namespace: ns, cluster }, d), d)
    })
  const sel = instanceSelector(name)
  await redrawOnChange(deps, kube, [
    { r: R.statefulSets, namespace: ns, opts: { fieldSelector: `metadata.name=${name}` } },
    { r: R.pods, namespace: ns, opts: { labelSelector: sel } },
    { r: R.pvcs, namespace: ns, opts: { labelSelector: sel } },
    { r: R.events, namespace: ns, opts: { fieldSelector: 'type=Warning' } },
  ], render)
}
