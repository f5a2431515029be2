// Issue 13, "Done means" 4: `dbaas ha` with the real CloudNativePG operator reacting on its own — on the lab's
// real node (the operator runs there as a pod, watching the lab tests' namespaces, test/lab/lib/cnpg.ts), or on a real cluster with
// CloudNativePG installed (DBAAS_E2E_KUBECONFIG).
//
// 1. `ha create --instances 3` → a primary and two standbys that pg_stat_replication shows `streaming`.
// 2. `ha failover` while a writer commits in a loop through the `-rw` Service (a pod running psql, one
//    transaction per attempt, logging each acknowledged commit): every acknowledged row is on the new primary,
//    and dbaas's wait ended within 0.3 s of the operator reporting the switchover done — the first Cluster
//    status, seen by this test's own watch, with the target as currentPrimary and the phase healthy (what
//    dbaas waits for). Printed: the operator's steps, the write gap (the longest time between two acknowledged
//    commits from the request on, beside the longest before it), dbaas's lag.
// 3. `ha failover --force` (dbaas deletes the primary's pod) while another writer commits: every acknowledged
//    row is on the new primary, and dbaas ends only once the cluster is whole again. Printed as in 2.
// 4. `ha backup create` and `ha restore` into another namespace: the restored cluster holds exactly the rows of
//    the backup, not a row written after it.
// The tests run in order on one cluster (each needs the one before).
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CNPG } from '../../src/core/ha/engines/cnpg.ts'
import { kubectl, kubectlJson, kubectlOk, labCli, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { onRealNode as realNodePlacement, placementFlags } from '../lab/fixtures/real-node.ts'
import { allLabCnpgNamespaces, labCnpgNamespaces } from '../lab/lib/cnpg.ts'
import { hasRealNode, onLab, realNodeOnly } from '../lab/tags.ts'
import { dbaas, dbaasOk, deleteNamespace, recordChanges, type Recorded } from './helpers.ts'

const realOnLab = onLab() && hasRealNode()
const real = realNodeOnly('the real CloudNativePG operator runs on the lab\'s real node')

/**
 * On the lab the operator watches only the namespaces named in test/lab/lib/cnpg.ts (every real-operator test asks
 * for all of them, so none rolls the operator under another).
 */
const labNamespaces = { source: labCnpgNamespaces.realNodeHa, copy: labCnpgNamespaces.realNodeHaCopy }

const HEALTHY = 'Cluster in healthy state'
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`

interface Ack {
  seq: number
  at: number
  ok: boolean
  detail: string
}

/** The writer's log: `ok <seq> <epoch>` per acknowledged commit, `fail <seq> <epoch> <error>` per refused attempt. */
function parseWriterLog(log: string): Ack[] {
  return log
    .split('\n')
    .map((l) => /^(ok|fail) (\d+) (\d+\.\d+)\s*(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ ok: m[1] === 'ok', seq: Number(m[2]), at: Number(m[3]) * 1000, detail: m[4] ?? '' }))
}

/** The writer pod: psql through the -rw Service as the cluster's owner, one INSERT per attempt, until /tmp/stop exists. */
function writerPod(name: string, ns: string, pod: string, from: number): Record<string, unknown> {
  const script = [
    `i=${from}`,
    'while [ ! -e /tmp/stop ]; do',
    '  i=$((i+1))',
    '  if out=$(psql -X -q -v ON_ERROR_STOP=1 -tA -c "INSERT INTO w (seq) VALUES ($i)" 2>&1); then',
    '    echo "ok $i $(date +%s.%N)"',
    '  else',
    '    echo "fail $i $(date +%s.%N) $(printf %s "$out" | tr \'\\n\' \' \' | cut -c1-200)"',
    '  fi',
    '  sleep 0.05',
    'done',
    'echo "stopped after $i"',
  ].join('\n')
  const secret = (key: string) => ({ valueFrom: { secretKeyRef: { name: `${name}-ha-credentials`, key } } })
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod, namespace: ns },
    spec: {
      restartPolicy: 'Never',
      ...(realOnLab ? realNodePlacement : {}),
      containers: [
        {
          name: 'writer',
          // The operand image: psql of the same major; on the lab it is imported, never pulled.
          image: 'ghcr.io/cloudnative-pg/postgresql:17',
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', script],
          env: [
            { name: 'PGHOST', value: `${name}-rw` },
            { name: 'PGDATABASE', value: 'app' },
            { name: 'PGSSLMODE', value: 'require' },
            { name: 'PGCONNECT_TIMEOUT', value: '2' },
            { name: 'PGUSER', ...secret('username') },
            { name: 'PGPASSWORD', ...secret('password') },
          ],
        },
      ],
    },
  }
}

/** psql as postgres in an instance's own container (the local socket). */
async function psqlIn(ns: string, pod: string, sql: string): Promise<string> {
  return kubectlOk(['-n', ns, 'exec', pod, '-c', 'postgres', '--', 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', 'app', '-tA', '-c', sql])
}

const seqs = async (ns: string, pod: string): Promise<number[]> =>
  (await psqlIn(ns, pod, 'SELECT seq FROM w ORDER BY seq')).split('\n').filter(Boolean).map(Number)

/** A writer pod committing through `-rw` (rows numbered from `from` + 1), started and committing; stopped on demand. */
async function startWriter(name: string, ns: string, pod: string, from: number) {
  await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(writerPod(name, ns, pod, from)) })
  const log = async () => parseWriterLog(await kubectlOk(['-n', ns, 'logs', pod]))
  await waitFor(`${pod} to commit through the -rw Service`, 180_000, async () => (await kubectl(['-n', ns, 'logs', pod])).stdout.split('\n').filter((l) => l.startsWith('ok ')).length >= 5, 500)
  return {
    log,
    /** Waits for 5 commits after `after`, stops the loop, and returns the whole log. */
    async stopAfter(after: number): Promise<Ack[]> {
      await waitFor(`${pod} to commit on the new primary`, 180_000, async () => (await log()).filter((a) => a.ok && a.at > after).length >= 5, 500)
      await kubectlOk(['-n', ns, 'exec', pod, '--', 'touch', '/tmp/stop'])
      await waitFor(`${pod} to stop`, 60_000, async () => (await kubectlJson(['-n', ns, 'get', 'pod', pod])).status?.phase === 'Succeeded', 500)
      return log()
    },
  }
}

/**
 * `ha failover` (with `extra` flags) while a writer pod commits (rows from `from` + 1): the failover exits 0 with
 * `action` away from `primary`, the writer goes on through the new primary and stops, and every acknowledged
 * commit — some made before the failover — is on the new primary. Returns what each test checks further.
 */
async function failoverUnderWriter(name: string, ns: string, primary: string, w: { pod: string; from: number; extra: string[]; action: string }) {
  const writer = await startWriter(name, ns, w.pod, w.from)
  const events = await recordChanges(CNPG.clusters, ns, { fieldSelector: `metadata.name=${name}` })
  const startAt = Date.now()
  const r = await dbaas(['ha', 'failover', name, '-n', ns, ...w.extra, '--timeout', '15m', '-o', 'json'], { timeoutMs: 16 * 60_000 })
  const exitAt = Date.now()
  expect(r.exitCode, r.stderr).toBe(0)
  const result = r.json()
  expect(result).toMatchObject({ action: w.action, from: primary })
  const target: string = result.primary
  expect(target).not.toBe(primary)
  const acks = await writer.stopAfter(exitAt)
  const acked = acks.filter((a) => a.ok).map((a) => a.seq)
  const onNew = new Set(await seqs(ns, target))
  expect(acked.filter((q) => !onNew.has(q)), 'acknowledged commits missing on the new primary').toEqual([])
  expect(acks.filter((a) => a.ok && a.at < startAt).length, 'commits before the failover').toBeGreaterThan(0)
  /** The first change of the cluster object (this test's own watch) matching `pred`. */
  const first = (what: string, pred: (c: Recorded['object']) => boolean) => events.first(what, (e) => pred(e.object), 1000)
  return { target, acks, acked, startAt, exitAt, first, gap: writeGap(acks, startAt) }
}

/**
 * The write gap: the longest time between two consecutive acknowledged commits from `from` on (an attempt that
 * hangs counts as much as one refused), and the longest before it for comparison.
 */
function writeGap(acks: Ack[], from: number) {
  const okAt = acks.filter((a) => a.ok).map((a) => a.at)
  const longest = (lo: number, hi: number) => {
    let best = { gap: 0, from: NaN, to: NaN }
    for (let i = 1; i < okAt.length; i++) {
      if (okAt[i]! < lo || okAt[i - 1]! > hi) continue
      const gap = okAt[i]! - okAt[i - 1]!
      if (gap > best.gap) best = { gap, from: okAt[i - 1]!, to: okAt[i]! }
    }
    return best
  }
  return { ...longest(from, Infinity), normal: longest(-Infinity, from).gap, refused: acks.filter((a) => !a.ok && a.at >= from).length }
}

/** Removes an HA cluster and its namespace (the operator's PVCs and pods go with it). */
async function removeHa(name: string, ns: string): Promise<void> {
  const r = await dbaas(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait', '--skip-operator-check'])
  if (r.exitCode !== 0) throw new Error(`cleanup: ha delete ${name} exited ${r.exitCode}: ${r.stderr}`)
  await deleteNamespace(ns)
}

real.describe('ha with the real CloudNativePG operator: streaming standbys, a switchover under a writer, backup and restore', () => {
  const name = uniqueName('pay')
  const copy = uniqueName('paycopy')
  const ns = realOnLab ? labNamespaces.source : `dbaas-${name}`
  const copyNs = realOnLab ? labNamespaces.copy : `dbaas-${copy}`
  const labArgs = realOnLab ? ['--version', '17', ...placementFlags] : []
  let created = false
  let primary = ''
  const need = () => {
    if (!created) throw new Error(`needs the cluster ${name} the first test creates (it failed)`)
  }

  beforeAll(async () => {
    if (!realOnLab) return
    const r = await labCli(['up', '--real-node', '--cnpg', allLabCnpgNamespaces], { timeoutMs: 600_000 })
    if (r.code !== 0) throw new Error(`lab up --cnpg failed:\n${r.stdout}\n${r.stderr}`)
    // A namespace left by an earlier run that was killed: the cluster names are new, but start clean.
    for (const n of Object.values(labNamespaces)) await deleteNamespace(n, { wait: true })
  }, 660_000)
  afterAll(async () => {
    await removeHa(copy, copyNs)
    await removeHa(name, ns)
    // The restore's pre-provisioned VolumeSnapshotContent (cluster-scoped, Retain) if a failed restore left it.
    await kubectlOk(['delete', 'volumesnapshotcontent', '-l', `app.kubernetes.io/managed-by=dbaas,app.kubernetes.io/instance=${copy}`, '--wait=false', '--ignore-not-found'])
  }, 300_000)

  it('ha create --instances 3: a primary and two standbys streaming from it', async () => {
    const t0 = Date.now()
    const r = await dbaas(['ha', 'create', name, '-n', ns, '--instances', '3', '--storage', '1Gi', ...labArgs, '--timeout', '20m', '-o', 'json'], { timeoutMs: 21 * 60_000 })
    expect(r.exitCode, `${r.stderr}\n(is the CloudNativePG operator installed on this cluster?)`).toBe(0)
    process.stderr.write(`real operator: ha create --instances 3 → healthy in ${s(Date.now() - t0)}\n`)
    expect(r.json()).toMatchObject({ status: 'Ready', ready: '3/3', phase: HEALTHY })
    created = true
    primary = r.json().currentPrimary
    const status = (await dbaasOk(['ha', 'status', name, '-n', ns, '-o', 'json'])).json()
    const standbys = status.members.filter((m: any) => m.role === 'standby').map((m: any) => m.name).sort()
    expect(status.members.filter((m: any) => m.role === 'primary').map((m: any) => m.name)).toEqual([primary])
    expect(standbys).toHaveLength(2)
    // The primary's own view: both standbys connected and streaming (not catching up from the archive).
    await waitFor('both standbys streaming in pg_stat_replication', 120_000, async () => {
      const rows = (await psqlIn(ns, primary, "SELECT application_name || ':' || state FROM pg_stat_replication ORDER BY 1")).split('\n').filter(Boolean)
      return rows.join(',') === standbys.map((n: string) => `${n}:streaming`).join(',')
    }, 1000)
  }, 22 * 60_000)

  it('ha failover while a writer commits: every acknowledged row is on the new primary, dbaas done within 0.3 s of the operator', async () => {
    need()
    await psqlIn(ns, primary, 'CREATE TABLE w (seq int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp()); ALTER TABLE w OWNER TO app')
    // Through the new primary, every acknowledged commit kept (failoverUnderWriter checks it).
    const { target, acked, startAt, exitAt, first, gap } = await failoverUnderWriter(name, ns, primary, { pod: `${name}-writer`, from: 0, extra: [], action: 'switched-over' })
    // When the operator did what (this test's own watch), and how long dbaas took to notice.
    const requested = await first('the switchover requested', (c) => c.status?.targetPrimary === target)
    const promoted = await first('the new primary reported', (c) => c.status?.currentPrimary === target)
    const instances: number = requested.object.spec.instances
    const reported = await first('the switchover reported done', (c) => c.status?.currentPrimary === target && c.status?.phase === HEALTHY && (c.status?.readyInstances ?? 0) >= instances)
    const lag = exitAt - reported.at
    const c = reported.object.status
    process.stderr.write(
      `real operator: switchover ${primary} → ${target}: requested +${s(requested.at - startAt)}, new primary reported +${s(promoted.at - startAt)} ` +
        `(currentPrimaryTimestamp ${c.currentPrimaryTimestamp}), healthy +${s(reported.at - startAt)}; dbaas exited +${s(exitAt - startAt)}, ` +
        `${lag} ms after the operator reported it; writer: ${acked.length} commits acknowledged, all on ${target}; ` +
        `write gap ${s(gap.gap)} (no commit from +${s(gap.from - startAt)} to +${s(gap.to - startAt)}, ${gap.refused} attempts refused; ` +
        `longest gap before the request ${s(gap.normal)})\n`,
    )
    expect(requested.at).toBeLessThanOrEqual(promoted.at)
    expect(promoted.at).toBeLessThanOrEqual(reported.at)
    // dbaas waited for exactly this, and no longer: it cannot end before the operator reports (bar the two
    // watches' delivery, a few ms), and ended within 0.3 s of it.
    expect(lag).toBeGreaterThan(-50)
    expect(lag).toBeLessThanOrEqual(300)
    primary = target
  }, 20 * 60_000)

  it('ha failover --force (the primary\'s pod deleted) while a writer commits: every acknowledged row is on the new primary', async () => {
    need()
    // Rows numbered apart from the first writer's. The old primary was shut down (a pod deletion is a clean
    // stop): its WAL senders wait until the standbys have flushed the last WAL before it exits, so even this
    // asynchronous cluster keeps every acknowledged commit (failoverUnderWriter checks it).
    const { target, acked, startAt, exitAt, first, gap } = await failoverUnderWriter(name, ns, primary, { pod: `${name}-writer2`, from: 1_000_000, extra: ['--force'], action: 'failed-over' })
    const promoted = await first('the new primary reported', (c) => c.status?.currentPrimary === target)
    const instances: number = promoted.object.spec.instances
    const whole = await first('the cluster healthy again', (c) => c.status?.currentPrimary === target && c.status?.phase === HEALTHY && (c.status?.readyInstances ?? 0) >= instances)
    const lag = exitAt - whole.at
    process.stderr.write(
      `real operator: forced failover, ${primary}'s pod deleted → ${target}: new primary reported +${s(promoted.at - startAt)}, ` +
        `healthy with ${instances} ready +${s(whole.at - startAt)}; dbaas exited +${s(exitAt - startAt)}, ${lag} ms after; ` +
        `writer: ${acked.length} commits acknowledged, all on ${target}; write gap ${s(gap.gap)} (no commit from +${s(gap.from - startAt)} ` +
        `to +${s(gap.to - startAt)}, ${gap.refused} attempts refused; longest gap before ${s(gap.normal)})\n`,
    )
    expect(promoted.at).toBeLessThanOrEqual(whole.at)
    // dbaas waits for the cluster whole again (the deleted member back and ready), not just for a new primary.
    expect(lag).toBeGreaterThan(-50)
    primary = target
  }, 20 * 60_000)

  it('ha backup create and ha restore into another namespace bring the rows back, and only those', async () => {
    need()
    const before = await seqs(ns, primary)
    expect(before.length).toBeGreaterThan(10)
    const backup = `${name}-b1`
    const b = await dbaas(['ha', 'backup', 'create', name, '-n', ns, '--backup-name', backup, '--timeout', '15m', '-o', 'json'], { timeoutMs: 16 * 60_000 })
    expect(b.exitCode, b.stderr).toBe(0)
    expect(b.json()).toMatchObject({ name: backup, phase: 'completed', method: 'volumeSnapshot' })
    await psqlIn(ns, primary, 'INSERT INTO w (seq) VALUES (-1)')

    const r = await dbaas(['ha', 'restore', backup, '--to', copy, '-n', copyNs, '--backup-namespace', ns, '--instances', '1', '--timeout', '15m', '-o', 'json'], { timeoutMs: 16 * 60_000 })
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ name: copy, namespace: copyNs, restoredFrom: `${ns}/${backup}`, status: 'Ready' })
    expect(await seqs(copyNs, r.json().currentPrimary)).toEqual(before)
  }, 35 * 60_000)
})
