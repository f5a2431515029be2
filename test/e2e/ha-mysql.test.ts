// dbaas ha create mysql: Percona XtraDB Cluster (operator v1.18.0) against the lab's real pxc.percona.com CRDs.
// The lab runs no operator: test/e2e/fixtures/pxc-operator.ts plays it, step by step, as the operator
// documents; dbaas always runs as the real, bundled CLI.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { kubectl, kubectlJson, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { getPxc, PXCS, PxcOperatorFixture } from './fixtures/pxc-operator.ts'
import { dbaas, dbaasOk, type CliResult } from './helpers.ts'

const lab = labOnly('plays the Percona XtraDB Cluster operator with a fixture (the lab runs no operator)')

const apiCalls = (r: CliResult) => r.stderr.split('\n').filter((l) => l.startsWith('[api] ')).map((l) => l.slice(6))
const writes = (r: CliResult) => apiCalls(r).filter((l) => !l.startsWith('GET ') && !l.includes('selfsubjectaccessreviews'))
const traced = { env: { DBAAS_TRACE: '1' } }
const gone = async (args: string[]) => (await kubectl([...args, '-o', 'name', '--ignore-not-found'])).stdout.trim() === ''

const namespaces: string[] = []
afterAll(async () => {
  for (const ns of namespaces) await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
})

lab.describe('ha mysql without the operator', () => {
  it('refuses with exit 7 naming what to install, writing nothing; --skip-operator-check lets a server dry run through', async () => {
    await waitFor('no PXC operator Deployment', 60_000, async () => (await kubectlJson(['get', 'deployments', '-A', '-l', 'app.kubernetes.io/name=percona-xtradb-cluster-operator'])).items.length === 0, 500)
    const name = uniqueName('pnop')
    const r = await dbaas(['ha', 'create', 'mysql', name], traced)
    expect(r.exitCode, r.stderr).toBe(7)
    expect(r.stderr).toContain('no Percona XtraDB Cluster operator is running')
    expect(r.stderr).toMatch(/Hint: install the Percona Operator for MySQL \(PXC\) v1\.18\.0 first: .*cw-bundle\.yaml/)
    expect(writes(r)).toEqual([])
    expect(await gone(['get', 'namespace', `dbaas-${name}`])).toBe(true)
    const dry = await dbaasOk(['ha', 'create', 'mysql', name, '-n', 'default', '--skip-operator-check', '--dry-run=server', '-o', 'json'])
    expect(dry.json().items.map((o: any) => o.kind)).toEqual(['Secret', 'PerconaXtraDBCluster'])
    expect(await gone(['-n', 'default', 'get', PXCS, name])).toBe(true)
  })
})

