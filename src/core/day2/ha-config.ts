// dbaas ha config get|set|unset: the server parameters of an HA cluster, through the config part of its
// engine's day-2 capability (CloudNativePG: spec.postgresql.parameters, which the operator carries to every
// instance; the MySQL-family operators: a my.cnf text, ha-config-mysql.ts). Names and values are checked against
// the primary's pg_settings through exec before anything is written (the single-instance checks of config.ts/settings.ts); parameters the operator manages itself are
// refused. One merge patch under the cluster's Lease (day2/ha.ts), then the wait: the cluster healthy, and —
// through exec on the primary — the new value in effect with no restart pending (CloudNativePG reloads, or
// restarts the instances itself for a parameter that needs it). An engine without the part exits 7.
import type { Deps } from '../../deps.ts'
import { PreconditionError, UsageError } from '../../errors.ts'
import { R, type KubeObject } from '../../k8s/kube.ts'
import type { Pod } from '../../k8s/types.ts'
import type { HaEngine } from '../ha/engine.ts'
import { openCluster, type HaTarget } from '../ha/find.ts'
import { podReady } from '../instances.ts'
import { clientNodeExecer, type Execer } from '../metrics/exec.ts'
import { configRow, psql, type ConfigView } from './config.ts'
import type { Change } from './model.ts'
import { basePlan, openHa, podsWhere, refuseBusy, refuseHibernated, requireDay2, settleConfig, type HaChangeOptions, type HaPlan } from './ha.ts'
import { myConfigGet, planMyConfig } from './ha-config-mysql.ts'
import { checkValue, parsePgSettings, pgNumber, pgSettingsSql, PG_NAME, type ServerSetting } from './settings.ts'

/** How often the primary is asked while a change settles (a wait with a deadline). */
export const SETTLE_POLL_MS = 2_000

export interface HaConfigGetOptions extends HaTarget {
  key?: string | undefined
}

export interface HaConfigSetOptions extends HaChangeOptions {
  /** set: name → value; unset: name → null. */
  changes: Record<string, string | null>
}

/** Reads pg_settings on the cluster's current primary (exec into its database container). */
async function readPrimary(engine: HaEngine, c: KubeObject, o: HaTarget, names: string[], execer: Execer): Promise<ServerSetting[]> {
  const primary = engine.view(c).currentPrimary
  const container = engine.day2?.container ?? 'postgres'
  if (!primary) throw new PreconditionError(`HA cluster "${c.metadata.name}" has no primary to ask its server`, { hint: `\`dbaas ha status ${c.metadata.name} -n ${c.metadata.namespace}\` shows why` })
  const t = { cluster: o.cluster, namespace: c.metadata.namespace as string, pod: primary, container }
  return parsePgSettings((await execer(t, psql(pgSettingsSql(names)), '', 'read pg_settings on the primary')).stdout)
}

function engineKind(engine: HaEngine): 'postgresql' {
  if (engine.engine !== 'postgresql') {
    // Only PostgreSQL's pg_settings is read for HA clusters so far (a MySQL-family entry would need its own reader).
    throw new PreconditionError(`dbaas ha config is not supported for ${engine.displayName} clusters yet; nothing was changed`, { hint: 'dbaas ha config works for: postgresql (CloudNativePG)' })
  }
  return 'postgresql'
}

/** The plan makes the operator restart the instances (a restart-context parameter): the verb asks, as `ha restart` does. */
export function restarts(p: HaPlan): boolean {
  // The MySQL-family operators roll every member for any configuration change (ha-config-mysql.ts).
  return p.extra?.rolls === true || ((p.extra?.restart as string[] | undefined) ?? []).length > 0
}

export function haConfigParams(o: HaConfigSetOptions): Record<string, string> {
  return Object.fromEntries(Object.entries(o.changes).map(([k, v]) => [k, v ?? '<unset>']))
}

// ---- get

