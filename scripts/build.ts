// Bundles the CLI with esbuild into dist/dbaas.js. Heavy libraries that only some commands need
// (@kubernetes/client-node, ora, @inquirer/prompts, execa) are dynamic imports, so they land in separate
// chunks under dist/chunks/ and are loaded only by the commands that use them.
import { build } from 'esbuild'
import { readFileSync, rmSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true })
const result = await build({
  entryPoints: { dbaas: 'src/main.ts' },
  outdir: 'dist',
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
  // CommonJS dependencies (cli-table3, …) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __dbaasCreateRequire } from 'node:module'; const require = __dbaasCreateRequire(import.meta.url);" },
  logLevel: 'warning',
})
const outputs = Object.entries(result.metafile.outputs)
const main = outputs.find(([f]) => f === 'dist/dbaas.js')
console.error(`built dist/dbaas.js (${Math.round((main?.[1].bytes ?? 0) / 1024)} KiB) and ${outputs.length - 1} lazy chunks`)
