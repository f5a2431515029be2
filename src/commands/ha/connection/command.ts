// dbaas ha connection <name>: read-write and read-only endpoints, database, user, (masked) password.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { haConnection } from '../../../core/ha/read.ts'
import { haConnectionWriter } from '../../../output/writers/connection.ts'
import { connectionFormatOption, connectionOutput, haOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'connection',
      aliases: ['conn'],
      description: 'Show the read-write and read-only endpoints, database, user and (masked) password',
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        cmd.option('--show-password', 'print the password instead of ********')
        connectionFormatOption(cmd)
        haOptions(cmd)
      },
      examples: [
        ['Endpoints with the password masked', 'dbaas ha connection orders'],
        ['The read-write URI with the password', 'dbaas ha connection orders --format uri --show-password'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'jsonpath'], writer: haConnectionWriter, resolve: connectionOutput },
      outputHelp: 'output format: json|yaml|jsonpath=<template> (same as --format json|yaml)',
      complete,
      validate,
      run: haConnection,
    },
    deps,
  )
