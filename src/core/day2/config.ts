// dbaas config get|set|unset for single instances. The parameters dbaas manages are chart values rendered
// into the ConfigMap <name>-config that the server reads (PostgreSQL: a dbaas.conf its postgresql.conf
// includes last; MySQL/MariaDB: a --defaults-extra-file). Names and values are checked against the running
// server through exec before anything is written (an unknown name or a bad value is 2); dbaas says whether
// each change applies on reload or needs a restart, writes the values (helm upgrade: the ConfigMap only, the
// pod keeps running), waits until the pod sees the new file (exec; the kubelet takes up to a minute), then
// reloads (PostgreSQL: pg_reload_conf(); MySQL/MariaDB: SET GLOBAL for what is dynamic). A restart happens
// only with --restart; otherwise the instance carries "restart pending" with the parameters that wait for it,
// which `status` shows until its pod has restarted.
import { createHash } from 'node:crypto'
import type { Deps } from '../../deps.ts'
import { OperationError, PreconditionError, UsageError } from '../../errors.ts'
import { R } from '../../k8s/kube.ts'
import type { Pod, StatefulSet } from '../../k8s/types.ts'
import { poll } from '../../k8s/wait.ts'
import { clientNodeExecer, type Execer, type ExecTarget } from '../metrics/exec.ts'
import { podReady } from '../instances.ts'
import { getValue, openInstance, recheckInstance, setValue, type OpenInstance, type Values } from './instance.ts'
import { resultOf, type Change, type ChangeOptions, type Day2Plan, type Day2Result } from './model.ts'
import { runOperation } from './op.ts'
import { instanceHistoryTarget } from './history.ts'
import { checkValue, generationOf, MARIADB_SQL, MY_NAME, MYSQL_SQL, parseMySettings, parsePgSettings, pgSettingsSql, PG_NAME, type ServerSetting } from './settings.ts'
import { changedObjects, helmUpgrade, renderValues, serverDryRun } from './instance.ts'
import { isStopped, replicasOf } from './single.ts'
import { waitRollout } from './wait.ts'
import { ANN_RESTART_PENDING, pendingNow, type RestartPending } from './pending.ts'

export { ANN_RESTART_PENDING, pendingNow }

/** How often the file is looked for while the kubelet syncs the ConfigMap (a wait with a deadline). */
export const FILE_POLL_MS = 2_000

function engineKind(o: OpenInstance): 'postgresql' | 'mysql' {
  return o.engine.name === 'postgresql' ? 'postgresql' : 'mysql'
}

function configFile(o: OpenInstance): string {
  return o.engine.name === 'postgresql' ? '/etc/dbaas/dbaas.conf' : '/etc/dbaas/dbaas.cnf'
}

