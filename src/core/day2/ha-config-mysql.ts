// dbaas ha config for the MySQL-family operators (Percona XtraDB Cluster, the MariaDB operator): the values live
// in the my.cnf text the operator mounts (mycnf.ts keeps dbaas's block apart from hand-written lines). Names and
// values are checked against a running member through exec before anything is written (the single-instance
// reader of config.ts/settings.ts: MariaDB's information_schema.SYSTEM_VARIABLES, MySQL's SHOW VARIABLES and its
// documented static list). Both operators roll every member for any change of the field (mysql-ha.ts), so every
// change is a rolling restart and asks as `ha restart` does, even for a variable SET GLOBAL could change. One
// merge patch under the cluster's Lease (day2/ha.ts); the wait: the operator reports the roll done, every member
// pod rolled and ready, then — through exec on every member — the new values in effect.
import type { Deps } from '../../deps.ts'
import { PreconditionError, UsageError } from '../../errors.ts'
import { R, type Kube, type KubeObject } from '../../k8s/kube.ts'
import type { Pod } from '../../k8s/types.ts'
import type { HaEngine } from '../ha/engine.ts'
import type { HaTarget } from '../ha/find.ts'
import { podReady } from '../instances.ts'
import type { Execer } from '../metrics/exec.ts'
import type { MyCnfConfig } from './capability.ts'
import { configRow, mysql, readMySettings, type ConfigView } from './config.ts'
import type { Change } from './model.ts'
import { basePlan, podsWhere, refuseBusy, settleConfig, type HaPlan } from './ha.ts'
import { editCnf, optionName, readCnf } from './mycnf.ts'
import { mariadbUpdateWhere, rolledPod } from './mysql-ha.ts'
import { checkValue, MY_NAME, mysqlNumber, type ServerSetting } from './settings.ts'

/** How often the members are asked while a change settles (a wait with a deadline). */
export const MY_SETTLE_POLL_MS = 2_000

const live = (pods: Pod[]) => pods.filter((p) => !p.metadata.deletionTimestamp)

async function memberPods(kube: Kube, engine: HaEngine, cfg: MyCnfConfig, c: KubeObject): Promise<Pod[]> {
  const pods = (await kube.list(R.pods, c.metadata.namespace, { labelSelector: engine.podSelector(c) })).items
  return cfg.members(c, pods).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
}

/** Reads the variables on one member pod (exec into its database container, root's password on stdin). */
async function readMember(kube: Kube, engine: HaEngine, cfg: MyCnfConfig, c: KubeObject, o: HaTarget, pod: string, names: string[], execer: Execer): Promise<ServerSetting[]> {
  const ns = c.metadata.namespace as string
  const ref = cfg.rootSecret(c)
  const secret = await kube.get(R.secrets, ns, ref.name)
  const raw = secret.data?.[ref.key]
  if (!raw) throw new PreconditionError(`Secret ${ns}/${ref.name} has no "${ref.key}" (the root password dbaas reads the server with)`, { hint: `\`kubectl -n ${ns} get secret ${ref.name}\`` })
  const root = Buffer.from(raw, 'base64').toString('utf8')
  const t = { cluster: o.cluster, namespace: ns, pod, container: engine.day2?.container ?? 'mysql' }
  return readMySettings((q, what) => execer(t, mysql(q), `${root}\n`, `${what} on ${pod}`).then((r) => r.stdout), names)
}

/** The member to ask first: the one the engine reports writing (primary / HAProxy's writer), else the first ready one. */
function askWhom(engine: HaEngine, c: KubeObject, members: Pod[]): string {
  const ready = live(members).filter(podReady).map((p) => p.metadata.name)
  const primary = engine.view(c).currentPrimary
  const pick = primary && ready.includes(primary) ? primary : ready[0]
  if (!pick) throw new PreconditionError(`HA cluster "${c.metadata.name}" has no ready member to ask its server`, { hint: `\`dbaas ha status ${c.metadata.name} -n ${c.metadata.namespace}\` shows why` })
  return pick
}

