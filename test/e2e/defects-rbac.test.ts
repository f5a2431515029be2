// Issue 19, item 4: the Role `dbaas rbac` prints runs every verb it names — derived from what the verbs send,
// and proved with real limited users in the lab.
//
// Every verb below runs as its own lab user (a client certificate signed by the lab CA) holding exactly what
// `dbaas rbac --verbs <verb> -n <ns> --user <user>` prints — and it succeeds. Before that, the same verb runs as
// a user whose Role lacks one of the printed rules: exit 5, naming that rule, nothing done. Every run is traced
// with `-v 6`; a few admin runs add the paths a namespace-limited user cannot take (create without -n, restore
// into another namespace, a namespace removed). At the end the requests of each verb, mapped to rules by
// permissionOf(), must be exactly the table's rules that dbaas sends itself (core/rbac.ts): nothing missing,
// nothing unused.
import { afterAll, beforeAll, expect } from 'vitest'
import { parseAllDocuments, stringify } from 'yaml'
import { permissionOf, permissions, toRules, VERBS, type Permission, type Verb } from '../../src/core/rbac.ts'
import { provisionDatabase, type ProvisionedDatabase } from '../lab/fixtures/database.ts'
import { createLimitedUser, type LimitedUser, type PolicyRule } from '../lab/fixtures/limited-user.ts'
import { kubectl, kubectlJson, kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { CLUSTERS, CnpgOperatorFixture } from './fixtures/cnpg-operator.ts'
import { dbaas, type CliResult } from './helpers.ts'

const lab = labOnly('signs users with the lab CA and plays the CloudNativePG operator')

/** A rule as (group, resource, verb) triples. */
type Triple = { group: string; resource: string; verb: string }
const key = (t: Triple) => `${t.verb} ${t.resource}${t.group ? `.${t.group}` : ''}`

function triples(rules: PolicyRule[]): Triple[] {
  return rules.flatMap((r) => r.apiGroups.flatMap((group) => r.resources.flatMap((resource) => r.verbs.map((verb) => ({ group, resource, verb })))))
}

/** The rules without one (group, resource, verb), compacted again as `dbaas rbac` prints them. */
function without(rules: PolicyRule[], drop: Triple): PolicyRule[] {
  const kept = triples(rules).filter((t) => key(t) !== key(drop))
  return toRules(kept.map((t): Permission => ({ group: t.group, resource: t.resource, verbs: [t.verb] })))
}

/** Requests in a `-v 6` trace (kubectl's shape: `GET https://host/path?query 200 OK in 7 milliseconds`), as rules. */
function requested(stderr: string): Triple[] {
  const out: Triple[] = []
  for (const line of stderr.split('\n')) {
    const m = /^(GET|POST|PUT|PATCH|DELETE) https?:\/\/[^/\s]+(\/\S*) /.exec(line)
    if (!m) continue
    const p = permissionOf(m[1] as string, m[2] as string)
    if (p) out.push({ group: p.group, resource: p.resource, verb: p.verb })
  }
  return out
}

interface Step {
  verb: Verb
  argv: (s: State) => string[]
  /** What the lab's operator (the fixture) does meanwhile. */
  during?: (s: State) => Promise<unknown>
  /** The run ends by being stopped (--watch): success is its output, not its exit code. */
  watch?: RegExp
  /** Run as the cluster admin (paths a namespace-limited user cannot take), traced for the derivation. */
  admin?: boolean
  /** The rule taken away for the refusal run (exit 5 naming it). */
  missing?: Triple & { says: RegExp }
  check?: (r: CliResult, s: State) => void | Promise<void>
}

interface State {
  ns: string
  a: string
  b: string
  a2: string
  b2: string
  h: string
  h2: string
  h3: string
  ident: string
  op: CnpgOperatorFixture
}

const core = (resource: string, verb: string, says: RegExp) => ({ group: '', resource, verb, says })

const until = (what: string, fn: () => Promise<boolean>) => waitFor(what, 90_000, fn, 200)
const clusterExists = (ns: string, name: string) =>
  until(`Cluster ${name}`, async () => (await kubectl(['-n', ns, 'get', CLUSTERS, name, '-o', 'name', '--ignore-not-found'])).stdout.trim() !== '')

const steps: Step[] = [
  // Single instances
  {
    verb: 'create',
    argv: (s) => ['create', 'postgres', s.a, '-n', s.ns, '--storage', '1Gi', '--user', s.ident, '--database', s.ident, '-o', 'json'],
    missing: core('secrets', 'create', /you may not create secrets in namespace/),
    check: (r, s) => expect(r.json()).toMatchObject({ name: s.a, status: 'Ready' }),
  },
  { verb: 'create', admin: true, argv: (s) => ['create', 'postgres', s.a2, '--storage', '1Gi'] },
  { verb: 'list', argv: (s) => ['list', '-n', s.ns, '-o', 'json'], missing: { group: 'apps', resource: 'statefulsets', verb: 'list', says: /cannot list resource "statefulsets"/ }, check: (r, s) => expect(r.json<any[]>().map((i) => i.name)).toContain(s.a) },
  { verb: 'list', argv: () => ['list', '-o', 'name'], check: (r, s) => expect(r.stdout).toContain(s.a) },
  { verb: 'list', argv: (s) => ['list', '-n', s.ns, '--watch'], watch: /NAME\s+ENGINE/ },
  { verb: 'status', argv: (s) => ['status', s.a, '-n', s.ns, '-o', 'json'], missing: core('pods', 'list', /cannot list resource "pods"/), check: (r) => expect(r.json().status).toBe('Ready') },
  { verb: 'status', argv: (s) => ['status', s.a, '-o', 'json'] },
  { verb: 'status', argv: (s) => ['status', s.a, '-n', s.ns, '--watch'], watch: /Status:\s+Ready/ },
  { verb: 'connection', argv: (s) => ['connection', s.a, '-n', s.ns, '--show-password', '-o', 'json'], missing: core('secrets', 'get', /cannot get resource "secrets"/), check: (r) => expect(r.json().password).not.toBe('********') },
  { verb: 'logs', argv: (s) => ['logs', s.a, '-n', s.ns], missing: { group: '', resource: 'pods/log', verb: 'get', says: /cannot get resource "pods\/log"/ } },
  { verb: 'connect', argv: (s) => ['connect', s.a, '-n', s.ns, '--', '-tA', '-c', 'select 1'], missing: core('pods', 'list', /cannot list resource "pods"/), check: (r) => expect(r.stdout.trim()).toBe('1') },
  {
    verb: 'backup create',
    argv: (s) => ['backup', 'create', s.a, '-n', s.ns, '--name', `${s.a}-b1`, '--quiesce', '-o', 'json'],
    missing: { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', verb: 'create', says: /you may not create volumesnapshots\.snapshot\.storage\.k8s\.io/ },
    check: (r) => expect(r.json()).toMatchObject({ ready: true, quiesced: 'checkpoint' }),
  },
  { verb: 'backup create', argv: (s) => ['backup', 'create', s.a, '-n', s.ns, '--name', `${s.a}-b2`, '--retention', '1h'] },
  { verb: 'backup list', argv: (s) => ['backup', 'list', '-n', s.ns, '-o', 'name'], missing: { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', verb: 'list', says: /cannot list resource "volumesnapshots"/ }, check: (r, s) => expect(r.stdout).toContain(`${s.a}-b1`) },
  { verb: 'backup list', argv: () => ['backup', 'list', '-o', 'json'] },
  {
    verb: 'restore',
    argv: (s) => ['restore', `${s.a}-b1`, '--to', s.b, '-n', s.ns, '--backup-namespace', s.ns, '-o', 'json'],
    missing: core('persistentvolumeclaims', 'create', /you may not create persistentvolumeclaims in namespace/),
    check: (r, s) => expect(r.json()).toMatchObject({ name: s.b, status: 'Ready' }),
  },
  { verb: 'restore', argv: (s) => ['restore', `${s.a}-b1`, '--to', `${s.b}-same`, '-n', s.ns, '--no-wait'] },
  { verb: 'restore', admin: true, argv: (s) => ['restore', `${s.a}-b1`, '--to', s.b2] },
  {
    verb: 'backup prune',
    argv: (s) => ['backup', 'prune', '-n', s.ns, '-o', 'json'],
    missing: { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', verb: 'list', says: /cannot list resource "volumesnapshots"/ },
    check: (r, s) => expect(r.json().deleted.map((b: any) => b.name)).toEqual([`${s.a}-b2`]),
  },
  {
    verb: 'backup delete',
    argv: (s) => ['backup', 'delete', `${s.a}-b1`, '-n', s.ns, '--yes'],
    missing: { group: 'snapshot.storage.k8s.io', resource: 'volumesnapshots', verb: 'delete', says: /cannot delete resource "volumesnapshots"/ },
  },
  {
    verb: 'delete',
    argv: (s) => ['delete', s.b, '-n', s.ns, '--yes', '--delete-data'],
    missing: core('persistentvolumeclaims', 'list', /cannot list resource "persistentvolumeclaims"/),
  },
  { verb: 'delete', argv: (s) => ['delete', `${s.b}-same`, '-n', s.ns, '--yes', '--delete-data'] },
  { verb: 'delete', argv: (s) => ['delete', s.a, '-n', s.ns, '--yes'] },
  { verb: 'delete', admin: true, argv: (s) => ['delete', s.b2, '--yes', '--delete-data'] },
  { verb: 'delete', admin: true, argv: (s) => ['delete', s.a2, '--yes', '--delete-data'] },
  // HA clusters (the operator played by the fixture)
  {
    verb: 'ha create',
    argv: (s) => ['ha', 'create', s.h, '-n', s.ns, '--instances', '2', '--storage', '1Gi'],
    during: async (s) => {
      await clusterExists(s.ns, s.h)
      await s.op.reconcile(s.ns, s.h)
    },
    missing: { group: 'postgresql.cnpg.io', resource: 'clusters', verb: 'get', says: /cannot get resource "clusters" in API group "postgresql\.cnpg\.io"/ },
  },
  { verb: 'ha list', argv: (s) => ['ha', 'list', '-n', s.ns, '-o', 'name'], missing: { group: 'postgresql.cnpg.io', resource: 'clusters', verb: 'list', says: /cannot list resource "clusters"/ }, check: (r, s) => expect(r.stdout).toContain(s.h) },
  { verb: 'ha status', argv: (s) => ['ha', 'status', s.h, '-n', s.ns], missing: core('pods', 'list', /cannot list resource "pods"/) },
  { verb: 'ha connection', argv: (s) => ['ha', 'connection', s.h, '-n', s.ns], missing: core('secrets', 'get', /cannot get resource "secrets"/) },
  {
    verb: 'ha scale',
    argv: (s) => ['ha', 'scale', s.h, '-n', s.ns, '--instances', '3'],
    during: async (s) => {
      await until('spec.instances 3', async () => (await kubectlJson(['-n', s.ns, 'get', CLUSTERS, s.h])).spec.instances === 3)
      await s.op.reconcile(s.ns, s.h)
    },
    missing: { group: 'postgresql.cnpg.io', resource: 'clusters', verb: 'patch', says: /cannot patch resource "clusters"/ },
  },
  {
    verb: 'ha failover',
    argv: (s) => ['ha', 'failover', s.h, '-n', s.ns],
    during: (s) => s.op.serveSwitchover(s.ns, s.h, { promote: true }),
    missing: { group: 'postgresql.cnpg.io', resource: 'clusters/status', verb: 'patch', says: /cannot patch resource "clusters\/status"/ },
  },
  { verb: 'ha failover', argv: (s) => ['ha', 'failover', s.h, '-n', s.ns, '--force'], during: (s) => s.op.serveFailover(s.ns, s.h) },
  {
    verb: 'ha backup create',
    argv: (s) => ['ha', 'backup', 'create', s.h, '-n', s.ns, '--backup-name', `${s.h}-b1`],
    during: (s) => s.op.serveBackup(s.ns, `${s.h}-b1`),
    missing: { group: 'postgresql.cnpg.io', resource: 'backups', verb: 'create', says: /cannot create resource "backups"/ },
  },
  { verb: 'ha backup list', argv: (s) => ['ha', 'backup', 'list', s.h, '-n', s.ns, '-o', 'name'], missing: { group: 'postgresql.cnpg.io', resource: 'backups', verb: 'list', says: /cannot list resource "backups"/ }, check: (r, s) => expect(r.stdout).toContain(`${s.h}-b1`) },
  {
    verb: 'ha restore',
    argv: (s) => ['ha', 'restore', `${s.h}-b1`, '--to', s.h2, '-n', s.ns, '--backup-namespace', s.ns, '--no-wait'],
    // Not `get backups`: the HA registry looks a backup up in every HA kind, taking 403 as "none of this kind",
    // so without it the answer is not found (3), not 5 — reported to the HA registry's owner.
    missing: { group: 'postgresql.cnpg.io', resource: 'clusters', verb: 'patch', says: /cannot patch resource "clusters"/ },
  },
  { verb: 'ha restore', admin: true, argv: (s) => ['ha', 'restore', `${s.h}-b1`, '--to', s.h3, '--no-wait'] },
  { verb: 'ha create', admin: true, argv: (s) => ['ha', 'create', `${s.h3}-c`, '--no-wait'] },
  {
    verb: 'ha delete',
    argv: (s) => ['ha', 'delete', s.h2, '-n', s.ns, '--yes'],
    missing: { group: 'postgresql.cnpg.io', resource: 'clusters', verb: 'delete', says: /cannot delete resource "clusters"/ },
  },
  { verb: 'ha delete', argv: (s) => ['ha', 'delete', s.h, '-n', s.ns, '--yes'] },
  { verb: 'ha delete', admin: true, argv: (s) => ['ha', 'delete', s.h3, '--yes'] },
  { verb: 'ha delete', admin: true, argv: (s) => ['ha', 'delete', `${s.h3}-c`, '--yes'] },
]

lab.describe('the printed Role runs every verb (issue 19, item 4)', () => {
  const ns = uniqueName('rbac-all')
  const s: State = {
    ns,
    a: uniqueName('rba'),
    b: uniqueName('rbb'),
    a2: uniqueName('rbc'),
    b2: uniqueName('rbd'),
    h: uniqueName('rbh'),
    h2: uniqueName('rbi'),
    h3: uniqueName('rbj'),
    ident: '',
    op: undefined as unknown as CnpgOperatorFixture,
  }
  s.ident = s.a.replaceAll('-', '_')
  const users = new Map<string, { user: LimitedUser; applied: string }>()
  const recorded = new Map<Verb, Triple[]>()
  let db: ProvisionedDatabase | undefined

  /** A user holding exactly what `dbaas rbac --verbs <verb>` prints (less one rule, with `drop`). */
  async function userFor(verb: Verb, drop?: Triple): Promise<LimitedUser> {
    const id = `${verb.replace(/ /g, '-')}${drop ? '-less' : ''}`
    const known = users.get(id)
    if (known) return known.user
    const name = uniqueName(`u${users.size}`)
    const user = await createLimitedUser({ name, namespace: ns, rules: [] })
    const printed = (await dbaas(['rbac', '-n', ns, '--user', name, '--name', `rb-${name}`, '--verbs', verb])).stdout
    const docs = parseAllDocuments(printed).map((d) => d.toJS())
    if (drop) {
      const role = docs.find((d) => d.kind === 'Role')
      const before = triples(role.rules).length
      role.rules = without(role.rules, drop)
      expect(triples(role.rules).length, `the printed Role of ${verb} holds ${key(drop)}`).toBe(before - 1)
    }
    const applied = docs.map((d) => stringify(d)).join('---\n')
    await kubectlOk(['apply', '-f', '-'], { input: applied })
    users.set(id, { user, applied })
    return user
  }

  async function run(step: Step, kubeconfig?: string): Promise<CliResult> {
    const env = kubeconfig ? { KUBECONFIG: kubeconfig } : {}
    const p = dbaas(['-v', '6', ...step.argv(s)], { env, ...(step.watch ? { timeoutMs: 4000 } : {}) })
    if (step.during) {
      // The operator's part runs until done — unless dbaas ends first (a refusal): then it is left to fail quietly.
      const during = step.during(s)
      const first = await Promise.race([during.then(() => 'during' as const), p.then(() => 'exited' as const)])
      if (first === 'exited') during.catch(() => undefined)
      else await during
    }
    return p
  }

  beforeAll(async () => {
    await kubectlOk(['create', 'namespace', ns])
    s.op = await CnpgOperatorFixture.install()
  })
  afterAll(async () => {
    for (const { user, applied } of users.values()) {
      await kubectl(['delete', '-f', '-', '--ignore-not-found', '--wait=false'], { input: applied })
      await user.cleanup()
    }
    await db?.drop()
    await s.op?.remove()
    for (const n of [s.a2, s.b2, s.h3, `${s.h3}-c`]) await kubectl(['delete', 'namespace', `dbaas-${n}`, '--wait=false', '--ignore-not-found'])
    await kubectl(['delete', 'volumesnapshotcontent', '-l', 'app.kubernetes.io/managed-by=dbaas', '--wait=false', '--ignore-not-found'])
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
  })

  for (const step of steps) {
    const title = `${step.admin ? '(admin) ' : ''}${step.verb}: ${step.argv({ ...s, ns: '<ns>' } as State).join(' ')}`
    lab.it(
      title,
      async () => {
        if (step.missing) {
          const less = await userFor(step.verb, step.missing)
          const refused = await run({ ...step, during: undefined }, less.kubeconfig)
          expect(refused.exitCode, `without ${key(step.missing)}:\n${refused.stderr}`).toBe(5)
          // With -o json the error is a JSON document: its quotes are escaped.
          expect(refused.stderr.replace(/\\"/g, '"')).toMatch(step.missing.says)
        }
        if (step.verb === 'connect' && !db) {
          const conn = (await dbaas(['connection', s.a, '-n', ns, '--show-password', '-o', 'json'])).json()
          db = await provisionDatabase({ engine: 'postgresql', user: conn.user, password: conn.password, database: conn.database })
        }
        if (step.verb === 'backup prune') {
          // An expired backup for prune to remove: its expiry put in the past by the admin.
          await kubectlOk(['-n', ns, 'annotate', 'volumesnapshot', `${s.a}-b2`, '--overwrite', 'dbaas.io/expires-at=2020-01-01T00:00:00.000Z'])
        }
        const user = step.admin ? undefined : await userFor(step.verb)
        const r = await run(step, user?.kubeconfig)
        if (step.watch) expect(r.stdout, r.stderr).toMatch(step.watch)
        else expect(r.exitCode, `${step.verb} as ${step.admin ? 'admin' : 'a user holding the printed Role'}:\n${r.stderr}`).toBe(0)
        await step.check?.(r, s)
        recorded.set(step.verb, [...(recorded.get(step.verb) ?? []), ...requested(r.stderr)])
      },
      300_000,
    )
  }

  // `backup schedule …` is not run here yet: its rules are the schedule chart's job Role (compared rule for rule
  // by test/unit/charts/backup-schedule.test.ts) plus what installing that chart takes.
  // `ha backup delete` and `ha backup prune` (issue 14) are not run here yet either.
  // The metrics verbs and top (issue 15's metrics) are checked against the fake API server instead
  // (test/unit/defects/rbac-coverage.test.ts), not run here yet.
  // The day-2 verbs (issues 15 and 16) are not run here yet either: their rules are written from the code.
  const NOT_RUN_HERE: Verb[] = [
    'backup schedule', 'ha backup delete', 'ha backup prune', 'metrics enable', 'metrics disable', 'metrics show', 'metrics dashboards install', 'top',
    'scale', 'resize', 'stop', 'start', 'restart', 'history', 'upgrade', 'config get', 'config set', 'config unset',
    'ha resize', 'ha stop', 'ha start', 'ha restart', 'ha history', 'ha upgrade', 'ha config get', 'ha config set', 'ha config unset',
  ]

  lab.it('the table holds exactly the rules the verbs sent, for every verb run here', () => {
    const problems: string[] = []
    for (const verb of VERBS.filter((v) => !NOT_RUN_HERE.includes(v))) {
      const sent = new Set((recorded.get(verb) ?? []).map(key))
      const table = permissions[verb].flatMap((p) => p.verbs.map((v) => ({ t: { group: p.group, resource: p.resource, verb: v }, p })))
      const inTable = new Set(table.map((x) => key(x.t)))
      for (const k of sent) if (!inTable.has(k)) problems.push(`${verb}: sends ${k}, which the table lacks`)
      const expected = new Set(table.filter((x) => !x.p.by && !x.p.unrecorded).map((x) => key(x.t)))
      // A rule listed both as sent and as unrecorded elsewhere counts as sent.
      for (const k of expected) if (!sent.has(k)) problems.push(`${verb}: the table has ${k}, which no run sent`)
    }
    expect(problems).toEqual([])
  })

  lab.it('a user holding the whole printed Role and ClusterRole: doctor says every verb is allowed', async () => {
    const name = uniqueName('uall')
    const user = await createLimitedUser({ name, namespace: ns, rules: [] })
    const printed = (await dbaas(['rbac', '-n', ns, '--user', name, '--name', `rb-${name}`])).stdout
    await kubectlOk(['apply', '-f', '-'], { input: printed })
    users.set('all', { user, applied: printed })
    const r = await dbaas(['doctor', '-o', 'json'], { env: { KUBECONFIG: user.kubeconfig } })
    expect(r.json().checks.find((c: any) => c.id === 'rbac')).toMatchObject({ status: 'ok', message: `every verb allowed in namespace ${ns}` })
  })
})
