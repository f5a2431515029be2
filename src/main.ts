// Bundle entry: start-up work stays minimal (no cluster client, no spinner, no prompt library). A bare
// `dbaas --version` answers before the command tree is even loaded.
import module from 'node:module'

declare const __DBAAS_VERSION__: string | undefined

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V') && typeof __DBAAS_VERSION__ === 'string') {
  process.stdout.write(`${__DBAAS_VERSION__}\n`)
} else {
  module.enableCompileCache?.()
  const { run } = await import('./cli.ts')
  await run()
}
