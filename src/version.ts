// The CLI's version: injected by the bundler (scripts/build.ts); read from package.json when run from source.
import { readFileSync } from 'node:fs'

declare const __DBAAS_VERSION__: string | undefined

function fromPackageJson(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}

export const VERSION: string = typeof __DBAAS_VERSION__ === 'string' ? __DBAAS_VERSION__ : fromPackageJson()
