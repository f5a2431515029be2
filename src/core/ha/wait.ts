// Waiting on one Cluster by watching it (list then watch, no sleeps): until it is healthy, or until a
// switchover/failover has landed. Timeouts say where the cluster stopped.
import type { Deps } from '../../deps.ts'
import { OperationError } from '../../errors.ts'
import type { Kube } from '../../k8s/kube.ts'
import type { CnpgCluster } from '../../k8s/types.ts'
import { waitFor } from '../../k8s/wait.ts'
import { CNPG, isHealthy } from './model.ts'

/** "currentPrimary pg-1, targetPrimary pg-2, phase Switchover in progress (…), 2/3 ready" */
export function whereItStands(c: CnpgCluster | undefined): string {
  if (!c) return 'the Cluster is gone'
  const st = c.status ?? {}
  const reason = st.phaseReason ? ` (${st.phaseReason})` : ''
  return `currentPrimary ${st.currentPrimary ?? '<none>'}, targetPrimary ${st.targetPrimary ?? '<none>'}, phase "${st.phase ?? '<none>'}"${reason}, ${st.readyInstances ?? 0}/${c.spec?.instances ?? '?'} instances ready`
}

export async function waitCluster(
  kube: Kube,
  name: string,
  namespace: string,
  timeoutMs: number,
  deps: Deps,
  done: (c: CnpgCluster) => boolean,
  opts: { what: string; hint: string; fail?: (c: CnpgCluster) => string | undefined },
): Promise<CnpgCluster> {
  return waitFor(
    kube,
    CNPG.clusters,
    namespace,
    { fieldSelector: `metadata.name=${name}` },
    (items) => {
      const c = items[0]
      if (!c) return undefined
      const why = opts.fail?.(c)
      if (why) throw new OperationError(why, { hint: opts.hint })
      deps.ui.update(`(${c.status?.phase ?? 'no phase yet'})`)
      return done(c) ? c : undefined
    },
    {
      timeoutMs,
      signal: deps.signal,
      describe: (items) => `${opts.what} did not happen; where it stopped: ${whereItStands(items[0])}`,
      timeoutHint: opts.hint,
    },
  )
}

export function waitHealthy(kube: Kube, name: string, namespace: string, timeoutMs: number, deps: Deps): Promise<CnpgCluster> {
  deps.ui.step(`Waiting for ${name} to be healthy`)
  return waitCluster(kube, name, namespace, timeoutMs, deps, isHealthy, {
    what: `${name} becoming healthy`,
    hint: `it goes on starting: \`dbaas ha status ${name} -n ${namespace}\` follows it`,
  })
}
