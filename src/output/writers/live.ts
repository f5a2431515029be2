// A live view for people: draw once, then redraw whenever the view's watches report a change (debounced),
// until Ctrl-C. On a terminal the screen is cleared and redrawn; otherwise each new view is appended. An error
// while reading (the instance was deleted meanwhile) is drawn in place of the view.
import type { LiveView } from '../../core/live.ts'
import { isDbaasError } from '../../errors.ts'
import { Printer } from '../printer.ts'
import type { HumanContext, Writer } from '../writer.ts'

/** Renders into a string with the colours the terminal would get. */
async function renderToString(c: HumanContext, draw: (c: HumanContext) => void | Promise<void>): Promise<string> {
  const chunks: string[] = []
  const sink = { isTTY: c.printer.streams.out.isTTY, write: (s: string) => chunks.push(s) }
  // Notes such as "No instances found." belong to the view too.
  const printer = new Printer({ out: sink, err: sink }, c.printer.colorEnv)
  try {
    await draw({ ...c, printer, style: printer.outStyle, now: c.clock() })
  } catch (err) {
    if (!isDbaasError(err)) throw err
    chunks.push(`${err.message}${err.hint ? `\n${err.hint}` : ''}\n`)
  }
  return chunks.join('')
}

/**
 * `header` is said once on stderr (what is watched, how to stop): stdout carries only the view, the same for
 * `list --watch` and `status --watch`.
 */
export function liveWriter<T>(draw: (view: T, c: HumanContext) => void | Promise<void>, opts: { debounceMs?: number; header?: string } = {}): Writer<LiveView<T>> {
  return {
    data: () => undefined,
    notes: () => (opts.header ? [opts.header] : []),
    human: async (live, c) => {
      const out = c.printer.streams.out
      const tty = out.isTTY === true
      let last = ''
      const render = () => renderToString(c, async (cc) => draw(await live.read(), cc))
      const show = async () => {
        const text = await render()
        if (text === last) return
        if (tty) out.write(`\x1b[H\x1b[2J${text}`)
        else out.write(`${last ? '\n' : ''}${text}`)
        last = text
      }
      await show()
      let drawing = Promise.resolve()
      let timer: NodeJS.Timeout | undefined
      const schedule = () => {
        if (timer) return
        timer = setTimeout(() => {
          timer = undefined
          drawing = drawing.then(show).catch((err: Error) => c.printer.warn(`redraw failed: ${err.message}`))
        }, opts.debounceMs ?? 150)
      }
      await live.changes(schedule)
      if (timer) clearTimeout(timer)
      await drawing
    },
  }
}
