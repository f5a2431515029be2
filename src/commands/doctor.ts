import { Command } from 'commander'
import type { Deps } from '../deps.ts'
import { runDoctor, type Check, type DoctorReport } from '../core/doctor.ts'
import { doctorDetectors } from '../core/doctor-detectors.ts'
import { ExitCode, DbaasError } from '../errors.ts'
import { clusterFlags, examples, format, outputOption, withClusterFlags, type RawClusterFlags } from './shared.ts'

const MARK = { ok: '✔', warn: '!', fail: '✘' } as const

export function printDoctor(r: DoctorReport, deps: Deps): void {
  const p = deps.printer
  const s = p.outStyle
  const paint = (c: Check) => (c.status === 'ok' ? s.green : c.status === 'warn' ? s.yellow : s.red)(MARK[c.status])
  const width = Math.max(...r.checks.map((c) => c.title.length))
  for (const c of r.checks) {
    p.line(`${paint(c)} ${c.title.padEnd(width)}  ${c.message}`)
    if (c.status !== 'ok' && c.disables?.length) p.line(`  ${' '.repeat(width)}  ${s.dim(`disables: ${c.disables.join(', ')}`)}`)
    if (c.status !== 'ok' && c.fix) p.line(`  ${' '.repeat(width)}  ${s.dim(`fix: ${c.fix}`)}`)
  }
  p.line()
  const failed = r.checks.filter((c) => c.required && c.status === 'fail')
  const warned = r.checks.filter((c) => c.status !== 'ok' && !(c.required && c.status === 'fail'))
  if (failed.length) p.line(s.red(`dbaas cannot work here yet: fix ${failed.map((c) => c.title).join(', ')}`))
  else p.line(`${s.green('ready')} for dbaas${warned.length ? ` (${warned.length} optional check${warned.length > 1 ? 's' : ''} not passing)` : ''}`)
}

/** Exit 1, printing nothing more: the report already says what failed. */
class DoctorFailed extends DbaasError {
  constructor() {
    super('doctor', ExitCode.failed, 'a required check failed', { hint: 'see the checks marked ✘ above' })
  }
}

export function doctorCommand(deps: Deps): Command {
  const cmd = new Command('doctor')
    .description('Check that the cluster and this machine are ready for dbaas, and say how to fix what is not')
    .addOption(outputOption(['table', 'json', 'yaml']))
  withClusterFlags(cmd)
  examples(cmd, [
    ['Check the current kubeconfig context', 'dbaas doctor'],
    ['Another context, as JSON, RBAC checked in namespace team-a', 'dbaas doctor --context prod -n team-a -o json'],
  ])
  return cmd.action(async (raw: RawClusterFlags & { output?: string }) => {
    const fmt = format(raw, ['table', 'json', 'yaml'])
    const cluster = clusterFlags(raw)
    const r = await runDoctor({ cluster, namespace: raw.namespace, detectors: await doctorDetectors() }, deps)
    if (fmt === 'json' || fmt === 'yaml') deps.printer.data(r, fmt)
    else printDoctor(r, deps)
    if (!r.ok) throw new DoctorFailed()
  })
}
