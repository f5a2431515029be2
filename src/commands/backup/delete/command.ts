// dbaas backup delete <backup>: its VolumeSnapshot and its credentials copy.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { deleteBackup, planBackupDelete } from '../../../core/backup/manage.ts'
import { deletionWriter } from '../../../output/writers/deletion.ts'
import { runDeletion } from '../../deletion.ts'
import { clusterOptions, deletionOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'delete',
      aliases: ['rm'],
      description: "Delete a backup: its VolumeSnapshot (the snapshot data, per its class's deletionPolicy) and its credentials copy",
      arguments: [['<backup>', 'backup name']],
      options: (cmd) => {
        deletionOptions(cmd, { what: 'backup', waitFor: 'the snapshot controller has removed it', timeout: '2m' })
        clusterOptions(cmd)
      },
      examples: [
        ['Delete, asking to type the name', 'dbaas backup delete orders-20261125-120000'],
        ['In a script', 'dbaas backup delete orders-20261125-120000 -n dbaas-orders --yes --ignore-not-found'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: deletionWriter('backup'), progress: true },
      complete,
      validate,
      run: (o, d) =>
        runDeletion(o, d, {
          noun: 'backup',
          plan: planBackupDelete,
          describe: (vs) => `backup "${o.name}" in namespace ${vs.metadata.namespace}; restores made from it are not affected`,
          execute: deleteBackup,
        }),
    },
    deps,
  )
