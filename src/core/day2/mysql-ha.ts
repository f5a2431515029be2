// The day-2 capability of the MySQL-family HA engines — their entries in the HA engine registry — as far as
// dbaas drives them: the server configuration (`ha config`), a my.cnf text each operator mounts and rolls every
// member onto when it changes. Checked against each operator's docs and code:
//   - Percona XtraDB Cluster operator (v1.18): spec.pxc.configuration becomes the ConfigMap <name>-pxc; the
//     operator puts its hash on the StatefulSet's pod template (annotation percona.com/configuration-hash), so
//     any change restarts every member — with the default updateStrategy SmartUpdate one at a time, the member
//     HAProxy writes to last ("ConfigMap updates" are among the events its docs say restart the Pods in order).
//     Meanwhile status.state is "initializing"; done is state "ready" with status.observedGeneration caught up.
//   - MariaDB operator (v25.10): spec.myCnf becomes the ConfigMap <name>-config, its hash the pod-template
//     annotation k8s.mariadb.com/config; "the operator triggers a rolling update whenever the myCnf field
//     changes" (docs/CONFIGURATION.md), by default ReplicasFirstPrimaryLast. The condition Updated is False
//     (reason Updating; PendingUpdate with updateStrategy OnDelete) until every pod is rolled, then True.
// Pure.
import type { KubeObject } from '../../k8s/kube.ts'
import type { Pod } from '../../k8s/types.ts'
import { MANAGED as PXC_MANAGED, pxcHealthy, type PerconaXtraDBCluster } from '../ha/engines/pxc.ts'
import { healthy as mariadbHealthy, MANAGED as MARIADB_MANAGED, type MariaDB } from '../ha/engines/mariadb.ts'
import { haSecretName } from '../ha/model.ts'
import type { HaDay2Capability } from './capability.ts'
import { optionName } from './mycnf.ts'

export const PXC_CONFIG_HASH = 'percona.com/configuration-hash'
export const MARIADB_CONFIG_HASH = 'k8s.mariadb.com/config'

function managedBy(set: ReadonlySet<string>): (name: string) => boolean {
  return (name) => {
    const n = optionName(name)
    return set.has(n) || (set.has('wsrep_*') && n.startsWith('wsrep_'))
  }
}

function updated(m: MariaDB): { status?: string; reason?: string; message?: string } | undefined {
  return (m.status?.conditions ?? []).find((c) => c.type === 'Updated')
}

export const pxcDay2: HaDay2Capability<PerconaXtraDBCluster> = {
  pvcSelector: (c) => `app.kubernetes.io/instance=${c.metadata.name},app.kubernetes.io/component=pxc`,
  container: 'pxc',
  config: {
    kind: 'my.cnf',
    field: 'spec.pxc.configuration',
    sections: ['mysqld'],
    text: (c) => c.spec?.pxc?.configuration,
    patch: (text) => ({ spec: { pxc: { configuration: text } } }),
    fixed: managedBy(PXC_MANAGED),
    rootSecret: (c) => ({ name: c.spec?.secretsName ?? haSecretName(c.metadata.name), key: 'root' }),
    hashAnnotation: PXC_CONFIG_HASH,
    members: (c, pods) => pods.filter((p) => p.metadata.name.startsWith(`${c.metadata.name}-pxc-`)),
    rolled: (c) => pxcHealthy(c),
    rollout: 'the Percona XtraDB Cluster operator restarts every member for any change of spec.pxc.configuration (SmartUpdate: one at a time, the member HAProxy writes to last); the others keep serving',
    // SmartUpdate and RollingUpdate restart the pods; OnDelete leaves it to whoever deletes them.
    manualRoll: (c) => (c.spec?.updateStrategy === 'OnDelete' ? 'spec.updateStrategy OnDelete' : undefined),
  },
}

export const mariadbDay2: HaDay2Capability<MariaDB> = {
  pvcSelector: (m) => `app.kubernetes.io/name=mariadb,app.kubernetes.io/instance=${m.metadata.name}`,
  container: 'mariadb',
  config: {
    kind: 'my.cnf',
    field: 'spec.myCnf',
    // mariadbd reads [mysqld], [server], [mariadb] and [mariadbd]; dbaas writes into [mariadb] as `ha create` does.
    sections: ['mariadb', 'mysqld', 'server', 'mariadbd'],
    text: (m) => m.spec?.myCnf,
    patch: (text) => ({ spec: { myCnf: text } }),
    fixed: managedBy(MARIADB_MANAGED),
    rootSecret: (m) => ({ name: m.spec?.rootPasswordSecretKeyRef?.name ?? haSecretName(m.metadata.name), key: m.spec?.rootPasswordSecretKeyRef?.key ?? 'root' }),
    hashAnnotation: MARIADB_CONFIG_HASH,
    members: (_m, pods) => pods,
    rolled: (m) => mariadbHealthy(m) && updated(m)?.status !== 'False',
    rollout: 'the MariaDB operator rolls every pod for any change of spec.myCnf (ReplicasFirstPrimaryLast: the replicas one by one, the primary last)',
    // ReplicasFirstPrimaryLast (the default) and RollingUpdate roll the pods; OnDelete waits for pods to be deleted, Never pauses updates.
    manualRoll: (m) => {
      const t = (m.spec?.updateStrategy as { type?: string } | undefined)?.type
      return t === 'OnDelete' || t === 'Never' ? `spec.updateStrategy.type ${t}` : undefined
    },
  },
}

/** Where the MariaDB operator's update stands (its Updated condition), for timeouts. */
export function mariadbUpdateWhere(m: KubeObject): string {
  const u = updated(m as MariaDB)
  return u ? `Updated ${u.status}${u.reason ? ` (${u.reason})` : ''}` : 'no Updated condition'
}

/** A member has been rolled onto the new configuration: a configuration hash it did not carry before, or made since. */
export function rolledPod(p: Pod, annotation: string, before: ReadonlySet<string>, since: number): boolean {
  const h = p.metadata.annotations?.[annotation]
  if (h !== undefined && before.size > 0) return !before.has(h)
  return Date.parse(p.metadata.creationTimestamp ?? '') >= since - 1000
}
