// Deletions, one shape for every destructive verb (delete, backup delete, ha delete): what was (or would be)
// deleted, what was kept and why, and whether the namespace went too. With --ignore-not-found on a name that
// does not exist, the same shape with nothing in it.
import type { DeletionResult } from '../../core/deletion.ts'
import type { Writer } from '../writer.ts'

/** The writer of one noun's deletions ("instance", "backup", "HA cluster"). */
export function deletionWriter(noun: string): Writer<DeletionResult> {
  return {
    data: (r) => r,
    names: (r) => r.deleted,
    notes: (r) => (r.found ? [] : [`${noun} "${r.name}" not found; nothing to delete`]),
    human: (r, c) => {
      const p = c.printer
      if (!r.found) return
      if (r.dryRun) {
        for (const d of r.deleted) p.line(`would delete ${d}`)
        for (const k of r.kept) p.line(`would keep ${k.object}: ${k.reason}`)
        return
      }
      p.line(`${noun} "${r.name}" deleted from namespace ${r.namespace}`)
      for (const k of r.kept) p.note(`kept ${k.object}: ${k.reason}`)
    },
  }
}
