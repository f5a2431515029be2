// Day 2 for single instances, through the built CLI against the lab: scale, resize, stop, start, restart and
// history on PostgreSQL, MySQL and MariaDB; every refusal writes nothing (resourceVersions compared); one
// operation at a time (the Lease); a rollout that never becomes ready times out with exit 6 saying where it
// stopped; an interrupted resize is finished by running it again. The lab's default class allows expansion
// and its csi-resizer expands at once (the happy paths use it); where a test needs to hold an expansion
// mid-way or fail it, the instance's volume is of a class no resizer serves and fixtures/resizer.ts plays
// the resizer, explicitly per test.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { kubectl, kubectlJson, kubectlOk, uniqueName } from '../lab/fixtures/lab.ts'
import { storageClassName } from '../lab/lib/paths.ts'
import { labOnly, onLab } from '../lab/tags.ts'
import { background, historyOf, leaseOf, pod, statefulSet, versions, waitFor } from './day2-helpers.ts'
import { capacity, failExpansion, FIXTURE_CLASS, fixtureClass, fixtureVolume, removeFixtureVolume, serveExpansion } from './fixtures/resizer.ts'
import { cleanupInstance, dbaas, dbaasOk } from './helpers.ts'

const lab = labOnly('plays the CSI resizer with a fixture (the lab runs none yet)')
const created: string[] = []
afterAll(async () => {
  for (const n of created) await cleanupInstance(n)
})

async function create(engine: string, prefix: string, opts: { fixtureVolume?: boolean } = {}): Promise<{ name: string; ns: string }> {
  const name = uniqueName(prefix)
  created.push(name)
  const extra: string[] = []
  if (opts.fixtureVolume) {
    await fixtureClass()
    const pv = await fixtureVolume(`dbaas-${name}`, `data-${name}-0`, '1Gi')
    onTestFinished(() => removeFixtureVolume(pv))
    extra.push('--storage-class', FIXTURE_CLASS)
  } else if (onLab()) {
    // The simulated nodes' class: where the lab runs its real node, the default class is that node's driver,
    // whose volumes a pod on a simulated node can never finish expanding (NodeExpandVolume needs its kubelet).
    extra.push('--storage-class', storageClassName)
  }
  await dbaasOk(['create', engine, name, '--storage', '1Gi', '--cpu', '250m', '--memory', '256Mi', ...extra])
  return { name, ns: `dbaas-${name}` }
}

const resources = (p: any) => p.spec.containers[0].resources

