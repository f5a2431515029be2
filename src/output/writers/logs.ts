// logs: the lines as they come, each prefixed by its pod when there are several.
import type { LogStream } from '../../core/logs.ts'
import type { Writer } from '../writer.ts'

export const logsWriter: Writer<LogStream> = {
  data: (s) => ({ pods: s.pods }),
  notes: (s) => s.notes,
  human: (s, c) => s.forEach((line) => c.printer.line(line)),
}
