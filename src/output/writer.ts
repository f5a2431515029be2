// One Writer per result type (helm's output.Writer): the document -o json|yaml|jsonpath prints, the lines
// -o name prints, and the view for people. Commands hand their result and the parsed -o to writeResult and
// never look at the format themselves.
import type { Printer, Style } from './printer.ts'
import type { OutputSpec } from './format.ts'
import { jsonpath } from './jsonpath.ts'

/** What a Writer's human view may use. */
export interface HumanContext {
  printer: Printer
  style: Style
  wide: boolean
  noHeaders: boolean
  now: number
  /** The clock `now` came from, for views that redraw later. */
  clock: () => number
  /** A command's own text variant of the human view (e.g. connection's --format uri|env). */
  variant?: string | undefined
}

export interface Writer<R> {
  /** The stable document of -o json|yaml, and what -o jsonpath reads. */
  data(r: R): unknown
  /** The table or text for people (-o table|wide). May be async (a live view, a stream). */
  human(r: R, c: HumanContext): void | Promise<void>
  /** -o name: one line per object (kubectl's `kind/name`, dbaas's plain names). */
  names?(r: R): string[]
  /** Notes for stderr, printed before the result in every format (e.g. "kept the existing password"). */
  notes?(r: R): string[]
  /** Warnings for stderr (`Warning: …`), printed before the result in every format. */
  warnings?(r: R): string[]
  /** -o yaml when it is not simply data(r) as one document (multi-document manifests). */
  yaml?(r: R, printer: Printer): Promise<void>
}

/** Writes one result in the format the user asked for. */
export async function writeResult<R>(writer: Writer<R>, r: R, out: OutputSpec, printer: Printer, clock: () => number): Promise<void> {
  for (const w of writer.warnings?.(r) ?? []) printer.warn(w)
  for (const n of writer.notes?.(r) ?? []) printer.note(n)
  switch (out.format) {
    case 'json':
      return printer.json(writer.data(r))
    case 'yaml':
      return writer.yaml ? writer.yaml(r, printer) : printer.yaml(writer.data(r))
    case 'jsonpath':
      printer.streams.out.write(jsonpath(out.template ?? '', writer.data(r)))
      return
    case 'name':
      for (const n of writer.names?.(r) ?? []) printer.line(n)
      return
    default:
      return writer.human(r, { printer, style: printer.outStyle, wide: out.format === 'wide', noHeaders: out.noHeaders, now: clock(), clock, variant: out.variant })
  }
}

/** The notes a result carries in its own `notes` field (most core results do). */
export function ownNotes(r: { notes?: string[] | undefined }): string[] {
  return r.notes ?? []
}
