// The result of every deletion (delete, backup delete, ha delete): one shape, documented as stable.

export interface DeletionResult {
  name: string
  /** The namespace it was found in; with --ignore-not-found and nothing found, -n or null. */
  namespace: string | null
  /** False only with --ignore-not-found when there was nothing of that name. */
  found: boolean
  dryRun: boolean
  /** What was deleted (with dryRun: what would be), e.g. `secret/x-credentials`, `namespace/dbaas-x`. */
  deleted: string[]
  /** What was kept, and why. */
  kept: Array<{ object: string; reason: string }>
  namespaceDeleted: boolean
}