describe.each([
  ['postgresql', 'pg'],
  ['mysql', 'my'],
  ['mariadb', 'ma'],
])('day 2 on %s', (engine, short) => {
  let name = ''
  let ns = ''
  beforeAll(async () => {
    ;({ name, ns } = await create(engine, `d2${short}`))
  })

  it('scale: new requests and memory limit on a new pod, recorded in the history', async () => {
    const before = await pod(ns, name)
    const r = await dbaasOk(['scale', name, '--cpu', '500m', '--memory', '512Mi', '--yes', '-o', 'json'])
    const out = r.json()
    expect(out).toMatchObject({ kind: 'instance', verb: 'scale', name, namespace: ns, action: 'changed', dryRun: 'none' })
    expect(out.changes).toEqual([
      { field: 'cpu', from: '250m', to: '500m' },
      { field: 'memory', from: '256Mi', to: '512Mi' },
    ])
    const after = await pod(ns, name)
    expect(after.metadata.uid).not.toBe(before.metadata.uid)
    expect(resources(after)).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '512Mi' } })
    expect(after.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True')
    const sts = await statefulSet(ns, name)
    expect(sts.metadata.annotations['dbaas.io/cpu']).toBe('500m')
    expect(sts.metadata.labels['dbaas.io/kind']).toBe('instance')
    expect(await leaseOf(ns, name)).toBeUndefined()
    const h = (await historyOf(ns, name)).filter((e) => e.verb === 'scale')
    expect(h.at(-1)).toMatchObject({ verb: 'scale', params: { cpu: '500m', memory: '512Mi' }, result: 'succeeded', message: 'cpu 250m → 500m, memory 256Mi → 512Mi' })
    expect(Date.parse(h.at(-1).endedAt)).toBeGreaterThanOrEqual(Date.parse(h.at(-1).startedAt))
    // The same again: nothing to do, nothing written.
    const v = await versions(ns, name)
    const again = await dbaasOk(['scale', name, '--cpu', '0.5', '--memory', '512Mi', '--yes', '-o', 'json'])
    expect(again.json().action).toBe('unchanged')
    expect(await versions(ns, name)).toEqual(v)
  })

  it('stop: no pod, Stopped in list and status, connect refuses (7), connection warns, --quiesce is a usage error; start brings it back without asking', async () => {
    const stop = await dbaasOk(['stop', name, '--yes', '-o', 'json'])
    expect(stop.json()).toMatchObject({ action: 'changed', changes: [{ field: 'replicas', from: '1', to: '0' }] })
    expect(await pod(ns, name)).toBeUndefined()
    const sts = await statefulSet(ns, name)
    expect(sts.spec.replicas).toBe(0)
    expect(sts.metadata.annotations['dbaas.io/replicas-before-stop']).toBe('1')
    expect((await kubectlJson(['-n', ns, 'get', 'pvc'])).items.map((p: any) => p.metadata.name)).toEqual([`data-${name}-0`])
    const list = (await dbaasOk(['list', '-n', ns, '-o', 'json'])).json()
    expect(list.find((i: any) => i.name === name)).toMatchObject({ status: 'Stopped', ready: '0/0' })
    const st = (await dbaasOk(['status', name, '-o', 'json'])).json()
    expect(st.status).toBe('Stopped')
    expect(st.explanation).toContain(`dbaas start ${name} -n ${ns}`)
    const connect = await dbaas(['connect', name, '--', '-c', 'select 1'])
    expect(connect.exitCode, connect.stderr).toBe(7)
    expect(connect.stderr).toContain(`instance "${name}" is stopped`)
    expect(connect.stderr).toContain(`dbaas start ${name} -n ${ns}`)
    const conn = await dbaasOk(['connection', name])
    expect(conn.stdout).toContain(`${name}.${ns}.svc.cluster.local`)
    expect(conn.stderr).toContain(`Warning: instance "${name}" is stopped`)
    const v = await versions(ns, name)
    const quiesce = await dbaas(['backup', 'create', name, '--quiesce'])
    expect(quiesce.exitCode, quiesce.stderr).toBe(2)
    expect(quiesce.stderr).toContain('--quiesce needs a running database')
    expect((await kubectl(['-n', ns, 'get', 'volumesnapshots', '-o', 'name'])).stdout.trim()).toBe('')
    // Stopping a stopped instance: nothing to do.
    expect((await dbaasOk(['stop', name, '--yes', '-o', 'json'])).json().action).toBe('unchanged')
    expect(await versions(ns, name)).toEqual(v)
    // start never asks (CI, no --yes) and waits until ready.
    const start = await dbaasOk(['start', name, '-o', 'json'])
    expect(start.json()).toMatchObject({ action: 'changed', changes: [{ field: 'replicas', from: '0', to: '1' }] })
    const p = await pod(ns, name)
    expect(p.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True')
    expect(resources(p).requests.cpu).toBe('500m')
    expect((await statefulSet(ns, name)).metadata.annotations['dbaas.io/replicas-before-stop']).toBeUndefined()
    expect((await dbaasOk(['status', name, '-o', 'json'])).json().status).toBe('Ready')
  })

  it('restart: the pod is replaced (a new pod-template revision) and ready', async () => {
    const before = await pod(ns, name)
    const r = await dbaasOk(['restart', name, '--yes', '-o', 'json'])
    expect(r.json().action).toBe('changed')
    const after = await pod(ns, name)
    expect(after.metadata.uid).not.toBe(before.metadata.uid)
    expect(after.metadata.labels['controller-revision-hash']).not.toBe(before.metadata.labels['controller-revision-hash'])
    const sts = await statefulSet(ns, name)
    expect(sts.spec.template.metadata.annotations['dbaas.io/restarted-at']).toBe(r.json().changes[0].to)
    expect(sts.status.updateRevision).toBe(after.metadata.labels['controller-revision-hash'])
  })

  it('resize: PVC expanded, StatefulSet re-created around the running pod (not restarted)', async () => {
    const before = await pod(ns, name)
    const stsBefore = await statefulSet(ns, name)
    const pvc = `data-${name}-0`
    // The lab's csi-resizer expands it.
    const r = await dbaasOk(['resize', name, '--storage', '2Gi', '--yes', '-o', 'json'])
    expect(r.json()).toMatchObject({ action: 'changed', changes: [{ field: 'storage', from: '1Gi', to: '2Gi' }] })
    expect(await capacity(ns, pvc)).toBe('2Gi')
    const after = await pod(ns, name)
    expect(after.metadata.uid).toBe(before.metadata.uid)
    const sts = await statefulSet(ns, name)
    expect(sts.metadata.uid).not.toBe(stsBefore.metadata.uid)
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('2Gi')
    expect(sts.metadata.annotations['dbaas.io/storage']).toBe('2Gi')
    expect(after.metadata.ownerReferences?.[0]?.uid).toBe(sts.metadata.uid)
    expect((await dbaasOk(['status', name, '-o', 'json'])).json()).toMatchObject({ status: 'Ready', storage: '2Gi' })
    const hist = (await dbaasOk(['history', name, '-o', 'json'])).json()
    expect(hist.entries.map((e: any) => `${e.verb}:${e.result}`)).toEqual(['create:succeeded', 'scale:succeeded', 'stop:succeeded', 'start:succeeded', 'restart:succeeded', 'resize:succeeded'])
    expect(hist.running).toBeNull()
  })
})

