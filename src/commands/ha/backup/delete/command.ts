// dbaas ha backup delete <backup>: the operator's backup object and the VolumeSnapshots it took, through the
// delete flow every destructive verb shares.
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { haBackupDelete, planHaBackupDelete, type HaBackupDeletePlan } from '../../../../core/ha/backup.ts'
import { deletionWriter } from '../../../../output/writers/deletion.ts'
import { runDeletion } from '../../../deletion.ts'
import { deletionOptions, haOptions } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { complete, validate, type HaBackupDeleteOptions } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'delete',
      aliases: ['rm'],
      description: "Delete an HA cluster's backup: the operator's backup object and its VolumeSnapshots (their data per the class's deletionPolicy)",
      arguments: [['<backup>', 'backup name (see `dbaas ha backup list <cluster>`)']],
      options: (cmd) => {
        deletionOptions(cmd, { what: 'backup', waitFor: 'the snapshot controller has removed its snapshots', timeout: '2m' })
        haOptions(cmd)
      },
      examples: [
        ['Delete, asking to type the name', 'dbaas ha backup delete orders-20261125120000'],
        ['In a script', 'dbaas ha backup delete orders-20261125120000 -n dbaas-orders --yes --ignore-not-found'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: deletionWriter('backup'), progress: true },
      complete,
      validate,
      run: (o: HaBackupDeleteOptions, d) =>
        runDeletion<HaBackupDeleteOptions, HaBackupDeletePlan>(o, d, {
          noun: 'backup',
          plan: planHaBackupDelete,
          describe: (p) => `backup "${o.name}" of HA cluster ${p.view.cluster} in namespace ${p.view.namespace} (${[p.cap.object, ...p.snapshots.map((s) => `volumesnapshot/${s.metadata.name}`)].join(', ')}); clusters restored from it are not affected`,
          execute: haBackupDelete,
        }),
    },
    deps,
  )
