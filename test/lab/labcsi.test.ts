// The real node's CSI driver (go/labcsi) without a kubelet: its Go tests drive every CSI call against a
// temporary root — directory volumes everywhere, sized volumes (XFS and ext4 on loop devices: made, filled,
// published, snapshotted, restored, cloned, grown online, mounted again after a restart, deleted leaving no
// mount or loop device) where the real node could run (root, loop devices, xfsprogs).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { labSourceDir } from './lib/paths.ts'
import { realNodeUnsupported } from './lib/realnode.ts'
import { runsWhen, SKIP_REASONS } from './tags.ts'

const dir = join(labSourceDir, 'go', 'labcsi')

/** `go test` of the driver's module, with build.sh's settings (its build cache is then warm). */
function goTest(run: string): { code: number | null; out: string } {
  const r = spawnSync('go', ['test', '-count=1', '-v', '-run', run, '.'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod', CGO_ENABLED: '0', GOTOOLCHAIN: 'local' },
  })
  return { code: r.status, out: `${r.stdout}${r.stderr}` }
}

describe('labcsi, the real node\'s CSI driver, without a kubelet', () => {
  it('directory volumes: create, snapshot, restore, expand (bookkeeping), delete', () => {
    const r = goTest('^TestDirectoryVolumes$')
    expect(r.code, r.out).toBe(0)
    expect(r.out).toContain('--- PASS: TestDirectoryVolumes')
  }, 600_000)

  // What the real node needs is what sized volumes need (root, /dev/loop-control, mkfs.xfs and xfs_growfs).
  const why = realNodeUnsupported()
  runsWhen(why === undefined && existsSync('/dev/loop-control'), SKIP_REASONS.realNode, why ?? 'loop devices').it(
    'sized volumes (XFS and ext4 on loop devices): the size seen through the mount, grown online, found again after a restart',
    () => {
      const r = goTest('^TestSized')
      expect(r.code, r.out).toBe(0)
      for (const t of ['TestSizedVolumesXFS', 'TestSizedVolumesExt4', 'TestSizedVolumeMinimumXFS']) expect(r.out).toContain(`--- PASS: ${t} `)
      expect(r.out).not.toContain('--- SKIP')
      process.stderr.write(`labcsi go test (sized volumes): ${r.out.split('\n').filter((l) => /^--- PASS/.test(l)).join('; ')}\n`)
    },
    600_000,
  )
})
