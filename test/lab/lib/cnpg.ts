// The real CloudNativePG operator (v1.30.0, from its release manifest) as a pod on the real node: leader
// election and RBAC as in production, its webhooks on, watching only the namespaces the real-operator tests
// name (so it never fights the fixture that plays the operator elsewhere), images imported, never pulled.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseAllDocuments, stringify } from 'yaml'
import { waitFor, type Component } from './components.ts'
import { apiGet, labKubectl } from './kube.ts'
import type { LabPaths } from './paths.ts'
import { cnpgNamespace, realNodeLabel } from './realnode.ts'

export const cnpgVersion = '1.30.0'
export const cnpgOperatorImage = `ghcr.io/cloudnative-pg/cloudnative-pg:${cnpgVersion}`
/** The operand image dbaas asks for; the lab's is PostgreSQL 17 from Debian 13 with uid 26. */
export const cnpgPostgresImage = 'ghcr.io/cloudnative-pg/postgresql:17'
const deploymentName = 'cnpg-controller-manager'

/**
 * Every namespace a lab test runs the real operator in. A test file asks `up --cnpg` for all of them, never just
 * its own: adding a namespace changes the operator's WATCH_NAMESPACE and rolls its pod, and a roll while another
 * file's Cluster is being admitted leaves that file's webhook calls unanswered (seen in CI).
 */
export const labCnpgNamespaces = {
  labTest: 'lab-cnpg-real',
  haCreate: 'dbaas-real-ha-1',
  haSwitchover: 'dbaas-real-ha-2',
  haBackup: 'dbaas-real-ha-3',
  realNodeHa: 'dbaas-rn-pay',
  realNodeHaCopy: 'dbaas-rn-pay-copy',
  realNodeBench: 'dbaas-rn-bench',
  realNodeHaConfig: 'dbaas-rn-hacfg',
} as const
export const allLabCnpgNamespaces: string = Object.values(labCnpgNamespaces).join(',')

type Obj = Record<string, any>

/** The release manifest, changed only where the lab must: pull policy, placement, watched namespaces, webhook scope. */
export function cnpgManifest(p: LabPaths, watch: string[]): string {
  const file = join(dirname(p.binDir), 'manifests', `cnpg-${cnpgVersion}.yaml`)
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJSON() as Obj | null).filter((d): d is Obj => d !== null)
  for (const d of docs) {
    if (d.kind === 'Deployment' && d.metadata?.name === deploymentName) {
      const spec = d.spec.template.spec
      spec.nodeSelector = { ...(spec.nodeSelector ?? {}), [realNodeLabel.key]: realNodeLabel.value }
      spec.tolerations = [...(spec.tolerations ?? []), { key: realNodeLabel.key, operator: 'Equal', value: realNodeLabel.value, effect: 'NoSchedule' }]
      for (const c of spec.containers) {
        if (c.name !== 'manager') continue
        // Imported images only: `Always` would ask a registry the lab has not got.
        c.imagePullPolicy = 'IfNotPresent'
        c.env = [
          ...(c.env ?? []).filter((e: Obj) => e.name !== 'WATCH_NAMESPACE' && e.name !== 'POSTGRES_IMAGE_NAME'),
          { name: 'WATCH_NAMESPACE', value: watch.join(',') },
          { name: 'POSTGRES_IMAGE_NAME', value: cnpgPostgresImage },
        ]
      }
    }
    if (d.kind === 'MutatingWebhookConfiguration' || d.kind === 'ValidatingWebhookConfiguration') {
      // Webhooks are cluster-wide; the operator only answers for the namespaces it watches.
      for (const w of d.webhooks ?? []) {
        w.namespaceSelector = { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: watch }] }
      }
    }
  }
  return docs.map((d) => stringify(d)).join('---\n')
}

interface Deployment {
  metadata: { generation?: number }
  status?: { observedGeneration?: number; availableReplicas?: number; updatedReplicas?: number; replicas?: number }
}

export function cnpgComponents(opts: { watchNamespaces: string[] }): Component[] {
  return [
    {
      kind: 'task',
      name: 'cnpg-operator',
      after: ['real-node-objects', 'kube-proxy', 'cnpg-crds', 'node-images', 'real-csi-provisioner'],
      run: async (p) => {
        const r = await labKubectl(p, ['apply', '--server-side', '--force-conflicts', '-f', '-'], cnpgManifest(p, opts.watchNamespaces))
        if (r.code !== 0) throw new Error(`applying the CloudNativePG ${cnpgVersion} release manifest failed: ${(r.stderr || r.stdout).slice(-1500)}`)
        await waitFor(`the CloudNativePG operator available on the real node`, 180_000, async () => {
          const d = await apiGet<Deployment>(p, `/apis/apps/v1/namespaces/${cnpgNamespace}/deployments/${deploymentName}`)
          const s = d?.status
          return !!s && s.observedGeneration === d.metadata.generation && (s.availableReplicas ?? 0) >= 1 && s.updatedReplicas === s.replicas && s.replicas === 1
        }, 500)
        // The operator writes its webhook CA into the configurations once its webhook server runs.
        await waitFor('the CloudNativePG webhooks to carry their CA', 120_000, async () => {
          const m = await apiGet<{ webhooks?: { clientConfig?: { caBundle?: string } }[] }>(
            p, '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/cnpg-mutating-webhook-configuration')
          return (m?.webhooks ?? []).length > 0 && m!.webhooks!.every((w) => (w.clientConfig?.caBundle ?? '') !== '')
        }, 500)
      },
    },
  ]
}
