// The real node's components, in dependency order with the rest of the lab (see realnode.ts for what each
// changes on the host and how `down` undoes it). Only part of the lab when `up --real-node` asked for them.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { waitFor, type Component } from './components.ts'
import { apiGet, canConnect, httpGet, labKubectl, run } from './kube.ts'
import { contextName, labSourceDir, ports, type LabPaths } from './paths.ts'
import { kubeconfigYaml, pkiFiles, signCert } from './pki.ts'
import {
  cniConfig, containerdConfig, registryConfigDir, registryHostsToml, corefile, dnsServiceIp, kubeProxyConfig, kubeletConfig, kubeletSysctls, realDriverName,
  realNodeConfig, realNodeLabel, realNodeName, realNodeUnsupported, realSnapshotClass, realStorageClass, realVolumeFs, recordHost, restoreSysctls,
  setupNetwork, writeIfChanged, createCgroupRoot, claimRealNode, type RealNodeConfig, type RealNodeOptions,
} from './realnode.ts'
import { cnpgComponents } from './cnpg.ts'

const bin = (p: LabPaths, name: string) => join(p.binDir, name)
const yamlDocs = (docs: object[]) => docs.map((d) => stringify(d)).join('---\n')
const leaseName = (driver: string, prefix = '') => `${prefix}${driver.replace(/[^a-zA-Z0-9-]/g, '-')}`

async function ok(r: Promise<{ code: number; stdout: string; stderr: string }>, what: string): Promise<string> {
  const res = await r
  if (res.code !== 0) throw new Error(`${what} failed (exit ${res.code}): ${(res.stderr || res.stdout).trim().slice(-1500)}`)
  return res.stdout
}

/** The kubelet's credentials: O=system:nodes, CN=system:node:<name>, signed by the lab CA (the Node authorizer's form). */
function nodeKubeconfig(p: LabPaths, c: RealNodeConfig): string {
  const file = join(c.dir, 'kubelet.kubeconfig')
  const pki = pkiFiles(p.pkiDir)
  const out = join(p.pkiDir, 'node', realNodeName)
  if (!existsSync(`${out}.crt`)) {
    signCert(pki, {
      subject: `/O=system:nodes/CN=system:node:${realNodeName}`,
      out,
      extensions: ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'],
    })
  }
  writeIfChanged(file, kubeconfigYaml({ server: `https://127.0.0.1:${ports.apiserver}`, ca: pki.caCert, cert: `${out}.crt`, key: `${out}.key`, context: contextName, user: `system:node:${realNodeName}` }))
  return file
}

interface NodeObj {
  metadata: { name: string; labels?: Record<string, string> }
  spec?: { unschedulable?: boolean }
  status?: { addresses?: { type: string; address: string }[]; conditions?: { type: string; status: string }[] }
}

export const nodeReady = (n: NodeObj | undefined) => n?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true

