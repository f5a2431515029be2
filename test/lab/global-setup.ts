// vitest globalSetup for the e2e project. With DBAAS_E2E_KUBECONFIG set, the suite runs against that
// cluster (DBAAS_E2E_LAB=0). Otherwise it brings the lab up once per run (DBAAS_E2E_LAB=1), puts the lab's
// kubectl and helm (helm 3; helm 4 with DBAAS_E2E_HELM=4) first on PATH, and leaves the lab as it found it:
// started by this run → taken down at the end (unless DBAAS_E2E_KEEP_LAB=1); already running → left running.
// Several runs may share the lab at once (developers on one machine): each run registers itself in
// `<state>.e2e-runs/`, and the last one out takes down a lab that an e2e run started.
// The environment set here is inherited by the test workers; the same facts are also `provide`d as `lab`.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { labPaths, labSourceDir } from './lib/paths.ts'
import { pathDirFor, processComponents } from './lib/manager.ts'
import { isOurs, readPid } from './lib/proc.ts'
import { realNodeOwnedElsewhere } from './lib/realnode.ts'
import { ensureFreshBundle } from '../helpers/bundle.ts'

export interface LabContext {
  isLab: boolean
  kubeconfig: string
  helmMajor: '3' | '4'
}

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabContext
  }
}

const labCli = join(labSourceDir, 'lab.ts')

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * The real node runs when the suite runs as root on Linux (as CI does), unless DBAAS_LAB_REAL_NODE=0; with
 * DBAAS_LAB_REAL_NODE=1 its absence is an error rather than a skip.
 */
function realNodeWanted(): boolean {
  const setting = process.env.DBAAS_LAB_REAL_NODE
  if (setting === '0') return false
  if (setting === '1') return true
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false
  // One real node per machine: when another lab has it, this run goes without (its tests say why they skip).
  const other = realNodeOwnedElsewhere(labPaths())
  if (other) process.stderr.write(`e2e: the real node belongs to the lab in ${other}: running without it (DBAAS_LAB_REAL_NODE=1 makes that an error)\n`)
  return other === undefined
}

function cli(args: string[]): number {
  const r = spawnSync(process.execPath, [labCli, ...args], { stdio: ['ignore', 'inherit', 'inherit'] })
  return r.status ?? 1
}

export default function setup(project: TestProject): (() => void) | undefined {
  // The e2e tests run the bundled CLI: it must be built from the sources under test.
  if (project.name === 'e2e') ensureFreshBundle((line) => process.stderr.write(`e2e: ${line}\n`))
  const helmMajor = process.env.DBAAS_E2E_HELM === '4' ? '4' : '3'
  const external = process.env.DBAAS_E2E_KUBECONFIG
  if (external) {
    process.env.KUBECONFIG = external
    process.env.DBAAS_E2E_LAB = '0'
    // The user's kubectl and helm come first; the lab's built ones (if any) only fill in what is missing.
    const labTools = pathDirFor(labPaths(), helmMajor)
    if (existsSync(labTools)) process.env.PATH = `${process.env.PATH ?? ''}${delimiter}${labTools}`
    project.provide('lab', { isLab: false, kubeconfig: external, helmMajor })
    process.stderr.write(`e2e: using the cluster in ${external} (lab-only tests are skipped)\n`)
    return undefined
  }

  const p = labPaths()
  const runsDir = `${p.stateDir}.e2e-runs`
  const startedMarker = join(runsDir, 'started-by-e2e')
  mkdirSync(runsDir, { recursive: true })
  writeFileSync(join(runsDir, String(process.pid)), new Date().toISOString() + '\n')
  const running = processComponents().some((c) => {
    const rec = readPid(p.pidDir, c.name)
    return rec !== undefined && isOurs(rec)
  })
  if (!running) writeFileSync(startedMarker, String(process.pid) + '\n')
  const real = realNodeWanted()
  const upArgs = real ? ['up', '--real-node'] : ['up']
  process.stderr.write(`${running ? 'e2e: the lab is running; checking it' : 'e2e: starting the lab'} (lab:up${real ? ' --real-node' : ''})\n`)
  if (cli(upArgs) !== 0) throw new Error(`e2e: \`lab:up${real ? ' -- --real-node' : ''}\` failed (output above); \`npm run lab:status\` and the logs under the lab state dir tell more (DBAAS_LAB_REAL_NODE=0 runs without the real node)`)
  process.env.DBAAS_E2E_REAL_NODE = real ? '1' : '0'

  process.env.KUBECONFIG = p.kubeconfig
  process.env.DBAAS_E2E_LAB = '1'
  process.env.PATH = `${pathDirFor(p, helmMajor)}${delimiter}${process.env.PATH ?? ''}`
  project.provide('lab', { isLab: true, kubeconfig: p.kubeconfig, helmMajor })

  return () => {
    rmSync(join(runsDir, String(process.pid)), { force: true })
    const others = readdirSync(runsDir).filter((f) => /^\d+$/.test(f) && alive(Number(f)))
    if (others.length > 0 || !existsSync(startedMarker) || process.env.DBAAS_E2E_KEEP_LAB === '1') return
    rmSync(startedMarker, { force: true })
    process.stderr.write('e2e: taking the lab down (an e2e run started it and no other run uses it)\n')
    cli(['down'])
  }
}
