// Start-up, list latency, HA status latency, API requests and memory of the CLI, each measured against a
// baseline in the same run (the machines are shared and noisy: read the ratios). Needs the lab (or KUBECONFIG)
// and a built CLI.
//
//   node bench/cli.bench.ts [--runs 15] [--scale 500] [--keep] [--only help,list1,list500,ha,halist]
//
// The four ratios issue 10 sets goals for:
//   1. dbaas --help                          vs node -e 0                               ≤ 1.2×
//   2. dbaas list -n X -o json (1 instance)  vs kubectl get sts -n X -l … -o json       ≤ 1.5×
//   3. dbaas list (table, 500 instances)     vs kubectl get sts -A -l … (table)         ≤ 1.0×
//   4. dbaas ha status                       vs kubectl cnpg status (v1.30.0, built     ≤ 1.5×
//                                               from its Go module as the lab builds)
// plus the API requests a list makes (2 at any size, plus one per HA kind the listed namespaces hold clusters
// of: issue 14) and peak RSS (≤ 120 MB).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    scale: { type: 'string', default: '500' },
    keep: { type: 'boolean', default: false },
    only: { type: 'string', default: 'help,list1,list500,ha,halist' },
  },
})
const runs = Number(values.runs)
const scale = Number(values.scale)
const only = new Set(values.only.split(','))
const root = new URL('..', import.meta.url).pathname
const cli = join(root, 'bin/dbaas.js')
const node = process.execPath

interface Sample {
  seconds: number
  rssMb: number
}

/** One run of a command under GNU time: wall seconds and peak RSS. */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, okCodes = [0]): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  if (!okCodes.includes(r.status ?? -1)) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  const last = r.stderr.trim().split('\n').pop() ?? ''
  const [s, kb] = last.split(' ').map(Number)
  return { seconds: s ?? NaN, rssMb: (kb ?? 0) / 1024 }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

interface Cmd {
  cmd: string
  args: string[]
  okCodes?: number[]
}

/** Interleaves the two commands run by run, so drift in machine load hits both alike. */
function pair(label: string, a: Cmd, b: Cmd, baseline: string, goal: number): void {
  const as: Sample[] = []
  const bs: Sample[] = []
  const once = (c: Cmd) => measure(c.cmd, c.args, process.env, c.okCodes)
  once(a)
  once(b)
  for (let i = 0; i < runs; i++) {
    as.push(once(a))
    bs.push(once(b))
  }
  const ma = median(as.map((s) => s.seconds))
  const mb = median(bs.map((s) => s.seconds))
  const rss = Math.max(...as.map((s) => s.rssMb))
  const ratio = ma / mb
  console.log(
    `${label.padEnd(44)} ${ma.toFixed(3)} s vs ${baseline} ${mb.toFixed(3)} s = ${ratio.toFixed(2)}x (goal ≤ ${goal}x) ${ratio <= goal ? 'OK' : 'OVER'}; peak RSS ${rss.toFixed(0)} MB (goal ≤ 120) ${rss <= 120 ? 'OK' : 'OVER'}`,
  )
}

