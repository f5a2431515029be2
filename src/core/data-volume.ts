// The data volume a new instance would mount. A StatefulSet adopts any PVC named `data-<name>-0` in its
// namespace, and `delete` keeps that volume by design, so a later `create` of the same name would silently
// start on another instance's files (even another engine's). `create` refuses unless the volume is the
// instance's own (an Incomplete/Failed instance being completed), or --reuse-data says to mount it — and then
// the volume's recorded engine and major version must be the ones asked for.
import { ConflictError, PreconditionError } from '../errors.ts'
import { R, type Kube } from '../k8s/kube.ts'
import type { PersistentVolumeClaim } from '../k8s/types.ts'
import { ENGINE, ENGINE_VERSION } from '../k8s/labels.ts'

/** The PVC the StatefulSet's volumeClaimTemplate `data` names for pod 0. */
export function dataVolumeName(instance: string): string {
  return `data-${instance}-0`
}

export interface DataVolumeCheck {
  name: string
  namespace: string
  engine: string
  /** The engine's major version the instance runs. */
  version: string
  /** --reuse-data. */
  reuseData: boolean
  /** An instance of this name exists and is being completed: the volume is its own. */
  completing: boolean
}

/** The data volume of that name, if one exists (read before anything is written). */
export async function readDataVolume(kube: Kube, namespace: string, instance: string): Promise<PersistentVolumeClaim | undefined> {
  return kube.find(R.pvcs, namespace, dataVolumeName(instance))
}

/**
 * Refuses (4) a volume the instance did not make unless --reuse-data, refuses (7) a volume being deleted or
 * one of another engine or major version; returns a note for stderr when a volume is reused.
 */
export function checkDataVolume(pvc: PersistentVolumeClaim | undefined, c: DataVolumeCheck): string | undefined {
  if (!pvc) return c.reuseData ? `--reuse-data: there is no volume ${dataVolumeName(c.name)} in ${c.namespace}, so a new one is made` : undefined
  const ref = `persistentvolumeclaim/${pvc.metadata.name}`
  if (pvc.metadata.deletionTimestamp) {
    throw new PreconditionError(`${ref} in ${c.namespace} is being deleted; nothing was created`, {
      hint: `wait until it is gone (\`kubectl get pvc ${pvc.metadata.name} -n ${c.namespace}\`), then create again`,
    })
  }
  if (c.completing) return undefined
  if (!c.reuseData) {
    throw new ConflictError(`${ref} already exists in ${c.namespace} (kept by an earlier instance "${c.name}"); the new instance would start on its data; nothing was created`, {
      code: 'already_exists',
      hint: `pass --reuse-data to start on that data, pick another name or namespace, or remove it: kubectl delete pvc ${pvc.metadata.name} -n ${c.namespace}`,
      details: { volume: pvc.metadata.name, namespace: c.namespace },
    })
  }
  const labels = pvc.metadata.labels ?? {}
  const engine = labels[ENGINE]
  if (!engine) {
    throw new PreconditionError(`${ref} in ${c.namespace} has no ${ENGINE} label, so dbaas cannot tell which engine wrote it; nothing was created`, {
      hint: `if you know it holds ${c.engine} ${c.version} data, label it: kubectl label pvc ${pvc.metadata.name} -n ${c.namespace} ${ENGINE}=${c.engine} ${ENGINE_VERSION}=${c.version}`,
    })
  }
  if (engine !== c.engine) {
    throw new PreconditionError(`${ref} in ${c.namespace} holds ${engine} data, not ${c.engine}; nothing was created`, {
      hint: `create a ${engine} instance on it (\`dbaas create ${engine} ${c.name} -n ${c.namespace} --reuse-data\`), or pick another name`,
    })
  }
  const version = labels[ENGINE_VERSION]
  if (version && version !== c.version) {
    throw new PreconditionError(`${ref} in ${c.namespace} holds ${engine} ${version} data, not ${c.version}; a major version cannot read another's files; nothing was created`, {
      hint: `pass --version ${version}`,
    })
  }
  return `reusing the data of ${ref} (${engine}${version ? ` ${version}` : ''}): the database keeps the users and passwords it was made with, so the credentials Secret matches only if --password-stdin gave the old password`
}
