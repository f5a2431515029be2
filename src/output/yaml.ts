// YAML for -o yaml and dry-run manifests. Imported dynamically by the printer, so the YAML library (the largest
// dependency after the cluster client) is loaded only when YAML is printed.
import { stringify } from 'yaml'

export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 })
}
