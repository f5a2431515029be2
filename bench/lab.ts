// Benchmark of the lab: cold build time (when the binaries are missing), warm `lab:up` time (goal ≤ 20 s)
// with each component's start time, `lab:up` on a running lab, and the running lab's total RSS (goal ≤ 1.2 GB).
// Prints figures only. Leaves the lab as it found it (running or not).
//   node bench/lab.ts
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { down, ensureBinaries, processComponents, status, up } from '../test/lab/lib/manager.ts'
import { labPaths } from '../test/lab/lib/paths.ts'
import { isOurs, readPid } from '../test/lab/lib/proc.ts'

const print = (s: string) => process.stdout.write(s + '\n')
const quiet = () => {}
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`

const p = labPaths()
const wasRunning = processComponents().some((c) => {
  const rec = readPid(p.pidDir, c.name)
  return rec !== undefined && isOurs(rec)
})

const coldMs = ensureBinaries(p, print)
print(coldMs === undefined ? `build: warm (binaries cached in ${p.binDir})` : `build: cold, ${secs(coldMs)}`)
print(`binaries: ${existsSync(join(p.binDir, 'kube-apiserver')) ? p.binDir : 'missing'}`)

if (wasRunning) {
  print('lab was running: taking it down to measure a warm start')
  await down({ out: quiet })
}

const first = await up({ out: quiet })
print(`warm lab:up: ${secs(first.totalMs)} (goal ≤ 20 s)`)
for (const s of [...first.steps].sort((a, b) => a.ms - b.ms)) print(`  ${s.name.padEnd(24)}${secs(s.ms)}`)

const again = await up({ out: quiet })
print(`lab:up on a running lab: ${secs(again.totalMs)}`)

await new Promise((r) => setTimeout(r, 5000)) // let the components settle before measuring memory
const rows = await status()
const total = rows.reduce((sum, r) => sum + r.rssBytes, 0)
print(`running lab RSS: ${mb(total)} (goal ≤ 1.2 GB = 1229 MB)`)
for (const r of [...rows].sort((a, b) => b.rssBytes - a.rssBytes)) print(`  ${r.name.padEnd(24)}${mb(r.rssBytes)}${r.healthy ? '' : '  (not healthy)'}`)

const downStart = Date.now()
if (!wasRunning) {
  await down({ out: quiet })
  print(`lab:down: ${secs(Date.now() - downStart)}`)
}
