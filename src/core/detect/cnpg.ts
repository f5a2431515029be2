// Is CloudNativePG installed here? The HA engines' shared detector (core/ha/operators.ts) with CloudNativePG's
// signals: its CRDs through discovery, a Deployment labelled app.kubernetes.io/name=cloudnative-pg with ready
// replicas in any namespace, or a fresh leader Lease db9c8771.cnpg.io. Kept under this name for doctor and
// the tests that read it.
import type { Kube } from '../../k8s/kube.ts'
import { cnpg, CNPG_INSTALL_HINT } from '../ha/engines/cnpg.ts'
import { detectOperator, type OperatorDetection } from '../ha/operators.ts'
import { leaseFresh } from './common.ts'

export { leaseFresh, CNPG_INSTALL_HINT }

export type CnpgDetection = OperatorDetection

export const CNPG_GROUP = cnpg.operator.group
export const CNPG_CLUSTER_CRD = cnpg.operator.crd
export const CNPG_OPERATOR_LABEL = cnpg.operator.deploymentSelector
export const CNPG_LEASE = cnpg.operator.lease
/** Where CNPG's release manifests put the operator; tried directly when cluster-wide listing is refused. */
export const CNPG_DEFAULT_NAMESPACE = cnpg.operator.defaultNamespace

export function detectCnpg(kube: Kube, now: number = Date.now()): Promise<CnpgDetection> {
  return detectOperator(cnpg.operator, kube, now)
}
