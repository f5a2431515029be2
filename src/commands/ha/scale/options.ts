// ha scale's options: the new number of members (--instances), or new resources for every member
// (--cpu/--memory, the day-2 flow: confirmation, --dry-run, the cluster's Lease) — one of the two per run.
import type { HaResourcesOptions } from '../../../core/day2/ha.ts'
import type { HaTarget } from '../../../core/ha/find.ts'
import { parseInstances } from '../../../core/ha/model.ts'
import { parseDuration, validateCpu, validateMemory } from '../../../core/names.ts'
import { UsageError } from '../../../errors.ts'
import { changeFlags, type RawChange } from '../../change.ts'
import { haTarget, waits, type RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'

export interface RawHaScale extends RawHa, RawChange {
  instances?: string
  cpu?: string
  memory?: string
  wait?: boolean
  timeout: string
}

export type HaScaleInput = RawHaScale & { name: string; canPrompt: boolean }

export type HaInstancesOptions = HaTarget & { instances: number; wait: boolean; timeoutMs: number }

export type HaScaleVerbOptions = { kind: 'instances'; o: HaInstancesOptions } | { kind: 'resources'; o: HaResourcesOptions }

export function complete(c: CompleteContext<RawHaScale>): HaScaleInput {
  return { ...c.raw, name: c.args[0] as string, canPrompt: c.prompter !== undefined }
}

export function validate(i: HaScaleInput): HaScaleVerbOptions {
  const resources = i.cpu !== undefined || i.memory !== undefined
  if (i.instances !== undefined && resources) {
    throw new UsageError('--instances and --cpu/--memory are two different changes', { hint: 'run ha scale once for each: first --instances, then --cpu/--memory' })
  }
  if (i.instances === undefined && !resources) throw new UsageError('ha scale needs --instances, or --cpu and/or --memory', { hint: 'e.g. dbaas ha scale pay --instances 5, or dbaas ha scale pay --memory 4Gi' })
  if (i.instances !== undefined) {
    if (i.dryRun !== undefined || i.yes) throw new UsageError('--dry-run and --yes go with --cpu/--memory', { hint: '--instances changes the number of members without a confirmation; leave them out' })
    return { kind: 'instances', o: { ...haTarget(i.name, i), instances: parseInstances(i.instances), wait: waits(i, true), timeoutMs: parseDuration(i.timeout) } }
  }
  return {
    kind: 'resources',
    o: {
      ...changeFlags(i.name, i, i.canPrompt),
      skipOperatorCheck: i.skipOperatorCheck === true,
      ...(i.cpu !== undefined ? { cpu: validateCpu(i.cpu) } : {}),
      ...(i.memory !== undefined ? { memory: validateMemory(i.memory) } : {}),
    },
  }
}
