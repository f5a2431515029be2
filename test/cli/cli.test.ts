// The command surface: main(argv, fakeDeps) with captured stdout/stderr, table-driven (Helm's cmdTestCase).
import { describe, expect, it } from 'vitest'
import { main } from '../../src/cli.ts'
import { R } from '../../src/k8s/kube.ts'
import { VERSION } from '../../src/version.ts'
import { fakeDeps, type FakeDeps } from '../helpers/fake-deps.ts'
import { credentials, namespace, release, statefulSet, storageClass } from '../helpers/fixtures.ts'

const PASSWORD = 'Pa55-word-from-the-secret'

/** A cluster with a default storage class and one ready PostgreSQL instance "orders" in dbaas-orders. */
function withOrders(d: FakeDeps): void {
  d.transport.seed(R.storageClasses, storageClass('standard', true))
  d.transport.seed(R.namespaces, {
    metadata: {
      name: 'dbaas-orders',
      labels: { 'app.kubernetes.io/instance': 'orders', 'app.kubernetes.io/managed-by': 'dbaas' },
      annotations: { 'dbaas.io/namespace-created': 'true' },
    },
  })
  d.transport.seed(R.statefulSets, statefulSet({ name: 'orders', ready: 1, created: '2026-11-25T11:00:00Z' }))
  d.transport.seed(R.secrets, credentials({ name: 'orders', password: PASSWORD }), release({ name: 'orders' }))
}

function emptyCluster(d: FakeDeps): void {
  d.transport.seed(R.storageClasses, storageClass('standard', true))
}

interface Case {
  name: string
  argv: string[]
  seed?: (d: FakeDeps) => void
  wantExit: number
  /** Strings stdout must contain (or a check). */
  out?: Array<string | RegExp>
  err?: Array<string | RegExp>
  /** Whether stdout must be empty. */
  noOut?: boolean
  /** No request at all reaches the cluster. */
  noRequests?: boolean
  /** No write reaches the cluster or helm. */
  noWrites?: boolean
  check?: (d: FakeDeps) => void
}

async function run(argv: string[], seed?: (d: FakeDeps) => void, o: Parameters<typeof fakeDeps>[0] = {}) {
  const d = fakeDeps(o)
  seed?.(d)
  const code = await main(argv, d)
  return { d, code, out: d.out.text, err: d.err.text }
}

function helmWrites(d: FakeDeps): string[] {
  return d.fakeHelm.ops().filter((op) => op === 'upgradeInstall' || op === 'uninstall' || op === 'rollback')
}

