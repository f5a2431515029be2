// What a dry run would send: the objects as a v1 List (-o json, -o jsonpath) or as multi-document YAML (for
// people and -o yaml, ready for `kubectl apply -f -`). Secrets arrive here already redacted by the core.
import type { KubeObject } from '../../k8s/kube.ts'
import type { Printer } from '../printer.ts'

export function manifestList(objects: KubeObject[]): { apiVersion: 'v1'; kind: 'List'; items: KubeObject[] } {
  return { apiVersion: 'v1', kind: 'List', items: objects }
}

export async function printManifests(objects: KubeObject[], printer: Printer): Promise<void> {
  const { toYaml } = await import('../yaml.ts')
  for (const o of objects) printer.line(`---\n${toYaml(o)}`.trimEnd())
}

/** `kind/name` for -o name, lower-cased as kubectl prints it. */
export function manifestNames(objects: KubeObject[]): string[] {
  return objects.map((o) => `${String(o.kind ?? '').toLowerCase()}/${o.metadata.name}`)
}
