// The HA engine registry and its Percona XtraDB Cluster and MariaDB operator entries (pure): what each sends,
// how each reads its operator's status into the one dbaas shape, the rules each enforces before anything is
// sent, and the refusals the registry words (a flag an engine lacks → 2, a capability it lacks → 7).
import { describe, expect, it } from 'vitest'
import type { HaSpec } from '../../src/core/ha/engine.ts'
import { buildMariaDB, checkMariadbSwitchover, mariadb, mariadbMembers, mariadbView, podIndexPatch, physicalBackupView, type MariaDB } from '../../src/core/ha/engines/mariadb.ts'
import { buildPxc, pxc, pxcMembers, pxcView, writerOf, type PerconaXtraDBCluster } from '../../src/core/ha/engines/pxc.ts'
import { myCnf, paramsFromCnf } from '../../src/core/ha/engines/mysql-params.ts'
import { engineForWord, engineOfLabel, HA_ENGINES, requireCapability, requireFlag } from '../../src/core/ha/registry.ts'
import { statusOf } from '../../src/core/ha/read.ts'
import type { KubeObject, Pod } from '../../src/k8s/types.ts'

const base: Omit<HaSpec, 'engine' | 'topology'> = { name: 'shop', namespace: 'dbaas-shop', instances: 3, database: 'app', user: 'owner', storage: '2Gi', params: {} }
const pxcSpec: HaSpec = { ...base, engine: 'pxc', topology: 'galera', version: '8.4' }
const mdbSpec: HaSpec = { ...base, name: 'wiki', namespace: 'dbaas-wiki', engine: 'mariadb', topology: 'replication', version: '11.8', snapshotClass: 'snap' }

function pod(name: string, ready = true, uid = `uid-${name}`): Pod {
  return { metadata: { name, namespace: 'ns', uid }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } }
}

describe('the registry', () => {
  it('knows the words ha create takes and the engine of a label', () => {
    expect(HA_ENGINES.map((e) => e.id)).toEqual(['cnpg', 'pxc', 'mariadb'])
    expect(engineForWord('postgres')?.id).toBe('cnpg')
    expect(engineForWord('PG')?.id).toBe('cnpg')
    expect(engineForWord('mysql')?.id).toBe('pxc')
    expect(engineForWord('mariadb')?.id).toBe('mariadb')
    expect(engineForWord('oracle')).toBeUndefined()
    expect(engineOfLabel('mysql')?.id).toBe('pxc')
  })

  it('a flag an engine does not support is a usage error (2) naming the engines that do', () => {
    expect(() => requireFlag(pxc as never, '--snapshot-class')).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/--snapshot-class is not supported for MySQL \(Percona XtraDB Cluster\)/), hint: expect.stringMatching(/postgresql, mariadb/) }))
    expect(() => requireFlag(pxc as never, '--galera')).toThrow(expect.objectContaining({ exitCode: 2, hint: expect.stringMatching(/ha create mariadb <name> --galera/) }))
    expect(() => requireFlag(mariadb as never, '--offline')).toThrow(expect.objectContaining({ exitCode: 2, hint: expect.stringMatching(/support --offline: postgresql$/) }))
    expect(() => requireFlag(mariadb as never, '--to', 'galera')).toThrow(expect.objectContaining({ exitCode: 2, hint: expect.stringMatching(/--to picks the new primary.*postgresql, mariadb \(replication\).*--force/) }))
    expect(() => requireFlag(mariadb as never, '--to', 'replication')).not.toThrow()
  })

  it('a capability an engine lacks is a refusal (7) saying what the operator offers instead', () => {
    expect(() => requireCapability(pxc as never, 'backups', 'ha backup create')).toThrow(
      expect.objectContaining({ exitCode: 7, message: expect.stringMatching(/object storage only/), hint: expect.stringMatching(/PerconaXtraDBClusterBackup.*dbaas ha backup create works for: postgresql, mariadb/) }),
    )
    expect(requireCapability(mariadb as never, 'backups', 'ha backup create')).toBe(mariadb.backups)
  })
})

