// The helm the unit tests run: DBAAS_HELM, else `helm` on PATH, else the lab's helm 3. Never skipped silently.
import { access, constants } from 'node:fs/promises'
import path from 'node:path'
import { execa } from 'execa'

const repoRoot = new URL('../../', import.meta.url).pathname

async function runs(file: string): Promise<boolean> {
  const r = await execa(file, ['version', '--short'], { reject: false, timeout: 20_000 })
  return r.exitCode === 0
}

export async function findHelm(): Promise<string> {
  const tried: string[] = []
  const fromEnv = process.env.DBAAS_HELM
  if (fromEnv) {
    if (await runs(fromEnv)) return fromEnv
    throw new Error(`DBAAS_HELM=${fromEnv} does not run (\`${fromEnv} version\` failed)`)
  }
  tried.push('`helm` on PATH')
  if (await runs('helm').catch(() => false)) return 'helm'
  const dir = await execa('bash', [path.join(repoRoot, 'test/lab/build.sh'), '--dir'], { reject: false })
  if (dir.exitCode === 0) {
    const labHelm = path.join(dir.stdout.trim(), 'bin/helm3')
    tried.push(labHelm)
    const executable = await access(labHelm, constants.X_OK).then(() => true, () => false)
    if (executable && (await runs(labHelm))) return labHelm
  }
  throw new Error(
    `helm not found (tried ${tried.join(', ')}). These tests need a real helm: set DBAAS_HELM=/path/to/helm, ` +
      'put helm on PATH, or build the lab with `npm run lab:build`.',
  )
}