/**
 * Where a value comes from an option file: MariaDB's GLOBAL_VALUE_ORIGIN `CONFIG`; MySQL's VARIABLE_SOURCE for
 * /etc/my.cnf (`GLOBAL`), $MYSQL_HOME/my.cnf (`SERVER`), --defaults-file (`EXPLICIT`), --defaults-extra-file
 * (`EXTRA`) and the files they include.
 */
const FROM_FILE = new Set(['CONFIG', 'GLOBAL', 'SERVER', 'EXPLICIT', 'EXTRA'])

/**
 * The server runs with the wanted value (numbers compared as numbers, ON/OFF as booleans), or — unset — no longer
 * with the file's old one. Asked of a member rolled onto the new file, a number the file set counts as in effect
 * when the server rounded it (InnoDB makes innodb_buffer_pool_size a multiple of chunk size × instances, other
 * sizes go to their block size): within half to twice the wanted value, never the other side of that.
 */
export function myInEffect(s: ServerSetting, want: string | null, old: string | null): boolean {
  const fromFile = s.source !== null && FROM_FILE.has(s.source)
  if (want === null) return !fromFile || old === null || !myInEffect({ ...s, source: null }, old, null)
  const v = s.value.trim()
  switch (s.type) {
    case 'integer':
    case 'real': {
      const a = mysqlNumber(want.trim())
      if (a === undefined) return false
      const n = Number(v)
      if (Math.abs(a - n) <= Math.max(1e-9, Math.abs(a) * 1e-9)) return true
      return s.type === 'integer' && fromFile && a > 0 && n >= a / 2 && n <= a * 2
    }
    case 'bool': {
      const on = (x: string) => ['on', '1', 'true', 'yes'].includes(x.toLowerCase())
      return on(v) === on(want.trim())
    }
    default:
      return v.toLowerCase() === want.trim().toLowerCase()
  }
}

// ---- get

export async function myConfigGet(kube: Kube, engine: HaEngine, cfg: MyCnfConfig, cluster: KubeObject, o: HaTarget & { key?: string | undefined }, execer: Execer): Promise<ConfigView> {
  const { managed, handWritten } = readCnf(cfg.text(cluster), cfg.sections)
  const key = o.key === undefined ? undefined : optionName(o.key)
  const names = key ? [key] : [...new Set([...Object.keys(managed), ...Object.keys(handWritten)])].sort()
  const notes: string[] = []
  let server: ServerSetting[] | undefined
  if (names.length > 0) {
    const members = await memberPods(kube, engine, cfg, cluster)
    server = await readMember(kube, engine, cfg, cluster, o, askWhom(engine, cluster, members), names, execer)
  }
  if (key && server && !server.some((s) => s.name === key) && !(key in managed) && !(key in handWritten)) {
    throw new UsageError(`the server has no variable "${key}"`, { hint: `\`dbaas ha config get ${cluster.metadata.name}\` lists the options set in ${cfg.field}` })
  }
  const hand = names.filter((n) => n in handWritten && !(n in managed))
  if (hand.length) notes.push(`written by hand in ${cfg.field} (outside dbaas's block, kept as they are): ${hand.map((n) => `${n}=${handWritten[n]}`).join(', ')}`)
  return { kind: 'ha-cluster', name: cluster.metadata.name, namespace: cluster.metadata.namespace as string, engine: engine.engine, parameters: names.map((n) => configRow(n, managed, server)), restartPending: [], notes }
}

// ---- set / unset

