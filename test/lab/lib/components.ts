// The lab's components in dependency order: what to run, how to tell it is ready, which ports it holds.
// Processes are recorded by pid; tasks (applying CRDs and objects) run at every `up` and are idempotent.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { apiGet, canConnect, httpGet, httpsGet, labKubectl, run } from './kube.ts'
import { databaseFacts, mariadbSpawn, pgBinDir, postgresSpawn, prepareMariadb, preparePostgres, adminPassword } from './databases.ts'
import { kwokConfig, kwokLogFileContent, nodesManifest, storageManifest } from './manifests.ts'
import { driverName, nodeNames, ports, type LabPaths } from './paths.ts'
import { pkiFiles } from './pki.ts'
import { realNodeComponents } from './realnode-components.ts'
import type { RealNodeOptions } from './realnode.ts'
import type { PidRecord, SpawnSpec } from './proc.ts'

export interface ProcessComponent {
  kind: 'process'
  name: string
  after: string[]
  ports: number[]
  prepare?: (p: LabPaths) => void | Promise<void>
  spawn: (p: LabPaths) => SpawnSpec
  /** Ready after a start; `rec` tells when it started. */
  ready: (p: LabPaths, rec: PidRecord) => Promise<boolean>
  /** Healthy for `status` (defaults to `ready`). */
  healthy?: (p: LabPaths, rec: PidRecord) => Promise<boolean>
  stopSignal?: NodeJS.Signals
  timeoutMs: number
  /** A running copy started with other arguments (by an older lab) is restarted at `up`. */
  restartWhenArgsDiffer?: boolean
  /** Lease this component holds and renews (leader election on), in kube-system. */
  lease?: string
}

export interface TaskComponent {
  kind: 'task'
  name: string
  after: string[]
  run: (p: LabPaths) => Promise<void>
}

export type Component = ProcessComponent | TaskComponent

const bin = (p: LabPaths, name: string) => join(p.binDir, name)

async function ok(r: Promise<{ code: number; stdout: string; stderr: string }>, what: string): Promise<string> {
  const res = await r
  if (res.code !== 0) throw new Error(`${what} failed (exit ${res.code}): ${(res.stderr || res.stdout).trim().slice(-1500)}`)
  return res.stdout
}

interface Lease {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number }
}

export async function readLease(p: LabPaths, name: string): Promise<Lease | undefined> {
  return apiGet<Lease>(p, `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`)
}

/** The Lease was renewed since `sinceMs` (a new start) and is within its duration. */
async function leaseFresh(p: LabPaths, name: string, sinceMs: number): Promise<boolean> {
  const lease = await readLease(p, name)
  const renew = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : NaN
  if (!Number.isFinite(renew)) return false
  const duration = (lease?.spec?.leaseDurationSeconds ?? 15) * 1000
  return renew >= sinceMs && Date.now() - renew <= duration
}

const etcdClientUrl = `http://127.0.0.1:${ports.etcdClient}`
const etcdPeerUrl = `http://127.0.0.1:${ports.etcdPeer}`

const componentLog = (p: LabPaths) => ['--v=1', `--kubeconfig=${p.kubeconfig}`]

export interface ComponentOptions {
  /** The real node and what runs on it (`up --real-node`). */
  realNode?: RealNodeOptions
}

