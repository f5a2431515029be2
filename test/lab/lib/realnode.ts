// The real node: one kubelet with containerd beside the lab's simulated nodes, running real containers from
// images built locally, with the lab's own data-carrying CSI driver, cluster DNS, Service routing and the API
// server reachable from pods. Everything it changes on the host is recorded before it starts (host.json) and
// undone by `down`: processes by pid, mounts under the state directory, the bridge, routes, iptables chains,
// cgroups, sysctls and the directories the kubelet creates at fixed paths. Fixed paths make it one per machine.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { portOffset, type LabPaths } from './paths.ts'

export const realNodeName = 'lab-real-node'
export const realNodeLabel = { key: 'dbaas.io/lab-node', value: 'real' } as const
export const realDriverName = 'real.csi.lab.local'
export const realStorageClass = 'lab-real'
export const realSnapshotClass = 'lab-real-snapclass'
/** The API server's Service range (kube-apiserver --service-cluster-ip-range) and the `kubernetes` Service IP. */
export const serviceRange = '10.96.0.0/16'
export const kubernetesServiceIp = '10.96.0.1'
export const dnsServiceIp = '10.96.0.10'
/** Every lab's pod ranges are /24s inside this one, which is blackholed as a whole. */
export const podSupernet = '10.244.0.0/16'
export const cnpgNamespace = 'cnpg-system'

export interface RealNodeConfig {
  dir: string
  bridge: string
  podCidr: string
  gateway: string
  ports: { kubelet: number; kubeletHealthz: number; proxyMetrics: number; proxyHealthz: number; dnsHealth: number; dnsReady: number; apiForward: number }
  kubeletRoot: string
  containerdRoot: string
  containerdState: string
  containerdSocket: string
  cniConfDir: string
  cniDataDir: string
  csiRoot: string
  csiSocket: string
  cgroupRoot: string
  marker: string
  hostRecord: string
}

/** Names, ranges and ports of the real node, derived from DBAAS_LAB_PORT_OFFSET (a multiple of 1000). */
export function realNodeConfig(p: LabPaths, offset = portOffset): RealNodeConfig {
  const k = Math.floor(offset / 1000) % 250
  const dir = join(p.stateDir, 'node')
  return {
    dir,
    bridge: `dbaaslab${k}`,
    podCidr: `10.244.${k}.0/24`,
    gateway: `10.244.${k}.1`,
    // Bases chosen away from the lab's own (…250, …257, …306, …379, …432, …443 modulo 1000), so no lab with
    // another offset holds them.
    ports: {
      kubelet: 10650 + offset,
      kubeletHealthz: 10648 + offset,
      proxyMetrics: 10649 + offset,
      proxyHealthz: 10656 + offset,
      dnsHealth: 10680 + offset,
      dnsReady: 10681 + offset,
      // On the bridge address only: the `kubernetes` Service's endpoint.
      apiForward: 443,
    },
    // Short paths: unix socket paths are limited to 108 bytes.
    kubeletRoot: join(dir, 'kubelet'),
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniDataDir: join(dir, 'cni', 'ipam'),
    csiRoot: join(dir, 'csi-data'),
    csiSocket: join(dir, 'csi', 'csi.sock'),
    cgroupRoot: `/dbaas-lab-${k}`,
    marker: join(p.stateDir, 'real-node.json'),
    hostRecord: join(p.stateDir, 'real-node-host.json'),
  }
}

export interface RealNodeOptions {
  /** Run the real CloudNativePG operator as a pod on the node, watching these namespaces. */
  cnpg?: { watchNamespaces: string[] }
}

export function readRealNodeMarker(p: LabPaths): RealNodeOptions | undefined {
  try {
    return JSON.parse(readFileSync(realNodeConfig(p).marker, 'utf8')) as RealNodeOptions
  } catch {
    return undefined
  }
}

export function writeRealNodeMarker(p: LabPaths, opts: RealNodeOptions): void {
  writeFileSync(realNodeConfig(p).marker, JSON.stringify(opts) + '\n')
}

/**
 * One real node per machine (the kubelet and kube-proxy use fixed host paths and chains, and every lab has the
 * same Service range): the lab that has it is named in this file while its host record exists.
 */
export const realNodeClaimFile = '/run/dbaas-lab-real-node'

