// Issue 19, item 6: no hint loops. Every refusal below runs through main() over fakes; each flag its error
// message or hint names must exist on the verb that was run — or, inside a suggested `dbaas …` command, on
// that command. The command tree is the real one (buildProgram with every verb loaded). A second check reads
// every string literal in src/ and requires each --flag it names to exist on some command (catches typos in
// error sites the table does not reach).
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildProgram, main } from '../../../src/cli.ts'
import { buildBackupSnapshot } from '../../../src/core/backup/model.ts'
import { buildHaCluster, CNPG } from '../../../src/core/ha/engines/cnpg.ts'
import { R } from '../../../src/k8s/kube.ts'
import { fakeDeps, NOW, type FakeDeps } from '../../helpers/fake-deps.ts'
import { CNPG_CRDS, SNAPSHOT_CRDS } from '../../helpers/fake-kube.ts'
import { credentials, pod, statefulSet, storageClass } from '../../helpers/fixtures.ts'

let program: Command

/** The command at the end of `words` (leading non-flag words that name subcommands), and its path. */
function resolve(words: string[]): Command[] {
  const path: Command[] = [program]
  for (const w of words) {
    if (w.startsWith('-')) break
    const sub = path[path.length - 1]!.commands.find((c) => c.name() === w || c.aliases().includes(w))
    if (!sub) break
    path.push(sub)
  }
  return path
}

function flagsOf(path: Command[]): Set<string> {
  const out = new Set(['--help', '-h'])
  for (const c of path) {
    for (const o of c.options) {
      if (o.long) out.add(o.long)
      if (o.short) out.add(o.short)
    }
  }
  return out
}

const FLAG = /(?<![\w-])(--?[a-zA-Z][\w-]*)/g
const flagsIn = (text: string) => [...text.matchAll(FLAG)].map((m) => (m[1] as string).split('=')[0] as string)

