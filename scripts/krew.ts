// npm run pack:krew — the krew plugin: an archive and the manifest that points to it, under .pack/.
//
//   .pack/kubectl-dbaas-v<version>.tar.gz   LICENSE, README.md, kubectl-dbaas (a launcher), lib/ (bin, dist,
//                                           templates, package.json: what the npm package installs)
//   .pack/dbaas.yaml                        krew's Plugin manifest: one entry per os/arch, the archive's sha256
//
// The archive runs on any OS and architecture Node runs on, so every platform entry names the same one. Its URI
// is DBAAS_KREW_URI (the release's download URL, where the archive is published), else a file:// URI of the
// local archive — what `kubectl krew install --manifest=.pack/dbaas.yaml` can use as it is. The archive is
// reproducible: sorted entries, fixed mtimes and owners, gzip without a name or time.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL, fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; description: string; homepage?: string }
const version = `v${pkg.version}`
const out = join(root, '.pack')
const stage = join(out, 'krew-stage')
const archiveName = `kubectl-dbaas-${version}.tar.gz`
const archive = join(out, archiveName)

/** The launcher krew links as kubectl-dbaas: CommonJS (no extension, no package.json beside it), so any Node can start it. */
const LAUNCHER = `#!/usr/bin/env node
// kubectl-dbaas, as krew installs it: starts dbaas from lib/ beside this file. Its name (process.argv[1]) is
// what makes dbaas's help say \`kubectl dbaas\`.
'use strict'
const { join } = require('node:path')
const { pathToFileURL } = require('node:url')
import(pathToFileURL(join(__dirname, 'lib', 'bin', 'dbaas.js')).href).catch((err) => {
  process.stderr.write(\`Error: cannot start dbaas: \${err && err.message}\\n\`)
  process.exitCode = 1
})
`

function build(): void {
  execFileSync(process.execPath, [join(root, 'scripts/build.ts')], { stdio: 'inherit' })
}

function stageFiles(): void {
  rmSync(stage, { recursive: true, force: true })
  mkdirSync(join(stage, 'lib'), { recursive: true })
  for (const f of ['LICENSE', 'README.md']) cpSync(join(root, f), join(stage, f))
  for (const d of ['bin', 'dist', 'templates']) cpSync(join(root, d), join(stage, 'lib', d), { recursive: true })
  rmSync(join(stage, 'lib', 'dist', '.metafile.json'), { force: true })
  // type: module for lib/ (the bundle is ESM), and the version dbaas reports.
  writeFileSync(join(stage, 'lib', 'package.json'), `${JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module', private: true }, null, 2)}\n`)
  writeFileSync(join(stage, 'kubectl-dbaas'), LAUNCHER)
  chmodSync(join(stage, 'kubectl-dbaas'), 0o755)
}

function pack(): string {
  const tar = execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', stage, '-cf', '-', '.'], { maxBuffer: 256 * 2 ** 20 })
  const gz = execFileSync('gzip', ['-n', '-9'], { input: tar, maxBuffer: 256 * 2 ** 20 })
  writeFileSync(archive, gz)
  return createHash('sha256').update(gz).digest('hex')
}

export function manifest(o: { version: string; uri: string; sha256: string; homepage?: string | undefined }): string {
  const platforms = (['linux', 'darwin'] as const).flatMap((os) =>
    (['amd64', 'arm64'] as const).map(
      (arch) => `  - selector:
      matchLabels:
        os: ${os}
        arch: ${arch}
    uri: ${o.uri}
    sha256: ${o.sha256}
    bin: kubectl-dbaas`,
    ),
  )
  return `apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: dbaas
spec:
  version: ${o.version}
${o.homepage ? `  homepage: ${o.homepage}\n` : ''}  shortDescription: PostgreSQL, MySQL and MariaDB on your cluster
  description: |
    Creates single database instances (PostgreSQL, MySQL, MariaDB) with helm from its own charts, backs them up
    as CSI VolumeSnapshots and restores them, and runs PostgreSQL HA through CloudNativePG — from your
    kubeconfig alone: the cluster's labels are its only state.
  caveats: |
    This plugin runs on Node.js: it needs \`node\` 22 or newer on your PATH.
    Creating, restoring and deleting instances runs \`helm\` (3.13 or newer, or 4) from your PATH, or DBAAS_HELM.
    See what your cluster offers with: kubectl dbaas doctor
  platforms:
${platforms.join('\n')}
`
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.env.DBAAS_KREW_SKIP_BUILD !== '1') build()
  mkdirSync(out, { recursive: true })
  stageFiles()
  const sha256 = pack()
  rmSync(stage, { recursive: true, force: true })
  const uri = process.env.DBAAS_KREW_URI ?? pathToFileURL(archive).href
  writeFileSync(join(out, 'dbaas.yaml'), manifest({ version, uri, sha256, homepage: pkg.homepage }))
  process.stderr.write(`wrote .pack/${archiveName} (sha256 ${sha256}) and .pack/dbaas.yaml (uri ${uri})\n`)
  if (!process.env.DBAAS_KREW_URI) process.stderr.write('set DBAAS_KREW_URI to the URL the archive is published at, for a manifest others can install from\n')
}