/** Images the node needs, as `images.sh --list` names them: name, image tar, built or not. */
export function imageList(p: LabPaths): { name: string; tar: string; built: boolean }[] {
  const r = spawnSync('bash', [join(labSourceDir, 'images.sh'), '--list'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`images.sh --list failed: ${r.stderr}`)
  return r.stdout.trim().split('\n').map((l) => {
    const [name, tar, state] = l.split(' ')
    return { name: name!, tar: tar!, built: state === 'built' }
  })
}

function ctr(p: LabPaths, c: RealNodeConfig, args: string[]) {
  return run(bin(p, 'ctr'), ['--address', c.containerdSocket, '--namespace', 'k8s.io', ...args], { timeoutMs: 600_000 })
}

/** The image names an image tar carries (its manifest.json RepoTags). */
function tagsOf(tar: string): string[] {
  const r = spawnSync('tar', ['-xOf', tar, 'manifest.json'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`reading ${tar}: ${r.stderr}`)
  return (JSON.parse(r.stdout) as { RepoTags: string[] }[]).flatMap((m) => m.RepoTags)
}

export function realNodeComponents(opts: RealNodeOptions): Component[] {
  const list: Component[] = [
    {
      kind: 'task',
      name: 'real-node-host',
      after: [],
      run: async (p) => {
        const why = realNodeUnsupported(p)
        if (why) throw new Error(why)
        claimRealNode(p)
        const c = realNodeConfig(p)
        for (const d of [c.dir, c.cniConfDir, c.cniDataDir, c.csiRoot, join(c.dir, 'pod-logs'), join(c.kubeletRoot, 'plugins_registry')]) mkdirSync(d, { recursive: true })
        recordHost(c)
        setupNetwork(c)
        createCgroupRoot(c)
        const pki = pkiFiles(p.pkiDir)
        writeIfChanged(join(c.dir, 'containerd.toml'), containerdConfig(c))
        writeIfChanged(join(registryConfigDir(c), '_default', 'hosts.toml'), registryHostsToml)
        writeIfChanged(join(c.cniConfDir, '10-dbaas-lab.conflist'), cniConfig(c))
        writeIfChanged(join(c.dir, 'resolv.conf'), `nameserver ${c.gateway}\nsearch cluster.local\noptions ndots:5\n`)
        writeIfChanged(join(c.dir, 'kubelet.yaml'), kubeletConfig(c, { caCert: pki.caCert, servingCert: pki.adminCert, servingKey: pki.adminKey }))
        writeIfChanged(join(c.dir, 'kube-proxy.yaml'), kubeProxyConfig(c, p.kubeconfig))
        writeIfChanged(join(c.dir, 'Corefile'), corefile(c, p.kubeconfig, contextName))
        nodeKubeconfig(p, c)
      },
    },
    {
      kind: 'process',
      name: 'containerd',
      after: ['real-node-host'],
      ports: [],
      spawn: (p) => ({
        bin: bin(p, 'containerd'),
        args: ['--config', join(realNodeConfig(p).dir, 'containerd.toml'), '--log-level', 'warn'],
        // Its runc v2 shim is found on PATH: the lab's own first.
        env: { ...process.env, PATH: `${p.binDir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` } as Record<string, string>,
      }),
      ready: async (p) => (await canConnect({ path: realNodeConfig(p).containerdSocket })) && (await ctr(p, realNodeConfig(p), ['version'])).code === 0,
      timeoutMs: 60_000,
    },
    {
      kind: 'task',
      name: 'node-images',
      after: ['containerd'],
      run: async (p) => {
        const c = realNodeConfig(p)
        const have = new Set((await ok(ctr(p, c, ['images', 'ls', '-q']), 'listing images')).split('\n').filter(Boolean))
        // Which build each tag was imported from: a rebuilt image (a new cache entry) is imported again.
        const record = join(c.dir, 'imported-images.json')
        let imported: Record<string, string> = {}
        try {
          imported = JSON.parse(readFileSync(record, 'utf8')) as Record<string, string>
        } catch {
          // first import
        }
        for (const img of imageList(p)) {
          if (!img.built) throw new Error(`image ${img.name} is not built (bash test/lab/images.sh ${img.name})`)
          const tags = tagsOf(img.tar)
          if (tags.every((t) => have.has(t) && imported[t] === img.tar)) continue
          await ok(ctr(p, c, ['images', 'import', '--snapshotter', 'overlayfs', img.tar]), `importing ${img.name}`)
          for (const t of tags) imported[t] = img.tar
          writeFileSync(record, JSON.stringify(imported, null, 2) + '\n')
        }
      },
    },
    {
      kind: 'process',
      name: 'labcsi',
      after: ['real-node-host'],
      ports: [],
      spawn: (p) => {
        const c = realNodeConfig(p)
        return {
          bin: bin(p, 'labcsi'),
          args: ['--endpoint', `unix://${c.csiSocket}`, '--driver-name', realDriverName, '--node-id', realNodeName, '--root', c.csiRoot,
            '--registration-socket', join(c.kubeletRoot, 'plugins_registry', `${realDriverName}-reg.sock`), '--volume-fs', realVolumeFs],
        }
      },
      ready: async (p) => canConnect({ path: realNodeConfig(p).csiSocket }),
      timeoutMs: 30_000,
    },
    {
      kind: 'process',
      name: 'kubelet',
      after: ['containerd', 'node-images', 'labcsi', 'nodes'],
      ports: [realNodeConfig({ stateDir: '' } as LabPaths).ports.kubelet, realNodeConfig({ stateDir: '' } as LabPaths).ports.kubeletHealthz],
      spawn: (p) => {
        const c = realNodeConfig(p)
        return {
          bin: bin(p, 'kubelet'),
          args: [`--config=${join(c.dir, 'kubelet.yaml')}`, `--kubeconfig=${join(c.dir, 'kubelet.kubeconfig')}`, `--root-dir=${c.kubeletRoot}`,
            `--hostname-override=${realNodeName}`, '--node-ip=127.0.0.1',
            `--node-labels=${realNodeLabel.key}=${realNodeLabel.value},kubernetes.io/os=linux,type=real`, '--v=1'],
          env: { ...process.env, PATH: `${p.binDir}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}` } as Record<string, string>,
        }
      },
      ready: async (p) => {
        const c = realNodeConfig(p)
        const h = await httpGet(`http://127.0.0.1:${c.ports.kubeletHealthz}/healthz`)
        return h.status === 200 && (await apiGet(p, `/api/v1/nodes/${realNodeName}`)) !== undefined
      },
      timeoutMs: 90_000,
    },
    {
      kind: 'task',
      name: 'real-node-ready',
      after: ['kubelet'],
      run: async (p) => {
        const c = realNodeConfig(p)
        // The kubelet refuses a loopback node IP: give the Node exactly one address, so the API server reaches
        // it for exec, logs and port-forward (no Hostname address: it would be resolved through the system resolver).
        await ok(
          labKubectl(p, ['patch', 'node', realNodeName, '--subresource=status', '--type=merge', '-p',
            JSON.stringify({ status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } })]),
          'setting the real node address',
        )
        await waitFor(`node ${realNodeName} Ready`, 60_000, async () => nodeReady(await apiGet<NodeObj>(p, `/api/v1/nodes/${realNodeName}`)))
        // Uncordon (a `down` that was interrupted may have left it cordoned).
        const n = await apiGet<NodeObj>(p, `/api/v1/nodes/${realNodeName}`)
        if (n?.spec?.unschedulable) await ok(labKubectl(p, ['uncordon', realNodeName]), 'uncordoning the real node')
        // The kubelet set these at start; the lab leaves the host's own values.
        const rec = recordHost(c)
        restoreSysctls(rec, kubeletSysctls)
      },
    },
    {
      kind: 'process',
      name: 'api-forwarder',
      after: ['real-node-host'],
      ports: [443],
      // The `kubernetes` Service's endpoint: pods reach the API server (on loopback) through the bridge address.
      spawn: (p) => {
        const c = realNodeConfig(p)
        return { bin: '/usr/bin/socat', args: [`TCP-LISTEN:${c.ports.apiForward},bind=${c.gateway},fork,reuseaddr`, `TCP:127.0.0.1:${ports.apiserver}`] }
      },
      ready: async (p) => canConnect({ port: realNodeConfig(p).ports.apiForward, host: realNodeConfig(p).gateway }),
      timeoutMs: 20_000,
    },
    {
      kind: 'process',
      name: 'coredns',
      after: ['real-node-host', 'kube-apiserver'],
      ports: [realNodeConfig({ stateDir: '' } as LabPaths).ports.dnsHealth, realNodeConfig({ stateDir: '' } as LabPaths).ports.dnsReady],
      spawn: (p) => ({ bin: bin(p, 'coredns'), args: ['-conf', join(realNodeConfig(p).dir, 'Corefile')] }),
      ready: async (p) => (await httpGet(`http://127.0.0.1:${realNodeConfig(p).ports.dnsReady}/ready`)).status === 200,
      timeoutMs: 60_000,
    },
    {
      kind: 'process',
      name: 'kube-proxy',
      after: ['real-node-ready'],
      ports: [realNodeConfig({ stateDir: '' } as LabPaths).ports.proxyMetrics, realNodeConfig({ stateDir: '' } as LabPaths).ports.proxyHealthz],
      spawn: (p) => ({ bin: bin(p, 'kube-proxy'), args: [`--config=${join(realNodeConfig(p).dir, 'kube-proxy.yaml')}`, '--v=1'] }),
      ready: async (p) => (await httpGet(`http://127.0.0.1:${realNodeConfig(p).ports.proxyHealthz}/healthz`)).status === 200,
      timeoutMs: 60_000,
    },
    {
      kind: 'process',
      name: 'real-csi-provisioner',
      after: ['labcsi', 'kube-apiserver'],
      ports: [],
      spawn: (p) => ({
        bin: bin(p, 'csi-provisioner'),
        args: [`--csi-address=${realNodeConfig(p).csiSocket}`, `--kubeconfig=${p.kubeconfig}`, '--extra-create-metadata', '--timeout=120s',
          '--leader-election=true', '--leader-election-namespace=kube-system', '--v=2'],
      }),
      ready: (p, rec) => leaseFresh(p, leaseName(realDriverName), rec.startedAt),
      healthy: (p) => leaseFresh(p, leaseName(realDriverName), 0),
      lease: leaseName(realDriverName),
      timeoutMs: 60_000,
    },
    {
      kind: 'process',
      name: 'real-csi-snapshotter',
      after: ['labcsi', 'snapshot-crds'],
      ports: [],
      spawn: (p) => ({
        bin: bin(p, 'csi-snapshotter'),
        args: [`--csi-address=${realNodeConfig(p).csiSocket}`, `--kubeconfig=${p.kubeconfig}`, '--leader-election=true',
          '--leader-election-namespace=kube-system', '--extra-create-metadata', '--timeout=300s', '--v=2'],
      }),
      ready: (p, rec) => leaseFresh(p, leaseName(realDriverName, 'external-snapshotter-leader-'), rec.startedAt),
      healthy: (p) => leaseFresh(p, leaseName(realDriverName, 'external-snapshotter-leader-'), 0),
      lease: leaseName(realDriverName, 'external-snapshotter-leader-'),
      timeoutMs: 60_000,
    },
    {
      kind: 'process',
      name: 'real-csi-resizer',
      after: ['labcsi', 'kube-apiserver'],
      ports: [],
      spawn: (p) => ({
        bin: bin(p, 'csi-resizer'),
        args: [`--csi-address=${realNodeConfig(p).csiSocket}`, `--kubeconfig=${p.kubeconfig}`, '--leader-election=true',
          '--leader-election-namespace=kube-system', '--v=2'],
      }),
      ready: (p, rec) => leaseFresh(p, leaseName(realDriverName, 'external-resizer-'), rec.startedAt),
      healthy: (p) => leaseFresh(p, leaseName(realDriverName, 'external-resizer-'), 0),
      lease: leaseName(realDriverName, 'external-resizer-'),
      timeoutMs: 60_000,
    },
    {
      kind: 'task',
      name: 'real-node-objects',
      after: ['storage-objects', 'api-forwarder', 'coredns'],
      run: async (p) => {
        const c = realNodeConfig(p)
        await ok(labKubectl(p, ['apply', '-f', '-'], realNodeManifest(c)), 'creating the real node\'s storage, DNS and API objects')
      },
    },
  ]
  if (opts.cnpg) list.push(...cnpgComponents(opts.cnpg))
  return list
}

interface Lease {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number }
}

