// interactive's options: only a terminal will do; the connection flags are passed on to every task.
import { UsageError } from '../../errors.ts'
import type { Prompter } from '../../prompts.ts'
import { clusterFlags, DEFAULT_REQUEST_TIMEOUT, type RawClusterFlags } from '../flags.ts'
import type { CompleteContext } from '../pipeline.ts'

export interface MenuOptions {
  cluster: ReturnType<typeof clusterFlags>
  namespace: string | undefined
  /** The connection flags as arguments, appended to every command the menu runs. */
  pass: string[]
  prompter: Prompter
}

export function complete(c: CompleteContext<RawClusterFlags>): RawClusterFlags & { prompter: Prompter | undefined } {
  return { ...c.raw, prompter: c.prompter }
}

export function validate(i: RawClusterFlags & { prompter: Prompter | undefined }): MenuOptions {
  if (!i.prompter) throw new UsageError('dbaas interactive needs a terminal', { hint: 'run the commands themselves in scripts: dbaas --help lists them' })
  return {
    cluster: clusterFlags(i),
    namespace: i.namespace,
    pass: [
      ...(i.kubeconfig ? ['--kubeconfig', i.kubeconfig] : []),
      ...(i.context ? ['--context', i.context] : []),
      ...(i.requestTimeout && i.requestTimeout !== DEFAULT_REQUEST_TIMEOUT ? ['--request-timeout', i.requestTimeout] : []),
    ],
    prompter: i.prompter,
  }
}
