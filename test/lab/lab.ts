// The lab manager: a real Kubernetes control plane, CSI snapshots, CNPG CRDs and two real databases as
// local processes, and on request a real node. Usage: node test/lab/lab.ts up [--merge-kubeconfig] [--real-node]
// [--cnpg NS,…] | down [--purge] | status | env |
// stop <component> | start <component>. State and logs live under DBAAS_LAB_DIR (default
// ~/.cache/dbaas-lab/state).
import { down, envLines, formatStatus, LabError, processComponents, startComponent, status, stopComponent, up } from './lib/manager.ts'

const usage = `usage: node test/lab/lab.ts <command>
  up [--merge-kubeconfig] [--real-node] [--cnpg NS[,NS…]]
                            build if needed, start every component, wait until ready (harmless when up);
                            --real-node adds a real kubelet node (root, Linux; kept until down);
                            --cnpg runs the real CloudNativePG operator on it, watching those namespaces
  down [--purge]            stop what the lab started, remove its state (--purge: the PKI too)
  status                    each component: pid, healthy or not, RSS; exit 1 if any is not healthy
  env                       print export lines for KUBECONFIG and PATH (DBAAS_LAB_HELM=4 for helm 4)
  stop <component>          stop one component
  start <component>         start one component (and wait until ready)
components: ${processComponents().map((c) => c.name).join(', ')}`

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err
})

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  const out = (line: string) => process.stderr.write(line + '\n')
  switch (cmd) {
    case 'up': {
      const known = new Set(['--merge-kubeconfig', '--real-node', '--cnpg'])
      const cnpgAt = rest.indexOf('--cnpg')
      const cnpgValue = cnpgAt >= 0 ? rest[cnpgAt + 1] : undefined
      if (cnpgAt >= 0 && (!cnpgValue || cnpgValue.startsWith('-'))) {
        out('--cnpg needs the namespaces the operator watches, e.g. --cnpg ha-tests (comma-separated)')
        return 2
      }
      const bad = rest.filter((a, i) => !known.has(a) && !(cnpgAt >= 0 && i === cnpgAt + 1))
      if (bad.length > 0) {
        out(`unknown option ${bad[0]} for up\n${usage}`)
        return 2
      }
      const cnpgNamespaces = cnpgValue?.split(',').map((n) => n.trim()).filter(Boolean)
      if (cnpgNamespaces?.some((n) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n))) {
        out(`--cnpg: "${cnpgValue}" is not a comma-separated list of namespace names`)
        return 2
      }
      await up({
        mergeKubeconfig: rest.includes('--merge-kubeconfig'),
        realNode: rest.includes('--real-node') || cnpgNamespaces !== undefined,
        cnpgNamespaces,
        out: (l) => process.stdout.write(l + '\n'),
      })
      return 0
    }
    case 'down':
      const { stillListening } = await down({ purge: rest.includes('--purge'), out: (l) => process.stdout.write(l + '\n') })
      return stillListening.length === 0 ? 0 : 1
    case 'status': {
      const rows = await status()
      for (const line of formatStatus(rows)) process.stdout.write(line + '\n')
      return rows.every((r) => r.healthy) ? 0 : 1
    }
    case 'env':
      for (const line of envLines()) process.stdout.write(line + '\n')
      return 0
    case 'stop':
    case 'start': {
      const name = rest[0]
      if (!name) {
        out(usage)
        return 2
      }
      await (cmd === 'stop' ? stopComponent : startComponent)(name, (l) => process.stdout.write(l + '\n'))
      return 0
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage + '\n')
      return cmd === undefined ? 2 : 0
    default:
      out(`unknown command "${cmd}"\n${usage}`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof LabError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exitCode = 1
  },
)
