// ha failover's options: the cluster and the standby to promote — on a terminal without a name, picked from
// the HA clusters and then from the cluster's ready standbys, and confirmed.
import type { FailoverOptions } from '../../../core/ha/failover.ts'
import { haList, haStatus } from '../../../core/ha/read.ts'
import { parseDuration } from '../../../core/names.ts'
import { InterruptedError, UsageError } from '../../../errors.ts'
import { clusterFlags, haTarget, type RawHa } from '../../flags.ts'
import type { CompleteContext } from '../../pipeline.ts'
import { commandLine } from '../../shell.ts'

export interface RawFailover extends RawHa {
  to?: string
  force?: boolean
  timeout: string
}

export interface FailoverInput extends RawFailover {
  name: string | undefined
}

export async function complete(c: CompleteContext<RawFailover>): Promise<FailoverInput> {
  const input: FailoverInput = { ...c.raw, name: c.args[0] as string | undefined }
  const pr = c.prompter
  if (input.name || !pr) return input
  const cluster = clusterFlags(c.raw)
  const skip = c.raw.skipOperatorCheck === true
  const clusters = (await haList({ cluster, namespace: c.raw.namespace, skipOperatorCheck: skip }, c.deps)).items
  if (clusters.length === 0) throw new UsageError('there is no HA cluster', { hint: 'create one with `dbaas ha create`' })
  const picked = await pr.search({
    message: 'HA cluster (type to filter)',
    choices: clusters.map((x) => ({ name: `${x.name}  (${x.status}, primary ${x.currentPrimary ?? '?'}, ${x.ready} ready, namespace ${x.namespace})`, value: x })),
  })
  input.name = picked.name
  input.namespace = picked.namespace
  if (!input.to && !input.force && picked.topology !== 'galera') {
    const st = await haStatus({ name: picked.name, namespace: picked.namespace, cluster: { ...cluster, namespace: picked.namespace }, skipOperatorCheck: skip }, c.deps)
    const standbys = st.members.filter((m) => (m.role === 'standby' || m.role === 'replica') && m.ready && !m.fenced)
    if (standbys.length === 0) throw new UsageError(`HA cluster "${picked.name}" has no ready standby to promote`, { hint: `\`dbaas ha status ${picked.name} -n ${picked.namespace}\` shows its instances` })
    input.to = await pr.select({ message: 'Standby to promote', choices: standbys.map((m) => ({ name: `${m.name}${m.state ? `  (${m.state})` : ''}`, value: m.name })) })
  }
  // A Galera cluster's only failover is the forced one: say so in the question.
  if (picked.topology === 'galera' && !input.to) input.force = true
  const line = commandLine(['dbaas', 'ha', 'failover', picked.name, '-n', picked.namespace, ...(input.to ? ['--to', input.to] : []), ...(input.force ? ['--force'] : [])])
  c.deps.printer.note(`The same without prompts:\n  ${line}`)
  const question = input.force ? `Delete the member "${picked.name}" writes go to (${picked.currentPrimary ?? '?'}) and wait until another member takes them and the cluster is whole again?` : `Switch "${picked.name}" over to ${input.to}?`
  if (!(await pr.confirm({ message: question, default: true }))) throw new InterruptedError('cancelled; nothing was done', { hint: `run it later with: ${line}` })
  return input
}

export function validate(i: FailoverInput): FailoverOptions {
  if (!i.name) throw new UsageError('missing argument: name', { hint: 'dbaas ha failover <name>; `dbaas ha list` shows the HA clusters' })
  return { ...haTarget(i.name, i), to: i.to, force: i.force === true, timeoutMs: parseDuration(i.timeout) }
}
