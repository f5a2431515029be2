// dbaas ha with the MariaDB operator, against the lab's real k8s.mariadb.com CRDs (v25.10.2: schema validation,
// status subresource). The lab runs no operator: test/e2e/fixtures/mariadb-operator.ts plays it, step by step,
// as the operator documents; dbaas always runs as the real, bundled CLI (or, for the deterministic conflict,
// its own retry function in-process against the real API server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realDeps } from '../../src/deps.ts'
import { MARIADB } from '../../src/core/ha/engines/mariadb.ts'
import { patchWithRetry } from '../../src/core/ha/ops.ts'
import { checkMariadbSwitchover, podIndexPatch } from '../../src/core/ha/engines/mariadb.ts'
import { kubectl, kubectlJson, kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { defaultSnapshotClass } from '../lab/fixtures/workloads.ts'
import { labOnly } from '../lab/tags.ts'
import { getMariaDB, MARIADBS, MariadbOperatorFixture, PHYSICAL_BACKUPS } from './fixtures/mariadb-operator.ts'
import { patchStatus } from './fixtures/operator-presence.ts'
import { dbaas, dbaasOk, type CliResult } from './helpers.ts'

const lab = labOnly('plays the MariaDB operator with a fixture (the lab runs no operator)')

const apiCalls = (r: CliResult) => r.stderr.split('\n').filter((l) => l.startsWith('[api] ')).map((l) => l.slice(6))
const writes = (r: CliResult) => apiCalls(r).filter((l) => !l.startsWith('GET ') && !l.includes('selfsubjectaccessreviews'))
const traced = { env: { DBAAS_TRACE: '1' } }
const gone = async (args: string[]) => (await kubectl([...args, '-o', 'name', '--ignore-not-found'])).stdout.trim() === ''

const namespaces: string[] = []
const restored: string[] = []
afterAll(async () => {
  for (const ns of namespaces) await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
  for (const to of restored) await kubectl(['delete', 'volumesnapshotcontent', '-l', `dbaas.io/restore-target=${to}`, '--wait=false', '--ignore-not-found'])
})

lab.describe('ha mariadb without the operator', () => {
  it('refuses with exit 7 naming what to install, writing nothing; --skip-operator-check lets a server dry run through', async () => {
    await waitFor('no MariaDB operator Deployment', 60_000, async () => (await kubectlJson(['get', 'deployments', '-A', '-l', 'app.kubernetes.io/name=mariadb-operator'])).items.length === 0, 500)
    const name = uniqueName('mnop')
    const r = await dbaas(['ha', 'create', 'mariadb', name], traced)
    expect(r.exitCode, r.stderr).toBe(7)
    expect(r.stderr).toContain('no MariaDB operator is running')
    expect(r.stderr).toMatch(/Hint: install the MariaDB operator first: .*helm install mariadb-operator/)
    expect(writes(r)).toEqual([])
    const dry = await dbaasOk(['ha', 'create', 'mariadb', name, '-n', 'default', '--skip-operator-check', '--dry-run=server', '-o', 'json'])
    expect(dry.json().items.map((o: any) => o.kind)).toEqual(['Secret', 'MariaDB', 'PhysicalBackup'])
    expect(await gone(['-n', 'default', 'get', MARIADBS, name])).toBe(true)
  })
})

lab.describe('ha mariadb with the operator played by the fixture', () => {
  let op: MariadbOperatorFixture
  const name = uniqueName('mdb')
  const ns = `dbaas-${name}`
  let snapClass: string | undefined
  beforeAll(async () => {
    op = await MariadbOperatorFixture.install()
    snapClass = await defaultSnapshotClass()
    namespaces.push(ns)
  })
  afterAll(async () => op?.remove())

  /** Puts the MariaDB back to healthy with this primary, so one test's failure does not cascade. */
  const settle = async (primary: number) => {
    await kubectlOk(['-n', ns, 'patch', MARIADBS, name, '--type=merge', '-p', JSON.stringify({ spec: { replication: { primary: { podIndex: primary } } } })])
    await patchStatus(MARIADBS, ns, name, op.healthyStatus(await getMariaDB(ns, name), primary))
  }

  it('every option dbaas sends is accepted by the real schema and stored as sent (nothing pruned)', async () => {
    const probe = uniqueName('mschema')
    const options = ['--database', 'wiki', '--user', 'editor', '--storage', '2Gi', '--storage-class', 'standard', '--cpu', '250m', '--memory', '512Mi', '--version', '10.11', '--param', 'max_connections=300', '--param', 'innodb_buffer_pool_size=256M', '--snapshot-class', 'any-class', '--node-selector', 'disk=ssd', '--toleration', 'dedicated=db:NoSchedule', '--priority-class', 'db-high', '--image-pull-secret', 'mirror-pull', '--image-registry', 'mirror.example.com:5000']
    for (const topology of [['--instances', '2'], ['--galera', '--instances', '5']]) {
      const argv = ['ha', 'create', 'mariadb', probe, '-n', 'default', ...topology, ...options]
      const server = (await dbaasOk([...argv, '--dry-run=server', '--skip-operator-check', '-o', 'json'])).json().items
      const local = (await dbaasOk([...argv, '--dry-run=client', '-o', 'json'])).json().items
      // What the API server kept (after its schema's pruning and defaulting) contains everything dbaas built.
      for (const mine of local.filter((o: any) => o.kind === 'MariaDB' || o.kind === 'PhysicalBackup')) {
        const theirs = server.find((o: any) => o.kind === mine.kind)
        expect(theirs?.spec, mine.kind).toMatchObject(mine.spec)
        expect(theirs?.metadata.labels, mine.kind).toMatchObject(mine.metadata.labels)
      }
      expect(server.find((o: any) => o.kind === 'MariaDB').spec).toMatchObject({ image: 'mirror.example.com:5000/library/mariadb:10.11', nodeSelector: { disk: 'ssd' }, priorityClassName: 'db-high', imagePullSecrets: [{ name: 'mirror-pull' }], tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }], myCnf: '[mariadb]\ninnodb_buffer_pool_size=256M\nmax_connections=300\n', storage: { storageClassName: 'standard' } })
    }
    expect(await gone(['-n', 'default', 'get', MARIADBS, probe])).toBe(true)
  })

  it('create: credentials in a Secret made first, the MariaDB and its scale-out template applied server-side; --wait ends when the operator reports it Ready', async () => {
    const cli = dbaas(['ha', 'create', 'mariadb', name, '--instances', '3', '--database', 'wiki', '--user', 'editor', '--storage', '1Gi', '--param', 'max_connections=300', '--timeout', '90s', '-o', 'json'])
    await waitFor(`MariaDB ${ns}/${name}`, 60_000, async () => !(await gone(['-n', ns, 'get', MARIADBS, name])), 100)
    await op.reconcile(ns, name)
    const r = await cli
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ kind: 'ha-cluster', name, namespace: ns, engine: 'mariadb', operator: 'MariaDB operator', topology: 'replication', status: 'Ready', ready: '3/3', currentPrimary: `${name}-0` })
    const m = await getMariaDB(ns, name)
    expect(m.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'dbaas', 'app.kubernetes.io/instance': name, 'dbaas.io/kind': 'ha-cluster', 'dbaas.io/engine': 'mariadb', 'dbaas.io/engine-version': '11.8' })
    expect(m.metadata.managedFields?.find((f: any) => f.manager === 'dbaas')).toMatchObject({ operation: 'Apply' })
    expect(m.spec).toMatchObject({
      replicas: 3,
      rootPasswordSecretKeyRef: { name: `${name}-ha-credentials`, key: 'root' },
      passwordSecretKeyRef: { name: `${name}-ha-credentials`, key: 'password' },
      username: 'editor',
      database: 'wiki',
      replication: { enabled: true, primary: { podIndex: 0, autoFailover: true }, ...(snapClass ? { replica: { bootstrapFrom: { physicalBackupTemplateRef: { name: `${name}-replica-template` } } } } : {}) },
    })
    const s = await kubectlJson(['-n', ns, 'get', 'secret', `${name}-ha-credentials`])
    expect(Buffer.from(s.data.username, 'base64').toString()).toBe('editor')
    expect(Buffer.from(s.data.password, 'base64').toString()).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(Buffer.from(s.data.root, 'base64').toString()).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(JSON.stringify(m)).not.toContain(Buffer.from(s.data.password, 'base64').toString())
    if (snapClass) {
      const t = await kubectlJson(['-n', ns, 'get', PHYSICAL_BACKUPS, `${name}-replica-template`])
      expect(t.spec).toMatchObject({ mariaDbRef: { name }, schedule: { suspend: true }, storage: { volumeSnapshot: { volumeSnapshotClassName: snapClass } } })
      expect(t.metadata.labels['dbaas.io/kind']).toBe('ha-backup-template')
    }
    // The same name again, or as another HA engine in that namespace: a conflict.
    expect((await dbaas(['ha', 'create', 'mariadb', name, '--storage', '1Gi', '--no-wait'])).exitCode).toBe(4)
    const pg = await dbaas(['ha', 'create', 'postgres', name, '-n', ns, '--no-wait', '--skip-operator-check'], traced)
    expect(pg.exitCode).toBe(4)
    expect(pg.stderr).toContain(`an HA cluster named ${name} already exists in ${ns} (mariadb.k8s.mariadb.com/${name})`)
    expect(writes(pg)).toEqual([])
  })

  it('status, list and connection show what the operator reports', async () => {
    const v = (await dbaasOk(['ha', 'status', name, '-o', 'json'])).json()
    expect(v).toMatchObject({ engine: 'mariadb', status: 'Ready', phase: 'Running', currentPrimary: `${name}-0`, services: { rw: `${name}-primary.${ns}.svc.cluster.local`, ro: `${name}-secondary.${ns}.svc.cluster.local`, r: `${name}.${ns}.svc.cluster.local`, port: 3306 } })
    expect(v.members.map((m: any) => [m.name, m.role, m.ready, m.state])).toEqual([
      [`${name}-0`, 'primary', true, 'Primary'],
      [`${name}-1`, 'replica', true, 'Replica'],
      [`${name}-2`, 'replica', true, 'Replica'],
    ])
    const all = await dbaasOk(['list', '-n', ns, '-o', 'json'])
    expect(all.json().find((x: any) => x.name === name)).toMatchObject({ kind: 'ha-cluster', engine: 'mariadb', status: 'Ready', ready: '3/3' })
    const secret = await kubectlJson(['-n', ns, 'get', 'secret', `${name}-ha-credentials`])
    const pw = Buffer.from(secret.data.password, 'base64').toString()
    expect((await dbaasOk(['ha', 'connection', name])).stdout).not.toContain(pw)
    expect((await dbaasOk(['ha', 'connection', name, '--format', 'uri', '--show-password'])).stdout.trim()).toBe(`mysql://editor:${pw}@${name}-primary.${ns}.svc.cluster.local:3306/wiki`)
  })

  it('failover refusals exit non-zero and write nothing; the primary already is exit 0', async () => {
    await settle(0)
    const refuse = async (argv: string[], code: number, msg: RegExp) => {
      const before = (await getMariaDB(ns, name)).metadata.resourceVersion
      const r = await dbaas(['ha', 'failover', name, ...argv], traced)
      expect(r.exitCode, r.stderr).toBe(code)
      expect(code === 0 ? r.stdout : r.stderr).toMatch(msg)
      expect(writes(r)).toEqual([])
      expect((await getMariaDB(ns, name)).metadata.resourceVersion).toBe(before)
    }
    await refuse(['--to', '7'], 3, new RegExp(`${name}-7 is not a member of HA cluster ${name}`))
    await refuse(['--to', '0'], 0, /is already the primary/)
    // not replicating: the operator reports the replica's SQL thread stopped
    const m = await getMariaDB(ns, name)
    await patchStatus(MARIADBS, ns, name, { replication: { ...m.status.replication, replicas: { ...m.status.replication.replicas, [`${name}-1`]: { ...m.status.replication.replicas[`${name}-1`], slaveSQLRunning: false, lastSQLError: 'Duplicate entry' } } } })
    await refuse(['--to', '1'], 7, /is not replicating .*SQL false.*Duplicate entry/)
    await settle(0)
    // a switchover in progress
    await patchStatus(MARIADBS, ns, name, { conditions: [{ type: 'PrimarySwitched', status: 'False', reason: 'SwitchPrimary', message: `Switching primary to '${name}-2'`, lastTransitionTime: new Date().toISOString() }] })
    await refuse(['--to', '1'], 7, /is busy: Switching primary/)
    await settle(0)
  })

  it('failover is one merge patch of spec.replication.primary.podIndex, verified until the operator reports the new primary and Ready', async () => {
    await settle(0)
    const serving = op.serveSwitchover(ns, name, { promote: true, settleMs: 1500 })
    const r = await dbaas(['ha', 'failover', name, '-o', 'json'], traced)
    const seen = await serving
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ action: 'switched-over', engine: 'mariadb', from: `${name}-0`, primary: `${name}-1`, attempts: 1 })
    // The switchover, then the cluster's history (an annotation).
    expect(writes(r)).toEqual([`PATCH /apis/k8s.mariadb.com/v1alpha1/namespaces/${ns}/mariadbs/${name}?fieldManager=dbaas`, `PATCH /apis/k8s.mariadb.com/v1alpha1/namespaces/${ns}/mariadbs/${name}?fieldManager=dbaas`])
    // Exactly that field, written by dbaas as an update (not an apply that would take ownership of more).
    const mine = seen.request.metadata.managedFields?.filter((f: any) => f.manager === 'dbaas' && f.operation === 'Update')
    expect(mine).toHaveLength(1)
    // dbaas's Update entry also holds the history annotation `ha create` wrote before; the failover's own patch
    // added only the primary's index.
    expect(mine![0].fieldsV1).toEqual({
      'f:metadata': { 'f:annotations': { 'f:dbaas.io/history': {} } },
      'f:spec': { 'f:replication': { 'f:primary': { 'f:podIndex': {} } } },
    })
    // The wait ended only once the operator reported Ready again, not when currentPrimary moved.
    const after = await getMariaDB(ns, name)
    expect(after.status).toMatchObject({ currentPrimary: `${name}-1`, currentPrimaryPodIndex: 1 })
    expect(after.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True')
    expect(seen.readyAt).toBeDefined()
    const svc = await kubectlJson(['-n', ns, 'get', 'service', `${name}-primary`])
    expect(svc.spec.selector['statefulset.kubernetes.io/pod-name']).toBe(`${name}-1`)
  })

  it('a conflicting writer between read and patch makes dbaas re-read and re-check, never overwrite', async () => {
    await settle(1)
    const kube = await realDeps({ env: process.env }).kube({})
    const pods = (await kubectlJson(['-n', ns, 'get', 'pods', '-l', `app.kubernetes.io/name=mariadb,app.kubernetes.io/instance=${name}`])).items
    // 1. Benign: the operator refreshes status after dbaas read the MariaDB.
    let stale = await kube.get(MARIADB.mariadbs, ns, name)
    await patchStatus(MARIADBS, ns, name, { replicas: 3 })
    await kubectlOk(['-n', ns, 'annotate', MARIADBS, name, '--overwrite', 'touched=1'])
    const seen: string[] = []
    const r1 = await patchWithRetry(kube, MARIADB.mariadbs, stale, (c) => {
      seen.push(c.metadata.resourceVersion as string)
      if (checkMariadbSwitchover(c, pods, `${name}-2`) === 'already') return undefined
      return podIndexPatch(c.metadata.resourceVersion as string, 2)
    }, { what: 'the switchover' })
    expect(r1.attempts).toBe(2) // the first patch got a real 409 from the API server
    expect(seen[1]).not.toBe(seen[0])
    expect((await getMariaDB(ns, name)).spec.replication.primary.podIndex).toBe(2)
    await settle(1)
    // 2. Someone else asked for another primary meanwhile: the re-check on the fresh object refuses (busy), and theirs stands.
    stale = await kube.get(MARIADB.mariadbs, ns, name)
    await kubectlOk(['-n', ns, 'patch', MARIADBS, name, '--type=merge', '-p', JSON.stringify({ spec: { replication: { primary: { podIndex: 0 } } } })])
    await expect(
      patchWithRetry(kube, MARIADB.mariadbs, stale, (c) => {
        if (c !== stale) checkMariadbSwitchover(c, pods, `${name}-2`)
        return podIndexPatch(c.metadata.resourceVersion as string, 2)
      }, { what: 'the switchover' }),
    ).rejects.toMatchObject({ exitCode: 7, message: expect.stringMatching(/busy: a switchover to .*-0 is requested/) })
    expect((await getMariaDB(ns, name)).spec.replication.primary.podIndex).toBe(0)
    await settle(1)
  })

  it('times out with exit 6 saying where it stopped when the operator does not finish', async () => {
    await settle(1)
    const serving = op.serveSwitchover(ns, name, { promote: false })
    const r = await dbaas(['ha', 'failover', name, '--to', '2', '--timeout', '4s'])
    await serving
    expect(r.exitCode, r.stderr).toBe(6)
    expect(r.stderr).toContain(`the switchover to ${name}-2 did not happen`)
    expect(r.stderr).toContain(`currentPrimary ${name}-1, spec.replication.primary.podIndex 2, Ready False ("Switching primary to '${name}-2'"), PrimarySwitched False`)
    expect(r.stderr).toMatch(/Hint: the request stays with the operator/)
    expect((await dbaas(['ha', 'failover', name, '--to', '0'])).exitCode).toBe(7)
    await settle(1)
  })

  it('scale patches spec.replicas and waits for the operator; below what replication allows is 2', async () => {
    await settle(1)
    expect((await dbaas(['ha', 'scale', name, '--instances', '1'])).exitCode).toBe(2)
    const cli = dbaas(['ha', 'scale', name, '--instances', '2', '--timeout', '90s'])
    await waitFor('spec.replicas 2', 30_000, async () => (await getMariaDB(ns, name)).spec.replicas === 2, 100)
    await op.reconcile(ns, name)
    const r = await cli
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toContain('scaled from 3 to 2')
  })

  const backup = `${name}-b1`
  it('backup create asks for a volume-snapshot PhysicalBackup, waits until Complete, keeps the credentials; list and status show it', async () => {
    if (!snapClass) return
    const serving = op.serveBackup(ns, backup)
    const r = await dbaas(['ha', 'backup', 'create', name, '--backup-name', backup, '--retention', '7d', '--timeout', '90s', '-o', 'json'])
    const snap = await serving
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ name: backup, cluster: name, engine: 'mariadb', object: 'physicalbackup.k8s.mariadb.com', method: 'volumeSnapshot', phase: 'completed', snapshots: [{ name: snap }] })
    expect(Date.parse(r.json().expiresAt)).toBeGreaterThan(Date.now() + 6 * 86_400_000)
    const b = await kubectlJson(['-n', ns, 'get', PHYSICAL_BACKUPS, backup])
    expect(b.spec).toMatchObject({ mariaDbRef: { name }, storage: { volumeSnapshot: { volumeSnapshotClassName: snapClass } } })
    expect(b.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'dbaas', 'dbaas.io/kind': 'backup', 'dbaas.io/engine': 'mariadb' })
    const copy = await kubectlJson(['-n', ns, 'get', 'secret', `dbaas-backup-${backup}`])
    expect(copy.metadata.ownerReferences[0]).toMatchObject({ kind: 'PhysicalBackup', name: backup })
    expect(Object.keys(copy.data).sort()).toEqual(['password', 'root', 'username'])
    expect((await dbaasOk(['ha', 'backup', 'list', name, '-o', 'json'])).json().map((x: any) => [x.name, x.phase])).toEqual([[backup, 'completed']])
    expect((await dbaasOk(['ha', 'status', name, '-o', 'json'])).json().lastBackup).toMatchObject({ name: backup, phase: 'completed' })
    // It is not a single-instance backup, and says where to go.
    const single = await dbaas(['backup', 'delete', backup, '--yes'])
    expect(single.exitCode).toBe(2)
    expect(single.stderr).toContain(`use \`dbaas ha backup delete ${backup}\``)
  })

  it('a backup the operator fails is exit 1 with its reason', async () => {
    if (!snapClass) return
    const failing = `${name}-bad`
    const serving = op.serveBackup(ns, failing, { fail: 'VolumeSnapshot timed out' })
    const r = await dbaas(['ha', 'backup', 'create', name, '--backup-name', failing, '--timeout', '60s'])
    await serving
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toContain(`backup ${failing} failed: VolumeSnapshot timed out`)
    await dbaasOk(['ha', 'backup', 'delete', failing, '--yes'])
  })

  const to = uniqueName('mrest')
  it('restore makes a new MariaDB in another namespace from the backup, with the credentials the backup kept; the helper snapshot goes once the volumes are Bound', async () => {
    if (!snapClass) return
    const toNs = `dbaas-${to}`
    namespaces.push(toNs)
    restored.push(to)
    const cli = dbaas(['ha', 'restore', backup, '--to', to, '--timeout', '120s', '-o', 'json'])
    await waitFor(`MariaDB ${toNs}/${to}`, 60_000, async () => !(await gone(['-n', toNs, 'get', MARIADBS, to])), 100)
    const m = await getMariaDB(toNs, to)
    const helper = m.spec.bootstrapFrom.volumeSnapshotRef.name
    expect(m.spec).toMatchObject({ replicas: 2, bootstrapFrom: { volumeSnapshotRef: { name: helper }, backupContentType: 'Physical' }, username: 'editor', database: 'wiki', myCnf: '[mariadb]\nmax_connections=300\n' })
    const vs = await kubectlJson(['-n', toNs, 'get', 'volumesnapshot', helper])
    expect(vs.metadata.labels).toMatchObject({ 'dbaas.io/kind': 'ha-restore-source', 'dbaas.io/restore-target': to })
    expect(vs.metadata.annotations['k8s.mariadb.com/gtid']).toBe('0-10-155')
    // While it is there, the helper is no backup of its own.
    expect((await dbaasOk(['backup', 'list', '-n', toNs, '-o', 'json'])).json()).toEqual([])
    await op.reconcile(toNs, to)
    const r = await cli
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ name: to, namespace: toNs, engine: 'mariadb', status: 'Ready', restoredFrom: `${ns}/${backup}` })
    expect(r.stderr).toMatch(/removed the helper volumesnapshot\/.*volumesnapshotcontent\//)
    expect(await gone(['-n', toNs, 'get', 'volumesnapshot', helper])).toBe(true)
    expect((await kubectl(['get', 'volumesnapshotcontent', '-l', `dbaas.io/restore-target=${to}`, '-o', 'name'])).stdout.trim()).toBe('')
    // The restored volumes came from the snapshot and are Bound.
    const pvc = await kubectlJson(['-n', toNs, 'get', 'pvc', `storage-${to}-0`])
    expect(pvc.spec.dataSource).toMatchObject({ kind: 'VolumeSnapshot', name: helper })
    expect(pvc.status.phase).toBe('Bound')
    // The source's users and passwords: the restored data only accepts them.
    const src = await kubectlJson(['-n', ns, 'get', 'secret', `${name}-ha-credentials`])
    const dst = await kubectlJson(['-n', toNs, 'get', 'secret', `${to}-ha-credentials`])
    expect(dst.data.password).toBe(src.data.password)
    expect(dst.data.root).toBe(src.data.root)
    // The backup is untouched.
    expect(await gone(['-n', ns, 'get', PHYSICAL_BACKUPS, backup])).toBe(false)
    expect((await dbaas(['ha', 'restore', backup, '--to', to, '--password-stdin'], { input: 'a-new-password-123\n' })).exitCode).toBe(2)
  })

  it('backup prune deletes what has expired (dry run first), and backup delete removes the object and its snapshot', async () => {
    if (!snapClass) return
    const expired = `${name}-old`
    const serving = op.serveBackup(ns, expired)
    await dbaasOk(['ha', 'backup', 'create', name, '--backup-name', expired, '--retention', '1m', '--timeout', '90s'])
    const snap = await serving
    // Make it expire now, as time would.
    await kubectlOk(['-n', ns, 'annotate', PHYSICAL_BACKUPS, expired, '--overwrite', `dbaas.io/expires-at=${new Date(Date.now() - 1000).toISOString()}`])
    const dry = await dbaasOk(['ha', 'backup', 'prune', name, '--dry-run', '-o', 'json'], traced)
    expect(dry.json()).toMatchObject({ dryRun: true, deleted: [{ name: expired, snapshots: [{ name: snap }] }] })
    expect(writes(dry)).toEqual([])
    const pruned = await dbaasOk(['ha', 'backup', 'prune', name, '--timeout', '60s'])
    expect(pruned.stdout).toContain(`deleted backup ${ns}/${expired}`)
    expect(await gone(['-n', ns, 'get', PHYSICAL_BACKUPS, expired])).toBe(true)
    expect(await gone(['-n', ns, 'get', 'volumesnapshot', snap])).toBe(true)
    // The credentials copy goes with its backup (owner reference, the real garbage collector).
    await waitFor('the credentials copy collected', 60_000, async () => gone(['-n', ns, 'get', 'secret', `dbaas-backup-${expired}`]), 500)
    // The unexpired one stays.
    expect(await gone(['-n', ns, 'get', PHYSICAL_BACKUPS, backup])).toBe(false)
  })

  it('delete removes the MariaDB, its storage PVCs, template and Secret, keeps the backup (and so the namespace)', async () => {
    const dry = await dbaasOk(['ha', 'delete', name, '--dry-run', '-o', 'json'], traced)
    expect(writes(dry)).toEqual([])
    expect(dry.json().deleted).toEqual(expect.arrayContaining([`mariadb.k8s.mariadb.com/${name} (its pods and services)`, `persistentvolumeclaim/storage-${name}-0`, `secret/${name}-ha-credentials`]))
    const r = await dbaasOk(['ha', 'delete', name, '--yes', '--timeout', '60s', '-o', 'json'])
    expect(r.json()).toMatchObject({ name, namespace: ns, found: true, namespaceDeleted: false })
    if (snapClass) expect(r.json().kept.map((k: any) => k.object)).toEqual(expect.arrayContaining([`physicalbackup.k8s.mariadb.com/${backup}`, `namespace/${ns}`]))
    expect(await gone(['-n', ns, 'get', MARIADBS, name])).toBe(true)
    expect(await gone(['-n', ns, 'get', 'secret', `${name}-ha-credentials`])).toBe(true)
    expect(await gone(['-n', ns, 'get', PHYSICAL_BACKUPS, `${name}-replica-template`])).toBe(true)
    await waitFor('the storage PVCs to go', 60_000, async () => (await kubectl(['-n', ns, 'get', 'pvc', '-l', `app.kubernetes.io/instance=${name},pvc.k8s.mariadb.com/role=storage`, '-o', 'name'])).stdout.trim() === '', 500)
    expect((await dbaas(['ha', 'delete', name, '--yes'])).exitCode).toBe(3)
  })
})

