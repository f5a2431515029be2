// The entry of dist/job/backup-job.js: what a backup schedule's CronJob runs (node:24-slim, the script from the
// chart's ConfigMap, the schedule's ServiceAccount). Its configuration comes from DBAAS_JOB_* (the chart sets
// them); its cluster is the pod's own (in-cluster config), or KUBECONFIG when set, as kubectl decides. Steps go
// to stderr, the run's result as one JSON line to stdout, and one line to the pod's termination message, which
// `dbaas status` and `dbaas backup schedule list` show as the last run's result.
import { writeFileSync } from 'node:fs'
import type { Deps } from '../deps.ts'
import { DbaasError } from '../errors.ts'
import { HttpTransport } from '../k8s/http.ts'
import { Kube } from '../k8s/kube.ts'
import { loadKubeconfig } from '../k8s/kubeconfig.ts'
import { Printer } from '../output/printer.ts'
import { lineUi } from '../output/ui.ts'
import { jobConfigFromEnv } from '../core/schedule/model.ts'
import { runScheduleJob, ScheduleKube, summary } from '../core/schedule/job.ts'

const TERMINATION_LOG = process.env.DBAAS_JOB_TERMINATION_LOG ?? '/dev/termination-log'

function lastWords(line: string): void {
  try {
    writeFileSync(TERMINATION_LOG, line.slice(0, 4000))
  } catch {
    // not in a pod (a test run from a shell): stdout and stderr say it all
  }
}

function unavailable(what: string): never {
  throw new Error(`${what} is not available in the backup job`)
}

async function main(): Promise<number> {
  const env = process.env
  const streams = { out: process.stdout, err: process.stderr }
  const ctrl = new AbortController()
  process.once('SIGTERM', () => ctrl.abort())
  const cfg = jobConfigFromEnv(env)
  const resolved = loadKubeconfig({}, env)
  const trace = env.DBAAS_JOB_TRACE ? (l: string) => process.stderr.write(`[api] ${l}\n`) : undefined
  const base = new Kube(new HttpTransport(resolved, { timeoutMs: 30_000, ...(trace ? { trace } : {}) }), resolved.contextNamespace)
  const kube = new ScheduleKube(base, cfg.schedule)
  const deps: Deps = {
    env,
    streams,
    printer: new Printer(streams, { NO_COLOR: '1' }),
    ui: lineUi(process.stderr),
    helm: {
      version: () => unavailable('helm'),
      upgradeInstall: () => unavailable('helm'),
      template: () => unavailable('helm'),
      uninstall: () => unavailable('helm'),
      getValues: () => unavailable('helm'),
      rollback: () => unavailable('helm'),
    },
    kube: async () => kube,
    kubeconfig: async () => resolved,
    kubeTarget: async () => unavailable('helm'),
    now: () => Date.now(),
    randomBytes: () => unavailable('random bytes'),
    signal: ctrl.signal,
    interactive: false,
    prompter: new Proxy({}, { get: () => () => unavailable('a prompt') }) as Deps['prompter'],
    readStdin: async () => '',
    verbosity: 0,
  }
  process.stderr.write(`dbaas backup job: schedule ${cfg.schedule}, ${cfg.mode === 'backup' ? `backing up ${cfg.instance}` : `pruning ${cfg.instance}'s backups`} in ${cfg.namespace}\n`)
  try {
    const r = await runScheduleJob(cfg, deps)
    process.stdout.write(`${JSON.stringify(r)}\n`)
    const line = summary(r)
    process.stderr.write(`${line}\n`)
    lastWords(line)
    return 0
  } catch (err) {
    deps.ui.fail()
    const e = err as DbaasError
    const line = `failed: ${e?.message ?? String(err)}${e instanceof DbaasError && e.hint ? ` (${e.hint})` : ''}`
    process.stdout.write(`${JSON.stringify({ schedule: cfg.schedule, instance: cfg.instance, namespace: cfg.namespace, error: e instanceof DbaasError ? e.toJSON() : { message: String(err) } })}\n`)
    process.stderr.write(`${line}\n`)
    lastWords(line)
    return e instanceof DbaasError ? e.exitCode : 1
  }
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    const line = `failed: ${(err as Error)?.message ?? String(err)}`
    process.stderr.write(`${line}\n`)
    lastWords(line)
    process.exitCode = 2
  },
)
