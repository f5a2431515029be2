// The tests that run the bundled CLI (bin/dbaas.js → dist/) must run the code in src/, not a bundle from an
// earlier checkout. ensureFreshBundle() rebuilds dist/ when it is missing or older than its sources, and
// records the sources' hash so a checkout that only touched timestamps does not rebuild again.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const root = new URL('../../', import.meta.url).pathname
const bundle = join(root, 'dist/dbaas.js')
const stamp = join(root, 'dist/.sources-sha256')

/** Every file the bundle is built from. */
function sources(): string[] {
  const out: string[] = []
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else out.push(p)
    }
  }
  walk(join(root, 'src'))
  out.push(join(root, 'package.json'), join(root, 'package-lock.json'), join(root, 'scripts/build.ts'))
  return out.filter((f) => existsSync(f)).sort()
}

function sourcesHash(files: string[]): string {
  const h = createHash('sha256')
  for (const f of files) h.update(f.slice(root.length)).update('\0').update(readFileSync(f)).update('\0')
  return h.digest('hex')
}

export interface BundleState {
  rebuilt: boolean
  reason: string
}

/** Rebuilds dist/ (node scripts/build.ts) unless it was built from exactly the current sources. */
export function ensureFreshBundle(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): BundleState {
  const files = sources()
  let reason: string | undefined
  if (!existsSync(bundle)) reason = 'dist/dbaas.js is missing'
  else {
    const built = statSync(bundle).mtimeMs
    const newer = files.find((f) => statSync(f).mtimeMs > built)
    if (newer) {
      const hash = sourcesHash(files)
      if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) {
        const now = new Date()
        utimesSync(bundle, now, now)
        return { rebuilt: false, reason: 'sources newer on disk but unchanged' }
      }
      reason = `${newer.slice(root.length)} changed since the bundle was built`
    }
  }
  if (!reason) return { rebuilt: false, reason: 'up to date' }
  log(`building the CLI bundle: ${reason}`)
  const hash = sourcesHash(files)
  execFileSync(process.execPath, [join(root, 'scripts/build.ts')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  writeFileSync(stamp, `${hash}\n`)
  return { rebuilt: true, reason }
}
