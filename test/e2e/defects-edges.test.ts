// Issue 19 through the built CLI against the lab: single-instance verbs and HA clusters (item 5), hints that
// name the right flag (6), listings across namespaces (8), quantities and codes (10), and the smaller edges
// (11). Every refusal is checked to write nothing where it could have.
import { createServer, type Server } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLimitedUser, type LimitedUser } from '../lab/fixtures/limited-user.ts'
import { kubectl, kubectlJson, kubectlOk, uniqueName } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { cleanupInstance, dbaas, dbaasOk } from './helpers.ts'

const CLUSTERS = 'clusters.postgresql.cnpg.io'

describe('single-instance verbs and HA clusters (item 5)', () => {
  const ns = uniqueName('mix')
  const ha = uniqueName('mxha')
  const single = uniqueName('mxsi')
  beforeAll(async () => {
    await kubectlOk(['create', 'namespace', ns])
    // No operator is needed for the Cluster object to exist: the lab has CloudNativePG's CRDs.
    await dbaasOk(['ha', 'create', ha, '-n', ns, '--instances', '1', '--storage', '1Gi', '--skip-operator-check', '--no-wait'])
    await dbaasOk(['create', 'postgres', single, '-n', ns, '--storage', '1Gi'])
  })
  afterAll(async () => {
    await cleanupInstance(single, ns)
    await kubectl(['-n', ns, 'delete', CLUSTERS, ha, '--ignore-not-found', '--wait=false'])
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
  })

  it.each([
    [['status'], 'ha status'],
    [['connection'], 'ha connection'],
    [['delete', '--yes'], 'ha delete'],
    [['logs'], 'ha status'],
  ])('%j on the HA cluster\'s name → exit 2 naming `dbaas %s`, and list shows it', async (verb, haVerb) => {
    const [v, ...rest] = verb as [string, ...string[]]
    const r = await dbaas([v, ha, ...rest])
    expect(r.exitCode, r.stderr).toBe(2)
    expect(r.stderr).toContain(`this is an HA cluster: use \`dbaas ${haVerb} ${ha} -n ${ns}\``)
    const listed = (await dbaasOk(['list', '-n', ns, '-o', 'json'])).json<any[]>()
    expect(listed.find((i) => i.name === ha)).toMatchObject({ kind: 'ha-cluster' })
    expect((await kubectl(['-n', ns, 'get', CLUSTERS, ha, '-o', 'name'])).stdout.trim()).not.toBe('')
  })

  it('a single instance where an HA cluster has the name → 4, nothing written', async () => {
    const r = await dbaas(['create', 'postgres', ha, '-n', ns, '--storage', '1Gi'])
    expect(r.exitCode, r.stderr).toBe(4)
    expect(r.stderr).toContain(`an HA cluster named "${ha}" exists in namespace ${ns}`)
    expect((await kubectl(['-n', ns, 'get', 'secret', `${ha}-credentials`, '-o', 'name', '--ignore-not-found'])).stdout.trim()).toBe('')
    expect((await kubectl(['-n', ns, 'get', 'statefulset', ha, '-o', 'name', '--ignore-not-found'])).stdout.trim()).toBe('')
  })

  it('an HA cluster where a single instance has the name → 4, nothing written', async () => {
    const r = await dbaas(['ha', 'create', single, '-n', ns, '--storage', '1Gi', '--skip-operator-check', '--no-wait'])
    expect(r.exitCode, r.stderr).toBe(4)
    expect(r.stderr).toContain(`a single instance named "${single}" exists in namespace ${ns}`)
    expect((await kubectl(['-n', ns, 'get', CLUSTERS, single, '-o', 'name', '--ignore-not-found'])).stdout.trim()).toBe('')
  })

  it('completion offers each verb only the names it accepts', async () => {
    const complete = async (...words: string[]) =>
      (await dbaasOk(['__complete', ...words, '-n', ns, ''])).stdout.split('\n').filter((l) => l && !l.startsWith(':')).map((l) => l.split('\t')[0])
    for (const verb of [['status'], ['connection'], ['delete'], ['logs'], ['backup', 'create']]) {
      const names = await complete(...verb)
      expect(names, verb.join(' ')).toContain(single)
      expect(names, verb.join(' ')).not.toContain(ha)
    }
    for (const verb of [['ha', 'status'], ['ha', 'delete'], ['ha', 'backup', 'create']]) {
      const names = await complete(...verb)
      expect(names, verb.join(' ')).toContain(ha)
      expect(names, verb.join(' ')).not.toContain(single)
    }
    expect(await complete('connect')).toEqual(expect.arrayContaining([single, ha]))
  })

  it('connect on the HA cluster with no ready primary names a command that works', async () => {
    const r = await dbaas(['connect', ha, '-n', ns, '--forward-only'])
    expect(r.exitCode).toBe(7)
    const cmd = /`(dbaas [^`]+)`/.exec(r.stderr)?.[1]
    expect(cmd).toBe(`dbaas ha status ${ha} -n ${ns}`)
    const follow = await dbaas([...cmd!.split(' ').slice(1), '--skip-operator-check'])
    expect(follow.exitCode, follow.stderr).toBe(0)
  })
})

describe('backups across namespaces (items 6 and 8)', () => {
  const a = uniqueName('bxa')
  const b = uniqueName('bxb')
  const same = uniqueName('same')
  beforeAll(async () => {
    for (const n of [a, b]) {
      await dbaasOk(['create', 'postgres', n, '--storage', '1Gi'])
      await dbaasOk(['backup', 'create', n, '--name', same])
    }
  })
  afterAll(async () => {
    for (const n of [a, b]) {
      await dbaas(['backup', 'delete', same, '-n', `dbaas-${n}`, '--yes', '--no-wait'])
      await cleanupInstance(n)
    }
  })

  it('backup list across namespaces: a NAMESPACE column, and -o name prints namespace/name', async () => {
    const table = await dbaasOk(['backup', 'list'])
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+NAMESPACE\s+INSTANCE\s/)
    expect(table.stdout).toMatch(new RegExp(`^${same}\\s+dbaas-${a}\\s+${a}\\s`, 'm'))
    expect(table.stdout).toMatch(new RegExp(`^${same}\\s+dbaas-${b}\\s+${b}\\s`, 'm'))
    const names = (await dbaasOk(['backup', 'list', '-o', 'name'])).stdout.split('\n')
    expect(names).toEqual(expect.arrayContaining([`dbaas-${a}/${same}`, `dbaas-${b}/${same}`]))
    const one = await dbaasOk(['backup', 'list', '-n', `dbaas-${a}`])
    expect(one.stdout.split('\n')[0]).toMatch(/^NAME\s+INSTANCE\s/)
    expect((await dbaasOk(['backup', 'list', '-n', `dbaas-${a}`, '-o', 'name'])).stdout.trim()).toBe(same)
  })

  it('restore of a name two namespaces hold: the hint names --backup-namespace, and following it works', async () => {
    const to = uniqueName('bxr')
    const r = await dbaas(['restore', same, '--to', to, '--dry-run=client'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain(`Hint: pick one with --backup-namespace dbaas-`)
    const ns = /--backup-namespace (\S+)/.exec(r.stderr)?.[1] as string
    const ok = await dbaas(['restore', same, '--to', to, '--backup-namespace', ns, '--dry-run=client', '-o', 'json'])
    expect(ok.exitCode, ok.stderr).toBe(0)
  })
})

describe('quantities and codes (item 10)', () => {
  it('1Ei and 1E pass dbaas and the chart schema (helm template); 1e3 is refused with the rule', async () => {
    for (const size of ['1Ei', '1E']) {
      const r = await dbaas(['create', 'postgres', uniqueName('q'), '--storage', size, '--dry-run=client', '-o', 'json'])
      expect(r.exitCode, r.stderr).toBe(0)
      expect(JSON.stringify(r.json())).toContain(`"storage":"${size}"`)
    }
    const bad = await dbaas(['create', 'postgres', uniqueName('q'), '--storage', '1e3', '--dry-run=client'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toMatch(/Hint: use a number with a suffix Ki, Mi, Gi, Ti, Pi, Ei .* --storage 10Gi/)
  })

  it('--retention: the hint suggests values that are accepted', async () => {
    const r = await dbaas(['backup', 'create', 'anything', '--retention', 'forever'])
    expect(r.exitCode).toBe(2)
    const suggested = /--retention (\w+)/.exec(r.stderr.split('Hint:')[1] ?? '')?.[1]
    expect(suggested).toBeDefined()
    const again = await dbaas(['backup', 'create', 'no-such-instance-x', '--retention', suggested!])
    expect(again.exitCode).toBe(3)
  })

  labOnly('needs a ready pod to forward to').it('a busy connect --port is 7 (the machine\'s state), naming --port', async () => {
    const name = uniqueName('port')
    const server: Server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const port = (server.address() as { port: number }).port
    try {
      await dbaasOk(['create', 'postgres', name, '--storage', '1Gi'])
      const r = await dbaas(['connect', name, '--forward-only', '--port', String(port)])
      expect(r.exitCode).toBe(7)
      expect(r.stderr).toContain(`local port ${port} is already in use`)
      expect(r.stderr).toContain('--port')
    } finally {
      server.close()
      await cleanupInstance(name)
    }
  })
})

describe('smaller edges (item 11)', () => {
  const name = uniqueName('edge')
  const ns = `dbaas-${name}`
  beforeAll(() => dbaasOk(['create', 'postgres', name, '--storage', '1Gi']))
  afterAll(() => cleanupInstance(name))

  it('logs -p without a previous container says so (7), not "check the values you passed"', async () => {
    const r = await dbaas(['logs', name, '-p'])
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toContain(`pod ${name}-0 has no previous container: it has not restarted`)
    expect(r.stderr).toContain('leave out -p')
    expect(r.stderr).not.toContain('check the values you passed')
  })

  it('status of a Ready instance: only warnings newer than its last transition, one line per repeated warning', async () => {
    const pod = await kubectlJson(['-n', ns, 'get', 'pod', `${name}-0`])
    const since = pod.status.conditions.find((c: any) => c.type === 'Ready').lastTransitionTime as string
    const at = (offsetS: number) => new Date(Date.parse(since) + offsetS * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
    const event = (n: number, reason: string, offsetS: number) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${name}-w${n}`, namespace: ns },
      involvedObject: { kind: 'Pod', name: `${name}-0`, namespace: ns, uid: pod.metadata.uid, apiVersion: 'v1' },
      reason,
      message: `${reason} happened`,
      type: 'Warning',
      count: 1,
      firstTimestamp: at(offsetS),
      lastTimestamp: at(offsetS),
      source: { component: 'test' },
    })
    const docs = [event(1, 'BeforeReady', -60), event(2, 'AfterReady', 5), event(3, 'AfterReady', 6)]
    await kubectlOk(['apply', '-f', '-'], { input: docs.map((d) => JSON.stringify(d)).join('\n') })
    const v = (await dbaasOk(['status', name, '-o', 'json'])).json()
    expect(v.status).toBe('Ready')
    const mine = v.events.filter((e: any) => /Ready$/.test(e.reason))
    expect(mine).toEqual([expect.objectContaining({ reason: 'AfterReady', count: 2 })])
  })

  it('status --watch and list --watch: the header on stderr, only the view on stdout', async () => {
    for (const argv of [['status', name, '--watch'], ['list', '-n', ns, '--watch']]) {
      const r = await dbaas(argv, { timeoutMs: 4000 })
      expect(r.stderr, argv.join(' ')).toMatch(/^Watching .*Ctrl-C to stop\.$/m)
      expect(r.stdout, argv.join(' ')).not.toContain('Ctrl-C')
      expect(r.stdout, argv.join(' ')).toMatch(argv[0] === 'status' ? /Status:\s+Ready/ : /^NAME\s+ENGINE/m)
    }
  })
})