describe('Percona XtraDB Cluster', () => {
  it('builds a PerconaXtraDBCluster: Galera members behind HAProxy, credentials only by reference', () => {
    const c = buildPxc({ ...pxcSpec, cpu: '500m', memory: '1Gi', storageClass: 'fast', params: { max_connections: '300', innodb_buffer_pool_size: '256M' } })
    expect(c).toMatchObject({
      apiVersion: 'pxc.percona.com/v1',
      kind: 'PerconaXtraDBCluster',
      metadata: { name: 'shop', namespace: 'dbaas-shop', labels: { 'app.kubernetes.io/managed-by': 'dbaas', 'app.kubernetes.io/instance': 'shop', 'dbaas.io/kind': 'ha-cluster', 'dbaas.io/engine': 'mysql', 'dbaas.io/engine-version': '8.4' } },
      spec: {
        crVersion: '1.18.0',
        secretsName: 'shop-ha-credentials',
        pxc: {
          size: 3,
          image: 'percona/percona-xtradb-cluster:8.4.5-5.1',
          configuration: '[mysqld]\ninnodb_buffer_pool_size=256M\nmax_connections=300\n',
          resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '1Gi' } },
          volumeSpec: { persistentVolumeClaim: { storageClassName: 'fast', resources: { requests: { storage: '2Gi' } } } },
        },
        haproxy: { enabled: true, size: 2, image: 'percona/haproxy:2.8.15' },
        proxysql: { enabled: false },
        users: [{ name: 'owner', dbs: ['app'], grants: ['ALL'], passwordSecretRef: { name: 'shop-ha-credentials', key: 'password' } }],
      },
    })
    expect(JSON.stringify(c)).not.toMatch(/password"?:\s*"[^s]/) // no password value in the resource
    const s = pxc.secret(pxcSpec, { password: 'app-pw-123456', root: 'root-pw-123456' })
    expect(s.stringData).toEqual({ username: 'owner', password: 'app-pw-123456', root: 'root-pw-123456' })
    expect(s.metadata.labels?.['dbaas.io/kind']).toBe('ha-credentials')
  })

  it('refuses what its operator refuses: sizes other than 3 or 5, names over 22, its own users and wsrep settings', () => {
    for (const n of [1, 2, 4, 7]) expect(() => pxc.validateInstances(n, 'galera', '--instances')).toThrow(expect.objectContaining({ exitCode: 2, hint: expect.stringMatching(/3 or 5.*postgresql and mariadb HA clusters take fewer/) }))
    expect(() => pxc.validateInstances(3, 'galera', '--instances')).not.toThrow()
    expect(() => pxc.validateInstances(5, 'galera', '--instances')).not.toThrow()
    expect(() => pxc.validateName('a'.repeat(23))).toThrow(/at most 22/)
    expect(pxc.reservedUsers).toContain('xtrabackup')
    expect(() => pxc.parseParams(['wsrep_provider_options=x'])).toThrow(/managed by the Percona XtraDB Cluster operator/)
    expect(() => pxc.parseParams(['datadir=/x'])).toThrow(/managed/)
    expect(() => pxc.parseParams(['max-connections=1'])).toThrow(/not a MySQL\/MariaDB server parameter name/)
    expect(() => pxc.validateVersion('9.7')).toThrow(expect.objectContaining({ exitCode: 2, hint: 'use one of 8.4, 8.0, 5.7' }))
  })

  it('reads the writer as HAProxy routes: pxc-0 while ready, else the ready member with the highest number', () => {
    const c: PerconaXtraDBCluster = { ...buildPxc(pxcSpec), metadata: { ...buildPxc(pxcSpec).metadata, name: 'shop' } }
    expect(writerOf(c, [pod('shop-pxc-0'), pod('shop-pxc-1'), pod('shop-pxc-2')])).toBe('shop-pxc-0')
    expect(writerOf(c, [pod('shop-pxc-0', false), pod('shop-pxc-1'), pod('shop-pxc-2')])).toBe('shop-pxc-2')
    expect(writerOf(c, [pod('shop-pxc-1'), pod('shop-pxc-2', false)])).toBe('shop-pxc-1')
    expect(writerOf(c, [pod('shop-pxc-1', false)])).toBeUndefined()
    expect(pxcMembers(c, [pod('shop-pxc-0', false), pod('shop-pxc-1'), pod('shop-pxc-2')]).map((m) => [m.name, m.role, m.ready])).toEqual([
      ['shop-pxc-0', 'member', false],
      ['shop-pxc-1', 'member', true],
      ['shop-pxc-2', 'writer', true],
    ])
  })

  it('is Ready only when the operator says ready with every member and proxy ready for the current generation', () => {
    const c = (status: PerconaXtraDBCluster['status'], generation = 1): PerconaXtraDBCluster => ({ ...buildPxc(pxcSpec), metadata: { ...buildPxc(pxcSpec).metadata, generation }, status })
    const ok = { state: 'ready', pxc: { size: 3, ready: 3 }, haproxy: { size: 2, ready: 2 }, observedGeneration: 1 }
    expect(pxcView(c(ok))).toMatchObject({ status: 'Ready', ready: '3/3', engine: 'mysql', operator: 'Percona XtraDB Cluster', topology: 'galera', currentPrimary: 'shop-pxc-0', version: '8.4' })
    expect(pxcView(c({ ...ok, observedGeneration: 1 }, 2)).status).toBe('Degraded')
    expect(pxcView(c({ ...ok, state: 'initializing', pxc: { size: 3, ready: 2 } })).status).toBe('Degraded')
    expect(pxcView(c({ state: 'initializing', pxc: { size: 3, ready: 0 } })).status).toBe('Creating')
    expect(pxc.busy(c({ ...ok, state: 'initializing', pxc: { size: 3, ready: 2 } }))).toMatch(/initializing \(2\/3 members ready\)/)
    const v = statusOf(pxc as never, c(ok), [pod('shop-pxc-0', false), pod('shop-pxc-1'), pod('shop-pxc-2')], null)
    expect(v.currentPrimary).toBe('shop-pxc-2')
    expect(v.services).toEqual({ rw: 'shop-haproxy.dbaas-shop.svc.cluster.local', ro: 'shop-haproxy-replicas.dbaas-shop.svc.cluster.local', r: 'shop-pxc.dbaas-shop.svc.cluster.local', port: 3306 })
  })

  it('has no switchover, only --force, which deletes the writer', () => {
    const c = { ...buildPxc(pxcSpec), status: { state: 'ready', pxc: { size: 3, ready: 3 }, haproxy: { size: 2, ready: 2 } } }
    const f = pxc.failover(c)
    expect(f.switchover).toBeUndefined()
    const pods = [pod('shop-pxc-0'), pod('shop-pxc-1'), pod('shop-pxc-2')]
    expect(f.force.victim(c, pods)).toBe('shop-pxc-0')
    expect(() => f.force.check(c, [pod('shop-pxc-0'), pod('shop-pxc-1', false), pod('shop-pxc-2')], 'shop-pxc-0')).not.toThrow()
    expect(() => f.force.check(c, [pod('shop-pxc-0'), pod('shop-pxc-1', false), pod('shop-pxc-2', false)], 'shop-pxc-0')).toThrow(expect.objectContaining({ exitCode: 7 }))
    expect(f.force.movedTo(c, [pod('shop-pxc-1'), pod('shop-pxc-2')], 'shop-pxc-0')).toBe('shop-pxc-2')
    expect(f.force.movedTo(c, pods, 'shop-pxc-0')).toBeUndefined()
  })
})