lab.describe('ha mysql with the operator played by the fixture', () => {
  let op: PxcOperatorFixture
  const name = uniqueName('pxc')
  const ns = `dbaas-${name}`
  beforeAll(async () => {
    op = await PxcOperatorFixture.install()
    namespaces.push(ns)
  })
  afterAll(async () => op?.remove())

  it('every option dbaas sends is accepted by the real schema and stored as sent (nothing pruned)', async () => {
    const probe = uniqueName('pschema')
    const argv = ['ha', 'create', 'mysql', probe, '-n', 'default', '--instances', '5', '--database', 'shop', '--user', 'owner', '--storage', '3Gi', '--storage-class', 'standard', '--cpu', '500m', '--memory', '1Gi', '--version', '8.0', '--param', 'max_connections=250', '--param', 'innodb_buffer_pool_size=512M', '--node-selector', 'disk=ssd', '--toleration', 'dedicated=db:NoSchedule', '--priority-class', 'db-high', '--image-pull-secret', 'mirror-pull', '--image-registry', 'mirror.example.com:5000']
    const server = (await dbaasOk([...argv, '--dry-run=server', '--skip-operator-check', '-o', 'json'])).json().items
    const local = (await dbaasOk([...argv, '--dry-run=client', '-o', 'json'])).json().items
    const mine = local.find((o: any) => o.kind === 'PerconaXtraDBCluster')
    const theirs = server.find((o: any) => o.kind === 'PerconaXtraDBCluster')
    expect(theirs.spec).toMatchObject(mine.spec)
    expect(theirs.spec).toMatchObject({ crVersion: '1.18.0', pxc: { size: 5, image: 'mirror.example.com:5000/percona/percona-xtradb-cluster:8.0.42-33.1', nodeSelector: { disk: 'ssd' }, priorityClassName: 'db-high', imagePullSecrets: [{ name: 'mirror-pull' }], tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }], configuration: '[mysqld]\ninnodb_buffer_pool_size=512M\nmax_connections=250\n', resources: { requests: { cpu: '500m', memory: '1Gi' } } }, haproxy: { enabled: true, size: 2, image: 'mirror.example.com:5000/percona/haproxy:2.8.15', priorityClassName: 'db-high' } })
    expect(theirs.metadata.labels).toMatchObject(mine.metadata.labels)
  })

  it('create: credentials in a Secret made first, the PerconaXtraDBCluster applied server-side; --wait ends when the operator reports it ready', async () => {
    const cli = dbaas(['ha', 'create', 'mysql', name, '--database', 'shop', '--user', 'owner', '--storage', '1Gi', '--timeout', '90s', '-o', 'json'])
    await waitFor(`PXC ${ns}/${name}`, 60_000, async () => !(await gone(['-n', ns, 'get', PXCS, name])), 100)
    await op.reconcile(ns, name)
    const r = await cli
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ kind: 'ha-cluster', name, namespace: ns, engine: 'mysql', operator: 'Percona XtraDB Cluster', topology: 'galera', version: '8.4', status: 'Ready', ready: '3/3' })
    const c = await getPxc(ns, name)
    expect(c.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'dbaas', 'app.kubernetes.io/instance': name, 'dbaas.io/kind': 'ha-cluster', 'dbaas.io/engine': 'mysql' })
    expect(c.metadata.managedFields?.find((f: any) => f.manager === 'dbaas')).toMatchObject({ operation: 'Apply' })
    expect(c.spec).toMatchObject({ secretsName: `${name}-ha-credentials`, users: [{ name: 'owner', dbs: ['shop'], grants: ['ALL'], passwordSecretRef: { name: `${name}-ha-credentials`, key: 'password' } }] })
    const s = await kubectlJson(['-n', ns, 'get', 'secret', `${name}-ha-credentials`])
    expect(Buffer.from(s.data.root, 'base64').toString()).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(JSON.stringify(c)).not.toContain(Buffer.from(s.data.password, 'base64').toString())
    // The operator added its system users to the Secret; dbaas's keys are untouched.
    expect(Object.keys(s.data)).toEqual(expect.arrayContaining(['root', 'username', 'password', 'xtrabackup', 'monitor']))
    expect((await dbaas(['ha', 'create', 'mysql', name, '--no-wait'])).exitCode).toBe(4)
  })

  it('status shows the member HAProxy writes to; list and connection show the proxy endpoints', async () => {
    const v = (await dbaasOk(['ha', 'status', name, '-o', 'json'])).json()
    expect(v).toMatchObject({ engine: 'mysql', topology: 'galera', status: 'Ready', phase: 'ready', currentPrimary: `${name}-pxc-0`, services: { rw: `${name}-haproxy.${ns}.svc.cluster.local`, ro: `${name}-haproxy-replicas.${ns}.svc.cluster.local`, port: 3306 } })
    expect(v.members.map((m: any) => [m.name, m.role, m.ready])).toEqual([
      [`${name}-pxc-0`, 'writer', true],
      [`${name}-pxc-1`, 'member', true],
      [`${name}-pxc-2`, 'member', true],
    ])
    const text = (await dbaasOk(['ha', 'status', name])).stdout
    expect(text).toMatch(new RegExp(`Writer \\(proxy\\):\\s+${name}-pxc-0`))
    expect((await dbaasOk(['ha', 'list', '-o', 'json'])).json().find((x: any) => x.name === name)).toMatchObject({ engine: 'mysql', status: 'Ready', ready: '3/3' })
    const all = await dbaasOk(['list', '-n', ns])
    expect(all.stdout).toMatch(new RegExp(`^${name}\\s+ha-cluster\\s+mysql\\s+8\\.4\\s+Ready\\s+3/3\\s+1Gi\\s+${ns}`, 'm'))
    const env = (await dbaasOk(['ha', 'connection', name, '--format', 'env', '--show-password'])).stdout
    expect(env).toMatch(new RegExp(`^MYSQL_HOST='${name}-haproxy\\.${ns}\\.svc\\.cluster\\.local'$`, 'm'))
    expect(env).toMatch(/^MYSQL_PWD='[A-Za-z0-9]{24}'$/m)
  })

  it('backup create is 7 naming PerconaXtraDBClusterBackup with object storage; nothing is written', async () => {
    const r = await dbaas(['ha', 'backup', 'create', name], traced)
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toMatch(/Percona XtraDB Cluster backs up with XtraBackup to object storage only/)
    expect(r.stderr).toMatch(/Hint: define an S3, GCS or Azure storage in spec\.backup\.storages .* PerconaXtraDBClusterBackup/)
    expect(writes(r)).toEqual([])
    expect((await dbaasOk(['ha', 'backup', 'list', name, '-o', 'json'])).json()).toEqual([])
  })

  it('failover says a Galera cluster has no primary and offers --force; --to is a usage error; nothing is written', async () => {
    const before = (await getPxc(ns, name)).metadata.resourceVersion
    const r = await dbaas(['ha', 'failover', name], traced)
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toMatch(/is a Galera cluster \(MySQL \(Percona XtraDB Cluster\)\): every member takes writes, so there is no primary to switch over/)
    expect(r.stderr).toMatch(/--force` delete the member HAProxy writes to/)
    expect(writes(r)).toEqual([])
    const to = await dbaas(['ha', 'failover', name, '--to', '1'], traced)
    expect(to.exitCode).toBe(2)
    expect(writes(to)).toEqual([])
    expect((await getPxc(ns, name)).metadata.resourceVersion).toBe(before)
  })

  it('--force deletes the writer, waits until HAProxy routes to another ready member and the cluster is back to full size', async () => {
    const uid = await op.podUid(ns, `${name}-pxc-0`)
    const serving = op.serveMemberLoss(ns, name, `${name}-pxc-0`)
    const r = await dbaas(['ha', 'failover', name, '--force', '--timeout', '90s', '-o', 'json'], traced)
    await serving
    expect(r.exitCode, r.stderr).toBe(0)
    // The writes went to the highest-numbered ready member meanwhile, and back to pxc-0 once it rejoined.
    expect(r.json()).toMatchObject({ action: 'failed-over', engine: 'mysql', from: `${name}-pxc-0`, primary: `${name}-pxc-2`, writer: `${name}-pxc-0` })
    // The member's deletion, then the cluster's history (an annotation).
    expect(writes(r)).toEqual([`DELETE /api/v1/namespaces/${ns}/pods/${name}-pxc-0`, `PATCH /apis/pxc.percona.com/v1/namespaces/${ns}/perconaxtradbclusters/${name}?fieldManager=dbaas`])
    expect(await op.podUid(ns, `${name}-pxc-0`)).not.toBe(uid)
    expect((await dbaasOk(['ha', 'status', name, '-o', 'json'])).json()).toMatchObject({ status: 'Ready', ready: '3/3' })
  })

  it('--force times out with exit 6 when the member never comes back, saying where it stopped', async () => {
    const serving = op.serveMemberLoss(ns, name, `${name}-pxc-0`, { recreate: false })
    const r = await dbaas(['ha', 'failover', name, '--force', '--timeout', '12s'])
    await serving
    expect(r.exitCode, r.stderr).toBe(6)
    expect(r.stderr).toMatch(new RegExp(`a failover away from ${name}-pxc-0 did not happen; where it stopped: state initializing, 2/3 members ready.*the writes moved to ${name}-pxc-2; ${name}-pxc-0 is not back and ready yet`))
    expect(r.stderr).toMatch(/Hint: the operator may still recover it/)
    await op.reconcile(ns, name)
  })

  it('scale takes 3 or 5 and waits for the operator; 4 is a usage error', async () => {
    expect((await dbaas(['ha', 'scale', name, '--instances', '4'], traced)).exitCode).toBe(2)
    const cli = dbaas(['ha', 'scale', name, '--instances', '5', '--timeout', '90s'])
    await waitFor('spec.pxc.size 5', 30_000, async () => (await getPxc(ns, name)).spec.pxc.size === 5, 100)
    await op.reconcile(ns, name)
    const r = await cli
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.stdout).toContain('scaled from 3 to 5')
  })

  it('delete removes the PerconaXtraDBCluster, its data PVCs and the Secret, and the namespace dbaas made', async () => {
    const r = await dbaasOk(['ha', 'delete', name, '--yes', '--timeout', '60s', '-o', 'json'])
    expect(r.json()).toMatchObject({ name, namespace: ns, found: true })
    expect(r.json().deleted).toEqual(expect.arrayContaining([`perconaxtradbcluster.pxc.percona.com/${name} (its pods and services)`, `persistentvolumeclaim/datadir-${name}-pxc-0`, `secret/${name}-ha-credentials`]))
    expect(await gone(['-n', ns, 'get', PXCS, name])).toBe(true)
    await waitFor('the namespace to go', 90_000, async () => gone(['get', 'namespace', ns]), 500)
  })
})
