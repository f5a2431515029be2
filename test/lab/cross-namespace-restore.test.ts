// Done means 4: restore into a different namespace through a pre-provisioned VolumeSnapshotContent
// (deletionPolicy Retain) bound to a new VolumeSnapshot there, then a PVC from it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kubectl, kubectlJson, tempNamespace, uniqueName } from './fixtures/lab.ts'
import { apply, defaultSnapshotClass, pvc, volumeSnapshot, waitPvcBound, waitSnapshotReady } from './fixtures/workloads.ts'

describe('cross-namespace restore', () => {
  let source: Awaited<ReturnType<typeof tempNamespace>>
  let target: Awaited<ReturnType<typeof tempNamespace>>
  const contentName = uniqueName('lab-restore-content')
  beforeAll(async () => {
    source = await tempNamespace('lab-src')
    target = await tempNamespace('lab-dst')
  })
  afterAll(async () => {
    await target?.cleanup()
    await source?.cleanup()
    await kubectl(['delete', 'volumesnapshotcontent', contentName, '--ignore-not-found', '--wait=false'])
  })

  it('binds a pre-provisioned content to a snapshot in another namespace and restores from it', async (ctx) => {
    const cls = await defaultSnapshotClass()
    if (!cls) return ctx.skip('the cluster has no default VolumeSnapshotClass')

    await apply(pvc('data', source.name))
    await waitPvcBound('data', source.name)
    await apply(volumeSnapshot('snap', source.name, { pvc: 'data' }))
    await waitSnapshotReady('snap', source.name)
    const snap = await kubectlJson<{ status: { boundVolumeSnapshotContentName: string } }>(['-n', source.name, 'get', 'volumesnapshot', 'snap'])
    const content = await kubectlJson<{ spec: { driver: string }; status: { snapshotHandle: string } }>(['get', 'volumesnapshotcontent', snap.status.boundVolumeSnapshotContentName])
    expect(content.status.snapshotHandle).toBeTruthy()

    await apply(
      {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshotContent',
        metadata: { name: contentName },
        spec: {
          deletionPolicy: 'Retain',
          driver: content.spec.driver,
          volumeSnapshotClassName: cls,
          source: { snapshotHandle: content.status.snapshotHandle },
          volumeSnapshotRef: { namespace: target.name, name: 'restored-snap' },
        },
      },
      volumeSnapshot('restored-snap', target.name, { content: contentName }, cls),
    )
    await waitSnapshotReady('restored-snap', target.name)
    const bound = await kubectlJson<{ status: { boundVolumeSnapshotContentName: string; readyToUse: boolean } }>(['-n', target.name, 'get', 'volumesnapshot', 'restored-snap'])
    expect(bound.status).toMatchObject({ boundVolumeSnapshotContentName: contentName, readyToUse: true })

    await apply(pvc('restored', target.name, { fromSnapshot: 'restored-snap' }))
    await waitPvcBound('restored', target.name)
  })
})
