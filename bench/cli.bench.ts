// Start-up, list latency, API requests and memory of the CLI, each measured against a baseline in the same
// run (the machines are shared and noisy: read the ratios). Needs the lab (or KUBECONFIG) and a built CLI.
//
//   node bench/cli.bench.ts [--runs 15] [--scale 500] [--keep]
//
// Goals (issue 4): --version ≤ 1.5× `node -e 0`; list ≤ 1.5× kubectl in each pairing; 2 API requests at any
// size, plus one per HA kind the listed namespaces hold clusters of (issue 14); peak RSS ≤ 120 MB.
import { execFileSync, spawnSync } from 'node:child_process'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, scale: { type: 'string', default: '500' }, keep: { type: 'boolean', default: false } } })
const runs = Number(values.runs)
const scale = Number(values.scale)
const cli = new URL('../bin/dbaas.js', import.meta.url).pathname
const node = process.execPath

interface Sample {
  seconds: number
  rssMb: number
}

/** One run of a command under GNU time: wall seconds and peak RSS. */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`)
  const last = r.stderr.trim().split('\n').pop() ?? ''
  const [s, kb] = last.split(' ').map(Number)
  return { seconds: s ?? NaN, rssMb: (kb ?? 0) / 1024 }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

/** Interleaves the two commands run by run, so drift in machine load hits both alike. */
function pair(label: string, a: [string, string[]], b: [string, string[]], baseline: string, goal: number): void {
  const as: Sample[] = []
  const bs: Sample[] = []
  measure(...a)
  measure(...b)
  for (let i = 0; i < runs; i++) {
    as.push(measure(...a))
    bs.push(measure(...b))
  }
  const ma = median(as.map((s) => s.seconds))
  const mb = median(bs.map((s) => s.seconds))
  const rss = Math.max(...as.map((s) => s.rssMb))
  const ratio = ma / mb
  console.log(
    `${label.padEnd(44)} ${ma.toFixed(3)} s vs ${baseline} ${mb.toFixed(3)} s = ${ratio.toFixed(2)}x (goal ≤ ${goal}x) ${ratio <= goal ? 'OK' : 'OVER'}; peak RSS ${rss.toFixed(0)} MB (goal ≤ 120) ${rss <= 120 ? 'OK' : 'OVER'}`,
  )
}

function requests(args: string[]): number {
  const r = spawnSync(node, [cli, ...args], { env: { ...process.env, DBAAS_TRACE: '1' }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  return r.stderr.split('\n').filter((l) => l.startsWith('[api] ')).length
}

function kubectl(args: string[], input?: string): string {
  return execFileSync('kubectl', args, { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 })
}

// 1. Start-up.
pair('dbaas --version', [node, [cli, '--version']], [node, ['-e', '0']], 'node -e 0', 1.5)

// 2. One instance, one namespace.
const ns1 = `bench-one-${process.pid}`
const name1 = `bench1-${process.pid}`.slice(0, 40)
execFileSync(node, [cli, 'create', 'pg', name1, '-n', ns1, '--storage', '1Gi'], { stdio: 'inherit', env: { ...process.env, CI: 'true' } })
console.log(`API requests of dbaas list (1 instance): ${requests(['list', '-n', ns1, '-o', 'json'])} (goal 2)`)

// 2b. Beside it, one HA cluster of each engine (the CRDs must be served; no operator is needed to write them).
const haNs = `bench-ha-${process.pid}`
const haNames = [['postgres', 'bhpg'], ['mysql', 'bhmy'], ['mariadb', 'bhma']].map(([engine, n]) => [engine as string, `${n}${process.pid}`.slice(0, 20)])
for (const [engine, n] of haNames) execFileSync(node, [cli, 'ha', 'create', engine as string, n as string, '-n', haNs, '--storage', '1Gi', '--no-wait', '--skip-operator-check'], { stdio: 'ignore', env: { ...process.env, CI: 'true' } })
console.log(`API requests of dbaas list -A with one HA cluster of each engine: ${requests(['list', '-o', 'json'])} (goal 2 + 3 HA kinds = 5)`)
if (!values.keep) {
  for (const [, n] of haNames) spawnSync(node, [cli, 'ha', 'delete', n as string, '-n', haNs, '--yes', '--no-wait'], { stdio: 'ignore' })
  kubectl(['delete', 'namespace', haNs, '--wait=false', '--ignore-not-found'])
}
const sel = 'dbaas.io/kind=instance'
pair('dbaas list -n X -o json (1 instance)', [node, [cli, 'list', '-n', ns1, '-o', 'json']], ['kubectl', ['get', 'sts', '-n', ns1, '-l', sel]], 'kubectl get sts -n X -l', 1.5)

// 3. At scale: synthetic instances as dbaas writes them (StatefulSet + credentials Secret), one per namespace.
const prefix = `bench-${process.pid}`
const docs: object[] = []
for (let i = 0; i < scale; i++) {
  const name = `b${i}`
  const ns = `${prefix}-${i}`
  const labels = { 'app.kubernetes.io/managed-by': 'dbaas', 'app.kubernetes.io/instance': name, 'app.kubernetes.io/name': 'postgresql', 'dbaas.io/engine': 'postgresql', 'dbaas.io/engine-version': '18' }
  docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { bench: prefix } } })
  docs.push({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: ns, labels: { ...labels, 'dbaas.io/kind': 'instance' }, annotations: { 'dbaas.io/storage': '1Gi' } },
    spec: {
      replicas: 0,
      serviceName: name,
      selector: { matchLabels: { 'app.kubernetes.io/instance': name } },
      template: { metadata: { labels: { 'app.kubernetes.io/instance': name } }, spec: { containers: [{ name: 'postgresql', image: 'postgres:18' }] } },
    },
  })
  docs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-credentials`, namespace: ns, labels: { ...labels, 'dbaas.io/kind': 'credentials' } }, stringData: { password: 'x' } })
}
const dir = mkdtempSync(join(tmpdir(), 'dbaas-bench-'))
const file = join(dir, 'objects.json')
writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }))
const t0 = Date.now()
kubectl(['apply', '--server-side', '-f', file])
console.log(`(created ${scale} synthetic instances in ${((Date.now() - t0) / 1000).toFixed(1)} s)`)
console.log(`API requests of dbaas list (${scale} instances): ${requests(['list', '-o', 'json'])} (goal 2)`)
pair(`dbaas list -o json (${scale} instances)`, [node, [cli, 'list', '-o', 'json']], ['kubectl', ['get', 'sts', '-A', '-l', sel, '-o', 'json']], 'kubectl get sts -A -l -o json', 1.5)
pair(`dbaas list (table, ${scale} instances)`, [node, [cli, 'list']], ['kubectl', ['get', 'sts', '-A', '-l', sel]], 'kubectl get sts -A -l (table)', 1.5)

if (!values.keep) {
  kubectl(['delete', 'namespace', '-l', `bench=${prefix}`, '--wait=false'])
  spawnSync(node, [cli, 'delete', name1, '-n', ns1, '--yes', '--delete-data', '--no-wait'], { stdio: 'ignore' })
  kubectl(['delete', 'namespace', ns1, '--wait=false', '--ignore-not-found'])
}