/** How many API requests a dbaas command sends (its -v 6 trace, one line per request). */
function requests(args: string[]): number {
  const r = spawnSync(node, [cli, ...args, '-v', '6'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  return r.stderr.split('\n').filter((l) => /^(GET|POST|PUT|PATCH|DELETE) https?:\/\/\S+ \d{3}\b/.test(l)).length
}

function kubectl(args: string[], input?: string): string {
  return execFileSync('kubectl', args, { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 })
}

const dbaas = (...args: string[]): Cmd => ({ cmd: node, args: [cli, ...args] })
const cleanups: Array<() => void> = []

// 1. Start-up: the root help loads the command manifest, not the commands.
if (only.has('help')) {
  pair('dbaas --help', dbaas('--help'), { cmd: node, args: ['-e', '0'] }, 'node -e 0', 1.2)
  pair('dbaas --version', dbaas('--version'), { cmd: node, args: ['-e', '0'] }, 'node -e 0', 1.5)
}

const sel = 'dbaas.io/kind=instance'

// 2. One instance, one namespace.
if (only.has('list1')) {
  const ns1 = `bench-one-${process.pid}`
  const name1 = `bench1-${process.pid}`.slice(0, 40)
  execFileSync(node, [cli, 'create', 'pg', name1, '-n', ns1, '--storage', '1Gi'], { stdio: 'inherit', env: { ...process.env, CI: 'true' } })
  cleanups.push(() => {
    spawnSync(node, [cli, 'delete', name1, '-n', ns1, '--yes', '--delete-data', '--no-wait'], { stdio: 'ignore' })
    kubectl(['delete', 'namespace', ns1, '--wait=false', '--ignore-not-found'])
  })
  console.log(`API requests of dbaas list -n X (1 instance): ${requests(['list', '-n', ns1, '-o', 'json'])} (goal 2)`)
  pair('dbaas list -n X -o json (1 instance)', dbaas('list', '-n', ns1, '-o', 'json'), { cmd: 'kubectl', args: ['get', 'sts', '-n', ns1, '-l', sel, '-o', 'json'] }, 'kubectl get sts -n X -l -o json', 1.5)
}

// 3. At scale: synthetic instances as the charts write them (StatefulSet + credentials Secret), one per namespace.
if (only.has('list500')) {
  const prefix = `bench-${process.pid}`
  const docs: object[] = []
  for (let i = 0; i < scale; i++) {
    const name = `b${i}`
    const ns = `${prefix}-${i}`
    const labels = { 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': 'postgresql', 'dbaas.io/engine': 'postgresql', 'dbaas.io/engine-version': '18' }
    docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { bench: prefix } } })
    docs.push({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, namespace: ns, labels: { ...labels, 'app.kubernetes.io/managed-by': 'Helm', 'dbaas.io/kind': 'instance' }, annotations: { 'dbaas.io/storage': '1Gi' } },
      spec: {
        replicas: 0,
        serviceName: name,
        selector: { matchLabels: { 'app.kubernetes.io/instance': name } },
        template: { metadata: { labels: { 'app.kubernetes.io/instance': name } }, spec: { containers: [{ name: 'postgresql', image: 'postgres:18' }] } },
      },
    })
    docs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-credentials`, namespace: ns, labels: { ...labels, 'app.kubernetes.io/managed-by': 'dbaas', 'dbaas.io/kind': 'credentials' } }, stringData: { password: 'x' } })
  }
  const dir = mkdtempSync(join(tmpdir(), 'dbaas-bench-'))
  const file = join(dir, 'objects.json')
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }))
  const t0 = Date.now()
  kubectl(['apply', '--server-side', '-f', file])
  cleanups.push(() => void kubectl(['delete', 'namespace', '-l', `bench=${prefix}`, '--wait=false']))
  console.log(`(created ${scale} synthetic instances in ${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  console.log(`API requests of dbaas list (${scale} instances): ${requests(['list', '-o', 'json'])} (goal 2: no HA cluster)`)
  pair(`dbaas list -o json (${scale} instances)`, dbaas('list', '-o', 'json'), { cmd: 'kubectl', args: ['get', 'sts', '-A', '-l', sel, '-o', 'json'] }, 'kubectl get sts -A -l -o json', 1.5)
  pair(`dbaas list (table, ${scale} instances)`, dbaas('list'), { cmd: 'kubectl', args: ['get', 'sts', '-A', '-l', sel] }, 'kubectl get sts -A -l (table)', 1.0)
}

/** kubectl-cnpg v1.30.0, built from the lab's CloudNativePG wrapper module into the build cache. */
function cnpgPlugin(): string | undefined {
  const cache = join(process.env.DBAAS_LAB_CACHE ?? join(process.env.HOME ?? '', '.cache/dbaas-lab'), 'bench')
  const bin = join(cache, 'kubectl-cnpg')
  if (existsSync(bin)) return bin
  const mod = join(root, 'test/lab/go/cnpg')
  if (!existsSync(join(mod, 'go.mod'))) return undefined
  mkdirSync(cache, { recursive: true })
  console.log('(building kubectl-cnpg from github.com/cloudnative-pg/cloudnative-pg, once)')
  execFileSync('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', bin, 'github.com/cloudnative-pg/cloudnative-pg/cmd/kubectl-cnpg'], {
    cwd: mod,
    stdio: 'inherit',
    env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod', CGO_ENABLED: '0', GOTOOLCHAIN: 'local' },
  })
  return bin
}

// 4. An HA cluster's status, against CloudNativePG's own plugin on the same Cluster (the operator played by the
// e2e fixture: the plugin reads the same Cluster and pods dbaas reads).
if (only.has('ha')) {
  const plugin = cnpgPlugin()
  if (!plugin) {
    console.log('dbaas ha status: not measured — no CloudNativePG wrapper module under test/lab/go/cnpg to build kubectl-cnpg from')
  } else {
    const { CnpgOperatorFixture } = await import('../test/e2e/fixtures/cnpg-operator.ts')
    const op = await CnpgOperatorFixture.install()
    const name = `bench-ha-${process.pid}`.slice(0, 40)
    const ns = `dbaas-${name}`
    execFileSync(node, [cli, 'ha', 'create', name, '--instances', '3', '--storage', '1Gi', '--no-wait'], { stdio: 'inherit', env: { ...process.env, CI: 'true' } })
    await op.reconcile(ns, name)
    cleanups.push(() => {
      spawnSync(node, [cli, 'ha', 'delete', name, '--yes', '--no-wait'], { stdio: 'ignore' })
      void op.remove()
    })
    console.log(`API requests of dbaas ha status: ${requests(['ha', 'status', name, '-n', ns])}`)
    // The plugin asks each instance's manager for its status through the API server's pod proxy; the fixture's
    // pods have no manager, so it reports them unreachable (exit 0 or 1 depending on the plugin): its requests are
    // made all the same.
    pair('dbaas ha status', dbaas('ha', 'status', name, '-n', ns), { cmd: plugin, args: ['status', name, '-n', ns], okCodes: [0, 1] }, 'kubectl cnpg status', 1.5)
  }
}

// 5. One HA cluster of each engine beside the instances: one more request per HA kind in use (the CRDs must be
// served; no operator is needed to write them).
if (only.has('halist')) {
  const haNs = `bench-ha-all-${process.pid}`
  const haNames = [['postgres', 'bhpg'], ['mysql', 'bhmy'], ['mariadb', 'bhma']].map(([engine, n]) => [engine as string, `${n}${process.pid}`.slice(0, 20)])
  for (const [engine, n] of haNames) execFileSync(node, [cli, 'ha', 'create', engine as string, n as string, '-n', haNs, '--storage', '1Gi', '--no-wait', '--skip-operator-check'], { stdio: 'ignore', env: { ...process.env, CI: 'true' } })
  cleanups.push(() => {
    for (const [, n] of haNames) spawnSync(node, [cli, 'ha', 'delete', n as string, '-n', haNs, '--yes', '--no-wait'], { stdio: 'ignore' })
    kubectl(['delete', 'namespace', haNs, '--wait=false', '--ignore-not-found'])
  })
  console.log(`API requests of dbaas list with one HA cluster of each engine: ${requests(['list', '-o', 'json'])} (goal 2 + 3 HA kinds = 5)`)
}

if (!values.keep) for (const c of cleanups.reverse()) c()
