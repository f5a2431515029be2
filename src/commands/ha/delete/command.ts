// dbaas ha delete <name>: the Cluster and its credentials; its backups are kept (the namespace with them).
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { haDelete, planHaDelete, type HaDeletePlan } from '../../../core/ha/ops.ts'
import { deletionWriter } from '../../../output/writers/deletion.ts'
import { runDeletion } from '../../deletion.ts'
import { deletionOptions, haOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate, type HaDeleteVerbOptions } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'delete',
      aliases: ['rm'],
      description: 'Delete an HA cluster with its instances and data volumes; volume-snapshot backups are kept',
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        deletionOptions(cmd, { what: 'cluster', waitFor: 'the Cluster is gone', timeout: '5m' })
        haOptions(cmd)
      },
      examples: [
        ['Delete, asking to type the name', 'dbaas ha delete orders'],
        ['In a script', 'dbaas ha delete orders -n team-a --yes --ignore-not-found'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: deletionWriter('HA cluster'), progress: true },
      complete,
      validate,
      run: (o: HaDeleteVerbOptions, d) =>
        runDeletion<HaDeleteVerbOptions, HaDeletePlan>(o, d, {
          noun: 'HA cluster',
          plan: planHaDelete,
          describe: (p) => `HA cluster "${o.name}" in namespace ${p.view.namespace} with all its instances and data volumes`,
          execute: haDelete,
        }),
    },
    deps,
  )