/** The state directory of another lab whose real node is up on this machine, if any. */
export function realNodeOwnedElsewhere(p: LabPaths): string | undefined {
  let owner = ''
  try {
    owner = readFileSync(realNodeClaimFile, 'utf8').trim()
  } catch {
    return undefined
  }
  if (!owner || owner === p.stateDir) return undefined
  return existsSync(join(owner, 'real-node-host.json')) ? owner : undefined
}

export function claimRealNode(p: LabPaths): void {
  const other = realNodeOwnedElsewhere(p)
  if (other) throw new Error(`one real node per machine: the lab in ${other} has it (take it down there, or run without --real-node)`)
  writeFileSync(realNodeClaimFile, p.stateDir + '\n')
}

export function releaseRealNode(p: LabPaths): void {
  try {
    if (readFileSync(realNodeClaimFile, 'utf8').trim() === p.stateDir) rmSync(realNodeClaimFile, { force: true })
  } catch {
    // not claimed
  }
}

/** Why the real node cannot run here, or undefined when it can. */
export function realNodeUnsupported(p?: LabPaths): string | undefined {
  if (p) {
    const other = realNodeOwnedElsewhere(p)
    if (other) return `one real node per machine: the lab in ${other} has it`
  }
  if (process.platform !== 'linux') return 'the real node needs Linux'
  if (process.getuid?.() !== 0) return 'the real node needs root (kubelet, containerd, mounts, a bridge)'
  for (const tool of ['/usr/sbin/runc', '/usr/lib/cni/bridge', '/usr/lib/cni/host-local', '/usr/lib/cni/loopback']) {
    if (!existsSync(tool)) return `${tool} is missing (bash test/lab/install-deps.sh installs runc and containernetworking-plugins)`
  }
  for (const tool of ['iptables', 'ip', 'socat', 'mmdebstrap', 'losetup', 'mkfs.xfs', 'xfs_growfs']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is missing (bash test/lab/install-deps.sh)`
  }
  if (!existsSync('/dev/loop-control')) return 'the real node\'s volumes need loop devices (/dev/loop-control is missing)'
  return undefined
}

/**
 * The file system of the real driver's volumes (labcsi --volume-fs): each volume a file system of its own on a
 * loop device, so a pod sees its size and an expansion grows it online. XFS, not ext4: ext4's online resize
 * needs CAP_SYS_RESOURCE, which root lacks on this machine kind; xfs_growfs needs CAP_SYS_ADMIN only.
 */
export const realVolumeFs = 'xfs'

// ---- configuration files ----

export function containerdConfig(c: RealNodeConfig): string {
  return `version = 3
root = "${c.containerdRoot}"
state = "${c.containerdState}"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs", "io.containerd.nri.v1.nri"]

[grpc]
  address = "${c.containerdSocket}"

[ttrpc]
  address = "${c.containerdSocket}.ttrpc"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  # Images are imported, never pulled: a missing one fails as on a cluster without access to it.
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "registry.k8s.io/pause:3.10"
  # Every registry resolves to a closed port on loopback: a pull fails at once, and nothing leaves the machine.
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "${registryConfigDir(c)}"

[plugins."io.containerd.cri.v1.runtime"]
  # Root on this VM kind lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj below the parent's.
  restrict_oom_score_adj = true
  enable_cdi = false
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "${c.cniConfDir}"
    max_conf_num = 1

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`
}

export const registryConfigDir = (c: RealNodeConfig) => join(c.dir, 'containerd', 'certs.d')
export const registryHostsToml = 'server = "http://127.0.0.1:1"\n'

/** One bridge of the lab's own; pods get routes to their /24 and the Service range only (no default route). */
export function cniConfig(c: RealNodeConfig): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'dbaas-lab',
      plugins: [
        {
          type: 'bridge',
          bridge: c.bridge,
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            ranges: [[{ subnet: c.podCidr, gateway: c.gateway }]],
            routes: [{ dst: serviceRange }],
            dataDir: c.cniDataDir,
          },
        },
      ],
    },
    null,
    2,
  )
}

export function kubeletConfig(c: RealNodeConfig, pki: { caCert: string; servingCert: string; servingKey: string }): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: '127.0.0.1',
    port: c.ports.kubelet,
    healthzBindAddress: '127.0.0.1',
    healthzPort: c.ports.kubeletHealthz,
    readOnlyPort: 0,
    tlsCertFile: pki.servingCert,
    tlsPrivateKeyFile: pki.servingKey,
    // The lab's API server calls kubelets without a client certificate.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false }, x509: { clientCAFile: pki.caCert } },
    authorization: { mode: 'AlwaysAllow' },
    cgroupDriver: 'cgroupfs',
    cgroupRoot: c.cgroupRoot,
    failCgroupV1: false,
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${c.containerdSocket}`,
    registerWithTaints: [{ key: realNodeLabel.key, value: realNodeLabel.value, effect: 'NoSchedule' }],
    podLogsDir: join(c.dir, 'pod-logs'),
    clusterDomain: 'cluster.local',
    clusterDNS: [c.gateway],
    resolvConf: join(c.dir, 'resolv.conf'),
    // Imported images cannot be pulled again: never collect them.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '50Mi', 'nodefs.available': '1%', 'nodefs.inodesFree': '1%', 'imagefs.available': '1%' },
    serializeImagePulls: false,
    maxPods: 110,
    syncFrequency: '10s',
    fileCheckFrequency: '10s',
    nodeStatusUpdateFrequency: '10s',
    volumeStatsAggPeriod: '0s',
  })
}