/** Flags named in `text` that the command they are given to does not have. */
function unknownFlags(text: string, verbWords: string[]): string[] {
  const bad: string[] = []
  const check = (segment: string, words: string[]) => {
    const path = resolve(words)
    const known = flagsOf(path)
    for (const f of flagsIn(segment)) if (!known.has(f)) bad.push(`${f} (on dbaas ${path.slice(1).map((c) => c.name()).join(' ')})`)
  }
  let rest = text
  // Quoted commands: `dbaas …` is checked against that command; anything else (kubectl, helm) is not ours.
  rest = rest.replace(/`([^`]*)`/g, (_, inner: string) => {
    if (inner.startsWith('dbaas ')) check(inner, inner.slice(6).split(/\s+/))
    return ' '
  })
  // Unquoted suggested commands: "dbaas restore x --to y" up to the end of the clause.
  rest = rest.replace(/(?<![\w-])dbaas ([^;\n]*)/g, (_, inner: string) => {
    check(inner, inner.split(/\s+/))
    return ' '
  })
  rest = rest.replace(/(?<![\w-])kubectl [^;\n]*/g, ' ')
  check(rest, verbWords)
  return bad
}

const b64 = (s: string) => Buffer.from(s).toString('base64')
const lease = { metadata: { name: 'snapshot-controller-leader', namespace: 'kube-system' }, spec: { holderIdentity: 'x', leaseDurationSeconds: 15, renewTime: new Date(NOW).toISOString() } }
const backup = (name: string, namespace: string) => ({
  ...buildBackupSnapshot({ name, namespace, instance: 'orders', engine: 'postgresql', version: '18', pvc: 'data-orders-0', storage: '10Gi', database: 'app', user: 'app', quiesce: 'none', driver: 'csi.x' }),
  status: { readyToUse: true, boundVolumeSnapshotContentName: `c-${name}` },
})

function world(): FakeDeps {
  const d = fakeDeps({ stdin: 'short\n' })
  const t = d.transport
  t.installCrd(...SNAPSHOT_CRDS, ...CNPG_CRDS)
  for (const name of ['dbaas-orders', 'ns-a', 'ns-b', 'dbaas-gone', 'dbaas-pay']) t.seed(R.namespaces, { metadata: { name } })
  t.seed(R.storageClasses, storageClass('standard', true))
  t.seed(R.leases, lease)
  t.seed(R.volumeSnapshotClasses, { metadata: { name: 'snap', annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } }, driver: 'csi.x' })
  t.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1 }))
  t.seed(R.secrets, credentials({ name: 'orders' }))
  t.seed(R.pods, pod({ name: 'orders', ready: true }))
  t.seed(R.pvcs, { metadata: { name: 'data-orders-0', namespace: 'dbaas-orders' }, spec: {}, status: { phase: 'Pending' } })
  t.seed(R.secrets, credentials({ name: 'twin', namespace: 'ns-a' }), credentials({ name: 'twin', namespace: 'ns-b' }))
  t.seed(R.pvcs, { metadata: { name: 'data-gone-0', namespace: 'dbaas-gone' }, spec: {} })
  t.seed(R.volumeSnapshots, backup('dup', 'ns-a'), backup('dup', 'ns-b'), backup('one', 'dbaas-orders'))
  t.seed(R.secrets, { metadata: { name: 'one-credentials', namespace: 'dbaas-orders' }, data: { username: b64('app'), password: b64('pw-123456'), database: b64('app') } })
  t.seed(CNPG.clusters, { ...buildHaCluster({ engine: 'cnpg', topology: 'streaming', name: 'pay', namespace: 'dbaas-pay', instances: 2, database: 'app', user: 'app', storage: '1Gi', params: {} }), status: { phase: 'Cluster in healthy state', instances: 2, readyInstances: 1, currentPrimary: 'pay-1', instancesStatus: { healthy: ['pay-1'] } } })
  return d
}

// Refusals across the verbs: every usage error class, the not-found and ambiguity hints, the HA redirections.
const refusals: string[][] = [
  ['create'], ['create', 'postgres'], ['create', 'postgres', 'Bad_Name'], ['create', 'oracle', 'x'], ['create', 'mysql', 'x', '--version', '5.1'],
  ['create', 'pg', 'x', '--storage', 'ten'], ['create', 'pg', 'x', '--storage', '1Ki'], ['create', 'pg', 'x', '--cpu', 'lots'], ['create', 'pg', 'x', '--memory', '1e3'],
  ['create', 'pg', 'x', '--memory', '1Mi'], ['create', 'pg', 'x', '--user', 'root'], ['create', 'pg', 'x', '--database', '1x'], ['create', 'pg', 'x', '--dry-run=maybe'],
  ['create', 'pg', 'x', '--timeout', 'soon'], ['create', 'pg', 'x', '--storage-class', 'gold'], ['create', 'pg', 'orders'], ['create', 'mysql', 'orders'],
  ['create', 'pg', 'gone', '-n', 'dbaas-gone'], ['create', 'pg', 'gone', '-n', 'dbaas-gone', '--reuse-data'], ['create', 'pg', 'pay', '-n', 'dbaas-pay'],
  ['create', 'pg', 'x', '--password-stdin'], ['create', 'pg', 'x', '--request-timeout', 'x'], ['create', 'pg', 'x', '-n', 'Bad_NS'],
  ['list', '-o', 'csv'], ['list', '--watch', '-o', 'json'],
  ['status', 'nothing'], ['status', 'ordrs'], ['status', 'twin'], ['status', 'pay'], ['status', 'orders', '--watch', '-o', 'json'],
  ['connection', 'nothing'], ['connection', 'pay'], ['connection', 'orders', '--format', 'xml'], ['connection', 'orders', '--format', 'env', '-o', 'json'],
  ['logs', 'pay'], ['logs', 'orders', '--tail', 'x'], ['logs', 'orders', '--since', 'x'],
  ['delete', 'orders'], ['delete', 'nothing', '--yes'], ['delete', 'pay', '--yes'], ['delete', 'twin', '--yes'],
  ['connect', 'orders', '--port', 'x'],
  ['backup', 'create'], ['backup', 'create', 'orders', '--name', 'Bad_Name'], ['backup', 'create', 'orders', '--retention', 'forever'], ['backup', 'create', 'orders', '--retention', '10s'],
  ['backup', 'create', 'orders', '--class', 'gold'], ['backup', 'create', 'orders'], ['backup', 'create', 'pay'], ['backup', 'create', 'nothing'],
  ['backup', 'delete', 'dup', '--yes'], ['backup', 'delete', 'nothing', '--yes'], ['backup', 'delete', 'one'],
  ['restore'], ['restore', 'one'], ['restore', 'dup', '--to', 'copy'], ['restore', 'nothing', '--to', 'copy'], ['restore', 'one', '--to', 'orders', '-n', 'dbaas-orders'],
  ['restore', 'one', '--to', 'copy', '--storage', 'lots'], ['restore', 'one', '--to', 'Bad_Name'], ['restore', 'one', '--to', 'pay', '-n', 'dbaas-pay'],
  ['ha', 'create', 'x', '--instances', 'two', '--skip-operator-check'], ['ha', 'create', 'x', '--param', 'nokey', '--skip-operator-check'], ['ha', 'scale', 'pay', '--instances', '0', '--skip-operator-check'],
  ['ha', 'failover', 'pay', '--skip-operator-check'], ['ha', 'failover', 'pay', '--to', 'pay-9', '--skip-operator-check'], ['ha', 'status', 'nothing', '--skip-operator-check'],
  ['ha', 'restore', 'nothing', '--to', 'x', '--skip-operator-check'], ['ha', 'delete', 'pay'],
  ['rbac', '--verbs', 'fly'], ['completion', 'tcsh'], ['version', '-o', 'csv'], ['doctor', '-o', 'csv'],
]

describe('every flag a refusal names exists where it is named (issue 19, item 6)', () => {
  beforeAll(async () => {
    program = await buildProgram(fakeDeps(), { load: 'all' })
  })

  it('the checker has teeth: a loop like restore\'s old "-n" hint, or a flag no verb has, is found', () => {
    expect(unknownFlags('pick one with --backup-namespace ns-a', ['restore'])).toEqual([])
    expect(unknownFlags('pick one with --namespaces ns-a', ['restore'])).toEqual(['--namespaces (on dbaas restore)'])
    expect(unknownFlags('use `dbaas ha status pay -n x --watch`', ['status'])).toEqual(['--watch (on dbaas ha status)'])
    expect(unknownFlags('run it later with: dbaas restore b --to c --storage-clas x', ['create'])).toEqual(['--storage-clas (on dbaas restore)'])
  })

  it.each(refusals)('%s %s %s %s %s', async (...argv) => {
    const d = world()
    const code = await main(argv, d)
    expect(code, d.err.text).not.toBe(0)
    const said = d.err.text
      .split('\n')
      .map((l) => (l.startsWith('{"error"') ? `Error: ${JSON.parse(l).error.message}\nHint: ${JSON.parse(l).error.hint ?? ''}` : l))
      .filter((l) => /^(Error|Hint):/m.test(l))
      .join('\n')
    expect(said, `nothing said for ${argv.join(' ')}: ${d.err.text}`).not.toBe('')
    expect(unknownFlags(said, argv)).toEqual([])
  })
})

describe('every --flag in a string of src/ exists on some command', () => {
  beforeAll(async () => {
    program = await buildProgram(fakeDeps(), { load: 'all' })
  })

  it('no typo reaches a user', () => {
    const all = new Set<string>(['--help'])
    const visit = (c: Command) => {
      for (const o of c.options) if (o.long) all.add(o.long)
      c.commands.forEach(visit)
    }
    visit(program)
    const files: string[] = []
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f)
        if (statSync(p).isDirectory()) walk(p)
        else if (p.endsWith('.ts')) files.push(p)
      }
    }
    walk(new URL('../../../src', import.meta.url).pathname)
    // kubectl's, helm's and the clients' flags that dbaas passes on or quotes.
    const foreign = new Set(['--ignore-not-found', '--server-side', '--protocol', '--host', '--port', '--user', '--database', '--wait', '--timeout', '--kubeconfig', '--kube-context', '--namespace', '--create-namespace', '--install', '--values', '--labels', '--no-hooks', '--reuse-values', '--history-max', '--output', '--dry-run', '--help-stub', '--merge-kubeconfig', '--unbuffered', '--template', '--force-conflicts', '--flag', '--from', '--kube-as-user', '--kube-as-group', '--set',
      // pg_dumpall's and mysqldump's, in the steps of a single instance's major upgrade (core/day2/upgrade.ts).
      '--no-role-passwords', '--all-databases', '--routines', '--events', '--single-transaction'])
    const missing: string[] = []
    for (const f of files) {
      const text = readFileSync(f, 'utf8')
      for (const m of text.matchAll(/(['"`])((?:(?!\1)[^\\\n]|\\.)*)\1/g)) {
        for (const flag of flagsIn(m[2] as string)) {
          if (!flag.startsWith('--') || all.has(flag) || foreign.has(flag)) continue
          missing.push(`${flag} in ${f.replace(/.*\/src\//, 'src/')}`)
        }
      }
    }
    expect([...new Set(missing)]).toEqual([])
  })
})
