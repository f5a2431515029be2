#!/usr/bin/env node
// dbaas and kubectl-dbaas: run the bundled CLI (npm run build writes dist/).
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  process.stderr.write(`Error: dbaas needs Node.js 22 or newer; this is ${process.version}\nHint: install Node 24 (e.g. npm install -g --prefix ~/.local/node24 node@24) and put it first on PATH\n`)
  process.exit(2)
}
await import('../dist/dbaas.js')