describe('MariaDB operator', () => {
  it('builds a replication MariaDB with credentials by reference, parameters in myCnf, and a scale-out template', () => {
    const m = buildMariaDB({ ...mdbSpec, params: { max_connections: '200' }, cpu: '1', memory: '2Gi' })
    expect(m).toMatchObject({
      apiVersion: 'k8s.mariadb.com/v1alpha1',
      kind: 'MariaDB',
      metadata: { name: 'wiki', labels: { 'dbaas.io/engine': 'mariadb', 'dbaas.io/kind': 'ha-cluster' }, annotations: { 'dbaas.io/snapshot-class': 'snap' } },
      spec: {
        replicas: 3,
        image: 'docker-registry1.mariadb.com/library/mariadb:11.8',
        rootPasswordSecretKeyRef: { name: 'wiki-ha-credentials', key: 'root', generate: false },
        username: 'owner',
        passwordSecretKeyRef: { name: 'wiki-ha-credentials', key: 'password', generate: false },
        database: 'app',
        storage: { size: '2Gi' },
        myCnf: '[mariadb]\nmax_connections=200\n',
        resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '2Gi' } },
        replication: { enabled: true, primary: { podIndex: 0, autoFailover: true }, replica: { bootstrapFrom: { physicalBackupTemplateRef: { name: 'wiki-replica-template' } } } },
      },
    })
    expect(m.spec?.galera).toBeUndefined()
    expect(mariadb.extras(mdbSpec)).toEqual([
      expect.objectContaining({ kind: 'PhysicalBackup', metadata: expect.objectContaining({ name: 'wiki-replica-template', labels: expect.objectContaining({ 'dbaas.io/kind': 'ha-backup-template' }) }), spec: { mariaDbRef: { name: 'wiki' }, schedule: { suspend: true }, storage: { volumeSnapshot: { volumeSnapshotClassName: 'snap' } } } }),
    ])
    expect(mariadb.extras({ ...mdbSpec, snapshotClass: undefined })).toEqual([])
  })

  it('builds Galera, and restores from a VolumeSnapshot as a physical backup', () => {
    const g = buildMariaDB({ ...mdbSpec, topology: 'galera' })
    expect(g.spec?.galera).toEqual({ enabled: true, primary: { autoFailover: true } })
    expect(g.spec?.replication).toBeUndefined()
    const r = buildMariaDB({ ...mdbSpec, recovery: { dataSnapshot: 'wiki-b1-20261125120000', source: 'dbaas-wiki/wiki-b1' } })
    expect(r.spec?.bootstrapFrom).toEqual({ volumeSnapshotRef: { name: 'wiki-b1-20261125120000' }, backupContentType: 'Physical' })
    expect(r.metadata.annotations?.['dbaas.io/restored-from']).toBe('dbaas-wiki/wiki-b1')
    expect(mariadb.extras({ ...mdbSpec, recovery: { dataSnapshot: 'x', source: 'y' } })).toEqual([])
  })

  it('refuses what its webhook refuses: one replica, an even Galera, the replication user', () => {
    expect(() => mariadb.validateInstances(1, 'replication', '--instances')).toThrow(/at least 2/)
    expect(() => mariadb.validateInstances(2, 'replication', '--instances')).not.toThrow()
    expect(() => mariadb.validateInstances(4, 'galera', '--instances')).toThrow(/even/)
    expect(() => mariadb.validateInstances(1, 'galera', '--instances')).toThrow(/at least 3/)
    expect(mariadb.reservedUsers).toContain('repl')
    expect(() => mariadb.parseParams(['server_id=7'])).toThrow(/managed by the MariaDB operator/)
    expect(() => mariadb.parseParams(['max_connections=1\nfoo=2'])).toThrow()
    expect(mariadb.parseParams(['max_connections=1'])).toEqual({ max_connections: '1' })
  })

  const status = (over: MariaDB['status'] = {}): MariaDB['status'] => ({
    conditions: [
      { type: 'Ready', status: 'True', reason: 'StatefulSetReady', message: 'Running' },
      { type: 'PrimarySwitched', status: 'True', reason: 'SwitchPrimary', message: 'Switchover complete' },
    ],
    replicas: 3,
    currentPrimary: 'wiki-0',
    currentPrimaryPodIndex: 0,
    replication: {
      roles: { 'wiki-0': 'Primary', 'wiki-1': 'Replica', 'wiki-2': 'Replica' },
      replicas: { 'wiki-1': { slaveIORunning: true, slaveSQLRunning: true }, 'wiki-2': { slaveIORunning: true, slaveSQLRunning: true } },
    },
    ...over,
  })
  const m = (st: MariaDB['status'], podIndex = 0): MariaDB => {
    const b = buildMariaDB(mdbSpec)
    return { ...b, metadata: { ...b.metadata, resourceVersion: '9' }, spec: { ...b.spec, replication: { ...b.spec?.replication, primary: { podIndex, autoFailover: true } } }, status: st }
  }
  const pods = [pod('wiki-0'), pod('wiki-1'), pod('wiki-2')]

  it('reads the primary, the replicas and their replication into the one shape', () => {
    expect(mariadbView(m(status()))).toMatchObject({ status: 'Ready', ready: '3/3', currentPrimary: 'wiki-0', targetPrimary: 'wiki-0', phase: 'Running', topology: 'replication', operator: 'MariaDB operator', version: '11.8' })
    expect(mariadbMembers(m(status()), pods)).toEqual([
      { name: 'wiki-0', role: 'primary', ready: true, state: 'Primary', fenced: false },
      { name: 'wiki-1', role: 'replica', ready: true, state: 'Replica', fenced: false },
      { name: 'wiki-2', role: 'replica', ready: true, state: 'Replica', fenced: false },
    ])
    // A switchover the operator has not finished, whichever way it shows.
    expect(mariadbView(m(status(), 1)).status).toBe('Switching')
    const switching = status({ conditions: [{ type: 'Ready', status: 'False', reason: 'SwitchPrimary', message: "Switching primary to 'wiki-1'" }, { type: 'PrimarySwitched', status: 'False', reason: 'SwitchPrimary', message: "Switching primary to 'wiki-1'" }] })
    expect(mariadbView(m(switching, 1))).toMatchObject({ status: 'Switching', phase: "Switching primary to 'wiki-1'", targetPrimary: 'wiki-1' })
    expect(mariadb.healthy(m(status({ replicas: 2 })))).toBe(false)
  })

  it('switchover refusals: not a member (3); busy, not ready, not replicating (7); the primary already (0)', () => {
    expect(checkMariadbSwitchover(m(status()), pods, 'wiki-1')).toBe('ok')
    expect(checkMariadbSwitchover(m(status()), pods, 'wiki-0')).toBe('already')
    expect(() => checkMariadbSwitchover(m(status()), pods, 'wiki-7')).toThrow(expect.objectContaining({ exitCode: 3 }))
    expect(() => checkMariadbSwitchover(m(status(), 2), pods, 'wiki-1')).toThrow(expect.objectContaining({ exitCode: 7, message: expect.stringMatching(/busy/) }))
    expect(() => checkMariadbSwitchover(m(status()), [pod('wiki-0'), pod('wiki-1', false), pod('wiki-2')], 'wiki-1')).toThrow(expect.objectContaining({ exitCode: 7, message: expect.stringMatching(/not ready/) }))
    const broken = status({ replication: { roles: { 'wiki-0': 'Primary', 'wiki-1': 'Replica', 'wiki-2': 'Replica' }, replicas: { 'wiki-1': { slaveIORunning: false, slaveSQLRunning: true, lastIOError: 'error reconnecting to master' }, 'wiki-2': { slaveIORunning: true, slaveSQLRunning: true } } } })
    expect(() => checkMariadbSwitchover(m(broken), pods, 'wiki-1')).toThrow(expect.objectContaining({ exitCode: 7, message: expect.stringMatching(/not replicating.*IO false.*error reconnecting/) }))
  })

  it('asks for a switchover with one merge patch of spec.replication.primary.podIndex carrying resourceVersion', () => {
    expect(podIndexPatch('9', 2)).toEqual({ metadata: { resourceVersion: '9' }, spec: { replication: { primary: { podIndex: 2 } } } })
    const sw = mariadb.failover(m(status())).switchover
    expect(sw?.request(m(status()), 'wiki-2', 'now')).toEqual({ patch: podIndexPatch('9', 2) })
    expect(sw?.done(m(status({ currentPrimary: 'wiki-2', currentPrimaryPodIndex: 2 }), 2), 'wiki-2')).toBe(true)
    // currentPrimary moved, but the operator has not reported the cluster ready yet: not done.
    expect(sw?.done(m(status({ currentPrimary: 'wiki-2', currentPrimaryPodIndex: 2, conditions: [{ type: 'Ready', status: 'False', message: 'Not ready' }] }), 2), 'wiki-2')).toBe(false)
    expect(sw?.diverged?.(m(status(), 1), 'wiki-2')).toMatch(/podIndex is now 1, not 2/)
    expect(mariadb.failover(buildMariaDB({ ...mdbSpec, topology: 'galera' })).switchover).toBeUndefined()
  })

  it('reads a PhysicalBackup: its Complete condition and the VolumeSnapshots the operator labelled', () => {
    const b = { metadata: { name: 'wiki-b1', namespace: 'dbaas-wiki', annotations: { 'dbaas.io/expires-at': '2026-12-01T00:00:00.000Z' } }, spec: { mariaDbRef: { name: 'wiki' } }, status: { conditions: [{ type: 'Complete', status: 'True', reason: 'SnapshotComplete', message: 'Success', lastTransitionTime: '2026-11-25T12:01:00Z' }] } }
    const snaps: KubeObject[] = [{ metadata: { name: 'wiki-b1-20261125120000', labels: { 'physicalbackup.k8s.mariadb.com/name': 'wiki-b1' } } }, { metadata: { name: 'other', labels: {} } }]
    expect(physicalBackupView(b, snaps)).toMatchObject({ name: 'wiki-b1', cluster: 'wiki', phase: 'completed', stoppedAt: '2026-11-25T12:01:00Z', snapshots: [{ name: 'wiki-b1-20261125120000', type: 'DATA' }], expiresAt: '2026-12-01T00:00:00.000Z', object: 'physicalbackup.k8s.mariadb.com' })
    expect(physicalBackupView({ ...b, status: { conditions: [{ type: 'Complete', status: 'False', reason: 'SnapshotFailed', message: 'boom' }] } }, []).phase).toBe('failed')
    expect(physicalBackupView({ ...b, status: {} }, []).phase).toBe('pending')
  })
})

