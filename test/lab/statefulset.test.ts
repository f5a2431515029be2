// Done means 2: a StatefulSet with a volumeClaimTemplate on the default class gets a Running, Ready pod and
// a PVC Bound through the CSI provisioner.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kubectlJson, labInfo, tempNamespace } from './fixtures/lab.ts'
import { apply, statefulSet, waitJsonpath, waitPvcBound } from './fixtures/workloads.ts'

describe('StatefulSet with a volumeClaimTemplate', () => {
  let ns: Awaited<ReturnType<typeof tempNamespace>>
  beforeAll(async () => {
    ns = await tempNamespace('lab-sts')
  })
  afterAll(async () => ns?.cleanup())

  it('runs a Ready pod and binds its PVC on the default class', async () => {
    await apply(statefulSet('db', ns.name))
    await waitJsonpath('pod/db-0', ns.name, '{.status.phase}=Running')
    await waitJsonpath('pod/db-0', ns.name, "{.status.conditions[?(@.type=='Ready')].status}=True")
    await waitPvcBound('data-db-0', ns.name)
    await waitJsonpath('statefulset/db', ns.name, '{.status.readyReplicas}=1')

    const claim = await kubectlJson<{ spec: { storageClassName: string; volumeName: string }; metadata: { annotations: Record<string, string> } }>(['-n', ns.name, 'get', 'pvc', 'data-db-0'])
    expect(claim.spec.volumeName).toMatch(/^pvc-/)
    if (labInfo().isLab) {
      // The default class: the real node's data-carrying driver when it is up, the mock driver otherwise.
      const [cls, driver] = process.env.DBAAS_E2E_REAL_NODE === '1' ? ['lab-real', 'real.csi.lab.local'] : ['lab-csi', 'csi.lab.local']
      expect(claim.spec.storageClassName).toBe(cls)
      expect(claim.metadata.annotations['volume.kubernetes.io/storage-provisioner']).toBe(driver)
      const pv = await kubectlJson<{ spec: { csi: { driver: string } } }>(['get', 'pv', claim.spec.volumeName])
      expect(pv.spec.csi.driver).toBe(driver)
    }
  })
})