export function kubeProxyConfig(c: RealNodeConfig, kubeconfig: string): string {
  return stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    bindAddress: '127.0.0.1',
    hostnameOverride: realNodeName,
    clusterCIDR: c.podCidr,
    clientConnection: { kubeconfig },
    metricsBindAddress: `127.0.0.1:${c.ports.proxyMetrics}`,
    healthzBindAddress: `127.0.0.1:${c.ports.proxyHealthz}`,
    nodePortAddresses: [`${c.gateway}/32`],
    // Leave the host's conntrack sysctls alone.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    iptables: { localhostNodePorts: false, masqueradeAll: false, syncPeriod: '10s', minSyncPeriod: '1s' },
  })
}

/** CoreDNS answering cluster.local (and reverse zones) only, on the bridge address. */
export function corefile(c: RealNodeConfig, kubeconfig: string, context: string): string {
  return `cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind ${c.gateway}
    errors
    health 127.0.0.1:${c.ports.dnsHealth}
    ready 127.0.0.1:${c.ports.dnsReady}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig} ${context}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
}
`
}

// ---- the host: what is recorded before the node starts and put back by `down` ----

const sysctls = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops', 'net/ipv4/ip_forward', 'net/ipv4/conf/all/route_localnet',
  'net/bridge/bridge-nf-call-iptables', 'net/bridge/bridge-nf-call-ip6tables', 'net/netfilter/nf_conntrack_max', 'net/ipv4/conf/all/forwarding']
/** The kubelet sets these at start: put back as soon as the node is Ready. */
export const kubeletSysctls = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops']
/** Directories the kubelet, containerd and CNI create at fixed paths whatever their configured roots. */
const fixedDirs = ['/var/lib/kubelet', '/var/lib/kubelet/device-plugins', '/var/log/containers', '/var/log/pods', '/var/lib/cni', '/run/netns',
  '/var/run/netns', '/etc/cni', '/opt/cni', '/var/lib/containerd', '/run/containerd', '/var/lib/dockershim', '/etc/kubernetes']
const iptablesTables = ['filter', 'nat', 'mangle', 'raw']

export interface HostRecord {
  /** nftables tables (family and name) before the node: iptables-nft makes `filter`, `nat`, `mangle` on first use. */
  nftTables?: string[]
  sysctls: Record<string, string>
  dirs: Record<string, boolean>
  chains: Record<string, string[]>
  netns: string[]
}

function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name}`, 'utf8').trim()
  } catch {
    return undefined
  }
}

function writeSysctl(name: string, value: string): void {
  try {
    writeFileSync(`/proc/sys/${name}`, value)
  } catch {
    // not present on this kernel
  }
}

function sh(bin: string, args: string[], opts: { allowFail?: boolean; input?: string } = {}): string {
  const r = spawnSync(bin, args, { encoding: 'utf8', input: opts.input })
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${bin} ${args.join(' ')} failed: ${(r.stderr || r.stdout || String(r.error ?? '')).trim()}`)
  return r.stdout ?? ''
}

function chainsOf(cmd: 'iptables' | 'ip6tables', table: string): string[] {
  const out = sh(cmd, ['-w', '-t', table, '-S'], { allowFail: true })
  return out.split('\n').filter((l) => l.startsWith('-N ')).map((l) => l.slice(3).trim())
}

function netnsNames(): string[] {
  for (const d of ['/run/netns', '/var/run/netns']) {
    try {
      return readdirSync(d)
    } catch {
      // none
    }
  }
  return []
}

