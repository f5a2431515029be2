// dbaas connect <name>: psql, mysql or mariadb through an in-process port-forward, or just the forward.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { openConnect } from '../../core/connect.ts'
import { connectWriter } from '../../output/writers/connect.ts'
import { clusterOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'connect',
      description: 'Open a database shell (psql, mysql or mariadb) through an in-process port-forward, or keep just the forward open',
      arguments: [
        ['<name>', 'instance name'],
        ['[client-args...]', 'arguments for the client, after --'],
      ],
      options: (cmd) => {
        cmd
          .option('--port <port>', 'local port to listen on (default: a free one)')
          .option('--forward-only', 'do not run a client: print the URI and keep the forward open until Ctrl-C')
          .option('--client <command>', 'the client to run (default: the first of psql | mysql, mariadb found on PATH)')
          .option('--show-password', 'with --forward-only, print the URI with the password')
        clusterOptions(cmd)
      },
      examples: [
        ['A psql (or mysql/mariadb) shell on the instance', 'dbaas connect orders'],
        ['Run one statement', "dbaas connect orders -- -c 'select version()'"],
        ['Keep a forward on local port 25432 for a GUI or an app', 'dbaas connect orders --forward-only --port 25432 --show-password'],
      ],
      output: { formats: ['table'], writer: connectWriter },
      complete,
      validate,
      run: async (o, d) => ({ ...(await openConnect(o, d)), name: o.name, showPassword: o.showPassword }),
    },
    deps,
  )