const cases: Case[] = [
  { name: '--version', argv: ['--version'], wantExit: 0, out: [`${VERSION}\n`], noRequests: true },
  { name: '-V', argv: ['-V'], wantExit: 0, out: [VERSION], noRequests: true },
  { name: '--help', argv: ['--help'], wantExit: 0, out: ['Usage: dbaas', 'create', 'list', 'connection', 'delete'], noRequests: true },
  { name: 'no arguments shows help', argv: [], wantExit: 0, err: ['Usage: dbaas'], noRequests: true },
  { name: 'create --help has examples', argv: ['create', '--help'], wantExit: 0, out: ['Examples:', '# PostgreSQL', '--dry-run'], noRequests: true },
  { name: 'version', argv: ['version'], wantExit: 0, out: [`dbaas ${VERSION}`], noRequests: true },
  { name: 'unknown command → 2 with a suggestion', argv: ['craete'], wantExit: 2, err: ["unknown command 'craete'", 'Did you mean create?'], noOut: true, noRequests: true },
  { name: 'unknown flag → 2', argv: ['list', '--bogus'], wantExit: 2, err: ["unknown option '--bogus'"], noOut: true, noRequests: true },
  { name: 'unknown flag on create → 2, nothing sent', argv: ['create', 'pg', 'x', '--replicas', '3'], wantExit: 2, err: ['--replicas'], noRequests: true },
  { name: 'create with a bad name → 2, no request', argv: ['create', 'pg', 'Bad_Name'], wantExit: 2, err: ['"Bad_Name" is not valid', 'Hint:'], noOut: true, noRequests: true },
  { name: 'create with a 41-character name → 2', argv: ['create', 'pg', 'a'.repeat(41)], wantExit: 2, err: ['41 characters'], noRequests: true },
  { name: 'create with an unknown engine → 2 listing engines', argv: ['create', 'oracle', 'x'], wantExit: 2, err: ['unknown engine "oracle"', 'postgresql/postgres/pg'], noRequests: true },
  { name: 'create mysql --version 9.9 → 2 listing versions', argv: ['create', 'mysql', 'x', '--version', '9.9'], wantExit: 2, err: ['"9.9" is not supported', '9.7, 8.4'], noRequests: true },
  { name: 'create with a malformed size → 2', argv: ['create', 'pg', 'x', '--storage', '10GB'], wantExit: 2, err: ['--storage "10GB"'], noRequests: true },
  { name: 'create with a malformed cpu → 2', argv: ['create', 'pg', 'x', '--cpu', 'lots'], wantExit: 2, err: ['--cpu'], noRequests: true },
  { name: 'create with a malformed memory → 2', argv: ['create', 'pg', 'x', '--memory', '1x'], wantExit: 2, err: ['--memory'], noRequests: true },
  { name: 'create with a reserved user → 2', argv: ['create', 'pg', 'x', '--user', 'postgres'], wantExit: 2, err: ['reserved'], noRequests: true },
  { name: 'create with a bad namespace → 2', argv: ['create', 'pg', 'x', '-n', 'Team_A'], wantExit: 2, err: ['namespace "Team_A"'], noRequests: true },
  { name: 'create with a bad --timeout → 2', argv: ['create', 'pg', 'x', '--timeout', 'soon'], wantExit: 2, err: ['--timeout "soon"'], noRequests: true },
  { name: 'create with a bad --dry-run mode → 2', argv: ['create', 'pg', 'x', '--dry-run=maybe'], wantExit: 2, err: ['--dry-run "maybe"'], noRequests: true },
  { name: 'create with -o wide → 2', argv: ['create', 'pg', 'x', '-o', 'wide'], wantExit: 2, err: ['unknown output format "wide"'], noRequests: true },
  { name: 'create without a name → 2', argv: ['create', 'pg'], wantExit: 2, err: ['missing argument: name'], noRequests: true },
  { name: 'create of an existing instance → 4, nothing written', argv: ['create', 'pg', 'orders', '--no-wait'], seed: withOrders, wantExit: 4, err: ['already exists'], noWrites: true },
  { name: 'create with an unknown storage class → 2, nothing written', argv: ['create', 'pg', 'x', '--storage-class', 'gold', '--no-wait'], seed: emptyCluster, wantExit: 2, err: ['storage class "gold" does not exist'], noWrites: true },
  {
    name: 'create when RBAC forbids → 5, nothing written',
    argv: ['create', 'pg', 'x', '--no-wait'],
    seed: (d) => {
      emptyCluster(d)
      d.transport.deny = (a) => a.resource === 'secrets'
    },
    wantExit: 5,
    err: ['you may not create secrets'],
    noWrites: true,
  },
  { name: 'status of an unknown instance → 3', argv: ['status', 'nope'], wantExit: 3, err: ['instance "nope" not found'], noOut: true },
  { name: 'connection of an unknown instance → 3', argv: ['connection', 'nope'], wantExit: 3, err: ['not found'], noOut: true },
  { name: 'delete without a TTY and without --yes → 2, nothing deleted', argv: ['delete', 'orders'], seed: withOrders, wantExit: 2, err: ['refusing to delete', '--yes'], noOut: true, noWrites: true },
  { name: 'delete --ignore-not-found of nothing → 0', argv: ['delete', 'nope', '--yes', '--ignore-not-found'], wantExit: 0, err: ['not found; nothing to delete'], noWrites: true },
  { name: 'delete of nothing → 3', argv: ['delete', 'nope', '--yes'], wantExit: 3, noWrites: true },
  { name: 'delete --dry-run needs no --yes and deletes nothing', argv: ['delete', 'orders', '--dry-run'], seed: withOrders, wantExit: 0, out: ['would delete helm release orders', 'would delete secret/orders-credentials'], noWrites: true },
  { name: 'list with nothing → 0, a note on stderr', argv: ['list'], wantExit: 0, err: ['No instances found.'], noOut: true },
  { name: 'list table', argv: ['list'], seed: withOrders, wantExit: 0, out: [/^NAME\s+KIND\s+ENGINE\s+VERSION\s+STATUS\s+READY\s+STORAGE\s+NAMESPACE\s+AGE\n/, /orders\s+instance\s+postgresql\s+18\s+Ready\s+1\/1\s+10Gi\s+dbaas-orders\s+60m\n/] },
  { name: 'list -o name', argv: ['list', '-o', 'name'], seed: withOrders, wantExit: 0, out: [/^orders\n$/] },
  { name: 'list -A is accepted', argv: ['list', '-A'], seed: withOrders, wantExit: 0, out: ['orders'] },
  { name: 'engines', argv: ['engines'], wantExit: 0, out: ['postgresql', 'mysql', 'mariadb', '9.7, 8.4'], noRequests: true },
]

