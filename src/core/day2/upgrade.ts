// dbaas upgrade <name> --version 17.6 for single instances: a minor release in place (the image tag in the
// release's values, a rolling restart, waited for until the pod runs it). A minor downgrade needs
// --allow-downgrade, a major downgrade is refused (2), a major upgrade needs --allow-major — and is not
// automated for single instances: exit 7 with the exact steps (a backup, a new instance at the new version,
// dump and load) before anything is written.
import type { Deps } from '../../deps.ts'
import { PreconditionError, UsageError } from '../../errors.ts'
import { getString, openInstance, setValue, type OpenInstance } from './instance.ts'
import type { Change, ChangeOptions, Day2Plan } from './model.ts'
import { replicasOf, type ValuesPlan } from './single.ts'
import { checkChange, classify, parseVersion, seriesOf, tagVersion } from './versions.ts'

export interface UpgradeOptions extends ChangeOptions {
  version: string
  allowMajor: boolean
  allowDowngrade: boolean
}

export function upgradeParams(o: UpgradeOptions): Record<string, string> {
  return { version: o.version, ...(o.allowMajor ? { 'allow-major': 'true' } : {}), ...(o.allowDowngrade ? { 'allow-downgrade': 'true' } : {}) }
}

/** The exact steps of a major upgrade of a single instance, until dbaas automates them. */
export function majorSteps(o: OpenInstance, wanted: string): string {
  const n = o.name
  const ns = o.namespace
  const next = `${n}-${wanted.replace(/\./g, '-')}`
  const v = o.release.values
  const size = getString(v, ['storage', 'size']) ?? '10Gi'
  const cpu = getString(v, ['resources', 'requests', 'cpu'])
  const mem = getString(v, ['resources', 'requests', 'memory'])
  const pg = o.engine.name === 'postgresql'
  const maria = o.engine.name === 'mariadb'
  const dump = pg
    ? `kubectl exec -n ${ns} ${n}-0 -- sh -c 'exec pg_dumpall -U "$POSTGRES_USER" --no-role-passwords' | kubectl exec -i -n ${ns} ${next}-0 -- sh -c 'exec psql -U "$POSTGRES_USER" -d postgres -v ON_ERROR_STOP=0'`
    : maria
      ? `kubectl exec -n ${ns} ${n}-0 -- sh -c 'exec mariadb-dump -uroot -p"$MARIADB_ROOT_PASSWORD" --all-databases --routines --events --single-transaction' | kubectl exec -i -n ${ns} ${next}-0 -- sh -c 'exec mariadb -uroot -p"$MARIADB_ROOT_PASSWORD"'`
      : `kubectl exec -n ${ns} ${n}-0 -- sh -c 'exec mysqldump -uroot -p"$MYSQL_ROOT_PASSWORD" --all-databases --routines --events --single-transaction' | kubectl exec -i -n ${ns} ${next}-0 -- sh -c 'exec mysql -uroot -p"$MYSQL_ROOT_PASSWORD"'`
  return [
    `a major upgrade of a single instance is done beside it, in four steps:`,
    `  1. a way back:         dbaas backup create ${n} -n ${ns}`,
    `  2. the new version:    dbaas create ${o.engine.name} ${next} -n ${ns} --version ${wanted} --storage ${size}${cpu ? ` --cpu ${cpu}` : ''}${mem ? ` --memory ${mem}` : ''}`,
    `  3. dump and load:      ${dump}`,
    `  4. switch the clients: dbaas connection ${next} -n ${ns}; once they run on it, dbaas delete ${n} -n ${ns}`,
  ].join('\n')
}

export async function planUpgrade(o: UpgradeOptions, deps: Deps): Promise<ValuesPlan> {
  const open = await openInstance(o, 'upgrade', deps)
  const v = open.release.values
  const series = getString(v, ['engineVersion']) ?? open.view.version
  const tag = getString(v, ['image', 'tag']) || series
  const parsed = tagVersion(tag) ?? { version: series, suffix: '' }
  const wanted = parseVersion(o.version).join('.')
  const wantedSeries = seriesOf(open.engine.name, wanted)
  if (!open.engine.versions.includes(wantedSeries)) {
    throw new UsageError(`${open.engine.displayName} ${wanted} is not a version dbaas runs`, { hint: `versions of ${open.engine.displayName}: ${open.engine.versions.join(', ')} (and their minor releases, e.g. ${open.engine.versions[1] ?? open.engine.versions[0]}.1)` })
  }
  const change = classify(open.engine.name, parsed.version, wanted)
  checkChange(change, { current: parsed.version, wanted, allowMajor: o.allowMajor, allowDowngrade: o.allowDowngrade, what: `instance "${open.name}"` })
  if (change === 'major-up') {
    throw new PreconditionError(`dbaas does not upgrade a single instance from ${open.engine.displayName} ${series} to ${wantedSeries} in place; nothing was changed`, {
      hint: majorSteps(open, wanted),
    })
  }
  const newTag = `${wanted}${parsed.suffix}`
  const changes: Change[] = change === 'same' ? [] : [{ field: 'version', from: tag, to: newTag }]
  const plan: Day2Plan = { kind: 'instance', verb: 'upgrade', name: open.name, namespace: open.namespace, engine: open.engine.name, changes, effects: [], noop: changes.length === 0, notes: [], warnings: [] }
  const repo = getString(v, ['image', 'repository']) ?? open.engine.image
  if (!plan.noop) {
    plan.effects.push(`the pod is restarted on image ${repo}:${newTag} (a minor release: same data files, no dump needed)`)
    if (change === 'minor-pin') plan.warnings.push(`the running tag "${tag}" floats: dbaas cannot tell whether ${newTag} is newer or older than what runs`)
    if (change === 'minor-down') plan.warnings.push(`${parsed.version} → ${wanted} is a downgrade (--allow-downgrade)`)
  }
  const values = setValue(v, ['image', 'tag'], newTag)
  return { plan, open, values, replicas: replicasOf(values), waitFor: `the pod to run ${repo}:${newTag}` }
}
