// dbaas engines: the engines, their versions, defaults and images — and for each, the HA operator and the
// versions it documents for its pinned release.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { engines } from '../../engines/registry.ts'
import { engineOfLabel } from '../../core/ha/registry.ts'
import type { HaEngine } from '../../core/ha/engine.ts'
import { enginesWriter } from '../../output/writers/setup.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

/** What `dbaas upgrade` does for a single instance (the same for every engine). */
const SINGLE_UPGRADES = { minor: 'in place (a new image, the pod restarted)', major: 'steps printed (backup, a new instance, dump and load)' }

/** What `dbaas ha upgrade` does, from the engine's day-2 capability in the HA registry. */
function haUpgrades(e: HaEngine): { minor: string; major: string } {
  const u = e.day2?.upgrade
  if (!u) return { minor: 'not supported yet', major: 'not supported yet' }
  return { minor: 'rolled through the instances', major: u.offlineMajor ? 'offline in place after a backup (--allow-major)' : 'steps printed' }
}

export default (deps: Deps): Command =>
  command(
    {
      name: 'engines',
      description: 'List the database engines and versions dbaas can create',
      examples: [
        ['Engines, versions and defaults', 'dbaas engines'],
        ['The default PostgreSQL version, for a script', "dbaas engines -o jsonpath='{[?(@.engine==\"postgresql\")].default}'"],
      ],
      output: { formats: ['table', 'wide', 'json', 'yaml', 'name', 'jsonpath'], writer: enginesWriter, table: true },
      complete,
      validate,
      run: async () =>
        engines.map((e) => {
          const ha = engineOfLabel(e.name)
          return {
            engine: e.name,
            aliases: e.aliases,
            image: e.image,
            versions: e.versions,
            default: e.defaultVersion,
            port: e.port,
            ha: ha ? { operator: ha.operator.name, topologies: [...ha.topologies], versions: [...ha.versions], default: ha.defaultVersion ?? null, upgrades: haUpgrades(ha) } : null,
            upgrades: SINGLE_UPGRADES,
          }
        }),
    },
    deps,
  )
