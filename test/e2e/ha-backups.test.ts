// The end of life of HA backups (issue 19, item 7) for CloudNativePG clusters, against the lab's real CRDs and
// snapshot controller with the CNPG operator played by its fixture: ha backup create --retention, prune (dry
// run first), ha backup delete through the shared delete flow, `backup delete` pointing at it; and a
// cross-namespace ha restore whose helper VolumeSnapshot and Retain VolumeSnapshotContent go once the
// restored volume is Bound — never shown by `backup list` or completion meanwhile.
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest'
import { kubectl, kubectlJson, kubectlOk, uniqueName, waitFor } from '../lab/fixtures/lab.ts'
import { labOnly } from '../lab/tags.ts'
import { BACKUPS, CLUSTERS, CnpgOperatorFixture } from './fixtures/cnpg-operator.ts'
import { dbaas, dbaasOk, type CliResult } from './helpers.ts'

const lab = labOnly('plays the CloudNativePG operator with a fixture (the lab runs no operator)')

const apiCalls = (r: CliResult) => r.stderr.split('\n').filter((l) => l.startsWith('[api] ')).map((l) => l.slice(6))
const writes = (r: CliResult) => apiCalls(r).filter((l) => !l.startsWith('GET ') && !l.includes('selfsubjectaccessreviews'))
const traced = { env: { DBAAS_TRACE: '1' } }
const gone = async (args: string[]) => (await kubectl([...args, '-o', 'name', '--ignore-not-found'])).stdout.trim() === ''

async function removeHa(name: string, ns: string): Promise<void> {
  await dbaas(['ha', 'delete', name, '-n', ns, '--yes', '--ignore-not-found', '--no-wait', '--skip-operator-check'])
  await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])
}