lab.describe('day-2 refusals write nothing', () => {
  let name = ''
  let ns = ''
  beforeAll(async () => {
    ;({ name, ns } = await create('postgresql', 'd2ref'))
  })

  it('bad quantities and missing flags are usage errors (2) before any request', async () => {
    for (const [argv, msg] of [
      [['scale', name, '--cpu', 'lots', '--yes'], '--cpu "lots" is not a CPU amount'],
      [['scale', name, '--memory', '12XB', '--yes'], '--memory "12XB" is not a memory size'],
      [['scale', name, '--yes'], 'scale needs --cpu, --memory or both'],
      [['resize', name, '--storage', 'big', '--yes'], '--storage "big" is not a size'],
      [['scale', name, '--cpu', '1', '--dry-run=sideways'], '--dry-run "sideways" is not valid'],
    ] as const) {
      const r = await dbaas([...argv, '-v', '6'])
      expect(r.exitCode, `${argv.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toContain(msg)
      expect(r.stderr).not.toMatch(/^(GET|POST|PATCH|DELETE) /m)
    }
  })

  it('without a terminal and without --yes: exit 2, nothing written; start needs no --yes', async () => {
    const v = await versions(ns, name)
    for (const verb of [['scale', '--cpu', '1'], ['resize', '--storage', '5Gi'], ['restart'], ['stop']]) {
      const r = await dbaas([verb[0] as string, name, ...verb.slice(1)])
      expect(r.exitCode, r.stderr).toBe(2)
      expect(r.stderr).toContain(`refusing to ${verb[0]} instance "${name}" in namespace ${ns} without confirmation`)
      expect(r.stderr).toContain('Hint: pass --yes')
    }
    expect(await versions(ns, name)).toEqual(v)
  })

  it('scale beyond every node is refused (7) naming the node room; a quota is refused (7) naming it', async () => {
    const v = await versions(ns, name)
    const big = await dbaas(['scale', name, '--cpu', '5000', '--yes'])
    expect(big.exitCode, big.stderr).toBe(7)
    expect(big.stderr).toMatch(/no node can run instance ".*" with requests of cpu 5000, memory 256Mi: the most allocatable room left is lab-node-\d: [\d.m]+ CPU/)
    expect(big.stderr).toContain('nothing was changed')
    await kubectlOk(['-n', ns, 'create', 'quota', 'small', '--hard=requests.memory=600Mi,requests.cpu=2'])
    await waitFor('the quota to count what is used', 30_000, async () => (await kubectlJson(['-n', ns, 'get', 'quota', 'small'])).status?.used?.['requests.memory'] !== undefined)
    const v2 = await versions(ns, name)
    const q = await dbaas(['scale', name, '--memory', '1Gi', '--yes'])
    expect(q.exitCode, q.stderr).toBe(7)
    expect(q.stderr).toContain(`ResourceQuota small in ${ns} allows requests.memory 600Mi; 256Mi is used, and the change would bring it to 1Gi`)
    expect(await versions(ns, name)).toEqual(v2)
    await kubectlOk(['-n', ns, 'delete', 'quota', 'small'])
    expect(Object.keys(v).filter((k) => k.startsWith('Lease/'))).toEqual([])
  })

  it('resize: smaller is 2, a class without allowVolumeExpansion is 7 naming it; a dry run writes nothing', async () => {
    const v = await versions(ns, name)
    const small = await dbaas(['resize', name, '--storage', '512Mi', '--yes'])
    expect(small.exitCode, small.stderr).toBe(2)
    expect(small.stderr).toContain(`--storage 512Mi is smaller than ${name}'s volume (1Gi): a volume cannot shrink`)
    const dry = await dbaasOk(['resize', name, '--storage', '3Gi', '--dry-run=server', '-o', 'json'])
    expect(dry.json().action).toBe('dry-run')
    expect(dry.json().objects.map((o: any) => o.kind)).toEqual(['PersistentVolumeClaim', 'StatefulSet'])
    expect(dry.json().objects[0].spec.resources.requests.storage).toBe('3Gi')
    expect(await versions(ns, name)).toEqual(v)
    // An instance on a class that cannot expand.
    const cls = uniqueName('noexpand')
    const sc = (await kubectlJson(['get', 'storageclass', '-o', 'json'])).items.find((c: any) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: cls }, provisioner: sc.provisioner, volumeBindingMode: 'Immediate', allowVolumeExpansion: false }) })
    try {
      const other = uniqueName('d2cls')
      created.push(other)
      await dbaasOk(['create', 'postgres', other, '--storage-class', cls, '--storage', '1Gi'])
      const v2 = await versions(`dbaas-${other}`, other)
      const r = await dbaas(['resize', other, '--storage', '2Gi', '--yes'])
      expect(r.exitCode, r.stderr).toBe(7)
      expect(r.stderr).toContain(`storage class ${cls} does not allow volume expansion`)
      expect(await versions(`dbaas-${other}`, other)).toEqual(v2)
    } finally {
      await kubectl(['delete', 'storageclass', cls, '--ignore-not-found'])
    }
  })
})

