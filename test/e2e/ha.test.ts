// dbaas ha against the lab's real CloudNativePG v1.30 CRDs (schema validation, status subresource). The lab
// runs no operator, so the operator's part is played explicitly by test/e2e/fixtures/cnpg-operator.ts, driven
// step by step from each test; dbaas itself always runs as the real, bundled CLI (or, for the deterministic
// conflict, its own retry function in-process against the real API server).
//
// Each test makes its own HA cluster (unique name, removed when it ends), so any one runs alone with -t and
// a failure does not cascade. The tests that need no operator anywhere in the cluster run on a private lab:
// the shared lab may have one (another run's fixture, or a fake CloudNativePG installed by hand), and these
// tests must neither see nor remove it. The others do not care whether another operator exists.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { realDeps } from '../../src/deps.ts'
import { checkSwitchover, patchStatusWithRetry, switchoverPatch } from '../../src/core/ha/failover.ts'
import { CNPG } from '../../src/core/ha/engines/cnpg.ts'
import { kubectl, kubectlJson, kubectlOk, labCli, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { allLabCnpgNamespaces, labCnpgNamespaces } from '../lab/lib/cnpg.ts'
import { placementFlags } from '../lab/fixtures/real-node.ts'
import { privateLab, type PrivateLab } from '../lab/fixtures/private-lab.ts'
import { defaultSnapshotClass } from '../lab/fixtures/workloads.ts'
import { hasRealNode, labOnly, onLab, runsWhen, SKIP_REASONS, skipNow } from '../lab/tags.ts'
import { CLUSTERS, CnpgOperatorFixture, getCluster, patchStatus } from './fixtures/cnpg-operator.ts'
import { dbaas, dbaasOk, deleteNamespace, startCli, written, type CliResult } from './helpers.ts'

const lab = labOnly('plays the CloudNativePG operator with a fixture (the lab runs no operator)')

/** The API requests dbaas made (DBAAS_TRACE=1 prints them on stderr). */
const apiCalls = (r: CliResult) => r.stderr.split('\n').filter((l) => l.startsWith('[api] ')).map((l) => l.slice(6))
const writes = (r: CliResult) => apiCalls(r).filter((l) => !l.startsWith('GET ') && !l.includes('selfsubjectaccessreviews'))
const traced = { env: { DBAAS_TRACE: '1' } }

async function rv(ns: string, name: string): Promise<string> {
  return (await getCluster(ns, name)).metadata.resourceVersion
}

/** Removes an HA cluster a test made, and its namespace; checks both worked. */
async function removeHa(name: string, ns: string): Promise<void> {
  const r = await dbaas(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait', '--skip-operator-check'])
  if (r.exitCode !== 0) throw new Error(`cleanup: ha delete ${name} exited ${r.exitCode}: ${r.stderr}`)
  await deleteNamespace(ns)
}

const NO_OPERATOR_HINT = /Hint: install CloudNativePG first: .*cnpg-1\.30\.0\.yaml.*helm install cnpg cnpg\/cloudnative-pg/

lab.describe('ha where no CloudNativePG operator runs (a private lab of its own)', () => {
  let priv: PrivateLab
  let env: NodeJS.ProcessEnv
  beforeAll(async () => {
    priv = await privateLab({ start: true })
    env = { KUBECONFIG: priv.paths.kubeconfig }
    // The precondition, checked rather than assumed: nothing that looks like an operator.
    const d = JSON.parse(await priv.kubectlOk(['get', 'deployments', '-A', '-l', 'app.kubernetes.io/name=cloudnative-pg', '-o', 'json']))
    const l = JSON.parse(await priv.kubectlOk(['get', 'leases', '-A', '--field-selector', 'metadata.name=db9c8771.cnpg.io', '-o', 'json']))
    if (d.items.length || l.items.length) throw new Error('the private lab has a CloudNativePG operator it should not have')
  })
  afterAll(async () => priv?.destroy())

  it('refuses every verb with exit 7 and says what to install', async () => {
    const name = uniqueName('nop')
    for (const argv of [
      ['ha', 'create', name],
      ['ha', 'list'],
      ['ha', 'status', name],
      ['ha', 'connection', name],
      ['ha', 'scale', name, '--instances', '2'],
      ['ha', 'failover', name],
      ['ha', 'backup', 'create', name],
      ['ha', 'backup', 'list', name],
      ['ha', 'restore', 'some-backup', '--to', name],
    ]) {
      const r = await dbaas(argv, { env })
      expect(r.exitCode, `${argv.join(' ')}: ${r.stderr}`).toBe(7)
      expect(r.stderr).toContain('no CloudNativePG operator is running')
      expect(r.stderr).toMatch(NO_OPERATOR_HINT)
    }
    expect(await written(name, (a) => priv.kubectl(a))).toEqual([])
    // delete needs no operator (someone who uninstalled CloudNativePG can still clean up): this name is not there.
    const del = await dbaas(['ha', 'delete', name, '--yes'], { env })
    expect(del.exitCode, del.stderr).toBe(3)
    expect(del.stderr).toContain(`HA cluster "${name}" not found`)
  })

  it('--skip-operator-check lets a GitOps-style create through (validated by the server, nothing stored)', async () => {
    const name = uniqueName('gitops')
    const r = await dbaasOk(['ha', 'create', name, '-n', 'default', '--skip-operator-check', '--dry-run=server', '-o', 'json'], { env })
    const items = r.json().items
    expect(items.map((o: any) => o.kind)).toEqual(['Secret', 'Cluster'])
    // Validated by the server: it filled in what only a server fills in.
    expect(items.find((o: any) => o.kind === 'Cluster').metadata.uid).toBeTruthy()
    expect(await written(name, (a) => priv.kubectl(a))).toEqual([])
  })

  it('detects an operator by its ready Deployment, then by its fresh Lease alone, and refuses once the Lease is stale', async () => {
    const op = await CnpgOperatorFixture.install({ kubeconfig: priv.paths.kubeconfig })
    onTestFinished(() => op.remove())
    expect((await dbaas(['ha', 'list'], { env })).exitCode).toBe(0)
    // The operator's pods are gone (no ready replica) and it no longer renews its Lease, which is still fresh.
    await op.scale(0)
    const lease = await op.leaseNow()
    const renewed = Date.parse(lease.renewTime)
    const byLease = await dbaas(['ha', 'list'], { env })
    expect(Date.now(), 'checked while the Lease is within its duration').toBeLessThan(renewed + lease.leaseDurationSeconds * 1000)
    expect(byLease.exitCode, byLease.stderr).toBe(0)
    // dbaas allows a few seconds of slack past the duration (clock skew): wait until well past it.
    const staleAt = renewed + (lease.leaseDurationSeconds + 6) * 1000
    // Once nothing renews it, the Lease goes stale and dbaas refuses as without an operator.
    await waitFor('the fixture Lease to go stale', 60_000, async () => Date.now() > staleAt, 250)
    const stale = await dbaas(['ha', 'list'], { env })
    expect(stale.exitCode, stale.stderr).toBe(7)
    expect(stale.stderr).toContain('no CloudNativePG operator is running')
  })
})

lab.describe('ha with the operator played by the fixture', () => {
  let op: CnpgOperatorFixture
  beforeAll(async () => {
    op = await CnpgOperatorFixture.install()
  })
  afterAll(async () => op?.remove())

  /** A 3-instance HA cluster of the current test, reconciled healthy with instance 1 primary; removed after it. */
  async function healthyCluster(prefix: string, extra: string[] = []): Promise<{ name: string; ns: string }> {
    const name = uniqueName(prefix)
    const ns = `dbaas-${name}`
    onTestFinished(() => removeHa(name, ns))
    await dbaasOk(['ha', 'create', name, '--no-wait', '--instances', '3', '--storage', '1Gi', '--version', '17', ...extra])
    await op.reconcile(ns, name)
    return { name, ns }
  }

  it('create: the Cluster dbaas sends is accepted by the real CRD schema, applied server-side by dbaas', async () => {
    const name = uniqueName('ha')
    const ns = `dbaas-${name}`
    onTestFinished(() => removeHa(name, ns))
    const r = await dbaasOk(['ha', 'create', name, '--no-wait', '--instances', '3', '--database', 'shop', '--user', 'owner', '--storage', '1Gi', '--version', '17', '--param', 'max_connections=200', '--param', 'shared_buffers=256MB', '--param', 'effective_cache_size=1GB', '-o', 'json'])
    expect(r.json()).toMatchObject({ kind: 'ha-cluster', name, namespace: ns, version: '17', instances: 3, status: 'Creating' })
    const c = await getCluster(ns, name)
    const snapClass = await defaultSnapshotClass()
    expect(snapClass).toBeTruthy()
    expect(c.spec).toMatchObject({
      instances: 3,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17',
      storage: { size: '1Gi' },
      bootstrap: { initdb: { database: 'shop', owner: 'owner', secret: { name: `${name}-ha-credentials` } } },
      postgresql: { parameters: { max_connections: '200', shared_buffers: '256MB', effective_cache_size: '1GB' } },
      backup: { volumeSnapshot: { className: snapClass } },
    })
    expect(c.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'dbaas', 'app.kubernetes.io/instance': name, 'dbaas.io/kind': 'ha-cluster', 'dbaas.io/engine': 'postgresql' })
    expect(c.metadata.managedFields?.find((m: any) => m.manager === 'dbaas')).toMatchObject({ operation: 'Apply' })
    const s = await kubectlJson(['-n', ns, 'get', 'secret', `${name}-ha-credentials`])
    expect(s.type).toBe('kubernetes.io/basic-auth')
    expect(Buffer.from(s.data.username, 'base64').toString()).toBe('owner')
    expect(Buffer.from(s.data.password, 'base64').toString()).toMatch(/^[A-Za-z0-9]{24}$/)
    expect(s.metadata.labels['dbaas.io/kind']).toBe('ha-credentials')
    // The single-instance verbs do not mistake the HA secret for an instance: they name the ha verb (issue 19).
    const single = await dbaas(['status', name, '-n', ns])
    expect(single.exitCode).toBe(2)
    expect(single.stderr).toContain(`this is an HA cluster: use \`dbaas ha status ${name} -n ${ns}\``)
  })

  it('create --wait ends when the operator reports the cluster healthy; a second create is a conflict', async () => {
    const name = uniqueName('hw')
    const ns = `dbaas-${name}`
    onTestFinished(() => removeHa(name, ns))
    const cli = startCli(['ha', 'create', name, '--instances', '1', '--storage', '1Gi', '--wait', '--timeout', '90s', '-o', 'json'])
    // The operator reconciles once the Cluster exists.
    await waitFor(`Cluster ${ns}/${name}`, 60_000, async () => (await kubectl(['-n', ns, 'get', CLUSTERS, name, '-o', 'name', '--ignore-not-found'])).stdout.trim() !== '', 100)
    // dbaas cannot see the cluster healthy before the operator starts reconciling it.
    const reconcileStart = Date.now()
    const reconciled = await op.reconcile(ns, name)
    const r = await cli.result()
    const doneAt = Date.now()
    expect(r.exitCode, r.stderr).toBe(0)
    expect(doneAt).toBeGreaterThanOrEqual(reconcileStart)
    expect(reconciled.status.phase).toBe('Cluster in healthy state')
    expect(r.json()).toMatchObject({ status: 'Ready', ready: '1/1', currentPrimary: `${name}-1` })
    // The cluster's history begins with its creation, and how the wait ended.
    const h = (await dbaasOk(['ha', 'history', name, '-o', 'json'])).json()
    expect(h.entries.map((e: any) => [e.verb, e.result, e.message])).toEqual([['ha create', 'succeeded', 'created, healthy']])
    expect(h.entries[0].params).toMatchObject({ engine: 'postgresql', instances: '1', storage: '1Gi' })
    const before = await rv(ns, name)
    const again = await dbaas(['ha', 'create', name, '--storage', '1Gi', '--no-wait'])
    expect(again.exitCode).toBe(4)
    expect(again.stderr).toContain('already exists')
    expect(await rv(ns, name)).toBe(before)
  })

  it('status, list and connection show what the operator reports', async () => {
    const { name, ns } = await healthyCluster('hs', ['--database', 'shop', '--user', 'owner'])
    const v = (await dbaasOk(['ha', 'status', name, '-o', 'json'])).json()
    expect(v).toMatchObject({
      name,
      namespace: ns,
      phase: 'Cluster in healthy state',
      status: 'Ready',
      currentPrimary: `${name}-1`,
      targetPrimary: `${name}-1`,
      ready: '3/3',
      services: { rw: `${name}-rw.${ns}.svc.cluster.local`, ro: `${name}-ro.${ns}.svc.cluster.local`, r: `${name}-r.${ns}.svc.cluster.local`, port: 5432 },
      lastBackup: null,
    })
    expect(v.members).toEqual([
      { name: `${name}-1`, role: 'primary', ready: true, state: 'healthy', fenced: false },
      { name: `${name}-2`, role: 'standby', ready: true, state: 'healthy', fenced: false },
      { name: `${name}-3`, role: 'standby', ready: true, state: 'healthy', fenced: false },
    ])
    const text = (await dbaasOk(['ha', 'status', name])).stdout
    expect(text).toMatch(new RegExp(`Primary:\\s+${name}-1`))
    expect(text).toMatch(new RegExp(`${name}-2\\s+standby\\s+ready=true`))

    const list = (await dbaasOk(['ha', 'list', '-o', 'json'])).json<any[]>()
    expect(list.filter((x) => x.name === name)).toEqual([expect.objectContaining({ kind: 'ha-cluster', status: 'Ready', ready: '3/3' })])
    // dbaas list: beside single instances, with a KIND column.
    const all = await dbaasOk(['list', '-n', ns])
    expect(all.stdout.split('\n')[0]).toMatch(/^NAME\s+KIND\s+ENGINE\s+VERSION\s+STATUS\s+READY\s+STORAGE\s+NAMESPACE\s+AGE$/)
    expect(all.stdout).toMatch(new RegExp(`^${name}\\s+ha-cluster\\s+postgresql\\s+17\\s+Ready\\s+3/3\\s+1Gi\\s+${ns}`, 'm'))

    const secret = await kubectlJson(['-n', ns, 'get', 'secret', `${name}-ha-credentials`])
    const password = Buffer.from(secret.data.password, 'base64').toString()
    const masked = await dbaasOk(['ha', 'connection', name])
    expect(masked.stdout).not.toContain(password)
    expect(masked.stdout).toContain('********')
    const j = (await dbaasOk(['ha', 'connection', name, '-o', 'json'])).json()
    expect(j).toMatchObject({ database: 'shop', user: 'owner', password: '********', sslmode: 'require', rw: { host: `${name}-rw.${ns}.svc.cluster.local`, port: 5432 }, ro: { host: `${name}-ro.${ns}.svc.cluster.local` } })
    const uri = (await dbaasOk(['ha', 'connection', name, '--format', 'uri', '--show-password'])).stdout.trim()
    expect(uri).toBe(`postgresql://owner:${password}@${name}-rw.${ns}.svc.cluster.local:5432/shop?sslmode=require`)
    expect((await dbaasOk(['ha', 'connection', name, '--format', 'env'])).stdout).toMatch(/^PGSSLMODE='require'$/m)
  })

  it('failover: each refusal has its exit code and patches nothing; an existing primary is exit 0', async () => {
    const { name, ns } = await healthyCluster('hr')
    const refuse = async (argv: string[], code: number, msg: RegExp) => {
      const before = await rv(ns, name)
      const r = await dbaas(['ha', 'failover', name, ...argv], traced)
      expect(r.exitCode, r.stderr).toBe(code)
      expect(code === 0 ? r.stdout : r.stderr).toMatch(msg)
      expect(writes(r)).toEqual([])
      expect(await rv(ns, name)).toBe(before)
    }
    await refuse(['--to', '9'], 3, new RegExp(`instance ${name}-9 is not part of HA cluster`))
    await refuse(['--to', '1'], 0, new RegExp(`${name}-1 is already the primary`))
    await refuse(['--to', `${name}-1`], 0, /already the primary/)
    // fenced
    await kubectlOk(['-n', ns, 'annotate', CLUSTERS, name, `cnpg.io/fencedInstances=["${name}-2"]`])
    await refuse(['--to', '2'], 7, /is fenced and cannot be promoted/)
    await kubectlOk(['-n', ns, 'annotate', CLUSTERS, name, 'cnpg.io/fencedInstances-'])
    // not ready: the operator reports the instance failed
    await patchStatus(ns, name, { instancesStatus: { healthy: [`${name}-1`, `${name}-3`], failed: [`${name}-2`] } })
    await refuse(['--to', '2'], 7, /is not ready \(failed\)/)
    await patchStatus(ns, name, { instancesStatus: { healthy: [`${name}-1`, `${name}-2`, `${name}-3`], failed: null } })
    // a switchover already in progress, and an automatic failover in progress
    await patchStatus(ns, name, { targetPrimary: `${name}-3`, phase: 'Switchover in progress', phaseReason: `Switching over to ${name}-3` })
    await refuse(['--to', '2'], 7, /is busy: Switchover in progress/)
    await refuse([], 7, /is busy/)
    await patchStatus(ns, name, { targetPrimary: 'pending', phase: 'Failing over', phaseReason: 'Failing over' })
    await refuse(['--to', '2'], 7, /is busy: Failing over/)
    await refuse(['--force'], 7, /is busy/)
  })

  it('failover sends exactly the status patch, then waits until the target is primary and the cluster healthy', async () => {
    const { name, ns } = await healthyCluster('hf')
    const serving = op.serveSwitchover(ns, name, { promote: true, settleMs: 1500 })
    const r = await dbaas(['ha', 'failover', name, '-o', 'json'], traced)
    const doneAt = Date.now()
    const seen = await serving
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ action: 'switched-over', from: `${name}-1`, primary: `${name}-2`, attempts: 1 })
    // One write asks for it: a merge patch of the status subresource; then the cluster's history (an annotation).
    expect(writes(r)).toEqual([
      `PATCH /apis/postgresql.cnpg.io/v1/namespaces/${ns}/clusters/${name}/status?fieldManager=dbaas`,
      `PATCH /apis/postgresql.cnpg.io/v1/namespaces/${ns}/clusters/${name}?fieldManager=dbaas`,
    ])
    expect(JSON.parse((await getCluster(ns, name)).metadata.annotations?.['dbaas.io/history'] ?? '[]').at(-1)).toMatchObject({ verb: 'ha failover', result: 'succeeded', message: `${name}-1 → ${name}-2` })
    // Exactly these fields, as CNPG's switchover writes them, and no spec change.
    const mine = seen.request.metadata.managedFields?.filter((m: any) => m.manager === 'dbaas' && m.subresource === 'status')
    expect(mine).toHaveLength(1)
    expect(Object.keys(mine![0].fieldsV1['f:status']).sort()).toEqual(['f:phase', 'f:phaseReason', 'f:targetPrimary', 'f:targetPrimaryTimestamp'])
    expect(mine![0].operation).toBe('Update')
    expect(seen.request.status).toMatchObject({ targetPrimary: `${name}-2`, currentPrimary: `${name}-1`, phase: 'Switchover in progress', phaseReason: `Switching over to ${name}-2` })
    expect(Date.parse(seen.request.status.targetPrimaryTimestamp)).toBeGreaterThan(Date.now() - 120_000)
    // The wait did not stop when currentPrimary moved: it ended only after the operator reported health.
    expect(seen.healthyAt).toBeDefined()
    expect(doneAt).toBeGreaterThanOrEqual(seen.healthyAt!)
    const after = await getCluster(ns, name)
    expect(after.status).toMatchObject({ currentPrimary: `${name}-2`, targetPrimary: `${name}-2`, phase: 'Cluster in healthy state' })
    const pods = await kubectlJson(['-n', ns, 'get', 'pods', '-l', `cnpg.io/cluster=${name},cnpg.io/instanceRole=primary`])
    expect(pods.items.map((p: any) => p.metadata.name)).toEqual([`${name}-2`])
  })

  it('a concurrent writer between read and patch causes a retry on the fresh object, not a lost update', async () => {
    const { name, ns } = await healthyCluster('hc')
    const kube = await realDeps({ env: process.env }).kube({})
    const pods = (await kubectlJson(['-n', ns, 'get', 'pods', '-l', `cnpg.io/cluster=${name}`])).items
    // 1. Benign writer: the operator refreshes status after dbaas read the Cluster.
    let stale = await kube.get(CNPG.clusters, ns, name)
    await patchStatus(ns, name, { timelineID: 7 })
    const seen: string[] = []
    const r1 = await patchStatusWithRetry(kube, ns, name, stale, (c) => {
      seen.push(c.metadata.resourceVersion as string)
      if (checkSwitchover(c, pods, `${name}-3`) === 'already') return undefined
      return switchoverPatch(c.metadata.resourceVersion as string, `${name}-3`, new Date().toISOString())
    })
    expect(r1.attempts).toBe(2) // the first patch got a real 409 from the API server
    expect(seen[0]).toBe(stale.metadata.resourceVersion)
    expect(seen[1]).not.toBe(stale.metadata.resourceVersion)
    const c1 = await getCluster(ns, name)
    expect(c1.status).toMatchObject({ timelineID: 7, targetPrimary: `${name}-3`, phase: 'Switchover in progress' })
    await patchStatus(ns, name, { targetPrimary: `${name}-1`, phase: 'Cluster in healthy state', phaseReason: '' })

    // 2. The operator starts an automatic failover after dbaas read the Cluster: the retry sees it and refuses,
    //    and the operator's targetPrimary "pending" survives.
    stale = await kube.get(CNPG.clusters, ns, name)
    await patchStatus(ns, name, { targetPrimary: 'pending', phase: 'Failing over', phaseReason: 'primary unreachable' })
    await expect(
      patchStatusWithRetry(kube, ns, name, stale, (c) => {
        if (c !== stale) checkSwitchover(c, pods, `${name}-3`)
        return switchoverPatch(c.metadata.resourceVersion as string, `${name}-3`, new Date().toISOString())
      }),
    ).rejects.toMatchObject({ exitCode: 7, message: expect.stringMatching(/busy: Failing over/) })
    expect((await getCluster(ns, name)).status).toMatchObject({ targetPrimary: 'pending', phase: 'Failing over' })
  })

  it('times out with exit 6 saying where it stopped when the operator does not promote', async () => {
    const { name, ns } = await healthyCluster('ht')
    const serving = op.serveSwitchover(ns, name, { promote: false })
    const r = await dbaas(['ha', 'failover', name, '--to', '3', '--timeout', '4s'])
    await serving
    expect(r.exitCode, r.stderr).toBe(6)
    expect(r.stderr).toContain(`the switchover to ${name}-3 did not happen`)
    expect(r.stderr).toContain(`currentPrimary ${name}-1, targetPrimary ${name}-3, phase "Switchover in progress" (Switching over to ${name}-3)`)
    expect(r.stderr).toMatch(/Hint: the request stays with the operator and may still complete/)
    // The request is still there for the operator; a second failover refuses while it runs.
    expect((await getCluster(ns, name)).status).toMatchObject({ targetPrimary: `${name}-3`, phase: 'Switchover in progress' })
    expect((await dbaas(['ha', 'failover', name, '--to', '2'])).exitCode).toBe(7)
  })

  it('--force deletes the primary pod and waits for the operator to fail over to a new primary', async () => {
    const { name, ns } = await healthyCluster('hx')
    const serving = op.serveFailover(ns, name)
    const r = await dbaas(['ha', 'failover', name, '--force', '--timeout', '90s', '-o', 'json'])
    const done = await serving
    expect(r.exitCode, r.stderr).toBe(0)
    expect(done).toEqual({ from: `${name}-1`, to: `${name}-2` })
    expect(r.json()).toMatchObject({ action: 'failed-over', from: `${name}-1`, primary: `${name}-2` })
    expect((await getCluster(ns, name)).status).toMatchObject({ currentPrimary: `${name}-2`, targetPrimary: `${name}-2`, phase: 'Cluster in healthy state' })
  })

  it('scale sets spec.instances and is refused while a switchover runs', async () => {
    const { name, ns } = await healthyCluster('hsc')
    await patchStatus(ns, name, { targetPrimary: `${name}-3`, phase: 'Switchover in progress' })
    const before = await rv(ns, name)
    const busy = await dbaas(['ha', 'scale', name, '--instances', '2'], traced)
    expect(busy.exitCode).toBe(7)
    expect(writes(busy)).toEqual([])
    expect(await rv(ns, name)).toBe(before)
    await patchStatus(ns, name, { targetPrimary: `${name}-1`, phase: 'Cluster in healthy state', phaseReason: '' })
    const r = await dbaasOk(['ha', 'scale', name, '--instances', '2', '--no-wait'])
    expect(r.stdout).toContain('scaled from 3 to 2')
    expect((await getCluster(ns, name)).spec.instances).toBe(2)
    expect((await dbaas(['ha', 'scale', name, '--instances', '0'])).exitCode).toBe(2)
    await op.reconcile(ns, name)
    expect((await dbaasOk(['ha', 'status', name, '-o', 'json'])).json()).toMatchObject({ ready: '2/2', status: 'Ready' })
  })

  it('backup create waits until the operator completes the volume-snapshot Backup; list and status show it', async () => {
    const { name, ns } = await healthyCluster('hb')
    const backup = `${name}-b1`
    const serving = op.serveBackup(ns, backup)
    const r = await dbaas(['ha', 'backup', 'create', name, '--backup-name', backup, '--timeout', '90s', '-o', 'json'])
    const doneAt = Date.now()
    const completedAt = await serving
    expect(r.exitCode, r.stderr).toBe(0)
    expect(doneAt).toBeGreaterThanOrEqual(completedAt)
    expect(r.json()).toMatchObject({ name: backup, namespace: ns, cluster: name, method: 'volumeSnapshot', phase: 'completed', snapshots: [{ name: backup, type: 'PG_DATA' }] })
    const b = await kubectlJson(['-n', ns, 'get', 'backups.postgresql.cnpg.io', backup])
    expect(b.spec).toMatchObject({ cluster: { name }, method: 'volumeSnapshot' })
    expect(b.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'dbaas', 'app.kubernetes.io/instance': name, 'dbaas.io/kind': 'backup' })
    const list = (await dbaasOk(['ha', 'backup', 'list', name, '-o', 'json'])).json<any[]>()
    expect(list.map((x) => [x.name, x.phase])).toEqual([[backup, 'completed']])
    expect((await dbaasOk(['ha', 'status', name, '-o', 'json'])).json().lastBackup).toMatchObject({ name: backup, phase: 'completed' })
    expect((await dbaas(['ha', 'backup', 'create', name, '--backup-name', backup, '--no-wait'])).exitCode).toBe(4)
  })

  it('backup create refuses (7) a cluster without spec.backup.volumeSnapshot.className, creating nothing', async () => {
    const { name, ns } = await healthyCluster('hn')
    await kubectlOk(['-n', ns, 'patch', CLUSTERS, name, '--type=merge', '-p', JSON.stringify({ spec: { backup: null } })])
    const r = await dbaas(['ha', 'backup', 'create', name, '--backup-name', `${name}-b2`], traced)
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toContain('volumeSnapshot.className')
    expect(writes(r)).toEqual([])
    expect((await kubectl(['-n', ns, 'get', 'backups.postgresql.cnpg.io', `${name}-b2`, '-o', 'name', '--ignore-not-found'])).stdout.trim()).toBe('')
  })

  it('restore bootstraps a new Cluster in another namespace from the backup, through pre-provisioned snapshot content', async () => {
    const { name, ns } = await healthyCluster('hre', ['--database', 'shop', '--user', 'owner'])
    const backup = `${name}-b1`
    const serving = op.serveBackup(ns, backup)
    await dbaasOk(['ha', 'backup', 'create', name, '--backup-name', backup, '--timeout', '90s'])
    await serving
    const to = uniqueName('rest')
    const toNs = `dbaas-${to}`
    onTestFinished(async () => {
      await removeHa(to, toNs)
      // Its pre-provisioned VolumeSnapshotContent (cluster-scoped, Retain) outlives the namespace.
      await kubectlOk(['delete', 'volumesnapshotcontent', '-l', `app.kubernetes.io/managed-by=dbaas,app.kubernetes.io/instance=${to}`, '--wait=false', '--ignore-not-found'])
    })
    const r = await dbaas(['ha', 'restore', backup, '--to', to, '--no-wait', '--timeout', '90s', '-o', 'json'])
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ name: to, namespace: toNs, restoredFrom: `${ns}/${backup}` })
    const c = await getCluster(toNs, to)
    expect(c.spec.bootstrap).toEqual({
      recovery: {
        database: 'shop',
        owner: 'owner',
        secret: { name: `${to}-ha-credentials` },
        volumeSnapshots: { storage: { name: backup, kind: 'VolumeSnapshot', apiGroup: 'snapshot.storage.k8s.io' } },
      },
    })
    expect(c.spec).toMatchObject({ instances: 3, storage: { size: '1Gi' }, imageName: 'ghcr.io/cloudnative-pg/postgresql:17' })
    const vs = await kubectlJson(['-n', toNs, 'get', 'volumesnapshot', backup])
    expect(vs.status.readyToUse).toBe(true)
    expect(vs.metadata.annotations['cnpg.io/backupLabelFile']).toBeTruthy()
    const content = await kubectlJson(['get', 'volumesnapshotcontent', vs.spec.source.volumeSnapshotContentName])
    const src = await kubectlJson(['-n', ns, 'get', 'volumesnapshot', backup])
    const srcContent = await kubectlJson(['get', 'volumesnapshotcontent', src.status.boundVolumeSnapshotContentName])
    expect(content.spec).toMatchObject({ deletionPolicy: 'Retain', source: { snapshotHandle: srcContent.status.snapshotHandle }, volumeSnapshotRef: { namespace: toNs, name: backup } })
    const secret = await kubectlJson(['-n', toNs, 'get', 'secret', `${to}-ha-credentials`])
    expect(Buffer.from(secret.data.username, 'base64').toString()).toBe('owner')
    const beforeAgain = await rv(toNs, to)
    expect((await dbaas(['ha', 'restore', backup, '--to', to, '--no-wait'])).exitCode).toBe(4)
    expect(await rv(toNs, to)).toBe(beforeAgain)
  })

  it('delete needs --yes without a terminal, deletes the Cluster and its secret, keeps the backups', async () => {
    const { name, ns } = await healthyCluster('hd')
    const backup = `${name}-b1`
    const serving = op.serveBackup(ns, backup)
    await dbaasOk(['ha', 'backup', 'create', name, '--backup-name', backup, '--timeout', '90s'])
    await serving
    const noYes = await dbaas(['ha', 'delete', name], traced)
    expect(noYes.exitCode).toBe(2)
    expect(writes(noYes)).toEqual([])
    const dry = await dbaasOk(['ha', 'delete', name, '--dry-run'])
    expect(dry.stdout).toContain(`would delete cluster.postgresql.cnpg.io/${name}`)
    expect(dry.stdout).toContain(`would keep volumesnapshot/${backup}`)
    const r = await dbaasOk(['ha', 'delete', name, '--yes', '--timeout', '60s'])
    expect(r.stdout).toContain(`HA cluster "${name}" deleted from namespace ${ns}`)
    expect(r.stderr).toContain(`kept volumesnapshot/${backup}`)
    expect((await kubectl(['-n', ns, 'get', CLUSTERS, name, '-o', 'name', '--ignore-not-found'])).stdout.trim()).toBe('')
    expect((await kubectl(['-n', ns, 'get', 'secret', `${name}-ha-credentials`, '-o', 'name', '--ignore-not-found'])).stdout.trim()).toBe('')
    expect((await kubectl(['-n', ns, 'get', 'volumesnapshot', backup, '-o', 'name', '--ignore-not-found'])).stdout.trim()).not.toBe('')
    // The pods, PVCs and Services the operator made go with the Cluster (owner references, the real garbage collector).
    await waitFor('the instance pods to be collected', 60_000, async () => (await kubectl(['-n', ns, 'get', 'pods', '-l', `cnpg.io/cluster=${name}`, '-o', 'name'])).stdout.trim() === '', 500)
    expect((await dbaas(['ha', 'delete', name, '--yes'])).exitCode).toBe(3)
    expect((await dbaas(['ha', 'delete', name, '--yes', '--ignore-not-found'])).exitCode).toBe(0)
  })
})

