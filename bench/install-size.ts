// npm run bench:install — how big an install of dbaas is, and what fills it.
//
// Packs the package (npm pack, which builds dist), installs the tarball into an empty prefix with
// `npm install -g --offline` (the bundle carries its dependencies, so nothing is fetched), and prints:
//   - the tarball's size, the installed size and the time the install took;
//   - the installed size by top-level part (dist, templates, bin, LICENSE, README);
//   - dist's largest chunks and the npm packages whose code fills them (from the build's metafile);
//   - for comparison, the size of those packages' own directories in node_modules: what an install that
//     fetched them as dependencies (as dbaas did before, 94 MB measured) would put on disk, and which dominate.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

function du(path: string): number {
  const st = statSync(path)
  if (!st.isDirectory()) return st.size
  return readdirSync(path).reduce((n, f) => n + du(join(path, f)), 0)
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(2)} MB`
const kb = (n: number) => `${(n / 1024).toFixed(0)} kB`

function packageOf(input: string): string | undefined {
  return /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1]
}

const work = mkdtempSync(join(tmpdir(), 'dbaas-install-size-'))
try {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--pack-destination', work, '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Array<{ filename: string; size: number }>
  const tarball = join(work, packed[0]!.filename)
  const prefix = join(work, 'prefix')
  const t0 = performance.now()
  execFileSync('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], { stdio: 'ignore', env: { ...process.env, npm_config_cache: join(work, 'cache') } })
  const installMs = performance.now() - t0
  const lib = join(prefix, 'lib', 'node_modules', 'dbaas')
  const total = du(lib)
  console.log(`tarball ${packed[0]!.filename}: ${mb(packed[0]!.size)}; installed: ${mb(total)} in ${(installMs / 1000).toFixed(1)} s (npm install -g --offline, nothing fetched)`)
  console.log('\nby part:')
  for (const f of readdirSync(lib).map((f) => ({ f, n: du(join(lib, f)) })).sort((a, b) => b.n - a.n)) console.log(`  ${f.f.padEnd(14)} ${mb(f.n).padStart(9)}  ${((100 * f.n) / total).toFixed(0).padStart(3)}%`)

  const meta = JSON.parse(readFileSync(join(root, 'dist', '.metafile.json'), 'utf8')) as {
    outputs: Record<string, { bytes: number; inputs: Record<string, { bytesInOutput: number }> }>
  }
  const chunks = Object.entries(meta.outputs)
    .map(([file, o]) => {
      const byPkg = new Map<string, number>()
      for (const [input, x] of Object.entries(o.inputs)) {
        const p = packageOf(input) ?? 'dbaas (src/)'
        byPkg.set(p, (byPkg.get(p) ?? 0) + x.bytesInOutput)
      }
      return { file: relative('dist', file.replace(/^\.dist-\d+\//, 'dist/')), bytes: o.bytes, top: [...byPkg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3) }
    })
    .sort((a, b) => b.bytes - a.bytes)
  console.log(`\ndist's largest chunks (of ${chunks.length}; each loaded only by the commands that need it):`)
  for (const c of chunks.slice(0, 6)) console.log(`  ${kb(c.bytes).padStart(7)}  ${c.top.map(([p, n]) => `${p} ${kb(n)}`).join(', ')}`)
  const bundled = new Map<string, number>()
  for (const o of Object.values(meta.outputs)) for (const [input, x] of Object.entries(o.inputs)) {
    const p = packageOf(input)
    if (p) bundled.set(p, (bundled.get(p) ?? 0) + x.bytesInOutput)
  }
  const onDisk = [...bundled.keys()].map((p) => ({ p, n: du(join(root, 'node_modules', p)) })).sort((a, b) => b.n - a.n)
  const sum = onDisk.reduce((n, x) => n + x.n, 0)
  console.log(`\nthe ${onDisk.length} bundled packages as dependencies would be: ${mb(sum)} in node_modules (${(sum / total).toFixed(0)}× the install); the largest:`)
  for (const x of onDisk.slice(0, 6)) console.log(`  ${x.p.padEnd(28)} ${mb(x.n).padStart(9)} on disk, ${kb(bundled.get(x.p) ?? 0).padStart(7)} in the bundle`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