lab.describe('one operation at a time, timeouts and interruptions', () => {
  it('a second verb while one runs exits 4 naming the holder; the first then finishes', async () => {
    const { name, ns } = await create('postgresql', 'd2lease', { fixtureVolume: true })
    const pvc = `data-${name}-0`
    // resize waits for the resizer, which is not served until the conflict was seen.
    const first = background(['resize', name, '--storage', '2Gi', '--yes', '--timeout', '3m'])
    await waitFor('the resize to hold the lease', 60_000, async () => (await leaseOf(ns, name)) !== undefined)
    const lease = await leaseOf(ns, name)
    const v = await versions(ns, name)
    const second = await dbaas(['scale', name, '--memory', '1Gi', '--yes'])
    expect(second.exitCode, second.stderr).toBe(4)
    expect(second.stderr).toContain(`instance "${name}" is busy: \`dbaas resize\` has been running on it since ${lease.metadata.annotations['dbaas.io/operation-started']}`)
    // Nothing of the scale was written: the lease is still the resize's, the credentials (history) untouched by it.
    expect((await leaseOf(ns, name)).spec.holderIdentity).toBe(lease.spec.holderIdentity)
    expect((await versions(ns, name))[`Secret/${name}-credentials`]).toBe(v[`Secret/${name}-credentials`])
    await serveExpansion(ns, pvc)
    const done = await first.done
    expect(done.exitCode, done.stderr).toBe(0)
    expect(await leaseOf(ns, name)).toBeUndefined()
    // history shows the refused scale nowhere: a refusal is not an operation.
    expect((await historyOf(ns, name)).map((e) => e.verb)).toEqual(['create', 'resize'])
  })

  it('a rollout that never becomes ready times out with exit 6 saying where it stopped', async () => {
    const { name, ns } = await create('mysql', 'd2stuck')
    // No new pod may be created in the namespace: the restart deletes the old pod and its successor is refused.
    await kubectlOk(['-n', ns, 'create', 'quota', 'nopods', '--hard=pods=0'])
    const r = await dbaas(['restart', name, '--yes', '--timeout', '15s'])
    expect(r.exitCode, r.stderr).toBe(6)
    expect(r.stderr).toMatch(/timed out after 15 s: the pod to be replaced and ready did not finish; where it stopped: StatefulSet .* revision [\w-]+, no pod exists/)
    expect(r.stderr).toContain('FailedCreate')
    expect(r.stderr).toContain('exceeded quota: nopods')
    expect(r.stderr).toContain(`Hint: the change is applied and goes on: \`dbaas status ${name} -n ${ns}\``)
    expect(await leaseOf(ns, name)).toBeUndefined()
    expect((await historyOf(ns, name)).at(-1)).toMatchObject({ verb: 'restart', result: 'timed-out' })
    await kubectlOk(['-n', ns, 'delete', 'quota', 'nopods'])
    // Run again: it waits for the same change and now sees it through.
    const again = await dbaasOk(['restart', name, '--yes', '-o', 'json'])
    expect(again.json().action).toBe('changed')
  })

  it('a failed expansion fails at once (1) with the resizer\'s message', async () => {
    const { name, ns } = await create('mariadb', 'd2fail', { fixtureVolume: true })
    const failed = failExpansion(ns, `data-${name}-0`, 'rpc error: code = OutOfRange desc = the pool has no room for 2Gi')
    const r = await dbaas(['resize', name, '--storage', '2Gi', '--yes', '--timeout', '2m'])
    await failed
    expect(r.exitCode, r.stderr).toBe(1)
    expect(r.stderr).toContain(`the volume could not be expanded: data-${name}-0: rpc error: code = OutOfRange desc = the pool has no room for 2Gi`)
    expect((await historyOf(ns, name)).at(-1)).toMatchObject({ verb: 'resize', result: 'failed' })
  })

  it('an interrupted resize (killed after the StatefulSet was deleted) is finished by running it again', async () => {
    const { name, ns } = await create('postgresql', 'd2intr', { fixtureVolume: true })
    const pvc = `data-${name}-0`
    const podBefore = await pod(ns, name)
    const run = background(['resize', name, '--storage', '3Gi', '--yes'])
    // Killed (with its helm) the moment the StatefulSet is gone: before helm re-created it, or while it did.
    await waitFor('the StatefulSet to be deleted', 60_000, async () => (await statefulSet(ns, name)) === undefined, 50)
    run.kill()
    await run.done
    expect(await leaseOf(ns, name)).toBeDefined()
    const st = (await dbaasOk(['status', name, '-o', 'json'])).json()
    expect(['Incomplete', 'Ready']).toContain(st.status)
    // The same command again: the dead holder's lease is taken over at once, and it converges.
    const served = serveExpansion(ns, pvc)
    const again = await dbaasOk(['resize', name, '--storage', '3Gi', '--yes', '-o', 'json'])
    await served
    expect(again.json().action).toBe('changed')
    expect(await capacity(ns, pvc)).toBe('3Gi')
    const sts = await statefulSet(ns, name)
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('3Gi')
    expect((await pod(ns, name)).metadata.uid).toBe(podBefore.metadata.uid)
    expect((await dbaasOk(['status', name, '-o', 'json'])).json()).toMatchObject({ status: 'Ready', storage: '3Gi' })
    const h = (await dbaasOk(['history', name, '-o', 'json'])).json()
    expect(h.entries.map((e: any) => `${e.verb}:${e.result}`)).toEqual(['create:succeeded', 'resize:interrupted', 'resize:succeeded'])
  })
})