// Against a real cluster (DBAAS_E2E_KUBECONFIG) with CloudNativePG installed, or on the lab's real node where
// the lab runs the real operator (lab:up -- --real-node --cnpg <namespaces>), the same behaviours with the
// real operator reacting instead of the fixture: create --wait, status, a verified switchover, a
// volume-snapshot backup, delete.
const realOnLab = onLab() && hasRealNode()
/** On the lab the operator watches only namespaces named when it starts: one fixed namespace per test. */
const labNamespaces: Record<string, string> = { 'ha-real': labCnpgNamespaces.haCreate, 'ha-rsw': labCnpgNamespaces.haSwitchover, 'ha-rbk': labCnpgNamespaces.haBackup }
const real = runsWhen(!onLab() || hasRealNode(), SKIP_REASONS.realOperator, 'the real CloudNativePG operator reacting on its own (DBAAS_E2E_KUBECONFIG with CNPG installed, or the lab\'s real node)')
real.describe('ha with the real CloudNativePG operator', () => {
  beforeAll(async () => {
    if (!realOnLab) return
    const r = await labCli(['up', '--real-node', '--cnpg', allLabCnpgNamespaces], { timeoutMs: 600_000 })
    if (r.code !== 0) throw new Error(`lab up --cnpg failed:\n${r.stdout}\n${r.stderr}`)
  }, 660_000)

  /** A 2-instance cluster made healthy by the real operator, for the current test; deleted after it. */
  async function realCluster(prefix: string): Promise<{ name: string; ns: string }> {
    const name = uniqueName(prefix)
    const ns = realOnLab ? labNamespaces[prefix]! : `dbaas-${name}`
    onTestFinished(() => removeHa(name, ns))
    // On the lab: PostgreSQL 17 (the operand image it has) on its real node.
    const labArgs = realOnLab ? ['-n', ns, '--version', '17', ...placementFlags] : []
    const r = await dbaas(['ha', 'create', name, '--instances', '2', '--storage', '1Gi', ...labArgs, '--wait', '--timeout', '12m', '-o', 'json'], { timeoutMs: 13 * 60_000 })
    expect(r.exitCode, `${r.stderr}\n(is the CloudNativePG operator installed on this cluster?)`).toBe(0)
    expect(r.json()).toMatchObject({ status: 'Ready', ready: '2/2' })
    return { name, ns }
  }

  it('creates a 2-instance cluster and waits until the operator reports it healthy', async () => {
    const { name } = await realCluster('ha-real')
    const v = (await dbaasOk(['ha', 'status', name, '-o', 'json'])).json()
    expect(v.members.map((m: any) => m.role).sort()).toEqual(['primary', 'standby'])
    expect(v.members.every((m: any) => m.ready)).toBe(true)
  }, 14 * 60_000)

  it('switches over to the standby and comes back healthy', async () => {
    const { name } = await realCluster('ha-rsw')
    const before = (await dbaasOk(['ha', 'status', name, '-o', 'json'])).json()
    const r = await dbaas(['ha', 'failover', name, '--timeout', '5m', '-o', 'json'], { timeoutMs: 6 * 60_000 })
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json().primary).not.toBe(before.currentPrimary)
    const after = (await dbaasOk(['ha', 'status', name, '-o', 'json'])).json()
    expect(after).toMatchObject({ currentPrimary: r.json().primary, targetPrimary: r.json().primary, status: 'Ready' })
  }, 20 * 60_000)

  it('takes a volume-snapshot backup when the cluster has a default VolumeSnapshotClass', async (ctx) => {
    const { name, ns } = await realCluster('ha-rbk')
    const c = await getCluster(ns, name)
    if (!c.spec.backup?.volumeSnapshot?.className) skipNow(ctx, SKIP_REASONS.realCluster, 'this cluster has no default VolumeSnapshotClass')
    const r = await dbaas(['ha', 'backup', 'create', name, '--timeout', '10m', '-o', 'json'], { timeoutMs: 11 * 60_000 })
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ phase: 'completed', method: 'volumeSnapshot' })
  }, 25 * 60_000)
})

describe('ha refusals before any request', () => {
  it('an invalid request is refused before anything is sent', async () => {
    const bad = uniqueName('bad')
    for (const [argv, msg] of [
      [['--instances', '0'], /--instances must be at least 1/],
      [['--instances', 'three'], /--instances "three" is not valid/],
      [['--param', 'port=5433'], /managed by CloudNativePG/],
      [['--param', 'max_connections'], /not key=value/],
      [['--version', '12'], /not a PostgreSQL major/],
      [['--storage', 'lots'], /not a size/],
      [['--user', 'postgres'], /reserved/],
    ] as Array<[string[], RegExp]>) {
      const r = await dbaas(['ha', 'create', bad, ...argv], traced)
      expect(r.exitCode, r.stderr).toBe(2)
      expect(r.stderr).toMatch(msg)
      expect(apiCalls(r)).toEqual([])
    }
    expect(await written(bad)).toEqual([])
  })
})
