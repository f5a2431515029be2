// dbaas connection <name>: host, port, database, user, (masked) password and URI; --format uri|env for scripts.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { connectionInfo } from '../../core/connection.ts'
import { connectionWriter } from '../../output/writers/connection.ts'
import { clusterOptions, connectionFormatOption, connectionOutput } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'connection',
      aliases: ['conn'],
      description: 'Show how to connect to an instance: host, port, database, user, password (masked) and a URI',
      arguments: [['<name>', 'instance name']],
      options: (cmd) => {
        cmd.option('--show-password', 'print the password instead of ********')
        connectionFormatOption(cmd)
        clusterOptions(cmd)
      },
      examples: [
        ['Connection details with the password masked', 'dbaas connection orders'],
        ['A URI with the password, for an application', 'dbaas connection orders --format uri --show-password'],
        ['Shell variables (PGHOST, PGPASSWORD, …) to source', 'eval "$(dbaas connection orders --format env --show-password)"'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'jsonpath'], writer: connectionWriter, resolve: connectionOutput },
      outputHelp: 'output format: json|yaml|jsonpath=<template> (same as --format json|yaml)',
      complete,
      validate,
      run: connectionInfo,
    },
    deps,
  )