async function leaseFresh(p: LabPaths, name: string, sinceMs: number): Promise<boolean> {
  const lease = await apiGet<Lease>(p, `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${name}`)
  const renew = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : NaN
  if (!Number.isFinite(renew)) return false
  const duration = (lease?.spec?.leaseDurationSeconds ?? 15) * 1000
  return renew >= sinceMs && Date.now() - renew <= duration
}

/**
 * The real node's objects: its CSI driver (fsGroupPolicy File: the charts set fsGroup), its StorageClass as
 * the cluster default, its own default VolumeSnapshotClass, the `kubernetes` Service's endpoints at the API
 * forwarder, and a kube-dns Service at CoreDNS — so nothing dbaas sends needs a lab-specific setting.
 */
export function realNodeManifest(c: RealNodeConfig): string {
  const apiPort = { name: 'https', port: c.ports.apiForward, protocol: 'TCP' }
  return yamlDocs([
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      metadata: { name: realDriverName },
      spec: { attachRequired: false, podInfoOnMount: false, fsGroupPolicy: 'File', volumeLifecycleModes: ['Persistent'] },
    },
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: realStorageClass, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: realDriverName,
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
      allowVolumeExpansion: true,
    },
    {
      apiVersion: 'snapshot.storage.k8s.io/v1',
      kind: 'VolumeSnapshotClass',
      metadata: { name: realSnapshotClass, annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } },
      driver: realDriverName,
      deletionPolicy: 'Delete',
    },
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: c.gateway }], ports: [apiPort] }],
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'dbaas-lab' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [c.gateway], conditions: { ready: true } }],
      ports: [apiPort],
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        clusterIP: dnsServiceIp,
        ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kube-dns-lab', namespace: 'kube-system', labels: { 'kubernetes.io/service-name': 'kube-dns', 'endpointslice.kubernetes.io/managed-by': 'dbaas-lab' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [c.gateway], conditions: { ready: true } }],
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }],
    },
  ])
}