export function components(opts: ComponentOptions = {}): Component[] {
  return [
    {
      kind: 'process',
      name: 'postgres',
      after: [],
      ports: [ports.postgres],
      prepare: (p) => preparePostgres(p.dbDir),
      spawn: (p) => postgresSpawn(p.dbDir),
      ready: async () => (await run(join(pgBinDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(ports.postgres)])).code === 0,
      stopSignal: 'SIGINT',
      timeoutMs: 60_000,
    },
    {
      kind: 'process',
      name: 'mariadb',
      after: [],
      ports: [ports.mariadb],
      prepare: (p) => prepareMariadb(p.dbDir),
      spawn: (p) => mariadbSpawn(p.dbDir),
      ready: async () =>
        (await run('mariadb-admin', ['--no-defaults', '--protocol=tcp', '-h', '127.0.0.1', '-P', String(ports.mariadb), '-u', 'root', `-p${adminPassword}`, 'status'])).code === 0,
      timeoutMs: 60_000,
    },
    {
      kind: 'process',
      name: 'etcd',
      after: [],
      ports: [ports.etcdClient, ports.etcdPeer],
      spawn: (p) => ({
        bin: bin(p, 'etcd'),
        args: ['--name=node0', `--data-dir=${p.etcdDataDir}`, `--listen-client-urls=${etcdClientUrl}`,
          `--advertise-client-urls=${etcdClientUrl}`, `--listen-peer-urls=${etcdPeerUrl}`,
          `--initial-advertise-peer-urls=${etcdPeerUrl}`, `--initial-cluster=node0=${etcdPeerUrl}`,
          '--auto-compaction-retention=1', '--quota-backend-bytes=8589934592', '--log-level=warn'],
      }),
      ready: async () => {
        const r = await httpGet(`${etcdClientUrl}/health`)
        return r.status === 200 && /"health":\s*"true"/.test(r.body)
      },
      timeoutMs: 30_000,
    },
    {
      kind: 'process',
      name: 'kube-apiserver',
      after: ['etcd'],
      ports: [ports.apiserver],
      spawn: (p) => {
        const k = pkiFiles(p.pkiDir)
        return {
          bin: bin(p, 'kube-apiserver'),
          args: [`--etcd-servers=${etcdClientUrl}`, '--etcd-prefix=/registry', '--allow-privileged=true',
            '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${ports.apiserver}`,
            `--tls-cert-file=${k.adminCert}`, `--tls-private-key-file=${k.adminKey}`, `--client-ca-file=${k.caCert}`,
            `--service-account-key-file=${k.adminKey}`, `--service-account-signing-key-file=${k.adminKey}`,
            '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
            `--proxy-client-key-file=${k.adminKey}`, `--proxy-client-cert-file=${k.adminCert}`,
            '--authorization-mode=Node,RBAC', '--service-cluster-ip-range=10.96.0.0/16',
            // The lab writes the `kubernetes` Service's endpoints itself (the real node's bridge address): the API
            // server's own reconciler would publish its loopback address, which v1.37 refuses outright ("may not
            // be in the loopback range") and no pod could reach anyway.
            '--endpoint-reconciler-type=none', '--v=1'],
        }
      },
      ready: async (p) => (await httpsGet(`https://127.0.0.1:${ports.apiserver}/readyz`, { pkiDir: p.pkiDir })).status === 200,
      timeoutMs: 90_000,
    },
    {
      kind: 'process',
      name: 'kube-controller-manager',
      after: ['kube-apiserver'],
      ports: [ports.controllerManager],
      spawn: (p) => {
        const k = pkiFiles(p.pkiDir)
        return {
          bin: bin(p, 'kube-controller-manager'),
          args: [...componentLog(p), `--authentication-kubeconfig=${p.kubeconfig}`, `--authorization-kubeconfig=${p.kubeconfig}`,
            '--bind-address=127.0.0.1', `--secure-port=${ports.controllerManager}`,
            '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics', `--root-ca-file=${k.caCert}`,
            `--service-account-private-key-file=${k.adminKey}`, '--use-service-account-credentials=false',
            '--leader-elect=false', `--cluster-signing-cert-file=${k.caCert}`, `--cluster-signing-key-file=${k.caKey}`],
        }
      },
      ready: async () => (await httpsGet(`https://127.0.0.1:${ports.controllerManager}/healthz`)).status === 200,
      timeoutMs: 60_000,
    },
    {
      kind: 'process',
      name: 'kube-scheduler',
      after: ['kube-apiserver'],
      ports: [ports.scheduler],
      spawn: (p) => ({
        bin: bin(p, 'kube-scheduler'),
        args: [...componentLog(p), `--authentication-kubeconfig=${p.kubeconfig}`, `--authorization-kubeconfig=${p.kubeconfig}`,
          '--bind-address=127.0.0.1', `--secure-port=${ports.scheduler}`,
          '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics', '--leader-elect=false',
          // A pod scheduled before its Immediate-binding PVC was bound waits for a requeue event; once a CI run
          // saw that event missed and the pod left Pending for the default 5 minutes. Retry within 10 s instead.
          '--pod-max-in-unschedulable-pods-duration=10s'],
      }),
      ready: async () => (await httpsGet(`https://127.0.0.1:${ports.scheduler}/healthz`)).status === 200,
      timeoutMs: 60_000,
    },
    {
      kind: 'process',
      name: 'kwok',
      after: ['kube-apiserver'],
      restartWhenArgsDiffer: true,
      ports: [ports.kwok],
      prepare: (p) => {
        const facts = databaseFacts(p.dbDir)
        mkdirSync(dirname(p.kwokConfig), { recursive: true })
        writeFileSync(p.kwokLogFile, kwokLogFileContent())
        writeFileSync(p.kwokConfig, kwokConfig({ logFile: p.kwokLogFile, pgSocketDir: facts.postgres.socketDir, mariadbSocket: facts.mariadb.socket }))
      },
      spawn: (p) => {
        const k = pkiFiles(p.pkiDir)
        return {
          bin: bin(p, 'kwok'),
          args: [`--config=${p.kwokConfig}`, `--kubeconfig=${p.kubeconfig}`, // Only the simulated nodes (they carry this annotation): a real node beside them has its own kubelet.
            '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake', '--node-ip=127.0.0.1',
            '--node-name=localhost', `--node-port=${ports.kwok}`, `--server-address=127.0.0.1:${ports.kwok}`,
            `--tls-cert-file=${k.adminCert}`, `--tls-private-key-file=${k.adminKey}`, '--cidr=10.0.0.1/16',
            '--node-lease-duration-seconds=40'],
        }
      },
      ready: async () => canConnect({ port: ports.kwok }),
      timeoutMs: 60_000,
    },
    {
      kind: 'task',
      name: 'nodes',
      after: ['kwok', 'kube-controller-manager', 'kube-scheduler'],
      run: async (p) => {
        await ok(labKubectl(p, ['apply', '-f', '-'], nodesManifest()), 'creating the nodes')
        await waitFor('3 nodes Ready and ServiceAccount default/default', 60_000, async () => {
          const list = await apiGet<{ items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] }>(p, '/api/v1/nodes')
          const ready = (list?.items ?? []).filter(
            (n) => (nodeNames as readonly string[]).includes(n.metadata.name) && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          )
          if (ready.length !== nodeNames.length) return false
          return (await apiGet(p, '/api/v1/namespaces/default/serviceaccounts/default')) !== undefined
        })
      },
    },
    {
      kind: 'process',
      name: 'mockcsi',
      after: [],
      ports: [],
      prepare: (p) => {
        mkdirSync(dirname(p.csiSocket), { recursive: true })
      },
      spawn: (p) => ({ bin: bin(p, 'mockcsi'), args: ['--endpoint', `unix://${p.csiSocket}`, '--driver-name', driverName] }),
      ready: async (p) => canConnect({ path: p.csiSocket }),
      timeoutMs: 30_000,
    },
    {
      kind: 'process',
      name: 'csi-provisioner',
      after: ['mockcsi', 'kube-apiserver'],
      ports: [],
      lease: driverName.replace(/[^a-zA-Z0-9-]/g, '-'),
      spawn: (p) => ({
        bin: bin(p, 'csi-provisioner'),
        args: [`--csi-address=${p.csiSocket}`, `--kubeconfig=${p.kubeconfig}`, '--extra-create-metadata', '--timeout=60s',
          '--leader-election=true', '--leader-election-namespace=kube-system', '--v=2'],
      }),
      ready: (p, rec) => leaseFresh(p, driverName.replace(/[^a-zA-Z0-9-]/g, '-'), rec.startedAt),
      healthy: (p) => leaseFresh(p, driverName.replace(/[^a-zA-Z0-9-]/g, '-'), 0),
      timeoutMs: 60_000,
    },
    {
      kind: 'task',
      name: 'snapshot-crds',
      after: ['kube-apiserver'],
      run: async (p) => {
        const dir = join(p.crdDir, 'snapshot')
        await ok(labKubectl(p, ['apply', '--server-side', '--force-conflicts', '-f', dir]), 'applying the VolumeSnapshot CRDs')
        await ok(labKubectl(p, ['wait', '--for=condition=Established', '--timeout=60s', '-f', dir]), 'waiting for the VolumeSnapshot CRDs')
      },
    },
    {
      kind: 'process',
      name: 'snapshot-controller',
      after: ['snapshot-crds'],
      ports: [],
      lease: 'snapshot-controller-leader',
      spawn: (p) => ({
        bin: bin(p, 'snapshot-controller'),
        // No VolumeGroupSnapshot CRDs in the lab: switch the feature off rather than wait 30 s to find them missing.
        args: [`--kubeconfig=${p.kubeconfig}`, '--leader-election=true', '--leader-election-namespace=kube-system',
          '--feature-gates=CSIVolumeGroupSnapshot=false', '--v=2'],
      }),
      ready: (p, rec) => leaseFresh(p, 'snapshot-controller-leader', rec.startedAt),
      healthy: (p) => leaseFresh(p, 'snapshot-controller-leader', 0),
      timeoutMs: 60_000,
    },
    {
      kind: 'process',
      name: 'csi-snapshotter',
      after: ['snapshot-crds', 'mockcsi'],
      ports: [],
      lease: `external-snapshotter-leader-${driverName.replace(/[^a-zA-Z0-9-]/g, '-')}`,
      spawn: (p) => ({
        bin: bin(p, 'csi-snapshotter'),
        args: [`--csi-address=${p.csiSocket}`, `--kubeconfig=${p.kubeconfig}`, '--leader-election=true',
          '--leader-election-namespace=kube-system', '--extra-create-metadata', '--v=2'],
      }),
      ready: (p, rec) => leaseFresh(p, `external-snapshotter-leader-${driverName.replace(/[^a-zA-Z0-9-]/g, '-')}`, rec.startedAt),
      healthy: (p) => leaseFresh(p, `external-snapshotter-leader-${driverName.replace(/[^a-zA-Z0-9-]/g, '-')}`, 0),
      timeoutMs: 60_000,
    },
    {
      kind: 'task',
      name: 'cnpg-crds',
      after: ['kube-apiserver'],
      run: async (p) => {
        const dir = join(p.crdDir, 'cnpg')
        await ok(labKubectl(p, ['apply', '--server-side', '--force-conflicts', '-f', dir]), 'applying the CloudNativePG CRDs')
        // Right after the apply a CRD may have no conditions yet, which `kubectl wait` reports as an error: ask again.
        await waitFor('the CloudNativePG CRDs to be Established', 60_000, async () => (await labKubectl(p, ['wait', '--for=condition=Established', '--timeout=10s', '-f', dir])).code === 0, 500)
      },
    },
    {
      kind: 'task',
      name: 'prometheus-crds',
      after: ['kube-apiserver'],
      run: async (p) => {
        // The Prometheus Operator's CRDs (ServiceMonitor, PodMonitor, Prometheus, …): no operator runs in the lab.
        const dir = join(p.crdDir, 'prometheus')
        await ok(labKubectl(p, ['apply', '--server-side', '--force-conflicts', '-f', dir]), 'applying the Prometheus Operator CRDs')
        // Right after the apply a CRD may have no conditions yet, which `kubectl wait` reports as an error: ask again.
        await waitFor('the Prometheus Operator CRDs to be Established', 60_000, async () => (await labKubectl(p, ['wait', '--for=condition=Established', '--timeout=10s', '-f', dir])).code === 0, 500)
      },
    },
    {
      kind: 'task',
      name: 'pxc-crds',
      after: ['kube-apiserver'],
      run: async (p) => {
        const dir = join(p.crdDir, 'pxc')
        await ok(labKubectl(p, ['apply', '--server-side', '--force-conflicts', '-f', dir]), 'applying the Percona XtraDB Cluster CRDs')
        // Right after the apply a CRD may have no conditions yet, which `kubectl wait` reports as an error: ask again.
        await waitFor('the Percona XtraDB Cluster CRDs to be Established', 60_000, async () => (await labKubectl(p, ['wait', '--for=condition=Established', '--timeout=10s', '-f', dir])).code === 0, 500)
      },
    },
    {
      kind: 'task',
      name: 'mariadb-crds',
      after: ['kube-apiserver'],
      run: async (p) => {
        const dir = join(p.crdDir, 'mariadb')
        await ok(labKubectl(p, ['apply', '--server-side', '--force-conflicts', '-f', dir]), 'applying the MariaDB operator CRDs')
        // Right after the apply a CRD may have no conditions yet, which `kubectl wait` reports as an error: ask again.
        await waitFor('the MariaDB operator CRDs to be Established', 60_000, async () => (await labKubectl(p, ['wait', '--for=condition=Established', '--timeout=10s', '-f', dir])).code === 0, 500)
      },
    },
    {
      kind: 'task',
      name: 'storage-objects',
      after: ['snapshot-crds'],
      run: async (p) => {
        // With the real node up, its data-carrying class is the cluster default instead.
        await ok(labKubectl(p, ['apply', '-f', '-'], storageManifest({ defaultClass: !opts.realNode })), 'creating the CSIDriver, StorageClass and VolumeSnapshotClass')
      },
    },
    {
      kind: 'process',
      name: 'csi-resizer',
      after: ['mockcsi', 'kube-apiserver'],
      ports: [],
      lease: `external-resizer-${driverName.replace(/[^a-zA-Z0-9-]/g, '-')}`,
      spawn: (p) => ({
        bin: bin(p, 'csi-resizer'),
        args: [`--csi-address=${p.csiSocket}`, `--kubeconfig=${p.kubeconfig}`, '--leader-election=true',
          '--leader-election-namespace=kube-system', '--v=2'],
      }),
      ready: (p, rec) => leaseFresh(p, `external-resizer-${driverName.replace(/[^a-zA-Z0-9-]/g, '-')}`, rec.startedAt),
      healthy: (p) => leaseFresh(p, `external-resizer-${driverName.replace(/[^a-zA-Z0-9-]/g, '-')}`, 0),
      timeoutMs: 60_000,
    },
    ...(opts.realNode ? realNodeComponents(opts.realNode) : []),
  ]
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, intervalMs = 150): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      if (await check()) return
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`)
    }
    await sleep(intervalMs)
  }
}
