// Bundles the CLI with esbuild into dist/dbaas.js. Heavy libraries that only some commands need
// (@kubernetes/client-node, ora, @inquirer/prompts, execa) are dynamic imports, so they land in separate
// chunks under dist/chunks/ and are loaded only by the commands that use them. The bundle is written to a
// fresh directory and swapped into place, so a CLI started during a build never finds dist/ half-written.
import { build } from 'esbuild'
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }
const out = `${root}dist`
const next = `${root}.dist-${process.pid}`
const old = `${root}.dist-old-${process.pid}`
rmSync(next, { recursive: true, force: true })
const result = await build({
  entryPoints: { dbaas: `${root}src/main.ts` },
  outdir: next,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  sourcemap: false,
  metafile: true,
  legalComments: 'none',
  define: { __DBAAS_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __dbaasCreateRequire } from 'node:module'; const require = __dbaasCreateRequire(import.meta.url);" },
  logLevel: 'warning',
})
// The backup schedules' job (dist/job/backup-job.js): one self-contained file from the same source as `backup
// create` and `backup prune`, shipped to the cluster in a ConfigMap (at most 1 MiB). @kubernetes/client-node
// (1.4 MB bundled) is replaced by the job's own exec stream (src/core/schedule/job-exec.ts); the libraries only
// the CLI's terminal paths load lazily (spinners, prompts, helm) are left out: the job never reaches them.
const JOB_LIMIT = 1024 * 1024
const job = await build({
  entryPoints: { 'backup-job': `${root}src/job/backup-job.ts` },
  outdir: `${next}/job`,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minify: true,
  metafile: true,
  legalComments: 'none',
  define: { __DBAAS_VERSION__: JSON.stringify(pkg.version) },
  banner: { js: "import { createRequire as __dbaasCreateRequire } from 'node:module'; const require = __dbaasCreateRequire(import.meta.url);" },
  external: ['@kubernetes/client-node', 'ora', 'execa', '@inquirer/prompts'],
  plugins: [
    {
      name: 'job-exec',
      setup(b) {
        b.onResolve({ filter: /(^|\/)client-node\.ts$/ }, () => ({ path: `${root}src/core/schedule/job-exec.ts` }))
      },
    },
  ],
  logLevel: 'warning',
})
const jobBytes = Object.entries(job.metafile.outputs).find(([f]) => f.endsWith('backup-job.js'))?.[1].bytes ?? 0
if (jobBytes > JOB_LIMIT) throw new Error(`dist/job/backup-job.js is ${jobBytes} bytes, over the ${JOB_LIMIT} a ConfigMap holds`)
// The bundle carries its npm dependencies' code (the package installs nothing else), so it carries their
// licences too; and the metafile, for bench/install-size.ts to say which package fills which chunk.
writeFileSync(`${next}/THIRD-PARTY-LICENSES.txt`, thirdPartyLicences([...Object.keys(result.metafile.inputs), ...Object.keys(job.metafile.inputs)]))
writeFileSync(`${next}/.metafile.json`, JSON.stringify(result.metafile))
if (existsSync(out)) renameSync(out, old)
renameSync(next, out)
rmSync(old, { recursive: true, force: true })
const outputs = Object.entries(result.metafile.outputs)
console.error(`built dist/dbaas.js and ${outputs.length - 1} lazy chunks; dist/job/backup-job.js (${Math.round(jobBytes / 1024)} KiB)`)

/** Each bundled npm package once: name, version, licence, and its licence file as the package ships it. */
function thirdPartyLicences(inputs: string[]): string {
  const roots = new Set<string>()
  for (const input of inputs) {
    const m = /^(.*?node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (m?.[1]) roots.add(m[1])
  }
  const parts: string[] = []
  for (const dir of [...roots].sort()) {
    const pkg = JSON.parse(readFileSync(`${root}${dir}/package.json`, 'utf8')) as { name: string; version: string; license?: string }
    const file = readdirSync(`${root}${dir}`).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f))
    const text = file ? readFileSync(`${root}${dir}/${file}`, 'utf8').trim() : `(no licence file in the package; its package.json says ${pkg.license ?? 'nothing'})`
    // Apache-2.0 asks for a package's NOTICE to travel with it.
    const notice = readdirSync(`${root}${dir}`).find((f) => /^notice(\.|$)/i.test(f))
    const noticeText = notice ? `\n\nNOTICE:\n${readFileSync(`${root}${dir}/${notice}`, 'utf8').trim()}` : ''
    parts.push(`${pkg.name}@${pkg.version} — ${pkg.license ?? 'unknown'}\n\n${text}${noticeText}`)
  }
  return `dbaas bundles the following npm packages in dist/.\n\n${parts.join(`\n\n${'-'.repeat(78)}\n\n`)}\n`
}