describe('dbaas (table-driven)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { d, code, out, err } = await run(c.argv, c.seed)
      expect({ code, err: code === c.wantExit ? '' : err }).toEqual({ code: c.wantExit, err: '' })
      for (const s of c.out ?? []) typeof s === 'string' ? expect(out).toContain(s) : expect(out).toMatch(s)
      for (const s of c.err ?? []) typeof s === 'string' ? expect(err).toContain(s) : expect(err).toMatch(s)
      if (c.noOut) expect(out).toBe('')
      if (c.noRequests) {
        expect(d.transport.requests).toEqual([])
        expect(d.kubeCalls).toEqual([])
        expect(helmWrites(d)).toEqual([])
      }
      if (c.noWrites) {
        expect(d.transport.writes).toEqual([])
        expect(helmWrites(d)).toEqual([])
      }
      c.check?.(d)
    })
  }
})

describe('create', () => {
  it('program options are positional: create postgres x --version 17 is the engine version', async () => {
    const { d, code, out } = await run(['create', 'postgres', 'x', '--version', '17', '--no-wait'], emptyCluster)
    expect(code).toBe(0)
    expect(out).not.toBe(`${VERSION}\n`)
    const install = d.fakeHelm.calls.find((c) => c.op === 'upgradeInstall')
    expect(install && install.op === 'upgradeInstall' && install.req.values).toMatchObject({ engineVersion: '17', image: { repository: 'postgres', tag: '17' } })
    expect(out).toContain('instance "x" created in namespace dbaas-x')
  })

  it('aliases resolve to the canonical engine and defaults apply', async () => {
    const { d, code } = await run(['create', 'pg', 'x', '--no-wait'], emptyCluster)
    expect(code).toBe(0)
    const s = d.transport.get(R.secrets, 'dbaas-x', 'x-credentials')!
    expect(s.metadata.labels?.['dbaas.io/engine']).toBe('postgresql')
    expect(s.metadata.labels?.['dbaas.io/engine-version']).toBe('18')
  })

  it('-o json prints the instance as JSON and nothing else on stdout; progress stays off stdout', async () => {
    const { code, out } = await run(['create', 'mariadb', 'wiki', '-n', 'team', '--no-wait', '-o', 'json'], emptyCluster)
    expect(code).toBe(0)
    const v = JSON.parse(out)
    expect(v).toMatchObject({ kind: 'instance', name: 'wiki', namespace: 'team' })
  })

  it('--password-stdin: the password goes to the Secret and nowhere on stdout or stderr', async () => {
    const pw = 'from-stdin-Pa55word-9'
    const { d, code, out, err } = await run(['create', 'pg', 'x', '--password-stdin', '--no-wait'], emptyCluster, { stdin: `${pw}\n` })
    expect(code).toBe(0)
    const s = d.transport.get(R.secrets, 'dbaas-x', 'x-credentials')!
    expect(Buffer.from(s.data!.password!, 'base64').toString()).toBe(pw)
    expect(out + err).not.toContain(pw)
    expect(JSON.stringify(d.fakeHelm.calls)).not.toContain(pw)
  })

  it('--password-stdin shorter than 8 characters → 2, nothing sent', async () => {
    const { d, code, err } = await run(['create', 'pg', 'x', '--password-stdin'], emptyCluster, { stdin: 'short\n' })
    expect(code).toBe(2)
    expect(err).toContain('shorter than 8')
    expect(d.transport.requests).toEqual([])
  })

  it('--dry-run=client contacts nothing and prints the Secret redacted', async () => {
    const pw = 'dry-run-Pa55word-never-shown'
    const d = fakeDeps({ stdin: pw })
    d.fakeHelm.templateOutput = 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: x\n'
    const code = await main(['create', 'pg', 'x', '--dry-run=client', '--password-stdin'], d)
    expect(code).toBe(0)
    expect(d.transport.requests).toEqual([])
    expect(d.kubeCalls).toEqual([])
    expect(d.out.text).toContain('kind: Secret')
    expect(d.out.text).toContain('password: <redacted>')
    expect(d.out.text).toContain('kind: StatefulSet')
    expect(d.out.text + d.err.text).not.toContain(pw)
  })

  it('--dry-run=client -o json prints a parseable List', async () => {
    const { d, code, out } = await run(['create', 'pg', 'x', '--dry-run=client', '-o', 'json'])
    expect(code).toBe(0)
    expect(d.transport.requests).toEqual([])
    const list = JSON.parse(out)
    expect(list.kind).toBe('List')
    expect(list.items.map((o: { kind: string }) => o.kind)).toEqual(['Namespace', 'Secret'])
    expect(list.items[1].stringData.password).toBe('<redacted>')
  })
})

