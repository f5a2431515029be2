// Benchmark of the lab: cold build time (when the binaries are missing), warm `lab:up` time (goal ≤ 20 s)
// with each component's start time, `lab:up` on a running lab, the running lab's total RSS (goal ≤ 1.2 GB)
// and `lab:down`. Prints figures only.
//   node bench/lab.ts            on a private lab (own state dir, ports shifted): the shared lab is untouched
//   node bench/lab.ts --shared   on the shared lab (taken down first if running, left as found)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const shared = process.argv.includes('--shared')
const privateDir = shared ? undefined : mkdtempSync(join(tmpdir(), 'dbaas-lab-bench-'))
if (privateDir) {
  process.env.DBAAS_LAB_DIR = privateDir
  process.env.DBAAS_LAB_PORT_OFFSET = '13000'
}
// Imported after the environment is set: paths and ports are read from it when the modules load.
const { down, ensureBinaries, processComponents, status, up } = await import('../test/lab/lib/manager.ts')
const { labPaths } = await import('../test/lab/lib/paths.ts')
const { isOurs, readPid } = await import('../test/lab/lib/proc.ts')

const print = (s: string) => process.stdout.write(s + '\n')
const quiet = () => {}
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`

const p = labPaths()
print(shared ? `shared lab (${p.stateDir})` : `private lab in ${p.stateDir} (ports +13000); the shared lab is not touched`)
const wasRunning = processComponents().some((c) => {
  const rec = readPid(p.pidDir, c.name)
  return rec !== undefined && isOurs(rec)
})

const coldMs = ensureBinaries(p, print)
print(coldMs === undefined ? `build: warm, nothing to build (binaries cached in ${p.binDir})` : `build: cold, ${secs(coldMs)}`)

if (wasRunning) {
  print('the lab was running: taking it down to measure a warm start')
  await down({ out: quiet })
}

try {
  const first = await up({ out: quiet })
  print(`warm lab:up: ${secs(first.totalMs)} (goal ≤ 20 s; includes PKI on a first start)`)
  for (const s of [...first.steps].sort((a, b) => a.ms - b.ms)) print(`  ${s.name.padEnd(24)}${secs(s.ms)}`)

  const again = await up({ out: quiet })
  print(`lab:up on a running lab: ${secs(again.totalMs)}`)

  await new Promise((r) => setTimeout(r, 5000)) // let the components settle before measuring memory
  const rows = await status()
  const total = rows.reduce((sum, r) => sum + r.rssBytes, 0)
  print(`running lab RSS: ${mb(total)} (goal ≤ 1.2 GB = 1229 MB)`)
  for (const r of [...rows].sort((a, b) => b.rssBytes - a.rssBytes)) print(`  ${r.name.padEnd(24)}${mb(r.rssBytes)}${r.healthy ? '' : '  (not healthy)'}`)
} finally {
  if (!shared || !wasRunning) {
    const downStart = Date.now()
    await down({ out: quiet, purge: !shared })
    print(`lab:down: ${secs(Date.now() - downStart)}`)
  }
  if (privateDir) rmSync(privateDir, { recursive: true, force: true })
}