describe('an instance that cannot start (item 11)', () => {
  const name = uniqueName('stuck')
  const cls = uniqueName('noprov')
  beforeAll(async () => {
    // A class whose provisioner nobody runs: the data volume stays Pending, so does the pod.
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: cls }, provisioner: 'example.invalid/nobody', volumeBindingMode: 'Immediate' }),
    })
    await dbaasOk(['create', 'postgres', name, '--storage', '1Gi', '--storage-class', cls, '--no-wait'])
  })
  afterAll(async () => {
    await cleanupInstance(name)
    await kubectl(['delete', 'storageclass', cls, '--ignore-not-found', '--wait=false'])
  })

  it('status names the Pending volume, its class and the provisioner nobody runs', async () => {
    const v = (await dbaasOk(['status', name, '-o', 'json'])).json()
    expect(v.status).toBe('Creating')
    expect(v.explanation).toContain(`its data volume data-${name}-0 is Pending (storage class ${cls}, provisioner example.invalid/nobody)`)
  })

  it('logs on the Pending pod says why there is no log (7)', async () => {
    const r = await dbaas(['logs', name])
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toMatch(new RegExp(`pod ${name}-0 is Pending.*its container has not started, so there is no log yet`))
    expect(r.stderr).toContain(`dbaas status ${name} -n dbaas-${name}`)
  })
})

labOnly('signs a user with the lab CA').describe('doctor for a user RBAC keeps from looking (item 11)', () => {
  let user: LimitedUser | undefined
  const ns = uniqueName('docr')
  afterAll(async () => {
    await user?.cleanup()
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
  })

  it('says "not allowed to check", not "install the snapshot controller" or "install CloudNativePG"', async () => {
    user = await createLimitedUser({ name: uniqueName('docr'), namespace: ns, rules: [{ apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['list'] }] })
    const r = await dbaas(['doctor', '-o', 'json'], { env: { KUBECONFIG: user.kubeconfig } })
    const checks = r.json().checks as Array<{ id: string; status: string; message: string; fix?: string }>
    for (const id of ['snapshot-controller', 'snapshot-class', 'cnpg-operator']) {
      const c = checks.find((x) => x.id === id)
      expect(c, id).toMatchObject({ status: 'warn', message: expect.stringContaining('not allowed to check') })
      expect(c?.fix ?? '', id).not.toMatch(/install|kubectl apply|helm install/)
    }
  })
})
