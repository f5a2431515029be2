import { Command } from 'commander'
import { stringify } from 'yaml'
import type { Deps } from '../deps.ts'
import { UsageError } from '../errors.ts'
import { validateNamespace } from '../core/names.ts'
import { allVerbs, permissions, rbacManifests, type Verb } from '../core/rbac.ts'
import { examples, format, outputOption, printManifests } from './shared.ts'

interface RawRbac {
  namespace?: string
  verbs?: string
  user?: string
  group?: string
  name?: string
  kubeconfig?: string
  context?: string
  output?: string
}

export function rbacCommand(deps: Deps): Command {
  const cmd = new Command('rbac')
    .description('Print the Role (and ClusterRole) a namespace-limited user needs to run dbaas, for an admin to apply')
    .option('-n, --namespace <namespace>', "the user's namespace (default: the kubeconfig context's)")
    .option('--verbs <verbs>', `only these dbaas verbs, comma-separated: ${allVerbs.join(',')}`)
    .option('--user <name>', 'also bind the roles to this user')
    .option('--group <name>', 'also bind the roles to this group')
    .option('--name <name>', 'name of the Role and its binding', 'dbaas-user')
    .option('--kubeconfig <path>', 'kubeconfig to read the default namespace from')
    .option('--context <name>', 'kubeconfig context to read the default namespace from')
    .addOption(outputOption(['yaml', 'json']).default('yaml'))
  examples(cmd, [
    ['What user alice needs in namespace team-a, applied by an admin', 'dbaas rbac -n team-a --user alice | kubectl apply -f -'],
    ['Read-only use: list, status and connection details', 'dbaas rbac -n team-a --verbs list,status,connection'],
  ])
  return cmd.action((raw: RawRbac) => {
    const fmt = format(raw, ['yaml', 'json'])
    let namespace = raw.namespace
    if (namespace === undefined) {
      try {
        namespace = deps.kubeconfig({ kubeconfig: raw.kubeconfig, context: raw.context }).namespace
      } catch {
        namespace = 'default'
      }
    }
    validateNamespace(namespace)
    const verbs = raw.verbs ? raw.verbs.split(',').map((v) => v.trim()).filter(Boolean) : allVerbs
    const unknown = verbs.filter((v) => !(v in permissions))
    if (unknown.length) throw new UsageError(`unknown verb ${unknown.map((v) => `"${v}"`).join(', ')}`, { hint: `use: ${allVerbs.join(', ')}` })
    const objs = rbacManifests({ namespace, verbs: verbs as Verb[], user: raw.user, group: raw.group, name: raw.name })
    if (fmt === 'json') return printManifests(objs, fmt, deps)
    const p = deps.printer
    p.line(`# dbaas ${verbs.join(', ')} for a user limited to namespace ${namespace}.`)
    p.line('# The ClusterRole covers what only cluster scope grants: reading storage and snapshot classes, namespaces,')
    p.line("# and restoring into another namespace (VolumeSnapshotContents). Without it those verbs still run, with less.")
    if (!raw.user && !raw.group) p.line('# Bind it with --user or --group, or write your own RoleBinding/ClusterRoleBinding.')
    for (const o of objs) p.line(`---\n${stringify(o, { lineWidth: 0 })}`.trimEnd())
  })
}