describe('my.cnf parameters', () => {
  it('round-trip in a stable order', () => {
    const cnf = myCnf('mysqld', { b: '2', a: '1' })
    expect(cnf).toBe('[mysqld]\na=1\nb=2\n')
    expect(paramsFromCnf(cnf)).toEqual({ a: '1', b: '2' })
    expect(myCnf('mysqld', {})).toBeUndefined()
  })
})

describe('placement (the flags of issue 12) in every engine', () => {
  const placement = {
    nodeSelector: { 'disk': 'ssd' },
    tolerations: [{ key: 'dedicated', operator: 'Equal' as const, value: 'db', effect: 'NoSchedule' as const }],
    priorityClassName: 'db-high',
    imagePullSecrets: ['mirror-pull'],
    imageRegistry: 'mirror.example.com:5000/dh',
  }

  it('PXC: members and HAProxy get the same placement, both images come from the mirror', () => {
    const c = buildPxc({ ...pxcSpec, placement })
    const pod = { nodeSelector: { disk: 'ssd' }, tolerations: placement.tolerations, priorityClassName: 'db-high', imagePullSecrets: [{ name: 'mirror-pull' }] }
    expect(c.spec?.pxc).toMatchObject({ ...pod, image: 'mirror.example.com:5000/dh/percona/percona-xtradb-cluster:8.4.5-5.1' })
    expect(c.spec?.haproxy).toMatchObject({ ...pod, image: 'mirror.example.com:5000/dh/percona/haproxy:2.8.15' })
    expect(JSON.parse(c.metadata.annotations?.['dbaas.io/placement'] ?? '{}')).toMatchObject({ priorityClassName: 'db-high', imageRegistry: 'mirror.example.com:5000/dh' })
  })

  it('MariaDB: the pods get it, the image comes from the mirror', () => {
    const m = buildMariaDB({ ...mdbSpec, placement })
    expect(m.spec).toMatchObject({ nodeSelector: { disk: 'ssd' }, tolerations: placement.tolerations, priorityClassName: 'db-high', imagePullSecrets: [{ name: 'mirror-pull' }], image: 'mirror.example.com:5000/dh/library/mariadb:11.8' })
    expect(m.metadata.annotations?.['dbaas.io/placement']).toBeDefined()
  })

  it('without placement nothing of it is sent', () => {
    expect(buildPxc(pxcSpec).spec?.pxc).not.toHaveProperty('nodeSelector')
    expect(buildMariaDB(mdbSpec).spec).not.toHaveProperty('tolerations')
    expect(buildMariaDB(mdbSpec).metadata.annotations).not.toHaveProperty('dbaas.io/placement')
  })
})
