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
    // Each driver has its own default class; the claim's driver picks it (the real node's when it is up).
    const expected = process.env.DBAAS_E2E_REAL_NODE === '1' ? 'lab-real-snapclass' : 'lab-snapclass'
    if (labInfo().isLab) expect(cls).toBe(expected)

    await apply(statefulSet('db', ns.name))
    await waitPvcBound('data-db-0', ns.name)
    await apply(volumeSnapshot('snap-1', ns.name, { pvc: 'data-db-0' }))
    await waitSnapshotReady('snap-1', ns.name)

    const snap = await kubectlJson<{ spec: { volumeSnapshotClassName: string }; status: { readyToUse: boolean; boundVolumeSnapshotContentName: string } }>(['-n', ns.name, 'get', 'volumesnapshot', 'snap-1'])
    expect(snap.status.readyToUse).toBe(true)
    if (labInfo().isLab) expect(snap.spec.volumeSnapshotClassName).toBe(expected)
    expect(snap.status.boundVolumeSnapshotContentName).toMatch(/^snapcontent-/)

    await apply(pvc('restored', ns.name, { fromSnapshot: 'snap-1' }))
    await waitPvcBound('restored', ns.name)
    const restored = await kubectlJson<{ spec: { dataSource: { kind: string; name: string } } }>(['-n', ns.name, 'get', 'pvc', 'restored'])
    expect(restored.spec.dataSource).toMatchObject({ kind: 'VolumeSnapshot', name: 'snap-1' })
  })
})
