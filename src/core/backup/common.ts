// What backup create/list/delete/prune and restore share: refusing when snapshots cannot work here,
// finding a backup by name, telling HA clusters (and their operators' backups) apart.
import { NotFoundError, PreconditionError, UsageError } from '../../errors.ts'
import { apiInfo, isApiNotFound } from '../../k8s/errors.ts'
import { R, type Kube, type KubeObject, type ResourceType } from '../../k8s/kube.ts'
import type { PersistentVolume, VolumeSnapshot } from '../../k8s/types.ts'
import { KIND, Kinds, MANAGED, instanceSelector } from '../../k8s/labels.ts'
import { detectSnapshotSupport, SNAPSHOT_INSTALL_HINT, type SnapshotSupport } from '../detect/snapshots.ts'
import { isDbaasBackup, isHaSnapshot } from './model.ts'
import { CNPG } from '../ha/engines/cnpg.ts'
import { HA_ENGINES } from '../ha/registry.ts'

export const CNPG_CLUSTERS = CNPG.clusters
export const CNPG_BACKUPS = CNPG.backups
export const PVS = R.pvs

export const BACKUP_SELECTOR = `${MANAGED},${KIND}=${Kinds.backup}`

/** Refuses (exit 7, nothing written) when the snapshot CRDs are missing or no snapshot controller runs. */
export async function requireSnapshots(kube: Kube, now: number): Promise<{ support: SnapshotSupport; notes: string[] }> {
  const support = await detectSnapshotSupport(kube, now)
  if (!support.crds) {
    throw new PreconditionError('this cluster has no VolumeSnapshot CRDs (snapshot.storage.k8s.io), so it cannot take or restore backups; nothing was created', {
      hint: SNAPSHOT_INSTALL_HINT,
    })
  }
  const notes: string[] = []
  if (!support.controller.running) {
    if (support.controller.unknown) {
      notes.push(`could not check for a snapshot controller (${support.controller.detail}); if none runs, the wait below times out`)
    } else {
      throw new PreconditionError(`no snapshot controller is running (${support.controller.detail}), so snapshots would never become ready; nothing was created`, {
        hint: `start it, or ${SNAPSHOT_INSTALL_HINT}`,
      })
    }
  }
  return { support, notes }
}

async function tolerantList<T extends KubeObject>(kube: Kube, r: ResourceType<T>, ns: string | undefined, opts: { labelSelector?: string; fieldSelector?: string }): Promise<T[] | 'forbidden'> {
  try {
    return (await kube.list(r, ns, opts)).items
  } catch (err) {
    const code = apiInfo(err)?.httpCode
    if (code === 404) return []
    if (code === 403) return 'forbidden'
    throw err
  }
}

/** An HA cluster (of any HA engine, dbaas-labelled) of this name, if any. */
export async function findHaCluster(kube: Kube, name: string, namespace?: string): Promise<KubeObject | undefined> {
  for (const e of HA_ENGINES) {
    const found = await tolerantList(kube, e.resource, namespace, { labelSelector: instanceSelector(name) })
    if (found !== 'forbidden' && found.length) return found[0]
    if (found === 'forbidden' && namespace === undefined) {
      const own = await tolerantList(kube, e.resource, kube.contextNamespace, { labelSelector: instanceSelector(name) })
      if (own !== 'forbidden' && own.length) return own[0]
    }
  }
  return undefined
}

export function haUsage(what: string, verb: string): UsageError {
  return new UsageError(`${what}; HA clusters are backed up and restored through their operators`, { hint: `use \`${verb}\`` })
}

/**
 * Finds a dbaas backup by name: in `namespace` when given, else across namespaces (falling back to the
 * context's namespace when that is forbidden). Not found → 3; several → 2; an HA cluster's snapshot → 2.
 * `namespaceFlag` is the caller's flag that selects the backup's namespace (restore's -n is its target).
 */
export async function findBackup(kube: Kube, name: string, namespace: string | undefined, haVerb = 'dbaas ha restore', namespaceFlag = '-n'): Promise<VolumeSnapshot> {
  let candidates: VolumeSnapshot[]
  const where = namespace ?? kube.contextNamespace
  try {
    if (namespace) {
      const vs = await kube.find(R.volumeSnapshots, namespace, name)
      candidates = vs ? [vs] : []
    } else {
      try {
        candidates = (await kube.list(R.volumeSnapshots, undefined, { fieldSelector: `metadata.name=${name}` })).items
      } catch (err) {
        if (apiInfo(err)?.httpCode !== 403) throw err
        const one = await kube.find(R.volumeSnapshots, where, name)
        candidates = one ? [one] : []
      }
    }
  } catch (err) {
    if (isApiNotFound(err)) {
      throw new PreconditionError('this cluster has no VolumeSnapshot CRDs (snapshot.storage.k8s.io), so it holds no backups', { hint: SNAPSHOT_INSTALL_HINT })
    }
    throw err
  }
  const ha = candidates.find(isHaSnapshot)
  if (ha) throw haUsage(`"${name}" is a backup of an HA cluster`, `${haVerb} ${name}`)
  const mine = candidates.filter(isDbaasBackup)
  if (mine.length === 0) {
    for (const e of HA_ENGINES) {
      if (!e.backups) continue
      const hits = await tolerantList(kube, e.backups.resource, namespace, { fieldSelector: `metadata.name=${name}` })
      if (hits !== 'forbidden' && hits.length) throw haUsage(`"${name}" is a backup of an HA cluster`, `${haVerb} ${name}`)
    }
    throw new NotFoundError(`backup "${name}" not found${namespace ? ` in namespace ${namespace}` : ''}`, {
      hint: candidates.length ? `${candidates[0]?.metadata.namespace}/${name} is a VolumeSnapshot dbaas did not take` : 'see the backups with `dbaas backup list`',
    })
  }
  if (mine.length > 1) {
    const nss = mine.map((b) => b.metadata.namespace ?? '').sort()
    throw new UsageError(`backup "${name}" exists in several namespaces: ${nss.join(', ')}`, { hint: `pick one with ${namespaceFlag} ${nss[0]}` })
  }
  return mine[0] as VolumeSnapshot
}

/** Lists dbaas backups in one namespace, or in all the user may list (falling back to the context's namespace). */
export async function listBackupObjects(kube: Kube, namespace: string | undefined, instance?: string): Promise<{ items: VolumeSnapshot[]; fellBackTo?: string; noCrds: boolean }> {
  const sel = instance ? `${BACKUP_SELECTOR},dbaas.io/source-instance=${instance}` : BACKUP_SELECTOR
  try {
    return { items: (await kube.list(R.volumeSnapshots, namespace, { labelSelector: sel })).items, noCrds: false }
  } catch (err) {
    const code = apiInfo(err)?.httpCode
    if (code === 404) return { items: [], noCrds: true }
    if (code !== 403 || namespace !== undefined) throw err
    const items = (await kube.list(R.volumeSnapshots, kube.contextNamespace, { labelSelector: sel })).items
    return { items, fellBackTo: kube.contextNamespace, noCrds: false }
  }
}

export type Settled<T> = { ok: true; value: T; error?: undefined } | { ok: false; value?: undefined; error: unknown }

/** A promise's outcome, so reads made together can be judged one by one in the refusals' order. */
export function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )
}

export function unwrap<T>(s: Settled<T>): T {
  if (!s.ok) throw s.error
  return s.value
}

