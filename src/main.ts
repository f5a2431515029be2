// Bundle entry: start-up work stays minimal (no cluster client, no spinner, no prompt library). A bare
// `dbaas --version` answers before the command tree is even loaded, and the root help (`dbaas`, `--help`,
// `-h`, `help`) is drawn from the command manifest alone, without commander (commands/root-help.ts).
import module from 'node:module'

declare const __DBAAS_VERSION__: string | undefined

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V') && typeof __DBAAS_VERSION__ === 'string') {
  process.stdout.write(`${__DBAAS_VERSION__}\n`)
} else {
  module.enableCompileCache?.()
  const help = await import('./commands/root-help.ts')
  if (help.isRootHelp(args)) {
    const stream = args.length === 0 ? process.stderr : process.stdout
    // A reader that closed early (`dbaas --help | head -1`) ends the output quietly.
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err
    })
    stream.write(help.rootHelp(stream.isTTY ? stream.columns : 80))
  } else {
    const { run } = await import('./cli.ts')
    await run()
  }
}
