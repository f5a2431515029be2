// dbaas delete <name>: the release and credentials; the data volume only with --delete-data.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { deleteInstance, planDelete, type DeletePlan } from '../../core/delete.ts'
import { deletionWriter } from '../../output/writers/deletion.ts'
import { runDeletion } from '../deletion.ts'
import { clusterOptions, deletionOptions } from '../flags.ts'
import { command } from '../pipeline.ts'
import { complete, validate, type DeleteVerbOptions } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'delete',
      aliases: ['rm'],
      description: 'Delete an instance: its release and credentials; the data volume is kept unless --delete-data',
      arguments: [['<name>', 'instance name']],
      options: (cmd) => {
        cmd.option('--delete-data', 'also delete the data volume (PVC): the data is gone for good')
        deletionOptions(cmd, { what: 'instance', waitFor: 'the pods are gone', timeout: '5m' })
        clusterOptions(cmd)
      },
      examples: [
        ['Delete, asking to type the name, keeping the data volume', 'dbaas delete orders'],
        ['In a script: no prompt, data included, fine if already gone', 'dbaas delete orders -n team-a --yes --delete-data --ignore-not-found'],
        ['What would be deleted and kept', 'dbaas delete orders --delete-data --dry-run'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: deletionWriter('instance'), progress: true },
      complete,
      validate,
      run: (o: DeleteVerbOptions, d) =>
        runDeletion<DeleteVerbOptions, DeletePlan>(o, d, {
          noun: 'instance',
          plan: planDelete,
          describe: (p) => `${p.instance.engine} instance "${o.name}" in namespace ${p.instance.namespace}${o.deleteData ? ' AND its data' : ''}`,
          execute: deleteInstance,
        }),
    },
    deps,
  )
