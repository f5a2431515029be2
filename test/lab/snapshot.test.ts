// Done means 3: a VolumeSnapshot of a StatefulSet's PVC reaches readyToUse; a PVC from it becomes Bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kubectlJson, labInfo, tempNamespace } from './fixtures/lab.ts'
import { apply, defaultSnapshotClass, pvc, statefulSet, volumeSnapshot, waitPvcBound, waitSnapshotReady } from './fixtures/workloads.ts'

describe('VolumeSnapshot and restore in the same namespace', () => {
  let ns: Awaited<ReturnType<typeof tempNamespace>>
  beforeAll(async () => {
    ns = await tempNamespace('lab-snap')
  })
  afterAll(async () => ns?.cleanup())

  it('snapshots a PVC and restores a new PVC from it', async (ctx) => {
    const cls = await defaultSnapshotClass()
    if (!cls) return ctx.skip('the cluster has no default VolumeSnapshotClass')
    if (labInfo().isLab) expect(cls).toBe('lab-snapclass')

    await apply(statefulSet('db', ns.name))
    await waitPvcBound('data-db-0', ns.name)
    await apply(volumeSnapshot('snap-1', ns.name, { pvc: 'data-db-0' }))
    await waitSnapshotReady('snap-1', ns.name)

    const snap = await kubectlJson<{ status: { readyToUse: boolean; boundVolumeSnapshotContentName: string } }>(['-n', ns.name, 'get', 'volumesnapshot', 'snap-1'])
    expect(snap.status.readyToUse).toBe(true)
    expect(snap.status.boundVolumeSnapshotContentName).toMatch(/^snapcontent-/)

    await apply(pvc('restored', ns.name, { fromSnapshot: 'snap-1' }))
    await waitPvcBound('restored', ns.name)
    const restored = await kubectlJson<{ spec: { dataSource: { kind: string; name: string } } }>(['-n', ns.name, 'get', 'pvc', 'restored'])
    expect(restored.spec.dataSource).toMatchObject({ kind: 'VolumeSnapshot', name: 'snap-1' })
  })
})