describe('-o json errors', () => {
  it.each([
    [['status', 'nope', '-o', 'json'], 3, 'not_found'],
    [['create', 'pg', 'Bad_Name', '-o', 'json'], 2, 'usage'],
    [['create', 'pg', 'orders', '--no-wait', '-o', 'json'], 4, 'already_exists'],
    [['list', '-ojson', '-n', 'Bad_NS'], 2, 'usage'],
    [['connection', 'nope', '--format', 'json'], 3, 'not_found'],
  ])('%j → exit %d, {"error":{code:%s}} on stderr, stdout empty', async (argv, exit, code) => {
    const r = await run(argv, withOrders)
    expect(r.code).toBe(exit)
    expect(r.out).toBe('')
    const doc = JSON.parse(r.err)
    expect(doc.error.code).toBe(code)
    expect(typeof doc.error.message).toBe('string')
    expect(Object.keys(doc)).toEqual(['error'])
  })

  it('a commander usage error with -o json leaves only JSON on stderr', async () => {
    const r = await run(['list', '--bogus', '-o', 'json'])
    expect(r.code).toBe(2)
    expect(r.out).toBe('')
    expect(JSON.parse(r.err)).toMatchObject({ error: { code: 'usage' } })
  })
})

describe('list', () => {
  it('-o json prints a parseable array with the documented fields', async () => {
    const { code, out } = await run(['list', '-o', 'json'], (d) => {
      withOrders(d)
      d.transport.seed(R.namespaces, namespace('team'))
      d.transport.seed(R.secrets, credentials({ name: 'half', namespace: 'team' }))
    })
    expect(code).toBe(0)
    const items = JSON.parse(out)
    expect(Array.isArray(items)).toBe(true)
    expect(items.map((i: { name: string; status: string }) => [i.name, i.status])).toEqual([
      ['orders', 'Ready'],
      ['half', 'Incomplete'],
    ])
    expect(items[0]).toMatchObject({ kind: 'instance', engine: 'postgresql', version: '18', ready: '1/1', storage: '10Gi', namespace: 'dbaas-orders', createdAt: '2026-11-25T11:00:00Z' })
  })

  it('-o json with no instances prints []', async () => {
    const { code, out } = await run(['list', '-o', 'json'])
    expect(code).toBe(0)
    expect(JSON.parse(out)).toEqual([])
  })

  it('-o yaml', async () => {
    const { out } = await run(['list', '-o', 'yaml'], withOrders)
    expect(out).toMatch(/^- kind: instance\n {2}name: orders\n/)
  })

  it('makes two requests for many instances (no HA cluster)', async () => {
    const { d, code } = await run(['list', '-o', 'json'], (d) => {
      for (let i = 0; i < 50; i++) {
        d.transport.seed(R.namespaces, namespace(`dbaas-db${i}`, { instance: { name: `db${i}` } }))
        d.transport.seed(R.statefulSets, statefulSet({ name: `db${i}`, ready: 1 }))
      }
    })
    expect(code).toBe(0)
    expect(d.transport.requestCount).toBe(2)
  })

  it('-n is passed through, and -A overrides it', async () => {
    const a = await run(['list', '-n', 'team', '-o', 'json'], withOrders)
    expect(JSON.parse(a.out)).toEqual([])
    expect(a.d.transport.requests.every((r) => r.path.includes('/namespaces/team/'))).toBe(true)
    const b = await run(['list', '-n', 'team', '-A', '-o', 'json'], withOrders)
    expect(JSON.parse(b.out)).toHaveLength(1)
  })

  it('a 403 cluster-wide warns on stderr and lists the context namespace', async () => {
    const { code, out, err } = await run(['list', '-o', 'json'], (d) => {
      withOrders(d)
      d.transport.fail({ path: /^\/apis?\/(apps\/)?v1\/(statefulsets|secrets)$/, failure: { code: 403, reason: 'Forbidden' } })
    })
    expect(code).toBe(0)
    expect(JSON.parse(out)).toEqual([])
    expect(err).toContain('showing namespace default only')
  })

  it('-o wide adds columns', async () => {
    const { out } = await run(['list', '-o', 'wide'], withOrders)
    // No RELEASE: list never reads helm's release records (status shows the release).
    expect(out.split('\n')[0]).toMatch(/STORAGE-CLASS\s+DATABASE\s+USER\s+RESTORED-FROM$/)
  })
})

