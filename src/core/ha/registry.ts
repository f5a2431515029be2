// The HA engine registry, beside the single-instance one: CloudNativePG (postgresql), Percona XtraDB Cluster
// (mysql), the MariaDB operator (mariadb). Lookups by the word `ha create` takes, by the dbaas.io/engine label,
// by id; and the two refusals every verb shares: a flag the engine does not support (2, naming the engines
// that do) and a capability it lacks (7, naming the engines that have it).
import { PreconditionError, UsageError } from '../../errors.ts'
import { KIND, Kinds } from '../../k8s/labels.ts'
import type { HaEngine, HaEngineId, HaFlag, Topology } from './engine.ts'
import { cnpg } from './engines/cnpg.ts'
import { cnpgDay2 } from '../day2/cnpg.ts'
import { mariadbDay2, pxcDay2 } from '../day2/mysql-ha.ts'
import { mariadb } from './engines/mariadb.ts'
import { pxc } from './engines/pxc.ts'

// The day-2 capabilities live with the day-2 verbs: CloudNativePG's in core/day2/cnpg.ts, the MySQL-family
// operators' (configuration only) in core/day2/mysql-ha.ts.
export const HA_ENGINES: readonly HaEngine[] = [{ ...cnpg, day2: cnpgDay2 } as unknown as HaEngine, { ...pxc, day2: pxcDay2 } as unknown as HaEngine, { ...mariadb, day2: mariadbDay2 } as unknown as HaEngine]

/** Every HA cluster dbaas created carries these labels, whatever its kind. */
export const HA_SELECTOR = `${KIND}=${Kinds.haCluster}`

export function haEngine(id: HaEngineId): HaEngine {
  return HA_ENGINES.find((e) => e.id === id) as HaEngine
}

/** `ha create <word> <name>`: postgres/postgresql/pg, mysql/pxc, mariadb. */
export function engineForWord(word: string): HaEngine | undefined {
  const w = word.toLowerCase()
  return HA_ENGINES.find((e) => e.words.includes(w))
}

export function engineWords(): string {
  return HA_ENGINES.map((e) => e.words.join('/')).join(', ')
}

/** The HA engine of a dbaas.io/engine label (one HA engine per database engine). */
export function engineOfLabel(label: string | undefined): HaEngine | undefined {
  return HA_ENGINES.find((e) => e.engine === label)
}

function names(list: readonly HaEngine[]): string {
  return list.map((e) => e.engine).join(', ')
}

/** A flag this engine (and topology) does not support: exit 2, naming the engines that do. */
export function requireFlag(engine: HaEngine, flag: HaFlag, topology?: Topology): void {
  const galeraOnly = flag === '--to' && topology === 'galera'
  if (engine.flags.has(flag) && !galeraOnly) return
  const others = HA_ENGINES.filter((e) => e.flags.has(flag))
  const what = galeraOnly ? `a Galera cluster (${engine.displayName})` : engine.displayName
  const hint =
    flag === '--to'
      ? `--to picks the new primary of a cluster that has one: ${names(others)} (replication); a Galera cluster has every member writable, so \`ha failover --force\` is what it offers`
      : flag === '--galera'
        ? 'Galera is a MariaDB operator topology: `dbaas ha create mariadb <name> --galera`; a mysql HA cluster (Percona XtraDB Cluster) is always Galera'
        : others.length
          ? `engines that support ${flag}: ${names(others)}`
          : `no HA engine supports ${flag}`
  throw new UsageError(`${flag} is not supported for ${what}`, { hint })
}

/** A capability this engine lacks: exit 7, naming the engines that have it. */
export function requireCapability<K extends 'backups'>(engine: HaEngine, cap: K, what: string): NonNullable<HaEngine[K]> {
  const c = engine[cap]
  if (c) return c as NonNullable<HaEngine[K]>
  const refusal = cap === 'backups' ? engine.backupsRefusal : undefined
  const others = HA_ENGINES.filter((e) => e[cap])
  throw new PreconditionError(refusal?.message ?? `${what} is not supported for ${engine.displayName}`, {
    hint: `${refusal ? `${refusal.hint}. ` : ''}dbaas ${what} works for: ${names(others)}`,
  })
}