export function managedOf(values: Values): Record<string, string> {
  const c = getValue(values, ['config'])
  return c && typeof c === 'object' && !Array.isArray(c) ? Object.fromEntries(Object.entries(c as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : {}
}

// ---- the server, through exec

export interface Server {
  read(names: string[]): Promise<ServerSetting[]>
  /** PostgreSQL: pg_reload_conf(); MySQL/MariaDB: SET GLOBAL name = value (or DEFAULT) for each dynamic one. */
  apply(changes: Array<{ name: string; value: string | null }>): Promise<void>
  /** The generation line of the configuration file the pod sees now ('' when it has none). */
  generation(): Promise<string>
}

function readyPod(pods: Pod[]): Pod | undefined {
  return pods.filter((p) => !p.metadata.deletionTimestamp && podReady(p)).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0]
}

/** The SQL goes in argv (it holds no secret): an exec's stdin close does not arrive through every exec (v4.channel, kwok's). */
export const psql = (sql: string) => ['sh', '-c', 'exec psql -X -q -At -v ON_ERROR_STOP=1 -U "${POSTGRES_USER:-postgres}" -d postgres -c "$0"', sql]
/**
 * The root password is stdin's one line (never argv); the SQL goes in argv (no secret in it), so the client
 * never reads stdin to its end — an exec whose stdin close does not arrive (kwok's, v4.channel) cannot hang it.
 */
export const mysql = (sql: string) => ['sh', '-c', 'IFS= read -r MYSQL_PWD; export MYSQL_PWD; if command -v mariadb >/dev/null 2>&1; then c=mariadb; else c=mysql; fi; exec "$c" -u root -N -B -e "$0"', sql]

/** A MySQL or MariaDB server's description of these variables: MariaDB describes them (type, range, read-only); MySQL only lists them. */
export async function readMySettings(sql: (q: string, what: string) => Promise<string>, names: string[]): Promise<ServerSetting[]> {
  try {
    return parseMySettings(await sql(MARIADB_SQL(names), 'read information_schema.SYSTEM_VARIABLES'))
  } catch (err) {
    if (!(err instanceof OperationError)) throw err
    return parseMySettings(await sql(MYSQL_SQL(names), 'read SHOW VARIABLES'))
  }
}

const instancePodsOf = async (o: OpenInstance): Promise<Pod[]> => (await o.kube.list(R.pods, o.namespace, { labelSelector: `dbaas.io/kind=pod,app.kubernetes.io/instance=${o.name}` })).items

/** The server of the instance's ready pod (`pods`: the instance's pods when already read). */
export async function serverOf(o: OpenInstance, deps: Deps, execer: Execer = clientNodeExecer(deps), pods?: Pod[]): Promise<Server> {
  const pod = readyPod(pods ?? (await instancePodsOf(o)))
  if (!pod) throw new PreconditionError(`instance "${o.name}" has no ready pod to ask its server`, { hint: `\`dbaas status ${o.name} -n ${o.namespace}\` shows why` })
  const t: ExecTarget = { cluster: o.cluster, namespace: o.namespace, pod: pod.metadata.name, container: o.engine.container }
  const file = configFile(o)
  const generation = async () => {
    const r = await execer(t, ['sh', '-c', `cat ${file} 2>/dev/null || true`], '', 'read the configuration file')
    return /dbaas generation ([0-9a-f]{12})/.exec(r.stdout)?.[1] ?? ''
  }
  if (engineKind(o) === 'postgresql') {
    return {
      generation,
      read: async (names) => parsePgSettings((await execer(t, psql(pgSettingsSql(names)), '', 'read pg_settings')).stdout),
      apply: async () => {
        await execer(t, psql('select pg_reload_conf();'), '', 'reload the configuration')
      },
    }
  }
  const secret = await o.kube.get(R.secrets, o.namespace, `${o.name}-credentials`)
  const root = Buffer.from(secret.data?.['root-password'] ?? '', 'base64').toString('utf8')
  const sql = (q: string, what: string) => execer(t, mysql(q), `${root}\n`, what).then((r) => r.stdout)
  return {
    generation,
    read: (names) => readMySettings(sql, names),
    apply: async (changes) => {
      if (changes.length === 0) return
      const stmt = changes.map((c) => `SET GLOBAL ${c.name} = ${c.value === null ? 'DEFAULT' : /^-?[0-9]+(\.[0-9]+)?$/.test(c.value) ? c.value : `'${c.value.replace(/'/g, "''")}'`};`).join('\n')
      await sql(`${stmt}\n`, 'apply the variables (SET GLOBAL)')
    },
  }
}

// ---- get

export interface ConfigRow {
  name: string
  /** What dbaas manages (null: not set by dbaas). */
  managed: string | null
  /** The server's effective value (null when the server could not be asked). */
  effective: string | null
  unit: string | null
  /** Where the effective value comes from, as the server says. */
  source: string | null
  /** reload or restart: what a change of it needs. */
  applies: 'reload' | 'restart' | null
  pendingRestart: boolean
}

/** One parameter as `config get` shows it: what dbaas manages beside what the server (when read) runs with. */
export function configRow(name: string, managed: Record<string, string>, server: ServerSetting[] | undefined, pending = false): ConfigRow {
  const s = server?.find((x) => x.name === name)
  return {
    name,
    managed: managed[name] ?? null,
    effective: s?.value ?? null,
    unit: s?.unit ?? null,
    source: s?.source ?? null,
    applies: s ? (s.restart ? 'restart' : 'reload') : null,
    pendingRestart: pending || s?.pendingRestart === true,
  }
}

export interface ConfigView {
  kind: 'instance' | 'ha-cluster'
  name: string
  namespace: string
  engine: string
  parameters: ConfigRow[]
  /** Parameters set but waiting for a restart. */
  restartPending: string[]
  notes: string[]
}

export interface ConfigGetOptions {
  name: string
  namespace?: string | undefined
  cluster: ChangeOptions['cluster']
  key?: string | undefined
}

