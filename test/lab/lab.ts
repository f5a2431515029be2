// The lab manager: a real Kubernetes control plane, CSI snapshots, CNPG CRDs and two real databases as
// local processes. Usage: node test/lab/lab.ts up [--merge-kubeconfig] | down [--purge] | status | env |
// stop <component> | start <component>. State and logs live under DBAAS_LAB_DIR (default
// ~/.cache/dbaas-lab/state).
import { down, envLines, formatStatus, LabError, processComponents, startComponent, status, stopComponent, up } from './lib/manager.ts'

const usage = `usage: node test/lab/lab.ts <command>
  up [--merge-kubeconfig]   build if needed, start every component, wait until ready (harmless when up)
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
    case 'up':
      await up({ mergeKubeconfig: rest.includes('--merge-kubeconfig'), out: (l) => process.stdout.write(l + '\n') })
      return 0
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
