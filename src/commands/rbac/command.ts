// dbaas rbac: the Role (and ClusterRole) a namespace-limited user needs, for an admin to apply.
import { Command } from 'commander'
import type { Deps } from '../../deps.ts'
import { allVerbs, rbacManifests } from '../../core/rbac.ts'
import type { KubeObject } from '../../k8s/kube.ts'
import { rbacWriter } from '../../output/writers/setup.ts'
import { command } from '../pipeline.ts'
import { complete, validate } from './options.ts'

export default (deps: Deps): Command =>
  command(
    {
      name: 'rbac',
      description: 'Print the Role (and ClusterRole) a namespace-limited user needs to run dbaas, for an admin to apply',
      options: (cmd) => {
        cmd
          .option('-n, --namespace <namespace>', "the user's namespace (default: the kubeconfig context's)")
          .option('--verbs <verbs>', `only these dbaas verbs, comma-separated command paths (${allVerbs.slice(0, 4).join(', ')}, backup-create, ha-failover, …; backup and ha name all of theirs)`)
          .option('--user <name>', 'also bind the roles to this user')
          .option('--group <name>', 'also bind the roles to this group')
          .option('--name <name>', 'name of the Role and its binding', 'dbaas-user')
          .option('--kubeconfig <path>', 'kubeconfig to read the default namespace from')
          .option('--context <name>', 'kubeconfig context to read the default namespace from')
      },
      examples: [
        ['What user alice needs in namespace team-a, applied by an admin', 'dbaas rbac -n team-a --user alice | kubectl apply -f -'],
        ['Read-only use: list, status and connection details', 'dbaas rbac -n team-a --verbs list,status,connection'],
        ['Backups and restores only', 'dbaas rbac -n team-a --verbs backup,restore'],
      ],
      output: { formats: ['yaml', 'json', 'name', 'jsonpath'], writer: rbacWriter },
      complete,
      validate,
      run: async (o) => ({
        namespace: o.namespace,
        verbs: o.verbs,
        bound: Boolean(o.user || o.group),
        objects: rbacManifests({ namespace: o.namespace, verbs: o.verbs, user: o.user, group: o.group, name: o.name }) as KubeObject[],
      }),
    },
    deps,
  )