lab.describe('ha mariadb --galera with the operator played by the fixture', () => {
  let op: MariadbOperatorFixture
  const name = uniqueName('mgal')
  const ns = `dbaas-${name}`
  beforeAll(async () => {
    op = await MariadbOperatorFixture.install()
    namespaces.push(ns)
    const cli = dbaas(['ha', 'create', 'mariadb', name, '--galera', '--instances', '3', '--storage', '1Gi', '--timeout', '90s'])
    await waitFor(`MariaDB ${ns}/${name}`, 60_000, async () => !(await gone(['-n', ns, 'get', MARIADBS, name])), 100)
    await op.reconcile(ns, name)
    const r = await cli
    if (r.exitCode !== 0) throw new Error(r.stderr)
  })
  afterAll(async () => op?.remove())

  it('has no primary to switch over: failover says so and offers --force; --to is a usage error', async () => {
    const r = await dbaas(['ha', 'failover', name], traced)
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toMatch(/is a Galera cluster .*no primary to switch over/)
    expect(r.stderr).toMatch(/--force/)
    expect(writes(r)).toEqual([])
    const to = await dbaas(['ha', 'failover', name, '--to', '1'], traced)
    expect(to.exitCode).toBe(2)
    expect(writes(to)).toEqual([])
  })

  it('--force deletes the member the primary Service routes to and waits until another ready member has it and the cluster is whole', async () => {
    const serving = op.serveGaleraFailover(ns, name)
    const r = await dbaas(['ha', 'failover', name, '--force', '--timeout', '90s', '-o', 'json'], traced)
    const done = await serving
    expect(r.exitCode, r.stderr).toBe(0)
    expect(done).toEqual({ from: `${name}-0`, to: `${name}-1` })
    expect(r.json()).toMatchObject({ action: 'failed-over', engine: 'mariadb', from: `${name}-0`, primary: `${name}-1`, writer: `${name}-1` })
    // One write does it: the pod's deletion; then the cluster's history (an annotation).
    expect(writes(r)).toEqual([`DELETE /api/v1/namespaces/${ns}/pods/${name}-0`, `PATCH /apis/k8s.mariadb.com/v1alpha1/namespaces/${ns}/mariadbs/${name}?fieldManager=dbaas`])
    const svc = await kubectlJson(['-n', ns, 'get', 'service', `${name}-primary`])
    expect(svc.spec.selector['statefulset.kubernetes.io/pod-name']).toBe(`${name}-1`)
    expect((await dbaasOk(['ha', 'status', name, '-o', 'json'])).json()).toMatchObject({ status: 'Ready', ready: '3/3', currentPrimary: `${name}-1` })
  })

  it('--force times out with exit 6 when the member never comes back, saying where it stopped', async () => {
    const serving = op.serveGaleraFailover(ns, name, { recreate: false })
    const r = await dbaas(['ha', 'failover', name, '--force', '--timeout', '15s'])
    await serving
    expect(r.exitCode, r.stderr).toBe(6)
    expect(r.stderr).toMatch(new RegExp(`a failover away from ${name}-1 did not happen; where it stopped: currentPrimary ${name}-0.*; the writes moved to ${name}-0; ${name}-1 is not back and ready yet`))
    await op.reconcile(ns, name)
  })
})
