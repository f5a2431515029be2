// dbaas ha scale <name> --instances n | --cpu/--memory: more or fewer members (waited for until the cluster
// is healthy again), or new resources for every member (the operator's rolling update, confirmed first).
import { Command, Option } from 'commander'
import type { Deps } from '../../../deps.ts'
import { executeHa, planHaResources } from '../../../core/day2/ha.ts'
import type { Day2Result } from '../../../core/day2/model.ts'
import { haScale, type ScaleResult } from '../../../core/ha/ops.ts'
import type { Writer } from '../../../output/writer.ts'
import { day2Writer } from '../../../output/writers/day2.ts'
import { haScaleWriter } from '../../../output/writers/ha.ts'
import { runChange } from '../../change.ts'
import { haOptions, timeoutOption, waitOptions } from '../../flags.ts'
import { command } from '../../pipeline.ts'
import { complete, validate, type HaScaleInput, type HaScaleVerbOptions, type RawHaScale } from './options.ts'

export default (deps: Deps): Command =>
  command<RawHaScale, HaScaleInput, HaScaleVerbOptions, ScaleResult | Day2Result>(
    {
      name: 'scale',
      description: 'Change the number of members, or the CPU and memory of every member (refused while a switchover, failover or other operation runs)',
      arguments: [['<name>', 'cluster name']],
      options: (cmd) => {
        cmd.option('--instances <n>', 'the new number of members (each engine has its rule: postgres ≥ 1, mysql 3 or 5, mariadb ≥ 2, Galera odd)')
        cmd.option('--cpu <cpu>', 'CPU request of every member: cores (0.5, 2) or millicores (250m)')
        cmd.option('--memory <memory>', 'memory request and limit of every member, e.g. 2Gi')
        cmd.option('-y, --yes', 'with --cpu/--memory: do not ask for confirmation (required without a terminal)')
        cmd.addOption(new Option('--dry-run [mode]', 'with --cpu/--memory: print the plan and the object: client (reads, writes nothing) or server (validated by the API server)'))
        waitOptions(cmd, { waitsByDefault: true, what: 'the cluster is healthy again' })
        cmd.addOption(timeoutOption('15m'))
        haOptions(cmd)
      },
      examples: [
        ['Grow to five instances, waiting until healthy', 'dbaas ha scale orders --instances 5'],
        ['Shrink, returning at once', 'dbaas ha scale orders --instances 2 --no-wait'],
        ['More memory and CPU for every instance (a rolling update), asking first', 'dbaas ha scale orders --memory 4Gi --cpu 2'],
      ],
      output: {
        formats: ['table', 'json', 'yaml', 'name', 'jsonpath'],
        writer: (v) => (v.kind === 'instances' ? haScaleWriter : day2Writer) as Writer<ScaleResult | Day2Result>,
        progress: true,
      },
      complete,
      validate,
      run: (v, d) =>
        v.kind === 'instances'
          ? haScale(v.o, d)
          : runChange(v.o, d, {
              confirms: true,
              plan: planHaResources,
              execute: (p, q, dd) => executeHa(p, q, { ...(q.cpu ? { cpu: q.cpu } : {}), ...(q.memory ? { memory: q.memory } : {}) }, () => planHaResources(q, dd), dd),
            }),
    },
    deps,
  )