function nftTables(): string[] | undefined {
  const r = spawnSync('nft', ['list', 'tables'], { encoding: 'utf8' })
  if (r.status !== 0) return undefined
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('table ')).map((l) => l.slice(6))
}

/** Removes nftables tables that were not there before and hold no rule (what iptables-nft left behind). */
function removeNewNftTables(rec: HostRecord): string[] {
  if (!rec.nftTables) return []
  const before = new Set(rec.nftTables)
  const removed: string[] = []
  for (const t of nftTables() ?? []) {
    if (before.has(t)) continue
    const [family, name] = t.split(' ')
    const listing = spawnSync('nft', ['list', 'table', family!, name!], { encoding: 'utf8' }).stdout ?? ''
    // Only base chains with policies, no rules: safe to drop.
    const rules = listing.split('\n').map((l) => l.trim()).filter((l) => l && !/^(table|chain|type|policy|\}|\{)/.test(l) && !l.startsWith('type '))
    if (rules.length > 0) continue
    if (spawnSync('nft', ['delete', 'table', family!, name!]).status === 0) removed.push(t)
  }
  return removed
}

/** Records the host's state before the node first starts (kept across `up`s until `down`). */
export function recordHost(c: RealNodeConfig): HostRecord {
  if (existsSync(c.hostRecord)) return JSON.parse(readFileSync(c.hostRecord, 'utf8')) as HostRecord
  const rec: HostRecord = { nftTables: nftTables(), sysctls: {}, dirs: {}, chains: {}, netns: netnsNames() }
  for (const s of sysctls) {
    const v = readSysctl(s)
    if (v !== undefined) rec.sysctls[s] = v
  }
  for (const d of fixedDirs) rec.dirs[d] = existsSync(d)
  for (const cmd of ['iptables', 'ip6tables'] as const) for (const t of iptablesTables) rec.chains[`${cmd}/${t}`] = chainsOf(cmd, t)
  writeFileSync(c.hostRecord, JSON.stringify(rec, null, 2) + '\n')
  return rec
}

export function restoreSysctls(rec: HostRecord, names: string[] = Object.keys(rec.sysctls)): string[] {
  const changed: string[] = []
  for (const n of names) {
    const want = rec.sysctls[n]
    if (want === undefined) continue
    if (readSysctl(n) !== want) {
      writeSysctl(n, want)
      changed.push(`${n.replaceAll('/', '.')}=${want}`)
    }
  }
  return changed
}

const guardChain = 'DBAAS-LAB-GUARD'
const blackholeMetric = 4000

/**
 * The lab's network before anything runs: blackhole routes for the pod and Service ranges (no packet to them
 * can leave the machine, whatever else fails), the bridge with its gateway address (CoreDNS and the API
 * forwarder bind to it), and a FORWARD guard dropping bridge traffic not addressed to the pod range.
 */
export function setupNetwork(c: RealNodeConfig): void {
  for (const range of [podSupernet, serviceRange]) {
    if (!sh('ip', ['route', 'show', 'type', 'blackhole', range], { allowFail: true }).trim()) {
      sh('ip', ['route', 'add', 'blackhole', range, 'metric', String(blackholeMetric)])
    }
  }
  if (spawnSync('ip', ['link', 'show', c.bridge]).status !== 0) sh('ip', ['link', 'add', 'name', c.bridge, 'type', 'bridge'])
  const prefix = c.podCidr.split('/')[1]
  if (!sh('ip', ['-o', 'addr', 'show', 'dev', c.bridge]).includes(`${c.gateway}/`)) sh('ip', ['addr', 'add', `${c.gateway}/${prefix}`, 'dev', c.bridge])
  sh('ip', ['link', 'set', c.bridge, 'up'])
  // The host reaches ClusterIPs too (the API server calls webhooks behind Services): the Service range goes
  // onto the bridge, where kube-proxy's rules turn it into pod addresses. It vanishes with the bridge; the
  // blackhole (a higher metric) stays underneath.
  if (!sh('ip', ['route', 'show', serviceRange, 'dev', c.bridge], { allowFail: true }).trim()) {
    sh('ip', ['route', 'add', serviceRange, 'dev', c.bridge, 'src', c.gateway, 'metric', '100'])
  }
  if (spawnSync('iptables', ['-w', '-L', guardChain, '-n']).status !== 0) {
    sh('iptables', ['-w', '-N', guardChain])
    sh('iptables', ['-w', '-A', guardChain, '-i', c.bridge, '!', '-d', c.podCidr, '-j', 'DROP'])
  }
  if (spawnSync('iptables', ['-w', '-C', 'FORWARD', '-j', guardChain]).status !== 0) sh('iptables', ['-w', '-I', 'FORWARD', '1', '-j', guardChain])
}