describe('connection', () => {
  it('masks the password by default (text, uri and json); env leaves it out and says so', async () => {
    for (const extra of [[], ['--format', 'uri'], ['--format', 'json'], ['-o', 'yaml']]) {
      const { code, out, err } = await run(['connection', 'orders', ...extra], withOrders)
      expect(code).toBe(0)
      expect(out + err).not.toContain(PASSWORD)
      expect(out).toContain('********')
    }
    const { code, out, err } = await run(['connection', 'orders', '--format', 'env'], withOrders)
    expect(code).toBe(0)
    expect(out + err).not.toContain(PASSWORD)
    expect(out).not.toMatch(/PGPASSWORD|DATABASE_URL|\*{8}/)
    expect(err).toContain('PGPASSWORD and DATABASE_URL left out: the password is masked; add --show-password to include them')
  })

  it('--format and -o asking for different output → 2, naming both flags', async () => {
    const { code, err } = await run(['connection', 'orders', '--format', 'uri', '-o', 'json'], withOrders)
    expect(code).toBe(2)
    expect(err).toContain('--format uri and -o json ask for different output')
    expect((await run(['connection', 'orders', '--format', 'json', '-o', 'json'], withOrders)).code).toBe(0)
  })

  it('text shows host, port, database, user, URI and a port-forward hint on stderr', async () => {
    const { out, err } = await run(['connection', 'orders'], withOrders)
    expect(out).toContain('Host:     orders.dbaas-orders.svc.cluster.local')
    expect(out).toContain('Port:     5432')
    expect(out).toMatch(/URI:\s+postgresql:\/\/app:\*{8}@orders\.dbaas-orders\.svc\.cluster\.local:5432\/app/)
    expect(err).toContain('kubectl port-forward -n dbaas-orders svc/orders 25432:5432')
  })

  it('--show-password reveals it', async () => {
    const { out } = await run(['connection', 'orders', '--show-password', '--format', 'uri'], withOrders)
    expect(out).toBe(`postgresql://app:${encodeURIComponent(PASSWORD)}@orders.dbaas-orders.svc.cluster.local:5432/app\n`)
  })

  it('--format env prints shell-sourceable PG variables', async () => {
    const { out } = await run(['connection', 'orders', '--format', 'env', '--show-password'], withOrders)
    expect(out.split('\n').filter(Boolean)).toEqual([
      "PGHOST='orders.dbaas-orders.svc.cluster.local'",
      "PGPORT='5432'",
      "PGDATABASE='app'",
      "PGUSER='app'",
      `PGPASSWORD='${PASSWORD}'`,
      `DATABASE_URL='postgresql://app:${PASSWORD}@orders.dbaas-orders.svc.cluster.local:5432/app'`,
    ])
  })

  it('--format env for MySQL uses MYSQL_* names', async () => {
    const { out } = await run(['connection', 'shop', '--format', 'env'], (d) => {
      d.transport.seed(R.namespaces, namespace('dbaas-shop', { instance: { name: 'shop', engine: 'mysql', version: '8.4' } }))
      d.transport.seed(R.statefulSets, statefulSet({ name: 'shop', engine: 'mysql', version: '8.4', ready: 1 }))
      d.transport.seed(R.secrets, credentials({ name: 'shop', engine: 'mysql', version: '8.4' }))
    })
    expect(out).not.toContain('MYSQL_PWD')
    expect(out).toContain("MYSQL_TCP_PORT='3306'")
  })

  it('an unknown --format → 2', async () => {
    const { code, err } = await run(['connection', 'orders', '--format', 'xml'], withOrders)
    expect(code).toBe(2)
    expect(err).toContain('--format "xml" is not a format')
  })
})

