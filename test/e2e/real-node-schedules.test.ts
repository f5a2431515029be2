// Issue 17 on the real node: a schedule's Job really runs — the official node:24-slim image with dbaas's job
// script from the chart's ConfigMap, under the schedule's ServiceAccount, on the node the instance runs on (the
// instance's placement, inherited) — and takes a backup the real CSI snapshotter makes ready, with the labels and
// credentials copy of a manual one; three runs with --keep 2 leave exactly two. Runs are started with `backup schedule run` (the
// CronJob's own template, waited for), so the test does not wait for a clock minute.
import { afterAll, expect, it } from 'vitest'
import { kubectlJson, uniqueName } from '../lab/fixtures/lab.ts'
import { describeRealNode, placementFlags, realNodeName, realNodeUp } from '../lab/fixtures/real-node.ts'
import { cleanupInstance, dbaasOk } from './helpers.ts'

const up = await realNodeUp()

interface Pod {
  metadata: { name: string; labels?: Record<string, string> }
  spec: { nodeName?: string; serviceAccountName?: string; containers: { image: string }[] }
  status: { phase?: string }
}
interface Snapshot {
  metadata: { name: string; labels?: Record<string, string> }
  status?: { readyToUse?: boolean }
}

describeRealNode(up, 'a backup schedule\'s Jobs on the real node', () => {
  const name = uniqueName('rnsch')
  const ns = `dbaas-${name}`
  afterAll(async () => cleanupInstance(name))

  it('runs node:24-slim with the job script where the instance runs; its backups match manual ones and are pruned to --keep 2', async () => {
    await dbaasOk(['create', 'postgres', name, '--version', '17', '--storage', '1Gi', ...placementFlags], { timeoutMs: 600_000 })
    // Far from now: only the runs this test starts happen.
    await dbaasOk(['backup', 'schedule', 'set', name, '--cron', '0 0 1 1 *', '--keep', '2'], { timeoutMs: 180_000 })
    const manual = (await dbaasOk(['backup', 'create', name, '-o', 'json'], { timeoutMs: 300_000 })).json<{ name: string }>()

    const runs: string[] = []
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now()
      const r = (await dbaasOk(['backup', 'schedule', 'run', name, '-o', 'json'], { timeoutMs: 660_000 })).json<{ run: { job: string; result: string } }>()
      expect(r.run.result).toBe('Succeeded')
      runs.push(r.run.job)
      process.stderr.write(`real node: scheduled backup run ${i + 1} (Job on node:24-slim → backup ready → prune) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    }

    const pods = (await kubectlJson<{ items: Pod[] }>(['-n', ns, 'get', 'pods', '-l', 'dbaas.io/kind=backup-schedule'])).items
    for (const job of runs) {
      const pod = pods.find((p) => p.metadata.labels?.['job-name'] === job)
      expect(pod, `the pod of job ${job}`).toBeDefined()
      expect(pod!.spec.nodeName).toBe(realNodeName)
      expect(pod!.spec.containers[0]!.image).toBe('node:24-slim')
      expect(pod!.spec.serviceAccountName).toBe(`${name}-backups`)
      expect(pod!.status.phase).toBe('Succeeded')
    }

    // Three runs, --keep 2: two of the schedule's backups are left, ready; the manual one is never the schedule's to prune.
    const snaps = (await kubectlJson<{ items: Snapshot[] }>(['-n', ns, 'get', 'volumesnapshots', '-l', `dbaas.io/kind=backup,dbaas.io/source-instance=${name}`])).items
    const scheduled = snaps.filter((v) => v.metadata.labels?.['dbaas.io/schedule'] === `${name}-backups`)
    expect(scheduled).toHaveLength(2)
    expect(snaps.map((v) => v.metadata.name)).toContain(manual.name)
    const m = snaps.find((v) => v.metadata.name === manual.name)!
    const creds = await kubectlJson<{ data: Record<string, string> }>(['get', 'secret', `${name}-credentials`, '-n', ns])
    for (const v of scheduled) {
      expect(v.status?.readyToUse).toBe(true)
      // The labels of a manual backup, plus the schedule's.
      const { ['dbaas.io/schedule']: _schedule, ...rest } = v.metadata.labels ?? {}
      expect(rest).toEqual(m.metadata.labels)
      // The credentials copy, owned by the snapshot.
      const copy = await kubectlJson<{ data: Record<string, string>; metadata: { ownerReferences?: { kind: string; name: string }[] } }>(['get', 'secret', `dbaas-backup-${v.metadata.name}`, '-n', ns])
      expect(copy.data).toEqual(creds.data)
      expect(copy.metadata.ownerReferences).toMatchObject([{ kind: 'VolumeSnapshot', name: v.metadata.name }])
    }
    const listed = (await dbaasOk(['backup', 'list', '-n', ns, '-o', 'json'])).json<Array<{ name: string }>>()
    expect(listed.map((b) => b.name).sort()).toEqual(snaps.map((v) => v.metadata.name).sort())
  }, 1_500_000)
})