export async function planMyConfig(
  opened: { kube: Kube; engine: HaEngine; cluster: KubeObject },
  cfg: MyCnfConfig,
  o: HaTarget & { changes: Record<string, string | null>; timeoutMs: number; wait: boolean },
  verb: string,
  deps: Deps,
  execer: Execer,
): Promise<HaPlan> {
  const { kube, engine, cluster } = opened
  const name = cluster.metadata.name
  const ns = cluster.metadata.namespace as string
  const changesIn: Record<string, string | null> = {}
  for (const [raw, v] of Object.entries(o.changes)) {
    const key = optionName(raw)
    if (!MY_NAME.test(key)) throw new UsageError(`"${raw}" is not a ${engine.displayName} variable name; nothing was changed`, { hint: 'names are letters, digits and underscores (dashes become underscores), e.g. max_connections' })
    if (cfg.fixed(key)) throw new UsageError(`${key} is managed by ${engine.operator.name} and cannot be set; nothing was changed`, { hint: 'leave it out; the operator writes it for replication, Galera, TLS and its own tooling' })
    changesIn[key] = v
  }
  const text = cfg.text(cluster)
  const { managed, handWritten } = readCnf(text, cfg.sections)
  const current = (k: string) => managed[k] ?? handWritten[k] ?? null
  for (const [key, v] of Object.entries(changesIn)) {
    if (v === null && current(key) === null) {
      const all = [...new Set([...Object.keys(managed), ...Object.keys(handWritten)])].sort()
      throw new UsageError(`${cfg.field} of HA cluster "${name}" sets no "${key}": there is nothing to unset`, { hint: all.length ? `it sets: ${all.join(', ')}` : 'it sets no option yet' })
    }
  }
  const members = await memberPods(kube, engine, cfg, cluster)
  const settings = await readMember(kube, engine, cfg, cluster, o, askWhom(engine, cluster, members), Object.keys(changesIn), execer)
  const changes: Change[] = []
  const edit: Record<string, string | null> = {}
  const reload: string[] = []
  const restart: string[] = []
  const wanted: Record<string, { value: string | null; old: string | null }> = {}
  for (const [key, raw] of Object.entries(changesIn)) {
    const s = settings.find((x) => x.name === key)
    if (!s) throw new UsageError(`the server has no variable "${key}"; nothing was changed`, { hint: `check the name (the members run ${engine.displayName}; \`dbaas ha config get ${name}\` lists what is set)` })
    const value = raw === null ? null : checkValue(s, raw, 'mysql')
    // Already dbaas's with this value (a hand-written one of the same value still moves into the block).
    if (value !== null && managed[key] === value && !(key in handWritten)) continue
    changes.push({ field: key, from: current(key), to: value })
    edit[key] = value
    wanted[key] = { value, old: current(key) }
    if (s.restart) restart.push(key)
    else reload.push(key)
  }
  const next = editCnf(text, cfg.sections, edit)
  const plan = basePlan(cluster, engine, verb, changes)
  let since = deps.now()
  let before = new Set(live(members).map((p) => p.metadata.annotations?.[cfg.hashAnnotation]).filter((h): h is string => h !== undefined))
  // Written before (a run that timed out or was interrupted) and the operator still rolling: only the wait is
  // left, and the operator's own report decides it (the members' hashes may already be the new one).
  const resuming = plan.noop && Object.keys(changesIn).length > 0 && !cfg.rolled(cluster)
  if (resuming) {
    plan.noop = false
    for (const [key, v] of Object.entries(changesIn)) {
      const now = managed[key] ?? v
      changes.push({ field: key, from: now, to: now })
      wanted[key] = { value: now, old: null }
    }
    plan.notes.push(`${cfg.field} already has ${changes.map((c) => `${c.field}=${c.to ?? '<unset>'}`).join(', ')}; waiting for ${engine.operator.name} to finish rolling the members`)
    before = new Set()
    since = 0
  } else if (!plan.noop) {
    refuseBusy(engine, cluster, 'change its configuration')
    if (!cfg.rolled(cluster)) {
      throw new PreconditionError(`HA cluster ${name} cannot change its configuration now: ${engine.operator.name} has not finished the last change (${engine.whereItStands(cluster)})`, { hint: `wait until \`dbaas ha status ${name} -n ${ns}\` shows it healthy, then run the command again` })
    }
    const manual = cfg.manualRoll(cluster)
    if (manual) {
      // The operator restarts nothing itself: a wait would wait for whoever deletes the pods.
      if (o.wait) {
        throw new PreconditionError(`HA cluster ${name} has ${manual}: ${engine.operator.name} restarts no member itself, so the new configuration reaches the members only when their pods are deleted; nothing was changed`, {
          hint: `pass --no-wait to write it and restart the members yourself (replicas first, the primary last), or change the update strategy to one the operator rolls`,
        })
      }
      plan.warnings.push(`${manual}: ${engine.operator.name} restarts no member itself; the members run with it once their pods are deleted`)
    }
    if (reload.length) plan.effects.push(`${reload.join(', ')}: dynamic (the server could take it with SET GLOBAL), yet ${engine.operator.name} restarts the members for it as for any change of ${cfg.field}`)
    if (restart.length) plan.effects.push(`${restart.join(', ')}: needs a restart (read-only while the server runs)`)
    if (!manual) plan.effects.push(cfg.rollout)
    for (const line of next.replaced) plan.notes.push(`the hand-written line "${line}" in ${cfg.field} is replaced: dbaas now keeps that option in its block`)
  }
  const fresh = (p: Pod) => rolledPod(p, cfg.hashAnnotation, before, since)
  const rolled = (c: KubeObject, pods: Pod[]): boolean => {
    const mine = live(cfg.members(c, pods))
    return cfg.rolled(c) && mine.length >= engine.view(c).instances && mine.every((p) => podReady(p) && fresh(p))
  }
  const settle = async (): Promise<void> => {
    const keys = Object.keys(wanted)
    deps.ui.step(`Checking every member runs with ${changes.map((c) => `${c.field}=${c.to ?? '<default>'}`).join(', ')}`)
    await settleConfig(
      async () => {
        const c = await kube.get(engine.resource, ns, name)
        const pods = live(await memberPods(kube, engine, cfg, c))
        if (!rolled(c, pods)) return { done: false, where: `${engine.whereItStands(c)}; ${podsWhere(pods, fresh)}` }
        const bad: string[] = []
        for (const p of pods) {
          // A member that cannot be asked yet (restarting) is a turn to wait, not a failure.
          const now = await readMember(kube, engine, cfg, c, o, p.metadata.name, keys, execer).catch((err: Error) => err)
          if (now instanceof Error) return { done: false, where: `a member could not be asked: ${now.message}` }
          for (const k of keys) {
            const s = now.find((x) => x.name === k)
            if (!s || !myInEffect(s, wanted[k]?.value ?? null, wanted[k]?.old ?? null)) bad.push(`${p.metadata.name}: ${k}=${s?.value ?? '?'}`)
          }
        }
        return { done: bad.length === 0, where: bad.join(', ') }
      },
      'the members do',
      { engine, name, namespace: ns, timeoutMs: o.timeoutMs, intervalMs: MY_SETTLE_POLL_MS },
      deps,
    )
  }
  const status = (c: KubeObject) => `${engine.whereItStands(c)}${engine.engine === 'mariadb' ? `, ${mariadbUpdateWhere(c)}` : ''}`
  return {
    plan,
    kube,
    engine,
    cluster,
    patch: cfg.patch(next.text),
    done: (c, pods) => rolled(c, pods),
    where: (c, pods) => `${c ? status(c) : 'no cluster object'}; ${podsWhere(live(cfg.members(c ?? cluster, pods)), fresh)}`,
    waitFor: `${engine.operator.name} to roll every member onto the new configuration`,
    settle,
    // Every change rolls the members (unless the update strategy leaves it to the user): the verb asks as `ha restart` does.
    extra: { reload, restart, rolls: !resuming && !cfg.manualRoll(cluster) },
  }
}
