// Where the lab keeps its binaries (the build cache, keyed by the version set) and its state (pids, PKI,
// kubeconfig, etcd data, logs, database data). Everything here is computed, nothing is created.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const labSourceDir = dirname(dirname(fileURLToPath(import.meta.url)))
export const buildScript = join(labSourceDir, 'build.sh')

export interface LabPorts {
  postgres: number
  mariadb: number
  etcdClient: number
  etcdPeer: number
  apiserver: number
  controllerManager: number
  scheduler: number
  kwok: number
}

/**
 * Ports the lab listens on; `down` checks that none is still held. DBAAS_LAB_PORT_OFFSET (default 0) shifts
 * them all, so a second lab (with its own DBAAS_LAB_DIR) can run beside the first one.
 */
export function portsFor(offset: number): LabPorts {
  return {
    postgres: 15432 + offset,
    mariadb: 13306 + offset,
    etcdClient: 2379 + offset,
    etcdPeer: 2380 + offset,
    apiserver: 6443 + offset,
    controllerManager: 10257 + offset,
    scheduler: 10259 + offset,
    kwok: 10250 + offset,
  }
}

export const portOffset = Number(process.env.DBAAS_LAB_PORT_OFFSET ?? 0) || 0
export const ports: LabPorts = portsFor(portOffset)

export const driverName = 'csi.lab.local'
export const storageClassName = 'lab-csi'
export const snapshotClassName = 'lab-snapclass'
export const contextName = 'dbaas-lab'
export const nodeNames = ['lab-node-1', 'lab-node-2', 'lab-node-3'] as const

export interface LabPaths {
  stateDir: string
  binDir: string
  crdDir: string
  pkiDir: string
  kubeconfig: string
  logDir: string
  pidDir: string
  etcdDataDir: string
  kwokConfig: string
  kwokLogFile: string
  csiSocket: string
  /** Symlinks kubectl, helm (3 or 4), helm3, helm4: put it first on PATH. */
  pathDir: string
  /** Database data, sockets and passwords. Outside /root when running as root: the database users must reach it. */
  dbDir: string
  kubectlCacheDir: string
}

let cachedBuildDir: string | undefined

/** The build cache directory for the current version set (`build.sh --dir`; builds nothing). */
export function buildDir(): string {
  if (process.env.DBAAS_LAB_BIN_DIR) return dirname(process.env.DBAAS_LAB_BIN_DIR)
  if (cachedBuildDir) return cachedBuildDir
  const r = spawnSync('bash', [buildScript, '--dir'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${buildScript} --dir failed: ${r.stderr}`)
  cachedBuildDir = r.stdout.trim().split('\n').at(-1) ?? ''
  return cachedBuildDir
}

export function stateDir(): string {
  return process.env.DBAAS_LAB_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'dbaas-lab', 'state')
}

export function labPaths(state = stateDir()): LabPaths {
  const build = buildDir()
  const isRoot = process.getuid?.() === 0
  const key = createHash('sha256').update(state).digest('hex').slice(0, 10)
  return {
    stateDir: state,
    binDir: join(build, 'bin'),
    crdDir: join(build, 'crds'),
    pkiDir: join(state, 'pki'),
    kubeconfig: join(state, 'kubeconfig'),
    logDir: join(state, 'logs'),
    pidDir: join(state, 'pids'),
    etcdDataDir: join(state, 'etcd'),
    kwokConfig: join(state, 'kwok', 'kwok.yaml'),
    kwokLogFile: join(state, 'kwok', 'container.log'),
    csiSocket: join(state, 'csi', 'csi.sock'),
    pathDir: join(state, 'path'),
    dbDir: isRoot ? join('/var/tmp', `dbaas-lab-db-${key}`) : join(state, 'db'),
    kubectlCacheDir: join(state, 'kube-cache'),
  }
}