export async function haConfigGet(o: HaConfigGetOptions, deps: Deps, execer: Execer = clientNodeExecer(deps)): Promise<ConfigView> {
  const { kube, engine, cluster } = await openCluster(o, deps)
  const cfg = requireDay2(engine, 'config', 'ha config get')
  if (cfg.kind === 'my.cnf') return myConfigGet(kube, engine, cfg, cluster, o, execer)
  engineKind(engine)
  const managed = cfg.current(cluster)
  const names = o.key ? [o.key] : Object.keys(managed).sort()
  const notes: string[] = []
  let server: ServerSetting[] | undefined
  if (engine.day2?.hibernation?.requested(cluster)) notes.push(`HA cluster "${cluster.metadata.name}" is stopped (hibernated): only the values in ${cfg.field} are shown`)
  else if (names.length > 0) server = await readPrimary(engine, cluster, o, names, execer)
  if (o.key && server && !server.some((s) => s.name === o.key) && !(o.key in managed)) {
    throw new UsageError(`the server has no parameter "${o.key}"`, { hint: `\`dbaas ha config get ${cluster.metadata.name}\` lists the parameters set in ${cfg.field}` })
  }
  const parameters = names.map((name) => configRow(name, managed, server))
  const restartPending = parameters.filter((p) => p.pendingRestart).map((p) => p.name)
  if (restartPending.length) notes.push(`${engine.operator.name} restarts the instances itself for ${restartPending.join(', ')}; \`dbaas ha status ${cluster.metadata.name}\` follows it`)
  return { kind: 'ha-cluster', name: cluster.metadata.name, namespace: cluster.metadata.namespace as string, engine: engine.engine, parameters, restartPending: [], notes }
}

// ---- set / unset

/** The server shows the wanted value (compared in the parameter's own unit), or — unset — no longer the old one from the file. */
export function inEffect(s: ServerSetting, want: string | null, old: string | null): boolean {
  if (s.pendingRestart) return false
  if (want === null) {
    if (s.source !== 'configuration file' || old === null) return true
    return !inEffect({ ...s, pendingRestart: false }, old, null)
  }
  switch (s.type) {
    case 'integer':
    case 'real': {
      const a = pgNumber(want, s.unit)
      const b = Number(s.value)
      return a !== undefined && Math.abs(a - b) <= Math.max(1e-9, Math.abs(b) * 1e-9) + (s.type === 'integer' ? 0.5 : 0)
    }
    case 'bool':
    case 'enum':
      return s.value.toLowerCase() === want.toLowerCase()
    default:
      return s.value === want
  }
}