/**
 * The kubelet's cgroup root (cgroupRoot) must exist in every hierarchy before it starts; cpuset needs its CPUs
 * and memory nodes filled in before anything can join it (cgroup v1).
 */
export function createCgroupRoot(c: RealNodeConfig): void {
  const rel = c.cgroupRoot.replace(/^\//, '')
  let controllers: string[] = []
  try {
    controllers = readdirSync('/sys/fs/cgroup')
  } catch {
    return
  }
  const unified = existsSync('/sys/fs/cgroup/cgroup.controllers')
  for (const ctl of unified ? [''] : controllers) {
    const base = join('/sys/fs/cgroup', ctl)
    if (!unified && !existsSync(join(base, 'cgroup.procs'))) continue
    const dir = join(base, rel)
    try {
      mkdirSync(dir, { recursive: true })
    } catch {
      continue // a hierarchy that takes no new groups
    }
    if (ctl === 'cpuset') {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        try {
          if (readFileSync(join(dir, f), 'utf8').trim() === '') writeFileSync(join(dir, f), readFileSync(join(base, f), 'utf8').trim())
        } catch {
          // not a v1 cpuset
        }
      }
    }
  }
}

/** Every mount point at or under `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const found: string[] = []
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ')
    const mp = (f[4] ?? '').replace(/\\040/g, ' ')
    if (mp === dir || mp.startsWith(dir + '/')) found.push(mp)
  }
  return found.sort((a, b) => b.length - a.length)
}

/** Loop devices whose backing file is under `dir`. */
export function loopDevicesUnder(dir: string): string[] {
  const r = spawnSync('losetup', ['--noheadings', '--list', '--output', 'NAME,BACK-FILE'], { encoding: 'utf8' })
  if (r.status !== 0) return []
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter(([dev, file]) => dev && file && (file === dir || file.startsWith(dir + '/'))).map(([dev]) => dev!)
}

/** Pids still in the node's cgroups (containers whose runtime is gone): killed, so the groups can go. */
function killCgroupProcs(c: RealNodeConfig): number {
  const rel = c.cgroupRoot.replace(/^\//, '')
  const pids = new Set<number>()
  const walk = (dir: string) => {
    try {
      for (const l of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (/^\d+$/.test(l.trim())) pids.add(Number(l.trim()))
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name))
    } catch {
      // gone
    }
  }
  for (const ctl of ['pids', 'memory', 'cpu', '']) walk(join('/sys/fs/cgroup', ctl, rel))
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
  return pids.size
}