describe('delete', () => {
  it('--yes uninstalls the release, removes the secret, keeps nothing else and removes the namespace it created', async () => {
    const { d, code, out } = await run(['delete', 'orders', '--yes', '--no-wait'], (d) => {
      withOrders(d)
      d.fakeHelm.onUninstall = () => {
        d.transport.store.delete('/apis/apps/v1/namespaces/dbaas-orders/statefulsets/orders')
      }
    })
    expect(code).toBe(0)
    expect(out).toContain('instance "orders" deleted from namespace dbaas-orders')
    expect(d.fakeHelm.ops()).toContain('uninstall')
    expect(d.transport.get(R.secrets, 'dbaas-orders', 'orders-credentials')).toBeUndefined()
    // The namespace is being deleted (the namespace controller empties it, then it goes).
    expect(d.transport.get(R.namespaces, undefined, 'dbaas-orders')?.status).toEqual({ phase: 'Terminating' })
    expect(d.transport.writes.filter((w) => w.method === 'DELETE').map((w) => w.path)).toContain('/api/v1/namespaces/dbaas-orders')
    d.transport.settle()
    expect(d.transport.get(R.namespaces, undefined, 'dbaas-orders')).toBeUndefined()
  })

  it('on a terminal without --yes still asks (covered by e2e); non-interactive deps never prompt', async () => {
    const { code, d } = await run(['delete', 'orders'], withOrders, { interactive: false })
    expect(code).toBe(2)
    expect(d.fakeHelm.ops()).not.toContain('uninstall')
  })
})

describe('version -o json', () => {
  it('adds helm and server versions', async () => {
    const { code, out } = await run(['version', '-o', 'json'])
    expect(code).toBe(0)
    expect(JSON.parse(out)).toMatchObject({ dbaas: VERSION, helm: 'v3.19.0', server: 'v1.35.0' })
  })
})
