// Documents the lab writes or applies: kwok's configuration (port-forward, exec and logs pointing at the
// local databases), the simulated nodes, and the storage objects for the mock CSI driver.
import { stringify } from 'yaml'
import { driverName, nodeNames, portOffset, ports, snapshotClassName, storageClassName } from './paths.ts'

const yamlDocs = (docs: object[]) => docs.map((d) => stringify(d)).join('---\n')

export const labLogText = 'lab: database log line'

/**
 * Where pods' exporter ports lead: 9187 (postgres_exporter, CloudNativePG's metrics) and 9104 (mysqld_exporter).
 * Nothing listens there unless a test starts an exporter (test/e2e/metrics*.test.ts).
 */
export const exporterPorts = { postgres: 19187 + portOffset, mysqld: 19104 + portOffset } as const

/** A CRI-format log file that kwok serves to `kubectl logs` for every pod. */
export function kwokLogFileContent(): string {
  return [1, 2, 3].map((i) => `2026-11-25T20:20:0${i}.000000000Z stdout F ${labLogText} ${i}`).join('\n') + '\n'
}

export function kwokConfig(opts: { logFile: string; pgSocketDir: string; mariadbSocket: string }): string {
  return yamlDocs([
    {
      apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
      kind: 'KwokConfiguration',
      options: { nodeLeaseDurationSeconds: 40 },
    },
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterPortForward',
      metadata: { name: 'lab-databases' },
      spec: {
        forwards: [
          { ports: [5432], target: { port: ports.postgres, address: '127.0.0.1' } },
          { ports: [3306], target: { port: ports.mariadb, address: '127.0.0.1' } },
          { ports: [9187], target: { port: exporterPorts.postgres, address: '127.0.0.1' } },
          { ports: [9104], target: { port: exporterPorts.mysqld, address: '127.0.0.1' } },
        ],
      },
    },
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterExec',
      metadata: { name: 'lab-databases' },
      spec: {
        execs: [
          {
            local: {
              envs: [
                // psql in a database pod talks to its server over the local socket without a password, as
                // in a real PostgreSQL container; TCP (port-forward) needs the password.
                { name: 'PGHOST', value: opts.pgSocketDir },
                { name: 'PGPORT', value: String(ports.postgres) },
                { name: 'MYSQL_HOST', value: '127.0.0.1' },
                { name: 'MYSQL_TCP_PORT', value: String(ports.mariadb) },
                { name: 'MYSQL_UNIX_PORT', value: opts.mariadbSocket },
              ],
            },
          },
        ],
      },
    },
    {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'ClusterLogs',
      metadata: { name: 'lab-logs' },
      spec: { logs: [{ containers: [], logsFile: opts.logFile, follow: false }] },
    },
  ])
}

export function nodesManifest(): string {
  return yamlDocs(
    nodeNames.map((name, i) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'kwok.x-k8s.io/node': 'fake' },
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/role': 'agent',
          'node-role.kubernetes.io/agent': '',
          'topology.kubernetes.io/zone': `lab-zone-${i + 1}`,
          type: 'kwok',
        },
      },
      spec: {},
      status: {
        // Far above anything a test creates: a full cluster must never be why a pod stays Pending.
        allocatable: { cpu: '1000', memory: '4Ti', pods: '10000', 'ephemeral-storage': '100Ti' },
        capacity: { cpu: '1000', memory: '4Ti', pods: '10000', 'ephemeral-storage': '100Ti' },
        nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'fake', kubeProxyVersion: 'fake' },
      },
    })),
  )
}

export function storageManifest(opts: { defaultClass: boolean } = { defaultClass: true }): string {
  return yamlDocs([
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      metadata: { name: driverName },
      spec: { attachRequired: false, podInfoOnMount: false, volumeLifecycleModes: ['Persistent'] },
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: storageClassName, annotations: { 'storageclass.kubernetes.io/is-default-class': String(opts.defaultClass) } },
      provisioner: driverName,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
      allowVolumeExpansion: true,
    },
    {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotClass',
      metadata: { name: snapshotClassName, annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } },
      driver: driverName,
      deletionPolicy: 'Delete',
    },
  ])
}