export async function configGet(o: ConfigGetOptions, deps: Deps, execer?: Execer): Promise<ConfigView> {
  const open = await openInstance(o, 'read the configuration of', deps)
  const managed = managedOf(open.release.values)
  const pods = (await open.kube.list(R.pods, open.namespace, { labelSelector: `dbaas.io/kind=pod,app.kubernetes.io/instance=${open.name}` })).items
  const pending = pendingNow(open.statefulSet, pods)
  const names = o.key ? [o.key] : Object.keys(managed).sort()
  const notes: string[] = []
  let server: ServerSetting[] | undefined
  if (isStopped(open)) notes.push(`instance "${open.name}" is stopped: only the values dbaas manages are shown`)
  else if (names.length > 0) {
    server = await (await serverOf(open, deps, execer)).read(names)
  }
  if (o.key && server && !server.some((s) => s.name === o.key) && !(o.key in managed)) {
    throw new UsageError(`the server has no parameter "${o.key}"`, { hint: `\`dbaas config get ${open.name}\` lists the parameters dbaas manages` })
  }
  const rows = names.map((name) => configRow(name, managed, server, pending.includes(name)))
  return { kind: 'instance', name: open.name, namespace: open.namespace, engine: open.engine.name, parameters: rows, restartPending: pending, notes }
}

// ---- set / unset

export interface ConfigSetOptions extends ChangeOptions {
  /** set: name → value; unset: name → null. */
  changes: Record<string, string | null>
  /** Restart the pod once written (confirmed as `restart` is). */
  restart: boolean
}

export interface ConfigPlan {
  plan: Day2Plan
  open: OpenInstance
  values: Values
  /** Applied by a reload (or SET GLOBAL). */
  reload: Array<{ name: string; value: string | null }>
  /** Waiting for a restart (unless --restart). */
  restart: string[]
  generation: string
  server: Server
}