export async function planHaConfig(o: HaConfigSetOptions, deps: Deps, execer: Execer = clientNodeExecer(deps)): Promise<HaPlan> {
  const unset = Object.values(o.changes).every((v) => v === null)
  const verb = unset ? 'ha config unset' : 'ha config set'
  const { kube, engine, cluster } = await openHa(o, deps)
  const cfg = requireDay2(engine, 'config', verb)
  if (cfg.kind === 'my.cnf') return planMyConfig({ kube, engine, cluster }, cfg, o, verb, deps, execer)
  const kind = engineKind(engine)
  const name = cluster.metadata.name
  const ns = cluster.metadata.namespace as string
  for (const key of Object.keys(o.changes)) {
    if (!PG_NAME.test(key)) throw new UsageError(`"${key}" is not a ${engine.displayName} parameter name; nothing was changed`, { hint: 'names are lower-case letters, digits and underscores, e.g. work_mem' })
    if (cfg.fixed.has(key)) throw new UsageError(`${key} is managed by ${engine.operator.name} and cannot be set; nothing was changed`, { hint: 'leave it out; the operator sets it for replication, TLS and its own tooling' })
  }
  const managed = cfg.current(cluster)
  for (const [key, v] of Object.entries(o.changes)) {
    if (v === null && !(key in managed)) {
      throw new UsageError(`${cfg.field} of HA cluster "${name}" has no "${key}": there is nothing to unset`, { hint: Object.keys(managed).length ? `it has: ${Object.keys(managed).sort().join(', ')}` : 'it sets no parameter yet' })
    }
  }
  refuseHibernated(engine, cluster, `change the configuration of (dbaas checks parameters against the running primary)`)
  const settings = await readPrimary(engine, cluster, o, Object.keys(o.changes), execer)
  const changes: Change[] = []
  const patch: Record<string, string | null> = {}
  const reload: string[] = []
  const restart: string[] = []
  const wanted: Record<string, { value: string | null; old: string | null }> = {}
  for (const [key, raw] of Object.entries(o.changes)) {
    const s = settings.find((x) => x.name === key)
    if (!s) throw new UsageError(`the server has no parameter "${key}"; nothing was changed`, { hint: `check the name (the primary runs ${engine.displayName}; \`dbaas ha config get ${name}\` lists what is set)` })
    const value = raw === null ? null : checkValue(s, raw, kind)
    if ((managed[key] ?? null) === value) continue
    changes.push({ field: key, from: managed[key] ?? null, to: value })
    patch[key] = value
    wanted[key] = { value, old: managed[key] ?? null }
    if (s.restart) restart.push(key)
    else reload.push(key)
  }
  const plan = basePlan(cluster, engine, verb, changes)
  if (!plan.noop) {
    refuseBusy(engine, cluster, 'change its configuration')
    if (reload.length) plan.effects.push(`${reload.join(', ')}: applied by a reload (${engine.operator.name} reloads every instance), no restart`)
    if (restart.length) plan.effects.push(`${restart.join(', ')}: needs a restart — ${engine.operator.name} restarts every instance itself, standbys first, then the primary (a switchover or an in-place restart)`)
  }
  const settle = async (): Promise<void> => {
    const keys = Object.keys(wanted)
    deps.ui.step(`Waiting for the primary to run with ${changes.map((c) => `${c.field}=${c.to ?? '<default>'}`).join(', ')}`)
    await settleConfig(
      async () => {
        const c = await kube.get(engine.resource, ns, name)
        const pods = (await kube.list(R.pods, ns, { labelSelector: engine.podSelector(c) })).items
        const live = pods.filter((p: Pod) => !p.metadata.deletionTimestamp)
        if (!(engine.healthy(c) && live.length >= engine.view(c).instances && live.every(podReady))) {
          return { done: false, where: `${engine.whereItStands(c)}; ${podsWhere(live)}` }
        }
        // A primary that cannot be asked yet (restarting) is a turn to wait, not a failure.
        const now = await readPrimary(engine, c, o, keys, execer).catch((err: Error) => err)
        if (now instanceof Error) return { done: false, where: `the primary could not be asked: ${now.message}` }
        const bad = keys.filter((k) => {
          const s = now.find((x) => x.name === k)
          return !s || !inEffect(s, wanted[k]?.value ?? null, wanted[k]?.old ?? null)
        })
        const where = bad.map((k) => {
          const s = now.find((x) => x.name === k)
          return `${k}=${s?.value ?? '?'}${s?.unit ? ` ${s.unit}` : ''}${s?.pendingRestart ? ' (restart pending)' : ''}`
        }).join(', ')
        return { done: bad.length === 0, where }
      },
      'the primary does',
      { engine, name, namespace: ns, timeoutMs: o.timeoutMs, intervalMs: SETTLE_POLL_MS },
      deps,
    )
  }
  return {
    plan,
    kube,
    engine,
    cluster,
    patch: cfg.patch(patch),
    // The watch's part: the operator took the spec and the cluster is healthy; the primary's view comes after (settle).
    done: (c) => engine.healthy(c),
    where: (c, pods) => `${c ? engine.whereItStands(c) : 'no cluster object'}; ${podsWhere(pods)}`,
    waitFor: 'the cluster to be healthy with the new configuration',
    settle,
    extra: { reload, restart },
  }
}
