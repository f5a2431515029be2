// The setup verbs' results: doctor's report, the engines table, versions, the RBAC manifests, and plain
// text (completion scripts).
import type { DoctorReport, Check } from '../../core/doctor.ts'
import type { KubeObject } from '../../k8s/kube.ts'
import type { Printer } from '../printer.ts'
import type { Writer } from '../writer.ts'
import { manifestList, manifestNames, printManifests } from './manifests.ts'

const MARK = { ok: '✔', warn: '!', fail: '✘' } as const

export function printDoctor(r: DoctorReport, p: Printer): void {
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

export const doctorWriter: Writer<DoctorReport> = {
  data: (r) => r,
  names: (r) => r.checks.filter((c) => c.status !== 'ok').map((c) => c.id),
  human: (r, c) => printDoctor(r, c.printer),
}

export interface EngineRow {
  engine: string
  aliases: string[]
  image: string
  versions: string[]
  default: string
  port: number
  /** `dbaas ha create <engine>`: the operator, and the versions it documents for the release dbaas pins. */
  ha: { operator: string; topologies: string[]; versions: string[]; default: string | null; upgrades: { minor: string; major: string } } | null
  /** What `dbaas upgrade` does for a single instance: a minor release, a major. */
  upgrades: { minor: string; major: string }
}

export const enginesWriter: Writer<EngineRow[]> = {
  data: (rows) => rows,
  names: (rows) => rows.map((r) => r.engine),
  human: (rows, c) =>
    c.printer.table(
      rows,
      [
        { header: 'ENGINE', get: (r) => r.engine },
        { header: 'ALIASES', get: (r) => r.aliases.join(',') },
        { header: 'VERSIONS', get: (r) => r.versions.join(', ') },
        { header: 'DEFAULT', get: (r) => r.default },
        { header: 'IMAGE', get: (r) => r.image },
        { header: 'HA OPERATOR', get: (r) => r.ha?.operator ?? '' },
        { header: 'HA VERSIONS', get: (r) => (r.ha ? `${r.ha.versions.join(', ')}${r.ha.default ? ` (default ${r.ha.default})` : " (default: the operator's)"}` : '') },
        { header: 'UPGRADES', get: (r) => `minor ${r.upgrades.minor}, major ${r.upgrades.major}`, wide: true },
        { header: 'HA UPGRADES', get: (r) => (r.ha ? `minor ${r.ha.upgrades.minor}, major ${r.ha.upgrades.major}` : ''), wide: true },
      ],
      { noHeaders: c.noHeaders, wide: c.wide },
    ),
}

export interface VersionInfo {
  dbaas: string
  node?: string
  helm?: string | { error: string }
  server?: string | { error: string }
}

export const versionWriter: Writer<VersionInfo> = {
  data: (v) => v,
  names: (v) => [v.dbaas],
  human: (v, c) => c.printer.line(`dbaas ${v.dbaas}`),
}

export interface RbacResult {
  namespace: string
  verbs: string[]
  bound: boolean
  objects: KubeObject[]
}

async function printRbac(r: RbacResult, p: Printer): Promise<void> {
  p.line(`# dbaas ${r.verbs.join(', ')} for a user limited to namespace ${r.namespace}.`)
  p.line('# The ClusterRole covers what only cluster scope grants: reading storage and snapshot classes and')
  p.line("# namespaces, finding the snapshot controller and CloudNativePG operator by their leader Leases (the ha")
  p.line('# verbs refuse without that), and restoring into another namespace (VolumeSnapshotContents).')
  if (!r.bound) p.line('# Bind it with --user or --group, or write your own RoleBinding/ClusterRoleBinding.')
  await printManifests(r.objects, p)
}

export const rbacWriter: Writer<RbacResult> = {
  data: (r) => manifestList(r.objects),
  names: (r) => manifestNames(r.objects),
  yaml: (r, p) => printRbac(r, p),
  human: (r, c) => printRbac(r, c.printer),
}

/** Text printed as it is (a completion script). */
export const textWriter: Writer<string> = {
  data: (s) => s,
  human: (s, c) => {
    c.printer.streams.out.write(s)
  },
}