lab.describe('HA backups: retention, prune, delete, and a restore that cleans up after itself', () => {
  let op: CnpgOperatorFixture
  const name = uniqueName('hbk')
  const ns = `dbaas-${name}`
  beforeAll(async () => {
    op = await CnpgOperatorFixture.install()
    await dbaasOk(['ha', 'create', name, '--no-wait', '--instances', '2', '--storage', '1Gi', '--version', '17'])
    await op.reconcile(ns, name)
  })
  afterAll(async () => {
    await removeHa(name, ns)
    await op?.remove()
  })

  async function backup(id: string, extra: string[] = []): Promise<string> {
    const b = `${name}-${id}`
    const serving = op.serveBackup(ns, b)
    await dbaasOk(['ha', 'backup', 'create', name, '--backup-name', b, '--timeout', '90s', ...extra])
    await serving
    return b
  }

  it('--retention is kept on the Backup; prune deletes only what has expired, with its VolumeSnapshot (a dry run first)', async () => {
    const keep = await backup('keep')
    const old = await backup('old', ['--retention', '1m'])
    const b = await kubectlJson(['-n', ns, 'get', BACKUPS, old])
    expect(Date.parse(b.metadata.annotations['dbaas.io/expires-at'])).toBeGreaterThan(Date.now())
    expect(b.metadata.annotations['dbaas.io/retention']).toBe('1m')
    const list = (await dbaasOk(['ha', 'backup', 'list', name, '-o', 'json'])).json()
    expect(list.find((x: any) => x.name === keep).expiresAt).toBeNull()
    expect((await dbaasOk(['ha', 'backup', 'list', name])).stdout).toMatch(new RegExp(`^${old}\\s.*\\s+in \\d+[sm]\\s`, 'm'))
    // Nothing has expired yet.
    expect((await dbaasOk(['ha', 'backup', 'prune', name, '-o', 'json'])).json()).toMatchObject({ dryRun: false, deleted: [] })
    // As time would: expired now.
    await kubectlOk(['-n', ns, 'annotate', BACKUPS, old, '--overwrite', `dbaas.io/expires-at=${new Date(Date.now() - 1000).toISOString()}`])
    const dry = await dbaasOk(['ha', 'backup', 'prune', '-n', ns, '--dry-run', '-o', 'json'], traced)
    expect(dry.json()).toMatchObject({ dryRun: true, deleted: [{ name: old, snapshots: [{ name: old, type: 'PG_DATA' }] }] })
    expect(writes(dry)).toEqual([])
    const r = await dbaasOk(['ha', 'backup', 'prune', '-n', ns, '--timeout', '60s'], traced)
    expect(r.stdout).toContain(`deleted backup ${ns}/${old} of ${name}`)
    expect(writes(r)).toEqual([
      `DELETE /apis/postgresql.cnpg.io/v1/namespaces/${ns}/backups/${old}`,
      `DELETE /apis/snapshot.storage.k8s.io/v1/namespaces/${ns}/volumesnapshots/${old}`,
    ])
    expect(await gone(['-n', ns, 'get', BACKUPS, old])).toBe(true)
    expect(await gone(['-n', ns, 'get', 'volumesnapshot', old])).toBe(true)
    expect(await gone(['-n', ns, 'get', BACKUPS, keep])).toBe(false)
  })

  it('ha backup delete removes the Backup and its VolumeSnapshot through the shared delete flow; backup delete points at it', async () => {
    const b = await backup('del')
    const single = await dbaas(['backup', 'delete', b, '--yes'], traced)
    expect(single.exitCode).toBe(2)
    expect(single.stderr).toContain(`Hint: use \`dbaas ha backup delete ${b}\``)
    expect(writes(single)).toEqual([])
    const noYes = await dbaas(['ha', 'backup', 'delete', b], traced)
    expect(noYes.exitCode).toBe(2)
    expect(noYes.stderr).toMatch(/without confirmation/)
    expect(writes(noYes)).toEqual([])
    const dry = await dbaasOk(['ha', 'backup', 'delete', b, '--dry-run', '-o', 'json'], traced)
    expect(dry.json()).toMatchObject({ name: b, namespace: ns, dryRun: true, deleted: [`backup.postgresql.cnpg.io/${b}`, `volumesnapshot/${b}`] })
    expect(writes(dry)).toEqual([])
    const r = await dbaasOk(['ha', 'backup', 'delete', b, '--yes', '--timeout', '60s', '-o', 'json'])
    expect(r.json()).toMatchObject({ name: b, found: true, dryRun: false, deleted: [`backup.postgresql.cnpg.io/${b}`, `volumesnapshot/${b}`] })
    expect(await gone(['-n', ns, 'get', BACKUPS, b])).toBe(true)
    expect(await gone(['-n', ns, 'get', 'volumesnapshot', b])).toBe(true)
    expect((await dbaas(['ha', 'backup', 'delete', b, '--yes'])).exitCode).toBe(3)
    expect((await dbaas(['ha', 'backup', 'delete', b, '--yes', '--ignore-not-found'])).exitCode).toBe(0)
  })

  it('a cross-namespace restore removes its helper snapshot and Retain content once the restored volume is Bound; backup list and completion never show them', async () => {
    const b = await backup('src')
    const to = uniqueName('hbr')
    const toNs = `dbaas-${to}`
    onTestFinished(async () => {
      await removeHa(to, toNs)
      await kubectl(['delete', 'volumesnapshotcontent', '-l', `dbaas.io/restore-target=${to}`, '--wait=false', '--ignore-not-found'])
    })
    const cli = dbaas(['ha', 'restore', b, '--to', to, '--instances', '1', '--timeout', '120s', '-o', 'json'])
    await waitFor(`Cluster ${toNs}/${to}`, 60_000, async () => !(await gone(['-n', toNs, 'get', CLUSTERS, to])), 100)
    // Meanwhile the helper exists in the target namespace, labelled as what it is: not a backup of its own.
    const helper = await kubectlJson(['-n', toNs, 'get', 'volumesnapshot', b])
    expect(helper.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'dbaas', 'dbaas.io/kind': 'ha-restore-source', 'dbaas.io/restore-target': to, 'dbaas.io/source-instance': name })
    const content = helper.spec.source.volumeSnapshotContentName
    expect((await kubectlJson(['get', 'volumesnapshotcontent', content])).spec.deletionPolicy).toBe('Retain')
    expect((await dbaasOk(['backup', 'list', '-A', '-o', 'json'])).json().map((x: any) => `${x.namespace}/${x.name}`)).not.toContain(`${toNs}/${b}`)
    expect((await dbaasOk(['__complete', 'backup', 'delete', ''])).stdout).not.toContain(b)
    // CloudNativePG restores the first instance's volume from the snapshot, then runs it.
    await kubectlOk(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: `${to}-1`, namespace: toNs, labels: { 'cnpg.io/cluster': to, 'cnpg.io/instanceName': `${to}-1`, 'cnpg.io/pvcRole': 'PG_DATA' } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, dataSource: { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: b } },
      }),
    })
    await op.reconcile(toNs, to)
    const r = await cli
    expect(r.exitCode, r.stderr).toBe(0)
    expect(r.json()).toMatchObject({ name: to, namespace: toNs, status: 'Ready', restoredFrom: `${ns}/${b}` })
    // The new cluster's history begins with the restore (not a create), naming the backup.
    const h = (await dbaasOk(['ha', 'history', to, '-n', toNs, '-o', 'json'])).json()
    expect(h.entries.map((e: any) => [e.verb, e.result])).toEqual([['ha restore', 'succeeded']])
    expect(h.entries[0].params).toMatchObject({ backup: b, from: `${ns}/${name}` })
    expect(r.stderr).toContain(`removed the helper volumesnapshot/${toNs}/${b}, volumesnapshotcontent/${content}`)
    expect((await kubectlJson(['-n', toNs, 'get', 'pvc', `${to}-1`])).status.phase).toBe('Bound')
    expect(await gone(['-n', toNs, 'get', 'volumesnapshot', b])).toBe(true)
    expect(await gone(['get', 'volumesnapshotcontent', content])).toBe(true)
    // The backup and its own snapshot are untouched.
    expect(await gone(['-n', ns, 'get', BACKUPS, b])).toBe(false)
    expect((await kubectlJson(['-n', ns, 'get', 'volumesnapshot', b])).status.readyToUse).toBe(true)
  })

  it('a restore with --no-wait leaves the helper until ha delete of the restored cluster removes it', async () => {
    const b = `${name}-src`
    const to = uniqueName('hbn')
    const toNs = `dbaas-${to}`
    onTestFinished(async () => {
      await removeHa(to, toNs)
      await kubectl(['delete', 'volumesnapshotcontent', '-l', `dbaas.io/restore-target=${to}`, '--wait=false', '--ignore-not-found'])
    })
    const r = await dbaasOk(['ha', 'restore', b, '--to', to, '--no-wait', '-o', 'json'])
    expect(r.stderr).toMatch(/the helper VolumeSnapshot and VolumeSnapshotContent in .* stay until the restore is done; `dbaas ha delete .*` removes them/)
    expect(await gone(['-n', toNs, 'get', 'volumesnapshot', b])).toBe(false)
    const dry = await dbaasOk(['ha', 'delete', to, '--dry-run', '-o', 'json'])
    expect(dry.json().deleted).toContain(`volumesnapshot/${b}`)
    expect(dry.json().kept).toEqual([])
    const del = await dbaasOk(['ha', 'delete', to, '--yes', '--timeout', '60s', '-o', 'json'])
    expect(del.json()).toMatchObject({ namespaceDeleted: true })
    expect((await kubectl(['get', 'volumesnapshotcontent', '-l', `dbaas.io/restore-target=${to}`, '-o', 'name'])).stdout.trim()).toBe('')
  })
})