export function configParams(o: ConfigSetOptions): Record<string, string> {
  return { ...Object.fromEntries(Object.entries(o.changes).map(([k, v]) => [k, v ?? '<unset>'])), ...(o.restart ? { restart: 'true' } : {}) }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

export async function planConfig(o: ConfigSetOptions, deps: Deps, execer?: Execer): Promise<ConfigPlan> {
  const verb = Object.values(o.changes).every((v) => v === null) ? 'config unset' : 'config set'
  const open = await openInstance(o, verb, deps)
  if (isStopped(open)) {
    throw new PreconditionError(`instance "${open.name}" is stopped: dbaas checks parameters against the running server, so there is none to ask`, { hint: `start it first: \`dbaas start ${open.name} -n ${open.namespace}\`` })
  }
  const kind = engineKind(open)
  const nameRule = kind === 'postgresql' ? PG_NAME : MY_NAME
  for (const name of Object.keys(o.changes)) {
    if (!nameRule.test(name)) throw new UsageError(`"${name}" is not a ${open.engine.displayName} parameter name`, { hint: kind === 'postgresql' ? 'names are lower-case letters, digits and underscores, e.g. max_connections' : 'names are lower-case letters, digits and underscores, e.g. max_connections (dashes become underscores)' })
  }
  const managed = managedOf(open.release.values)
  for (const [name, v] of Object.entries(o.changes)) {
    if (v === null && !(name in managed)) {
      throw new UsageError(`dbaas does not manage "${name}" on instance "${open.name}": there is nothing to unset`, { hint: Object.keys(managed).length ? `it manages: ${Object.keys(managed).sort().join(', ')}` : 'it manages no parameter yet' })
    }
  }
  const pods = await instancePodsOf(open)
  const server = await serverOf(open, deps, execer, pods)
  const settings = await server.read(Object.keys(o.changes))
  const next = { ...managed }
  const changes: Change[] = []
  const reload: ConfigPlan['reload'] = []
  const restart: string[] = []
  for (const [name, raw] of Object.entries(o.changes)) {
    const s = settings.find((x) => x.name === name)
    if (!s) throw new UsageError(`the server has no parameter "${name}"; nothing was changed`, { hint: `check the name (the server is ${open.engine.displayName}; \`dbaas config get ${open.name}\` lists what dbaas manages)` })
    const value = raw === null ? null : checkValue(s, raw, kind)
    if (value === null) delete next[name]
    else next[name] = value
    if ((managed[name] ?? null) === value) continue
    changes.push({ field: name, from: managed[name] ?? null, to: value })
    if (s.restart) restart.push(name)
    else reload.push({ name, value })
  }
  const stillPending = pendingNow(open.statefulSet, pods)
  let values = setValue(open.release.values, ['config'], next)
  const annotations = { ...((getValue(values, ['annotations']) ?? {}) as Record<string, string>) }
  const waiting = [...new Set([...stillPending, ...restart])].sort()
  if (o.restart || waiting.length === 0) delete annotations[ANN_RESTART_PENDING]
  else annotations[ANN_RESTART_PENDING] = JSON.stringify({ params: waiting, since: new Date(deps.now()).toISOString() } satisfies RestartPending)
  values = setValue(values, ['annotations'], annotations)
  if (o.restart) values = setValue(values, ['restartedAt'], new Date(deps.now()).toISOString())
  const plan: Day2Plan = { kind: 'instance', verb, name: open.name, namespace: open.namespace, engine: open.engine.name, changes, effects: [], noop: changes.length === 0 && !(o.restart && stillPending.length > 0), notes: [], warnings: [] }
  if (!plan.noop) {
    if (reload.length) plan.effects.push(`${reload.map((r) => r.name).join(', ')}: applied by a reload (${kind === 'postgresql' ? 'pg_reload_conf()' : 'SET GLOBAL'}), no restart`)
    if (restart.length) plan.effects.push(`${restart.join(', ')}: ${o.restart ? 'applied by restarting the pod (--restart)' : 'needs a restart: `status` shows it pending until `dbaas restart` (or --restart here)'}`)
    if (o.restart) plan.effects.push('the pod is restarted (the database is unavailable while it restarts)')
  }
  return { plan, open, values, reload, restart, generation: generationOf(next, sha256), server }
}

/** Waits (a deadline, a look every FILE_POLL_MS) until the pod's configuration file carries this generation. */
export async function waitForFile(server: Server, generation: string, timeoutMs: number, deps: Deps, where: string): Promise<void> {
  deps.ui.step('Waiting for the pod to see the new configuration file (the kubelet syncs ConfigMaps within about a minute)')
  await poll(
    async () => {
      const seen = await server.generation()
      return { done: seen === generation, where: seen || '<none>' }
    },
    {
      timeoutMs,
      intervalMs: FILE_POLL_MS,
      signal: deps.signal,
      timedOut: (seen) => `the pod does not see the new configuration file yet (it has generation ${seen}, the new one is ${generation})`,
      timeoutHint: `the values are written; the kubelet delivers them: \`dbaas config set\` again with the same values waits for it and reloads (${where})`,
    },
  )
}

export async function executeConfig(p: ConfigPlan, o: ConfigSetOptions, replan: () => Promise<ConfigPlan>, deps: Deps): Promise<Day2Result> {
  if (p.plan.noop) return resultOf(p.plan, { action: 'unchanged', dryRun: o.dryRun })
  if (o.dryRun !== 'none') {
    const rendered = changedObjects(await renderValues(p.open, p.values, deps), p.open.release.manifest, p.open.namespace)
    const notes = [...p.plan.notes]
    const objects = o.dryRun === 'server' ? await serverDryRun(p.open.kube, rendered, notes) : rendered
    return resultOf(p.plan, { action: 'dry-run', dryRun: o.dryRun, objects, notes, extra: { reload: p.reload.map((r) => r.name), restart: p.restart } })
  }
  const result = await runOperation(
    {
      kube: p.open.kube,
      instance: p.open.name,
      namespace: p.open.namespace,
      what: 'instance',
      verb: p.plan.verb,
      history: instanceHistoryTarget(p.open.name, p.open.namespace),
      params: configParams(o),
      planned: p,
      stillHolds: (q) => recheckInstance(q.open),
      replan,
      apply: async (q) => {
        await helmUpgrade(q.open, q.values, o.timeoutMs, deps)
        const extra = { reload: q.reload.map((r) => r.name), restartPending: o.restart ? [] : q.restart, restarted: o.restart }
        if (!o.wait) return { action: 'requested', extra }
        if (o.restart) {
          // A new pod reads the new file as it starts.
          await waitRollout(q.open.kube, { name: q.open.name, namespace: q.open.namespace, replicas: replicasOf(q.values), timeoutMs: o.timeoutMs, what: 'the pod to restart with the new configuration' }, deps)
          return { action: 'changed', extra }
        }
        await waitForFile(q.server, q.generation, o.timeoutMs, deps, `dbaas config get ${q.open.name} -n ${q.open.namespace} shows what the server has`)
        if (q.reload.length) {
          deps.ui.step(q.open.engine.name === 'postgresql' ? 'Reloading the configuration (pg_reload_conf)' : 'Applying the dynamic variables (SET GLOBAL)')
          await q.server.apply(q.reload)
        }
        return { action: 'changed', extra }
      },
    },
    deps,
  )
  deps.ui.done()
  if (!o.restart && p.restart.length) result.notes.push(`restart pending for ${p.restart.join(', ')}: \`dbaas restart ${p.open.name} -n ${p.open.namespace}\` applies ${p.restart.length > 1 ? 'them' : 'it'}`)
  return result
}
