// dbaas ha backup list <name>: the cluster's backups (CloudNativePG Backups, MariaDB PhysicalBackups).
import { Command } from 'commander'
import type { Deps } from '../../../../deps.ts'
import { haBackupList } from '../../../../core/ha/backup.ts'
import { haBackupListWriter } from '../../../../output/writers/ha.ts'
import { haOptions } from '../../../flags.ts'
import { command } from '../../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'list',
      aliases: ['ls'],
      description: "List an HA cluster's backups",
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        haOptions(cmd)
      },
      examples: [["An HA cluster's backups", 'dbaas ha backup list orders']],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: haBackupListWriter, table: true },
      complete,
      validate,
      run: async (o, d) => ({ cluster: o.name, items: await haBackupList(o, d) }),
    },
    deps,
  )
