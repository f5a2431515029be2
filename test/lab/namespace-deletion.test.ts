// Done means 5: deleting a namespace with workloads, claims and secrets in it completes.
import { describe, expect, it } from 'vitest'
import { kubectl, kubectlOk, uniqueName, waitFor } from './fixtures/lab.ts'
import { apply, pvc, statefulSet, waitJsonpath, waitPvcBound } from './fixtures/workloads.ts'

describe('namespace deletion', () => {
  it('removes the namespace and everything in it', async () => {
    const ns = uniqueName('lab-nsdel')
    await kubectlOk(['create', 'namespace', ns])
    await apply(statefulSet('db', ns), pvc('extra', ns), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: ns }, stringData: { k: 'v' } })
    await waitJsonpath('pod/db-0', ns, '{.status.phase}=Running')
    await waitPvcBound('extra', ns)

    await kubectlOk(['delete', 'namespace', ns, '--wait=false'])
    await waitFor(`namespace ${ns} to be gone`, 120_000, async () => {
      const r = await kubectl(['get', 'namespace', ns])
      return r.code !== 0 && /NotFound|not found/.test(r.stderr)
    }, 500)
    const r = await kubectl(['get', 'namespace', ns])
    expect(r.code).not.toBe(0)
  })
})