/**
 * Before the processes stop: cordon the node and delete its pods while the kubelet runs, so the kubelet itself
 * unmounts their volumes, tears down their networks and removes their cgroups.
 */
export async function drainRealNode(p: LabPaths, out: (l: string) => void): Promise<void> {
  const node = await apiGet<NodeObj>(p, `/api/v1/nodes/${realNodeName}`).catch(() => undefined)
  if (!node) return
  await labKubectl(p, ['cordon', realNodeName])
  const podsOn = async () => {
    const r = await apiGet<{ items: { metadata: { name: string; namespace: string } }[] }>(p, `/api/v1/pods?fieldSelector=spec.nodeName=${realNodeName}`)
    return r?.items ?? []
  }
  const start = Date.now()
  const pods = await podsOn()
  for (const pod of pods) {
    await labKubectl(p, ['delete', 'pod', '-n', pod.metadata.namespace, pod.metadata.name, '--grace-period=1', '--wait=false'])
  }
  try {
    await waitFor('the real node\'s pods to go', 90_000, async () => (await podsOn()).length === 0, 500)
  } catch {
    // Force what is left: the containers are stopped with the runtime below.
    for (const pod of await podsOn()) await labKubectl(p, ['delete', 'pod', '-n', pod.metadata.namespace, pod.metadata.name, '--grace-period=0', '--force'])
  }
  if (pods.length) out(`${'real node'.padEnd(24)}${pods.length} pods removed in ${((Date.now() - start) / 1000).toFixed(1)} s`)
  await labKubectl(p, ['delete', 'node', realNodeName, '--wait=false'])
}

