// The day-2 capability of an HA engine (its entry in the HA engine registry): per verb, the one write that
// asks the operator (a merge patch) and the test that the operator and the pods did it. Pure. An engine
// without a part exits 7 naming the engines that have it (day2/ha.ts).
import type { KubeObject } from '../../k8s/kube.ts'
import type { PersistentVolumeClaim, Pod } from '../../k8s/types.ts'

export interface Resources {
  cpu?: string | undefined
  memory?: string | undefined
}

export interface HaDay2Capability<C extends KubeObject = KubeObject> {
  /** The data volumes of the cluster (label selector). */
  pvcSelector(c: C): string
  /** The container the database runs in (its resources and image are checked on each pod). */
  container: string
  resources?: {
    current(c: C): Resources & { limitMemory?: string | undefined }
    patch(want: Resources): Record<string, unknown>
    done(c: C, pods: Pod[], want: Resources): boolean
  }
  resize?: {
    size(c: C): string | undefined
    storageClass(c: C): string | undefined
    patch(size: string): Record<string, unknown>
    done(c: C, pvcs: PersistentVolumeClaim[], bytes: number): boolean
  }
  hibernation?: {
    requested(c: C): boolean
    /** The operator's own report of it (CNPG's condition), undefined when absent. */
    condition(c: C): { status?: string; reason?: string; message?: string } | undefined
    patch(on: boolean): Record<string, unknown>
    hibernated(c: C, pods: Pod[]): boolean
    resumed(c: C, pods: Pod[]): boolean
    /** The annotation or field it is asked through, for plans and messages. */
    field: string
  }
  restart?: {
    last(c: C): string | undefined
    patch(at: string): Record<string, unknown>
    done(c: C, pods: Pod[], at: string): boolean
    field: string
  }
  /** Server parameters (`ha config get|set|unset`): PostgreSQL GUCs the operator carries to every instance, or a my.cnf text. */
  config?: ParamsConfig<C> | MyCnfConfig<C>
  upgrade?: {
    image(c: C): string | undefined
    majors: readonly string[]
    /** The major the data files are of (after a failed major upgrade, the old one), NaN when unknown. */
    dataMajor(c: C): number
    patch(image: string): Record<string, unknown>
    /** A major is the operator's offline in-place upgrade (else exit 7 with steps). */
    offlineMajor: boolean
    done(c: C, pods: Pod[], image: string, major: string | undefined): boolean
    /** The operator gave up (a message), else undefined. */
    failed(c: C): string | undefined
  }
}

/** CloudNativePG: a map of parameters in the object. */
export interface ParamsConfig<C extends KubeObject = KubeObject> {
  kind?: 'parameters'
  /** The values dbaas (or anyone) set in the operator's object. */
  current(c: C): Record<string, string>
  /** Parameters the operator manages itself (refused, exit 2). */
  fixed: ReadonlySet<string>
  /** One merge patch: a value sets, null removes. */
  patch(changes: Record<string, string | null>): Record<string, unknown>
  /** Where the values live in the object, for plans and messages. */
  field: string
}

/** The MySQL-family operators: a my.cnf text (core/day2/mycnf.ts) the operator mounts and rolls every member onto. */
export interface MyCnfConfig<C extends KubeObject = KubeObject> {
  kind: 'my.cnf'
  field: string
  /** The sections the server reads; dbaas writes its block into the first. */
  sections: readonly string[]
  text(c: C): string | undefined
  /** One merge patch setting the whole text (null removes the field). */
  patch(text: string | null): Record<string, unknown>
  /** An option the operator writes itself (refused, exit 2). */
  fixed(name: string): boolean
  /** Where the root password is (exec reads the server as root, the password on stdin). */
  rootSecret(c: C): { name: string; key: string }
  /** The pod-template annotation carrying the operator's hash of the configuration (a new one marks a rolled pod). */
  hashAnnotation: string
  /** The member pods among the cluster's pods (not its proxies). */
  members(c: C, pods: Pod[]): Pod[]
  /** The operator reports the change taken and every member rolled (its own status), given the pods. */
  rolled(c: C): boolean
  /** What the operator does when the field changes, for plans. */
  rollout: string
  /** The cluster's update strategy leaves the restarts to the user (OnDelete, Never): which, else undefined. */
  manualRoll(c: C): string | undefined
}