function removeCgroups(c: RealNodeConfig): number {
  let removed = 0
  const rmTree = (dir: string) => {
    let entries: string[] = []
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)
    } catch {
      return
    }
    for (const e of entries) rmTree(join(dir, e))
    try {
      rmdirSync(dir)
      removed++
    } catch {
      // still in use, or already gone
    }
  }
  let controllers: string[] = []
  try {
    controllers = readdirSync('/sys/fs/cgroup')
  } catch {
    return 0
  }
  for (const ctl of controllers) rmTree(join('/sys/fs/cgroup', ctl, c.cgroupRoot.replace(/^\//, '')))
  // cgroup v2 (unified hierarchy at the root)
  rmTree(join('/sys/fs/cgroup', c.cgroupRoot.replace(/^\//, '')))
  return removed
}

/** Removes KUBE-* chains (and the rules that jump to them) that were not there before the node started. */
function removeNewChains(rec: HostRecord): string[] {
  const removed: string[] = []
  for (const cmd of ['iptables', 'ip6tables'] as const) {
    for (const t of iptablesTables) {
      const before = new Set(rec.chains[`${cmd}/${t}`] ?? [])
      const added = chainsOf(cmd, t).filter((ch) => !before.has(ch) && (ch.startsWith('KUBE-') || ch === guardChain))
      if (added.length === 0) continue
      const rules = sh(cmd, ['-w', '-t', t, '-S'], { allowFail: true }).split('\n')
      for (const rule of rules) {
        if (!rule.startsWith('-A ')) continue
        const chain = rule.split(' ')[1]!
        if (added.includes(chain)) continue // flushed below
        if (added.some((a) => rule.includes(` -j ${a}`) || rule.includes(` -g ${a}`))) {
          const args = rule.replace(/^-A /, '-D ').match(/(?:[^\s"]+|"[^"]*")+/g)!.map((a) => a.replace(/^"|"$/g, ''))
          sh(cmd, ['-w', '-t', t, ...args], { allowFail: true })
        }
      }
      for (const ch of added) sh(cmd, ['-w', '-t', t, '-F', ch], { allowFail: true })
      for (const ch of added) {
        sh(cmd, ['-w', '-t', t, '-X', ch], { allowFail: true })
        removed.push(`${cmd}/${t}/${ch}`)
      }
    }
  }
  return removed
}

/** Puts the host back as recorded: mounts, netns, bridge, routes, chains, cgroups, sysctls, fixed dirs. */
export function restoreHost(c: RealNodeConfig, out: (l: string) => void): void {
  let rec: HostRecord | undefined
  try {
    rec = JSON.parse(readFileSync(c.hostRecord, 'utf8')) as HostRecord
  } catch {
    rec = undefined
  }
  const done: string[] = []
  const killed = killCgroupProcs(c)
  if (killed) {
    done.push(`${killed} leftover processes killed`)
    spawnSync('sleep', ['0.5'])
  }
  // Mounts under the node's directory (volumes, overlay snapshots, shm, sandbox files), deepest first.
  const mounts = mountsUnder(c.dir)
  for (const m of mounts) {
    if (spawnSync('umount', [m]).status !== 0) spawnSync('umount', ['-l', m])
  }
  if (mounts.length) done.push(`${mounts.length} mounts`)
  // Loop devices of the driver's sized volumes: each detaches itself with its last mount (autoclear); one a
  // lazy unmount or a failed mount left is detached here.
  const loops = loopDevicesUnder(c.dir)
  for (const dev of loops) spawnSync('losetup', ['--detach', dev])
  if (loops.length) done.push(`${loops.length} loop devices`)
  // Network namespaces made by this node's containerd.
  const before = new Set(rec?.netns ?? [])
  const ns = netnsNames().filter((n) => !before.has(n) && n.startsWith('cni-'))
  for (const n of ns) {
    for (const d of ['/run/netns', '/var/run/netns']) {
      const f = join(d, n)
      if (!existsSync(f)) continue
      spawnSync('umount', [f])
      rmSync(f, { force: true })
    }
  }
  if (ns.length) done.push(`${ns.length} netns`)
  if (spawnSync('ip', ['link', 'show', c.bridge]).status === 0) {
    spawnSync('ip', ['link', 'delete', c.bridge])
    done.push(`bridge ${c.bridge}`)
  }
  // The guard, then every chain the kubelet and kube-proxy left.
  while (spawnSync('iptables', ['-w', '-D', 'FORWARD', '-j', guardChain]).status === 0) {
    // remove every copy
  }
  spawnSync('iptables', ['-w', '-F', guardChain])
  spawnSync('iptables', ['-w', '-X', guardChain])
  if (rec) {
    const chains = removeNewChains(rec)
    if (chains.length) done.push(`${chains.length} iptables chains`)
  }
  if (rec) {
    const tables = removeNewNftTables(rec)
    if (tables.length) done.push(`nft tables ${tables.join(', ')}`)
  }
  const cg = removeCgroups(c)
  if (cg) done.push(`${cg} cgroups`)
  for (const range of [podSupernet, serviceRange]) {
    if (sh('ip', ['route', 'show', 'type', 'blackhole', range], { allowFail: true }).trim()) {
      spawnSync('ip', ['route', 'del', 'blackhole', range, 'metric', String(blackholeMetric)])
      done.push(`blackhole ${range}`)
    }
  }
  if (rec) {
    const sys = restoreSysctls(rec)
    if (sys.length) done.push(`sysctls ${sys.join(' ')}`)
    for (const [d, existed] of Object.entries(rec.dirs).sort((a, b) => b[0].length - a[0].length)) {
      if (!existed && existsSync(d)) {
        // Never remove what holds a mount (something else's).
        if (mountsUnder(d).length > 0) continue
        rmSync(d, { recursive: true, force: true })
        done.push(d)
      }
    }
  }
  rmSync(c.hostRecord, { force: true })
  out(`${'real node'.padEnd(24)}host restored${done.length ? `: ${done.join(', ')}` : ' (nothing to undo)'}`)
}

/** Writes a file only when its content changed. */
export function writeIfChanged(file: string, content: string): void {
  try {
    if (readFileSync(file, 'utf8') === content) return
  } catch {
    // new
  }
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, content)
}

export { execFileSync }
