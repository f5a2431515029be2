// Namespaces that are not for databases: Kubernetes' own (kube-system, kube-public, kube-node-lease) and the
// namespace an operator dbaas knows runs in (CloudNativePG's, found by its Deployment's label or its leader
// Lease). create, restore, ha create and ha restore refuse them with exit 2 and the reason, unless
// --allow-system-namespace. The first check is pure (validate); the second reads the cluster (two requests,
// sent with the other preflight reads).
import { UsageError } from '../errors.ts'
import { R, type Kube } from '../k8s/kube.ts'
import { tolerant } from './detect/common.ts'
import { CNPG_LEASE, CNPG_OPERATOR_LABEL } from './detect/cnpg.ts'

export const ALLOW_FLAG = '--allow-system-namespace'

/** Kubernetes' own namespaces, and why a database does not belong in each. */
export const SYSTEM_NAMESPACES: Readonly<Record<string, string>> = {
  'kube-system': "is Kubernetes' own: the control plane and cluster add-ons run there, with broad permissions",
  'kube-public': 'is readable by every user, even unauthenticated ones',
  'kube-node-lease': "holds the nodes' heartbeat Leases",
}

/** The operators whose namespaces dbaas recognises: a Deployment label and a leader Lease. */
export const OPERATORS = [{ name: 'CloudNativePG', deploymentLabel: CNPG_OPERATOR_LABEL, lease: CNPG_LEASE }] as const

function refusal(ns: string, reason: string): UsageError {
  return new UsageError(`namespace ${ns} ${reason}; it is not for databases`, {
    hint: `pick another namespace with -n (or leave -n out for dbaas-<name>); pass ${ALLOW_FLAG} if you really mean ${ns}`,
    details: { namespace: ns },
  })
}

/** Pure: Kubernetes' own namespaces. */
export function checkSystemNamespace(ns: string, allow: boolean): void {
  const reason = SYSTEM_NAMESPACES[ns]
  if (reason && !allow) throw refusal(ns, reason)
}

/**
 * The namespace an operator runs in: a Deployment with the operator's label there, or its leader Lease. Reads
 * the user may not make (403) or that find nothing (404) pass: the operator is then not known to be there.
 */
export async function checkOperatorNamespace(kube: Kube, ns: string, allow: boolean): Promise<void> {
  if (allow) return
  for (const op of OPERATORS) {
    const [deployments, lease] = await Promise.all([
      tolerant(kube.list(R.deployments, ns, { labelSelector: op.deploymentLabel, metadataOnly: true })),
      tolerant(kube.get(R.leases, ns, op.lease)),
    ])
    const found = (typeof deployments === 'object' && deployments.items.length > 0) || typeof lease === 'object'
    if (found) throw refusal(ns, `runs the ${op.name} operator`)
  }
}
