// dbaas ha failover <name>: a verified switchover (CloudNativePG, MariaDB replication); --force deletes the
// member the writes go to and waits for the operator (and proxy) to move on — the one failover a Galera
// cluster (Percona XtraDB Cluster, MariaDB --galera) has.
import { Command } from 'commander'
import type { Deps } from '../../../deps.ts'
import { failover } from '../../../core/ha/failover.ts'
import { failoverWriter } from '../../../output/writers/ha.ts'
import { haOptions, timeoutOption } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'failover',
      aliases: ['switchover'],
      description: 'Switch the primary over to another member and wait until it is primary and the cluster healthy (Galera: --force)',
      arguments: [['[name]', 'cluster name (asked for on a terminal, with the standby)']],
      options: (cmd) => {
        cmd
          .option('--to <member>', 'the member to promote: its name (orders-2) or ordinal (2); default: the ready standby or replica with the lowest ordinal (postgres, mariadb replication)')
          .option('--force', 'simulate a failure: delete the member the writes go to and wait until they go to another ready member and the cluster is back to full size')
          .addOption(timeoutOption('5m'))
        haOptions(cmd)
      },
      examples: [
        ['Switch over to the first ready standby and wait', 'dbaas ha failover orders'],
        ['Promote member 3', 'dbaas ha failover orders --to 3'],
        ['MariaDB replication: make wiki-1 the primary', 'dbaas ha failover wiki --to wiki-1'],
        ['Galera (mysql, mariadb --galera): kill the writer and watch the cluster recover', 'dbaas ha failover shop --force --timeout 5m'],
      ],
      output: { formats: ['table', 'json', 'yaml', 'name', 'jsonpath'], writer: failoverWriter, progress: true },
      complete,
      validate,
      run: failover,
    },
    deps,
  )
