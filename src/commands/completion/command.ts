// dbaas completion <shell>: the script a shell sources to complete dbaas's commands, flags and live names.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { completionScript, shells } from '../../core/completion.ts'
import { textWriter } from '../../output/writers/setup.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'completion',
      description: 'Print the shell completion script for bash, zsh or fish',
      arguments: [['<shell>', `shell: ${shells.join('|')}`]],
      examples: [
        ['bash, this shell only', 'source <(dbaas completion bash)'],
        ['bash, every new shell', "echo 'source <(dbaas completion bash)' >> ~/.bashrc"],
        ['zsh', 'dbaas completion zsh > "${fpath[1]}/_dbaas"'],
        ['fish', 'dbaas completion fish > ~/.config/fish/completions/dbaas.fish'],
        ['kubectl dbaas <TAB>: put kubectl_complete-dbaas (installed with dbaas) on PATH', 'kubectl dbaas <TAB>'],
      ],
      output: { formats: ['table'], writer: textWriter },
      complete,
      validate,
      run: async (o) => completionScript(o.shell),
    },
    deps,
  )
