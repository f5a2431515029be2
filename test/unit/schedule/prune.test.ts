// Which of a schedule's backups a run deletes (rules 1-4), and what counts as a restore still reading one.
import { describe, expect, it } from 'vitest'
import { choosePrunable, pvcReaders, restoreReaders } from '../../../src/core/schedule/prune.ts'
import type { PersistentVolumeClaim, VolumeSnapshotContent } from '../../../src/k8s/types.ts'

const H = 3_600_000
const b = (name: string, hoursAgo: number, ready = true, expired = false) => ({ name, createdAt: 100 * H - hoursAgo * H, ready, expired })
const names = (xs: Array<{ name: string }>) => xs.map((x) => x.name)

describe('choosePrunable', () => {
  it('keeps exactly --keep ready backups, newest first', () => {
    const c = choosePrunable([b('a', 4), b('b', 3), b('c', 2), b('d', 1)], { keep: 2 })
    expect(names(c.keep)).toEqual(['d', 'c'])
    expect(c.delete).toEqual([
      { name: 'b', reason: 'beyond --keep 2' },
      { name: 'a', reason: 'beyond --keep 2' },
    ])
  })

  it('deletes expired backups but never the newest ready one', () => {
    const c = choosePrunable([b('a', 30, true, true), b('b', 20, true, true)], { keep: undefined })
    expect(names(c.delete)).toEqual(['a'])
    expect(c.keep).toEqual([{ name: 'b', reason: 'newest ready backup (kept although expired)' }])
  })

  it('does not count failed runs against --keep, and removes them once a newer backup is ready', () => {
    const c = choosePrunable([b('old-ok', 5), b('failed', 4, false), b('ok', 3), b('running', 0, false)], { keep: 2 })
    expect(names(c.keep)).toEqual(['running', 'ok', 'old-ok'])
    expect(c.delete).toEqual([{ name: 'failed', reason: 'never became ready; superseded by ok' }])
  })

  it('keeps everything without a limit and nothing expired', () => {
    expect(choosePrunable([b('a', 2), b('b', 1)], {}).delete).toEqual([])
  })

  it('keeps a not-ready backup when no ready one exists (the only attempt may still finish)', () => {
    expect(choosePrunable([b('x', 1, false)], { keep: 1 }).delete).toEqual([])
  })
})

describe('restores reading a backup', () => {
  const content = (name: string, handle: string, ref = 'x'): VolumeSnapshotContent => ({ metadata: { name }, spec: { source: { snapshotHandle: handle }, volumeSnapshotRef: { name: ref } }, status: { snapshotHandle: handle } })
  it('sees another content with the same snapshot handle (a cross-namespace restore in progress)', () => {
    const contents = [content('own', 'h1'), content('restore-copy', 'h1'), content('other', 'h2')]
    expect(restoreReaders('h1', 'own', contents)).toEqual(['restore-copy'])
    expect(restoreReaders('h2', 'other', contents)).toEqual([])
    expect(restoreReaders(undefined, 'own', contents)).toEqual([])
  })
  it('sees a PVC created from the snapshot that is not Bound yet', () => {
    const pvc = (name: string, phase: string): PersistentVolumeClaim => ({ metadata: { name }, spec: { dataSource: { kind: 'VolumeSnapshot', name: 'snap', apiGroup: 'snapshot.storage.k8s.io' } }, status: { phase } })
    expect(pvcReaders('snap', [pvc('filling', 'Pending'), pvc('done', 'Bound')])).toEqual(['filling'])
  })
})
