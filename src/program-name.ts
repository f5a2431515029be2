// What to call dbaas in help: `kubectl dbaas` when kubectl runs it as a plugin (its executable is named
// kubectl-dbaas, as kubectl's plugin discovery requires, and krew's launcher is too), `dbaas` otherwise.
// Usage lines come from the root command's name; example lines are rewritten here.
import { basename } from 'node:path'

export function programName(argv1: string | undefined = process.argv[1]): string {
  return /^kubectl[-_]/.test(basename(argv1 ?? '')) ? 'kubectl dbaas' : 'dbaas'
}

/** An example command line with each `dbaas` in command position (start, after a pipe, && or $( ) as `name`. */
export function asProgram(line: string, name: string = programName()): string {
  if (name === 'dbaas') return line
  return line.replace(/(^|\|\s*|&&\s*|;\s*|\$\(\s*)dbaas(?=\s|$)/g, (_m, before: string) => `${before}${name}`)
}