/** Kills and deletes every task (container) this node's containerd still runs: what the drain left. */
export async function stopAllTasks(p: LabPaths, out: (l: string) => void): Promise<void> {
  const c = realNodeConfig(p)
  const r = await ctr(p, c, ['tasks', 'ls', '-q'])
  if (r.code !== 0) return
  const ids = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean)
  for (const id of ids) await ctr(p, c, ['tasks', 'kill', '--signal', 'SIGKILL', id])
  for (const id of ids) {
    // A task is deletable once its process has gone.
    await waitFor(`task ${id} to stop`, 10_000, async () => (await ctr(p, c, ['tasks', 'delete', id])).code === 0, 200).catch(() => undefined)
  }
  if (ids.length) out(`${'real node'.padEnd(24)}${ids.length} leftover containers stopped`)
}

/** After containerd stopped: shims (own sessions, so outside its process group) of this node's containerd. */
export function leftoverShims(c: RealNodeConfig): number[] {
  const pids: number[] = []
  for (const entry of spawnSync('ls', ['/proc'], { encoding: 'utf8' }).stdout.split('\n')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      if (!argv[0]?.endsWith('containerd-shim-runc-v2')) continue
      const i = argv.indexOf('-address')
      if (i >= 0 && argv[i + 1] === c.containerdSocket) pids.push(Number(entry))
    } catch {
      // gone
    }
  }
  return pids
}

export function writeJsonFile(file: string, v: unknown): void {
  writeFileSync(file, JSON.stringify(v, null, 2) + '\n')
}
